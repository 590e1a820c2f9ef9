//! The Terraform JSON documents, in Terraform's JSON configuration syntax (`*.tf.json`): a
//! service's `resource` blocks, and the module's one `terraform.required_providers` block. Maps
//! are sorted, so the same resources always give the same bytes.

use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// A provider the document requires: its local name, registry source and version constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provider {
    pub local_name: &'static str,
    pub source: &'static str,
    pub version: &'static str,
}

/// `jianyuan/sentry`: 0.15.0 is the first release with `sentry_metric_monitor`,
/// `sentry_uptime_monitor` and `sentry_alert`, but until 0.15.2 a monitor's `comparison` takes
/// integers only (every fractional failure-rate threshold fails) and `sentry_alert` requires
/// `trigger_conditions`: 0.15.3 is the first release that accepts what slofile writes.
pub const SENTRY: Provider = Provider {
    local_name: "sentry",
    source: "jianyuan/sentry",
    version: "~> 0.15.3",
};

/// `uptimerobot/uptimerobot`: 1.10 has the v3 monitor attributes slofile writes
/// (`keyword_case_type`, `follow_redirections`, string alert contact ids).
pub const UPTIMEROBOT: Provider = Provider {
    local_name: "uptimerobot",
    source: "uptimerobot/uptimerobot",
    version: "~> 1.10",
};

/// The resources of one service's file, by type and then by name, and the providers they need.
#[derive(Debug, Default)]
pub struct Document {
    providers: BTreeMap<&'static str, Provider>,
    resources: BTreeMap<&'static str, BTreeMap<String, Value>>,
}

impl Document {
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// The providers of the resources added so far.
    pub fn providers(&self) -> impl Iterator<Item = Provider> + '_ {
        self.providers.values().copied()
    }

    /// Adds a resource of a provider's `kind` under `name`, which must be unique within the kind.
    /// Every string of `body` is taken literally: Terraform reads `${` and `%{` in a `.tf.json`
    /// string as a template, so they are escaped (`$${`, `%%{`).
    pub fn add(&mut self, provider: Provider, kind: &'static str, name: String, mut body: Value) {
        escape_templates(&mut body);
        self.insert(provider, kind, name, body);
    }

    /// [`Document::add`], with `field` set to `references` (`${kind.name.id}`), which Terraform
    /// resolves.
    pub fn add_referencing(
        &mut self,
        provider: Provider,
        kind: &'static str,
        name: String,
        mut body: Value,
        (field, references): (&str, Vec<String>),
    ) {
        escape_templates(&mut body);
        if let Value::Object(entries) = &mut body {
            entries.insert(field.to_owned(), json!(references));
        }
        self.insert(provider, kind, name, body);
    }

    fn insert(&mut self, provider: Provider, kind: &'static str, name: String, body: Value) {
        self.providers.insert(provider.local_name, provider);
        let previous = self.resources.entry(kind).or_default().insert(name, body);
        debug_assert!(
            previous.is_none(),
            "resource names are unique within a kind"
        );
    }

    /// `{"resource": ...}`: the service's file holds resources only; the providers they need
    /// go into the module's one [`providers_json`].
    pub fn to_json(&self) -> Value {
        let resources: Map<String, Value> = self
            .resources
            .iter()
            .map(|(kind, named)| {
                let named: Map<String, Value> = named
                    .iter()
                    .map(|(name, body)| (name.clone(), body.clone()))
                    .collect();
                ((*kind).to_owned(), Value::Object(named))
            })
            .collect();
        json!({"resource": resources})
    }
}

/// `{"terraform": {"required_providers": ...}}`: the one `terraform` block of the module
/// (`terraform/providers.tf.json`). Terraform reads every `*.tf.json` of a directory as one module
/// and refuses a second `required_providers` block, so no service file has one.
pub fn providers_json(providers: impl IntoIterator<Item = Provider>) -> Value {
    let providers: BTreeMap<&str, Value> = providers
        .into_iter()
        .map(|provider| {
            (
                provider.local_name,
                json!({"source": provider.source, "version": provider.version}),
            )
        })
        .collect();
    json!({"terraform": {"required_providers": providers}})
}

/// The name of a resource: `<service>_<key>`, the service's id, `_`, and a stable slofile key
/// within the service (an SLO id, or a monitor key such as `checkout/failure-rate-1h`). Every
/// file of `terraform/` is one module, so names carry the service: two services may share an SLO
/// id. Terraform names take letters, digits, `_` and `-` and start with a letter or `_`: any other
/// character becomes `_`, and a name starting with a digit gets a leading `_`. Ids have no `_`, so
/// the first `_` always ends the service: `checkout_checkout-errors_failure-rate-1h`.
pub fn resource_name(service: &str, key: &str) -> String {
    let name: String = format!("{service}_{key}")
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ch == '-' || ch == '_' {
                ch
            } else {
                '_'
            }
        })
        .collect();
    if name.starts_with(|ch: char| ch.is_ascii_alphabetic() || ch == '_') {
        name
    } else {
        format!("_{name}")
    }
}

/// Escapes Terraform's template sequences in every string: `${` becomes `$${` and `%{` becomes
/// `%%{`, which Terraform reads back as the literal text.
fn escape_templates(value: &mut Value) {
    match value {
        Value::String(text) if text.contains("${") || text.contains("%{") => {
            *text = text.replace("${", "$${").replace("%{", "%%{");
        }
        Value::Array(items) => items.iter_mut().for_each(escape_templates),
        Value::Object(entries) => entries.values_mut().for_each(escape_templates),
        _ => {}
    }
}

/// `${kind.name.id}`: the id Terraform knows once the resource exists.
pub fn id_reference(kind: &str, name: &str) -> String {
    format!("${{{kind}.{name}.id}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_terraform_identifiers() {
        assert_eq!(
            resource_name("shop", "checkout/failure-rate-1h"),
            "shop_checkout_failure-rate-1h"
        );
        assert_eq!(resource_name("5xx", "uptime"), "_5xx_uptime");
        // Two services sharing an SLO id: two names.
        assert_ne!(resource_name("a", "login"), resource_name("b", "login"));
        assert_eq!(
            id_reference("sentry_metric_monitor", "a_b"),
            "${sentry_metric_monitor.a_b.id}"
        );
    }

    #[test]
    fn template_sequences_are_escaped_and_references_kept() {
        let mut document = Document::default();
        document.add_referencing(
            SENTRY,
            "sentry_alert",
            "a".into(),
            json!({"name": "cost ${var.x} at 100%{ of } ${x", "tags": ["$${already}"]}),
            (
                "monitor_ids",
                vec![id_reference("sentry_metric_monitor", "m")],
            ),
        );
        let text = document.to_json().to_string();
        assert!(
            text.contains(r#""name":"cost $${var.x} at 100%%{ of } $${x""#),
            "{text}"
        );
        // Escaping is not idempotent in Terraform either: `$${` written by the user means `${`.
        assert!(text.contains(r#""$$${already}""#), "{text}");
        assert!(
            text.contains(r#""monitor_ids":["${sentry_metric_monitor.m.id}"]"#),
            "{text}"
        );
    }

    #[test]
    fn providers_and_resources_are_sorted() {
        let mut document = Document::default();
        document.add(UPTIMEROBOT, "uptimerobot_monitor", "b".into(), json!({}));
        document.add(SENTRY, "sentry_alert", "z".into(), json!({}));
        document.add(SENTRY, "sentry_alert", "a".into(), json!({}));
        let text = document.to_json().to_string();
        assert!(text.find("\"a\"").unwrap() < text.find("\"z\"").unwrap());
        assert!(!text.contains("required_providers"), "{text}");
        let providers = providers_json(document.providers()).to_string();
        assert!(providers.find("\"sentry\"").unwrap() < providers.find("\"uptimerobot\"").unwrap());
        assert_eq!(
            providers_json([UPTIMEROBOT, UPTIMEROBOT]).to_string(),
            r#"{"terraform":{"required_providers":{"uptimerobot":{"source":"uptimerobot/uptimerobot","version":"~> 1.10"}}}}"#
        );
    }
}
