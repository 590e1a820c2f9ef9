//! `--to openslo`: OpenSLO v1 objects (Service, SLI, SLO), with names unique across a run.

use super::{Document, ratio_number};
use crate::compile::{Plan, ServicePlan, SloPlan};
use crate::spec::openslo::shorthand;
use crate::spec::{RatioSli, ServiceMeta, Sli, Slo};
use crate::units::Duration;
use serde_json::{Map, Value, json};

use super::openslo_alerting::openslo_policies;

/// OpenSLO names are global to a run: the same name with another definition gets a suffix.
#[derive(Default)]
pub(super) struct Names {
    taken: Vec<(String, String)>,
}

impl Names {
    /// A name for an object defined by `key`, starting from `base`.
    pub(super) fn name(&mut self, base: &str, key: &str) -> (String, bool) {
        let base: String = base
            .chars()
            .take(60)
            .collect::<String>()
            .trim_end_matches('-')
            .to_owned();
        let mut name = base.clone();
        let mut n = 2;
        loop {
            match self.taken.iter().find(|(taken, _)| *taken == name) {
                Some((_, existing)) if existing == key => return (name, false),
                Some(_) => {
                    name = format!("{base}-{n}");
                    n += 1;
                }
                None => {
                    self.taken.push((name.clone(), key.to_owned()));
                    return (name, true);
                }
            }
        }
    }
}

/// An OpenSLO v1 object; `json!` would copy the metadata and spec, so they are moved in.
pub(super) fn object(kind: &str, metadata: Value, spec: Value) -> Value {
    Value::Object(Map::from_iter([
        ("apiVersion".to_owned(), json!("openslo/v1")),
        ("kind".to_owned(), json!(kind)),
        ("metadata".to_owned(), metadata),
        ("spec".to_owned(), spec),
    ]))
}

pub(super) fn metadata(name: &str, display_name: Option<&str>, notes: &mut Vec<String>) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    if let Some(display) = display_name.filter(|d| *d != name) {
        if display.chars().count() <= 63 {
            m.insert("displayName".into(), json!(display));
        } else {
            notes.push(format!(
                "The title of `{name}` is longer than OpenSLO's 63 characters: \"{display}\"."
            ));
        }
    }
    Value::Object(m)
}

/// Sets `description` in an object's spec, within OpenSLO's 1050 characters.
pub(super) fn insert_description(
    spec: &mut Map<String, Value>,
    text: Option<&str>,
    what: &str,
    notes: &mut Vec<String>,
) {
    let Some(text) = text else {
        return;
    };
    let text = if text.chars().count() > 1050 {
        notes.push(format!(
            "The description of {what} is longer than OpenSLO's 1050 characters; it is cut."
        ));
        text.chars().take(1050).collect::<String>()
    } else {
        text.to_owned()
    };
    spec.insert("description".into(), json!(text));
}

pub(super) fn prometheus_source(query: &str) -> Value {
    json!({"metricSource": {"type": "Prometheus", "spec": {"query": query}}})
}

pub(super) fn openslo_documents(plan: &Plan) -> Vec<Document> {
    let mut names = Names::default();
    let mut documents = Vec::new();
    for service in &plan.services {
        documents.extend(openslo_service(service, &mut names));
    }
    documents
}

pub(super) fn openslo_service(service: &ServicePlan, names: &mut Names) -> Vec<Document> {
    let meta = &service.meta;
    let mut notes = vec![format!(
        "Converted by `slofile convert --to openslo` from {}.",
        meta.source
    )];
    service_notes(meta, &mut notes);
    let defaults: Vec<String> = service
        .slos
        .iter()
        .map(|p| &p.slo)
        .filter(|s| {
            s.sli.in_prometheus() && s.missing_data.as_ref().is_some_and(is_default_missing_data)
        })
        .map(|s| format!("`{}`", s.id))
        .collect();
    if !defaults.is_empty() {
        notes.push(format!(
            "OpenSLO's `alertWhenNoData` has no delay or severity of its own, so the missing-data alerts \
             (ticket after 10 minutes) of {} are left out.",
            defaults.join(", ")
        ));
    }
    let own_policies: Vec<String> = service
        .slos
        .iter()
        .filter(|slo| slo.slo.error_budget_policy.is_some())
        .map(|slo| format!("`{}`", slo.slo.id))
        .collect();
    if !own_policies.is_empty() {
        notes.push(format!(
            "OpenSLO has no place for the error-budget policy of {}.",
            own_policies.join(", ")
        ));
    }
    let mut spec = Map::new();
    insert_description(
        &mut spec,
        meta.description.as_deref(),
        &format!("service `{}`", meta.id),
        &mut notes,
    );
    let head = object(
        "Service",
        metadata(&meta.id, Some(&meta.title), &mut notes),
        Value::Object(spec),
    );
    let mut alerting = Vec::new();
    let mut slo_documents = Vec::new();
    for slo in &service.slos {
        slo_documents.extend(openslo_slo(service, slo, names, &mut alerting));
    }
    let mut documents = vec![Document {
        comments: notes,
        value: head,
    }];
    documents.extend(slo_documents);
    documents.extend(alerting);
    documents
}

pub(super) fn service_notes(meta: &ServiceMeta, notes: &mut Vec<String>) {
    let mut missing = Vec::new();
    if meta.owner.is_some() {
        missing.push("the owner");
    }
    if meta.document.version.is_some()
        || meta.document.effective.is_some()
        || meta.document.review.is_some()
    {
        missing.push("the document metadata");
    }
    if !meta.labels.is_empty() {
        missing.push("the labels added to every rule");
    }
    if !meta.escalation.is_empty() {
        missing.push("the escalation matrix (each burn-rate policy keeps its channels)");
    }
    if !meta.monitoring.is_empty() {
        missing.push("the monitoring table");
    }
    if !meta.verify.is_empty() || !meta.alert_self_test.is_empty() {
        missing.push("the verification commands");
    }
    if meta.error_budget_policy.is_some() {
        missing.push("the error-budget policy");
    }
    if meta.heartbeat.is_some() {
        missing.push("the heartbeat");
    }
    if !meta.candidates.is_empty() {
        missing.push("the candidate SLOs");
    }
    if !missing.is_empty() {
        notes.push(format!(
            "OpenSLO has no place for {} of service `{}`.",
            missing.join(", "),
            meta.id
        ));
    }
}

/// The SLO documents of one slofile SLO (one per objective for latency SLOs); alert objects are
/// added to `alerting` once each.
pub(super) fn openslo_slo(
    service: &ServicePlan,
    plan: &SloPlan,
    names: &mut Names,
    alerting: &mut Vec<Document>,
) -> Vec<Document> {
    let slo = &plan.slo;
    let mut notes = Vec::new();
    slo_notes(slo, &mut notes);
    let Some(window) = shorthand::print(slo.window) else {
        notes.push(format!(
            "SLO `{}` is left out: its window {} is not whole minutes.",
            slo.id, slo.window
        ));
        return vec![comment_only(notes)];
    };
    let Some(indicators) = openslo_indicators(slo, &mut notes) else {
        return vec![comment_only(notes)];
    };
    let policies = openslo_policies(service, plan, names, alerting, &mut notes);
    let several = indicators.len() > 1;
    let mut documents = Vec::new();
    for Indicator {
        suffix,
        spec: indicator,
        objective,
        budgeting,
    } in indicators
    {
        let name = match (several, suffix) {
            (true, Some(suffix)) => format!("{}-{suffix}", slo.id),
            _ => slo.id.clone(),
        };
        let (name, _) = names.name(&name, &format!("slo {name}"));
        let mut spec = Map::new();
        insert_description(
            &mut spec,
            slo.journey.as_deref(),
            &format!("SLO `{}`", slo.id),
            &mut notes,
        );
        spec.insert("service".into(), json!(service.meta.id));
        spec.insert(
            "indicator".into(),
            json!({"metadata": {"name": format!("{name}-sli").chars().take(63).collect::<String>()}, "spec": indicator}),
        );
        spec.insert(
            "timeWindow".into(),
            json!([{"duration": window, "isRolling": true}]),
        );
        spec.insert("budgetingMethod".into(), json!(budgeting));
        spec.insert("objectives".into(), json!([objective]));
        if !policies.is_empty() {
            spec.insert(
                "alertPolicies".into(),
                Value::Array(
                    policies
                        .iter()
                        .map(|p| json!({"alertPolicyRef": p}))
                        .collect(),
                ),
            );
        }
        let title = match (several, suffix) {
            (true, Some(suffix)) => format!("{} {suffix}", slo.title),
            _ => slo.title.clone(),
        };
        documents.push(Document {
            comments: std::mem::take(&mut notes),
            value: object(
                "SLO",
                metadata(&name, Some(&title), &mut notes),
                Value::Object(spec),
            ),
        });
    }
    documents
}

pub(super) fn comment_only(notes: Vec<String>) -> Document {
    Document {
        comments: notes,
        value: Value::Null,
    }
}

pub(super) fn is_default_missing_data(missing: &crate::spec::MissingData) -> bool {
    missing.for_ == Duration::from_secs(600) && missing.severity == "ticket"
}

pub(super) fn slo_notes(slo: &Slo, notes: &mut Vec<String>) {
    let mut missing = Vec::new();
    if slo.min_events.is_some() {
        missing.push("`min_events`".to_owned());
    }
    if !slo.group_by.is_empty() {
        missing.push("`group_by`".to_owned());
    }
    if !slo.labels.is_empty()
        || !slo.alert_labels.is_empty()
        || slo.tiers.iter().any(|t| !t.labels.is_empty())
    {
        missing.push("rule and alert labels".to_owned());
    }
    if slo.runbook_url.is_some() || slo.dashboard.is_some() {
        missing.push("the runbook and dashboard links".to_owned());
    }
    if let Some(m) = slo
        .missing_data
        .as_ref()
        .filter(|m| slo.sli.in_prometheus() && !is_default_missing_data(m))
    {
        missing.push(format!(
            "the missing-data alert ({} after {})",
            m.severity,
            m.for_.human()
        ));
    }
    if !slo.alerts.is_empty() {
        let ids: Vec<String> = slo.alerts.iter().map(|a| format!("`{}`", a.id)).collect();
        missing.push(format!("static threshold alerts {}", ids.join(", ")));
    }
    if slo.group.is_some() || slo.failure_signal.is_some() || slo.measurement.is_some() {
        missing.push("the group, failure signal and measurement notes".to_owned());
    }
    if !slo.verify.is_empty() || !slo.tests.is_empty() || !slo.notes.is_empty() {
        missing.push("verification commands, tests and notes".to_owned());
    }
    if !missing.is_empty() {
        notes.push(format!(
            "OpenSLO has no place for {} of SLO `{}`.",
            missing.join(", "),
            slo.id
        ));
    }
}

/// One OpenSLO SLO's indicator, objective and budgeting method.
pub(super) struct Indicator<'s> {
    /// Added to the SLO's name when a slofile SLO becomes several OpenSLO SLOs.
    pub(super) suffix: Option<&'s str>,
    pub(super) spec: Value,
    pub(super) objective: Value,
    pub(super) budgeting: &'static str,
}

pub(super) fn indicator(
    spec: Value,
    objective: Value,
    budgeting: &'static str,
) -> Indicator<'static> {
    Indicator {
        suffix: None,
        spec,
        objective,
        budgeting,
    }
}

/// The indicator of each OpenSLO SLO a slofile SLO becomes, with its objective and budgeting
/// method, or `None` (with a note) when OpenSLO cannot express the SLI.
pub(super) fn openslo_indicators<'s>(
    slo: &'s Slo,
    notes: &mut Vec<String>,
) -> Option<Vec<Indicator<'s>>> {
    let target = |objective: &crate::spec::Objective| ratio_number(objective.target);
    let single = slo.objectives.first();
    match &slo.sli {
        Sli::Ratio(RatioSli::Events {
            good,
            events,
            total,
        }) => {
            let spec = json!({"ratioMetric": {
                "counter": true,
                if *good { "good" } else { "bad" }: prometheus_source(events),
                "total": prometheus_source(total),
            }});
            Some(vec![indicator(
                spec,
                json!({"target": target(single?)}),
                "Occurrences",
            )])
        }
        Sli::Ratio(RatioSli::Query(query)) => {
            let spec = json!({"ratioMetric": {
                "counter": false,
                "rawType": "failure",
                "raw": prometheus_source(&query.replace("{{window}}", "{{.window}}")),
            }});
            Some(vec![indicator(
                spec,
                json!({"target": target(single?)}),
                "Occurrences",
            )])
        }
        Sli::Gauge(gauge) => {
            let Some(slice) = shorthand::print(gauge.slice) else {
                notes.push(format!(
                    "SLO `{}` is left out: its slice {} is not whole minutes.",
                    slo.id, gauge.slice
                ));
                return None;
            };
            let spec = json!({"thresholdMetric": prometheus_source(&gauge.query)});
            let objective = json!({
                "op": if gauge.good_below { "lt" } else { "gt" },
                "value": ratio_number(gauge.threshold),
                "target": target(single?),
                "timeSliceTarget": 1,
                "timeSliceWindow": slice,
            });
            Some(vec![indicator(spec, objective, "Timeslices")])
        }
        Sli::Latency(histogram)
        | Sli::Freshness {
            histogram: Some(histogram),
            ..
        } => {
            notes.push(format!(
                "SLO `{}` measures latency from a histogram: each objective becomes an SLO of its own over the \
                 bucket at its threshold, matched as `le=\"1\"` (Prometheus 2) or `le=\"1.0\"` (Prometheus 3).",
                slo.id
            ));
            let mut out = Vec::new();
            for objective in &slo.objectives {
                let threshold = objective.threshold?;
                let good = with_le(&histogram.histogram, &le_matcher(threshold));
                let total = with_le(&histogram.histogram, "le=\"+Inf\"");
                let spec = json!({"ratioMetric": {
                    "counter": true,
                    "good": prometheus_source(&format!("sum({good})")),
                    "total": prometheus_source(&format!("sum({total})")),
                }});
                out.push(Indicator {
                    suffix: objective.name.as_deref(),
                    spec,
                    objective: json!({"target": target(objective)}),
                    budgeting: "Occurrences",
                });
            }
            Some(out)
        }
        other => {
            notes.push(format!(
                "SLO `{}` is left out: OpenSLO has no {} SLI that slofile could express.",
                slo.id,
                match other {
                    Sli::Documentary { .. } => "documentary (docs-only)",
                    Sli::Sentry(_) => "Sentry",
                    Sli::Probe(_) => "probe",
                    _ => "such",
                }
            ));
            None
        }
    }
}

/// A matcher for the bucket at `threshold`, as Prometheus 2 and 3 print it (`1` and `1.0`): the
/// matcher slofile's own rules use.
pub(super) fn le_matcher(threshold: Duration) -> String {
    let regex = crate::promql::le_regex(threshold.as_ratio_secs());
    format!(
        "le=~{}",
        crate::compile::promql_shape::string_literal(&regex)
    )
}

pub(super) fn with_le(selector: &str, matcher: &str) -> String {
    let selector = selector.trim();
    match selector.strip_suffix('}') {
        Some(open) if open.trim_end().ends_with('{') => format!("{open}{matcher}}}"),
        Some(open) => format!("{open},{matcher}}}"),
        None => format!("{selector}{{{matcher}}}"),
    }
}
