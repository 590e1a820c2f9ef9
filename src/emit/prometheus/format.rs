//! Rule-file formats: the YAML of rules and groups, as a plain rule file, a prometheus-operator
//! `PrometheusRule`, a Mimir or Cortex ruler file, or a Thanos Ruler file.
//!
//! # Group size
//!
//! No group has more than [`MAX_RULES_PER_GROUP`] rules, the default of Mimir's and Cortex's
//! `ruler_max_rules_per_rule_group`. An SLO whose rules do not fit is cut into consecutive groups
//! (`slofile:<service>:<slo>`, then `…:2`, `…:3`), keeping the rules in order: a rule reads only
//! series recorded before it, in its own group or an earlier one. Prometheus evaluates groups
//! independently, so a rule that reads a series of an earlier group sees that group's last
//! evaluation: at most one evaluation interval old. Only the alerts of the longest windows and
//! the budget metadata of a large SLO are that far from their inputs, and one interval (30 s to
//! 1 m) is small next to the minutes their windows and `for` durations span.

use super::alerts::Alert;
use super::{Labels, SloRules};
use crate::compile::ServicePlan;
use crate::emit::yaml_writer::{comment, to_yaml};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How the rules are packaged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum PrometheusFormat {
    /// A plain Prometheus rule file, for `rule_files:`.
    #[default]
    Rules,
    /// A prometheus-operator `PrometheusRule` object (`monitoring.coreos.com/v1`).
    Operator,
    /// A Grafana Mimir or Cortex ruler file for `mimirtool rules load`: the service's id as its
    /// `namespace`, then the groups.
    Mimir,
    /// A Thanos Ruler rule file: each group with `partial_response_strategy: abort`.
    Thanos,
}

impl PrometheusFormat {
    /// The flag value, for messages.
    pub fn name(self) -> &'static str {
        match self {
            PrometheusFormat::Rules => "rules",
            PrometheusFormat::Operator => "operator",
            PrometheusFormat::Mimir => "mimir",
            PrometheusFormat::Thanos => "thanos",
        }
    }
}

/// The most rules in one group: Mimir's and Cortex's default `ruler_max_rules_per_rule_group`.
pub(crate) const MAX_RULES_PER_GROUP: usize = 20;

/// Thanos Ruler's answer to a query that some store APIs could not serve. `abort` fails the
/// evaluation: an error or event count from part of the data is wrong in either direction (a
/// missing store of errors hides a burn; a missing store of requests fakes one), and a failed
/// evaluation keeps the last state and shows in `prometheus_rule_evaluation_failures_total`,
/// where a wrong number would silently page or stay quiet. `warn` would be the other choice.
const THANOS_PARTIAL_RESPONSE: &str = "abort";

impl SloRules<'_> {
    /// The SLO's groups: its recording rules and then its alerts, in order, cut every
    /// [`MAX_RULES_PER_GROUP`] rules.
    pub(super) fn groups(&self) -> Vec<Group<'_>> {
        let recorded = self.recording.len();
        let total = recorded + self.alerts.len();
        self.group_names()
            .into_iter()
            .enumerate()
            .map(|(chunk, name)| {
                let start = chunk * MAX_RULES_PER_GROUP;
                let end = (start + MAX_RULES_PER_GROUP).min(total);
                Group {
                    name,
                    recording: &self.recording[start.min(recorded)..end.min(recorded)],
                    alerts: self.alerts
                        [start.saturating_sub(recorded)..end.saturating_sub(recorded)]
                        .iter()
                        .map(Alert::rule)
                        .collect(),
                }
            })
            .collect()
    }

    /// The names of [`Self::groups`], without rendering a rule: `slofile:<service>:<slo>`, then
    /// `…:2`, `…:3` for the groups it continues in.
    pub(super) fn group_names(&self) -> Vec<String> {
        let base = format!("slofile:{}:{}", self.service.meta.id, self.slo_id());
        let total = self.recording.len() + self.alerts.len();
        (0..total.div_ceil(MAX_RULES_PER_GROUP).max(1))
            .map(|chunk| {
                if chunk == 0 {
                    base.clone()
                } else {
                    format!("{base}:{}", chunk + 1)
                }
            })
            .collect()
    }
}

/// A rule as written to YAML.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub(crate) enum Rule {
    Recording {
        record: String,
        expr: Text,
        #[serde(skip_serializing_if = "no_labels")]
        labels: Arc<Labels>,
    },
    Alerting {
        alert: String,
        expr: Text,
        #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
        for_: Option<String>,
        labels: BTreeMap<String, String>,
        annotations: BTreeMap<String, String>,
    },
}

pub(super) fn no_labels(labels: &Arc<Labels>) -> bool {
    labels.is_empty()
}

impl Rule {
    pub(super) fn recording(record: String, expr: String, labels: Arc<Labels>) -> Rule {
        Rule::Recording {
            record,
            expr: Text(expr),
            labels,
        }
    }
}

/// A PromQL expression: a literal block when it spans lines, so it reads as written.
#[derive(Debug, Clone)]
pub(crate) struct Text(pub String);

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::emit::yaml_writer::Literal(&self.0).serialize(serializer)
    }
}

/// A rule group: the recording rules, which the SLO keeps, and then its alerts. Output runs to
/// tens of megabytes, so the recording rules are borrowed, not copied.
pub(super) struct Group<'a> {
    pub(super) name: String,
    pub(super) recording: &'a [Rule],
    pub(super) alerts: Vec<Rule>,
}

impl Serialize for Group<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Rules<'a>(&'a Group<'a>);
        impl Serialize for Rules<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.recording.iter().chain(&self.0.alerts))
            }
        }
        use serde::ser::SerializeStruct;
        let mut group = serializer.serialize_struct("Group", 2)?;
        group.serialize_field("name", &self.name)?;
        group.serialize_field("rules", &Rules(self))?;
        group.end()
    }
}

#[derive(Serialize)]
pub(super) struct RuleFile<G> {
    pub(super) groups: G,
}

#[derive(Serialize)]
pub(super) struct PrometheusRule<G> {
    #[serde(rename = "apiVersion")]
    pub(super) api_version: &'static str,
    pub(super) kind: &'static str,
    pub(super) metadata: Metadata,
    pub(super) spec: RuleFile<G>,
}

/// `mimirtool rules load` reads one namespace per file.
#[derive(Serialize)]
struct MimirFile<'a, G> {
    namespace: &'a str,
    groups: Vec<G>,
}

/// A group with Thanos Ruler's extra field after its rules.
#[derive(Serialize)]
struct ThanosGroup<'a, G> {
    #[serde(flatten)]
    group: &'a G,
    partial_response_strategy: &'static str,
}

#[derive(Serialize)]
pub(super) struct Metadata {
    pub(super) name: String,
    pub(super) labels: BTreeMap<String, String>,
}

pub(super) fn rule_file(
    service: &ServicePlan,
    slos: &[SloRules],
    format: PrometheusFormat,
) -> String {
    let mut groups: Vec<Group> = slos.iter().flat_map(SloRules::groups).collect();
    groups.extend(super::heartbeat::heartbeat_group(service));
    let mut out = comment(&format!(
        "Generated by slofile from {}. Do not edit: change the spec and run `slofile build`.",
        service.meta.source
    ));
    out.push_str(&comment(
        "One group per SLO (cut every 20 rules). Recorded series: slo:sli_events:rate<w>, slo:sli_errors:rate<w> and slo:sli_error:ratio_rate<w> per window, compliance over the SLO window, and budget metadata.",
    ));
    out.push_str(&package(service, groups, format));
    out
}

/// Rule groups (any list of `{name, rules}`) as a plain rule file or a `PrometheusRule` object:
/// the one home of both formats, for every renderer of Prometheus rules.
pub(crate) fn package<G: Serialize>(
    service: &ServicePlan,
    groups: Vec<G>,
    format: PrometheusFormat,
) -> String {
    match format {
        PrometheusFormat::Rules => to_yaml(&RuleFile { groups }),
        PrometheusFormat::Mimir => to_yaml(&MimirFile {
            namespace: &service.meta.id,
            groups,
        }),
        PrometheusFormat::Thanos => to_yaml(&RuleFile {
            groups: groups
                .iter()
                .map(|group| ThanosGroup {
                    group,
                    partial_response_strategy: THANOS_PARTIAL_RESPONSE,
                })
                .collect::<Vec<_>>(),
        }),
        PrometheusFormat::Operator => {
            let mut labels = BTreeMap::new();
            labels.insert(
                "app.kubernetes.io/managed-by".to_owned(),
                "slofile".to_owned(),
            );
            labels.insert("slofile/service".to_owned(), service.meta.id.clone());
            to_yaml(&PrometheusRule {
                api_version: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: Metadata {
                    name: format!("slofile-{}", service.meta.id),
                    labels,
                },
                spec: RuleFile { groups },
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::prometheus::expr;
    use crate::emit::prometheus::template::{Template, escape_template};

    proptest::proptest! {
        #[test]
        fn any_text_survives_yaml_templates_and_promql(text in "\\PC*|[{}\"\\\\\n\r\t#: '$a-z]*") {
            // YAML: label values come back exactly.
            let mut labels = BTreeMap::new();
            labels.insert("title".to_owned(), text.clone());
            let back: BTreeMap<String, String> = serde_saphyr::from_str(&to_yaml(&labels)).unwrap();
            proptest::prop_assert_eq!(&back["title"], &text);
            // Go templates: once the escapes are taken out, no `{` of the text is left to open an
            // action.
            let source = Template::text(&text).source();
            let unescaped = source.replace(&escape_template("{"), "");
            proptest::prop_assert!(!unescaped.contains('{'), "{}", source);
            // PromQL: a string literal reads back as the text.
            let selector = expr::selector("x", &[("title", &text)]);
            match promql_parser::parser::parse(&selector) {
                Ok(promql_parser::parser::Expr::VectorSelector(parsed)) => {
                    proptest::prop_assert_eq!(&parsed.matchers.matchers[0].value, &text);
                }
                other => proptest::prop_assert!(false, "{selector}: {other:?}"),
            }
        }
    }
}
