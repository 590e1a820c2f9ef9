//! Pyrra `ServiceLevelObjective` resources (`apiVersion: pyrra.dev/v1alpha1`) as an input.
//!
//! How Pyrra maps onto slofile (`docs/pyrra.md` has the full table):
//!
//! - **Ids.** A Pyrra object is one SLO, with id `metadata.name` (a dot, legal in Kubernetes names,
//!   becomes a dash); the objects of one `metadata.namespace` form one slofile service named after
//!   the namespace, `default` when the object names none, as `kubectl apply` would place it.
//! - **SLIs.** `ratio` is a ratio of bad over total counters; `latency` is a latency SLI on the
//!   histogram when `success` and `total` are its `_bucket` and `_count` over the same series, and
//!   otherwise Pyrra's own arithmetic, `total` minus `success` over `total`; `latencyNative` and
//!   `bool_gauge` are Pyrra's error-ratio expressions, used as written for every window.
//!   `grouping` is `group_by`. See [`indicator`].
//! - **Alerts.** Pyrra's four burn-rate windows, scaled from its 28-day table as Pyrra scales
//!   them, with its factors 14, 7, 2 and 1, its `for` durations and its `critical`/`warning`
//!   severities; Pyrra's absent alert is the missing-data alert, after Pyrra's own delay. See
//!   [`alerting`].
//! - **Labels.** Object labels prefixed `pyrra.dev/` label every rule, the prefix cut, as in Pyrra;
//!   the equality matchers of the `total` selector label the alerts, as in Pyrra. Annotations
//!   prefixed `pyrra.dev/` give `runbook_url` and `dashboard`.
//!
//! Files of Kubernetes manifests hold other objects too: any object with an `apiVersion` slofile
//! does not read, a `kind` and `metadata` is skipped with a note ([`skipped`]).

mod alerting;
mod indicator;
mod object;
mod selector;

use super::collect::first_of_each_id;
use super::load::LoadedDocument;
use super::walk::{Loc, Walk, bare_service_meta};
use super::yaml_reader::Document;
use super::{Service, Slo};
use crate::diagnostics::{Code, Diagnostic};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The `apiVersion` of Pyrra's resources.
pub const PYRRA_V1ALPHA1: &str = "pyrra.dev/v1alpha1";
/// The one Pyrra kind that is an SLO.
pub const PYRRA_KIND: &str = "ServiceLevelObjective";
/// The service of objects without `metadata.namespace`: Kubernetes' default namespace.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Whether a document with this `apiVersion` is Pyrra's to read, or another Kubernetes object to
/// skip: anything with a `kind` and `metadata`.
pub fn claims(api_version: &str, map: &serde_json::Map<String, Value>) -> bool {
    api_version.starts_with("pyrra.dev/")
        || (is_kubernetes_api_version(api_version)
            && map.get("kind").is_some_and(Value::is_string)
            && map.get("metadata").is_some_and(Value::is_object))
}

/// `v1`, `apps/v1`, `route.openshift.io/v1`, `autoscaling/v2beta2`: a Kubernetes API version, so
/// that a mistyped one (`apiVersion: foo`) stays an error.
fn is_kubernetes_api_version(api_version: &str) -> bool {
    let (group, version) = match api_version.rsplit_once('/') {
        Some((group, version)) => (Some(group), version),
        None => (None, api_version),
    };
    let group_ok = group.is_none_or(|group| {
        group.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
    });
    let Some(rest) = version.strip_prefix('v') else {
        return false;
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let stage = &rest[digits..];
    let stage_ok = stage.is_empty()
        || ["alpha", "beta"].iter().any(|s| {
            stage
                .strip_prefix(s)
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        });
    group_ok && digits > 0 && stage_ok
}

/// The format of a document [`claims`] took: a Pyrra SLO, an object to skip, or an error for
/// Pyrra versions and kinds slofile does not read.
pub fn detect(
    api_version: &str,
    map: &serde_json::Map<String, Value>,
) -> Result<super::load::InputFormat, Diagnostic> {
    use super::load::InputFormat;
    match (api_version, map.get("kind").and_then(Value::as_str)) {
        (PYRRA_V1ALPHA1, Some(PYRRA_KIND)) => Ok(InputFormat::Pyrra),
        // What `kubectl get slo -o yaml` prints: a list of the objects.
        (_, Some(kind)) if LIST_KINDS.contains(&kind) && list_items(map).any(is_pyrra_slo) => {
            Ok(InputFormat::Pyrra)
        }
        (PYRRA_V1ALPHA1, _) => Ok(InputFormat::Foreign),
        (other, _) if other.starts_with("pyrra.dev/") => Err(Diagnostic::error(
            Code::UnknownFormat,
            format!("Pyrra `{other}` is not supported; slofile reads `{PYRRA_V1ALPHA1}`"),
        )
        .with_label("not pyrra.dev/v1alpha1")
        .with_help(format!(
            "Pyrra's ServiceLevelObjective is `apiVersion: {PYRRA_V1ALPHA1}`"
        ))),
        _ => Ok(InputFormat::Foreign),
    }
}

/// The kinds of Kubernetes lists: `kubectl get` prints `List`, a typed list its own kind.
const LIST_KINDS: &[&str] = &["List", "ServiceLevelObjectiveList"];

fn list_items(map: &serde_json::Map<String, Value>) -> impl Iterator<Item = &Value> {
    map.get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn is_pyrra_slo(item: &Value) -> bool {
    item.get("apiVersion").and_then(Value::as_str) == Some(PYRRA_V1ALPHA1)
        && item.get("kind").and_then(Value::as_str) == Some(PYRRA_KIND)
}

/// The note for a Kubernetes object that is no SLO, at its `kind`.
pub fn skipped(loaded: &LoadedDocument) -> Diagnostic {
    let document: &Document = &loaded.document;
    skipped_at(loaded, &document.json, "")
}

fn skipped_at(loaded: &LoadedDocument, object: &Value, pointer: &str) -> Diagnostic {
    let text = |key: &str| {
        object
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned()
    };
    Diagnostic::info(
        Code::ForeignObject,
        format!(
            "`{}` `{}` is not an SLO; skipped",
            text("apiVersion"),
            text("kind")
        ),
    )
    .at(
        &loaded.file,
        loaded.document.span(&format!("{pointer}/kind")),
    )
    .with_help(format!(
        "slofile reads {}; other objects in a file of manifests are left alone",
        super::load::SUPPORTED_FORMATS
    ))
}

/// Every Pyrra object of a run, gathered so that the objects of one namespace form one service.
#[derive(Debug, Default)]
pub struct Collection {
    objects: Vec<object::PyrraSlo>,
}

impl Collection {
    /// Reads one `ServiceLevelObjective`.
    pub fn add(&mut self, loaded: LoadedDocument) -> Vec<Diagnostic> {
        let mut skipped = Vec::new();
        // The objects of a `List`, each at its pointer; or the document itself.
        let objects: Vec<String> = match loaded.document.json.get("items") {
            Some(Value::Array(items)) if !is_pyrra_slo(&loaded.document.json) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| {
                    let pointer = format!("/items/{i}");
                    if is_pyrra_slo(item) {
                        Some(pointer)
                    } else {
                        skipped.push(skipped_at(&loaded, item, &pointer));
                        None
                    }
                })
                .collect(),
            _ => vec![String::new()],
        };
        // Only the spans outlive the read: the JSON tree, the bulk of a document, goes now.
        let mut document = loaded.document;
        let json = std::mem::take(&mut document.json);
        let document = Arc::new(document);
        let mut walk = Walk::new(&loaded.file, &document);
        for pointer in objects {
            let Some(object) = json.pointer(&pointer) else {
                continue;
            };
            if let Some(object) = object::read(&mut walk, &pointer, object) {
                self.objects.push(object);
            }
        }
        let mut diagnostics = walk.checker.diagnostics;
        diagnostics.extend(skipped);
        diagnostics
    }

    /// Adds the objects another collection read, after this one's.
    pub fn append(&mut self, mut other: Collection) {
        self.objects.append(&mut other.objects);
    }

    /// Builds one service per namespace. Call once, after every file is read.
    pub fn resolve(self) -> (Vec<Service>, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let mut grouped: BTreeMap<String, Vec<object::PyrraSlo>> = BTreeMap::new();
        for object in self.objects {
            grouped
                .entry(object.namespace.clone())
                .or_default()
                .push(object);
        }
        let mut services = Vec::new();
        for (namespace, objects) in grouped {
            let Some(first) = objects.first() else {
                continue;
            };
            let loc: Loc = first.namespace_loc.clone();
            let mut defined_slos: Vec<Slo> = Vec::new();
            let mut complete = true;
            for object in objects {
                let Some(slo) = object.slo else {
                    complete = false;
                    continue;
                };
                defined_slos.push(slo);
            }
            let defined = defined_slos.len();
            let mut slos = first_of_each_id(
                defined_slos,
                "Kubernetes names are unique within a namespace; rename one of the objects",
                &mut diagnostics,
            );
            if !complete || slos.len() < defined {
                continue;
            }
            slos.sort_by(|a, b| a.id.cmp(&b.id));
            services.push(Service {
                slos,
                meta: bare_service_meta(namespace, loc.origin(), loc.file.name.clone()),
            });
        }
        (services, diagnostics)
    }
}

#[cfg(test)]
mod tests {
    use super::is_kubernetes_api_version;

    #[test]
    fn kubernetes_api_versions() {
        for good in [
            "v1",
            "apps/v1",
            "batch/v1",
            "route.openshift.io/v1",
            "autoscaling/v2beta2",
            "monitoring.coreos.com/v1alpha1",
        ] {
            assert!(is_kubernetes_api_version(good), "{good}");
        }
        for bad in [
            "foo",
            "v",
            "1",
            "apps/",
            "/v1",
            "Apps/v1",
            "x/v1gamma1",
            "x/v1beta",
        ] {
            assert!(!is_kubernetes_api_version(bad), "{bad}");
        }
    }
}
