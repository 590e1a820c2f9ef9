//! `slofile convert`: the specs of a run, printed in another format.
//!
//! - `--to slofile` writes native specs, one document per service, from any input: the migration
//!   path from OpenSLO and Sloth.
//! - `--to openslo` writes OpenSLO v1 objects, for tools that speak the standard.
//!
//! Both work from the compiled [`Plan`], so what is written is what slofile understood, numbers
//! included. What the target format cannot express is never dropped silently: a YAML comment
//! above the document says what was left out and why.

use crate::compile::{Plan, ServicePlan, SloPlan};
use crate::spec::model::{ChannelType, KeywordCase};
use crate::spec::validate::{builtin_tiers, signal_name};
use crate::spec::{AlertSource, RatioSli, ServiceMeta, Sli, Slo, StaticAlert, Threshold, Tier};
use crate::units::{Duration, Ratio};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The format `convert` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// slofile's own `apiVersion: slofile/v1`.
    Slofile,
    /// OpenSLO v1 objects.
    Openslo,
}

/// One YAML document of the output, with the comment lines above it.
struct Document {
    comments: Vec<String>,
    value: Value,
}

/// Converts every service of the plan.
pub fn convert(plan: &Plan, target: Target) -> String {
    let documents = match target {
        Target::Slofile => plan.services.iter().map(native_service).collect(),
        Target::Openslo => openslo_documents(plan),
    };
    render(&documents)
}

fn render(documents: &[Document]) -> String {
    let mut out = String::new();
    let mut pending: Vec<&str> = Vec::new();
    let mut first = true;
    for document in documents {
        pending.extend(document.comments.iter().flat_map(|c| c.lines()));
        // A document of comments only would read back as an empty spec: its comments go on the
        // next document instead.
        if document.value.is_null() {
            continue;
        }
        if !first {
            out.push_str("---\n");
        }
        first = false;
        write_comments(&mut out, &pending);
        pending.clear();
        let text = serde_saphyr::to_string(&document.value)
            .unwrap_or_else(|_| serde_json::to_string_pretty(&document.value).unwrap_or_default());
        out.push_str(&text);
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    write_comments(&mut out, &pending);
    out
}

fn write_comments(out: &mut String, lines: &[&str]) {
    for line in lines {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
}

/// A YAML number for an exact decimal: an integer when it has no fraction.
fn number(decimal: &str) -> Value {
    if let Ok(i) = decimal.parse::<i64>() {
        return Value::from(i);
    }
    decimal
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or_else(|| Value::String(decimal.to_owned()), Value::Number)
}

fn ratio_number(ratio: Ratio) -> Value {
    number(&ratio.to_decimal())
}

/// `99.5%`, exactly.
fn percent_text(ratio: Ratio) -> String {
    let hundred = ratio.checked_mul(Ratio::integer(100)).unwrap_or(ratio);
    format!("{}%", hundred.to_decimal())
}

/// Whether the decimal of `ratio` is exact, or rounded to 12 significant digits.
fn is_exact(ratio: Ratio) -> bool {
    ratio.exact_decimal().is_some_and(|d| d.len() <= 24)
}

fn insert_some(map: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(value) = value {
        map.insert(key.to_owned(), value.into());
    }
}

fn insert_nonempty<T: serde::Serialize>(map: &mut Map<String, Value>, key: &str, items: &[T]) {
    if !items.is_empty() {
        map.insert(
            key.to_owned(),
            clean(serde_json::to_value(items).unwrap_or(Value::Null)),
        );
    }
}

/// Drops nulls, `false` flags and empty collections that serialized model types carry.
fn clean(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !matches!(v, Value::Null | Value::Bool(false)))
                .map(|(k, v)| (k, clean(v)))
                .filter(|(_, v)| !matches!(v, Value::Array(a) if a.is_empty()))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(clean).collect()),
        other => other,
    }
}

fn labels_value(labels: &BTreeMap<String, String>) -> Value {
    Value::Object(
        labels
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// Native output.

fn native_service(service: &ServicePlan) -> Document {
    let meta = &service.meta;
    let mut comments = vec![format!(
        "Converted by `slofile convert --to slofile` from {}.",
        meta.source
    )];
    let mut doc = Map::new();
    doc.insert("apiVersion".into(), json!("slofile/v1"));
    doc.insert("service".into(), json!(meta.id));
    if meta.title != meta.id {
        doc.insert("title".into(), json!(meta.title));
    }
    insert_some(&mut doc, "owner", meta.owner.clone());
    insert_some(&mut doc, "description", meta.description.clone());
    let document = clean(serde_json::to_value(&meta.document).unwrap_or(Value::Null));
    if document.as_object().is_some_and(|d| !d.is_empty()) {
        doc.insert("document".into(), document);
    }
    if !meta.labels.is_empty() {
        doc.insert("labels".into(), labels_value(&meta.labels));
    }
    if let Some(grafana) = &meta.grafana {
        doc.insert("grafana".into(), clean(json!(grafana)));
    }
    let channels = native_channels(meta, &mut comments);
    if !channels.is_empty() {
        doc.insert("channels".into(), Value::Array(channels));
    }
    if !meta.escalation.is_empty() {
        let levels = meta
            .escalation
            .iter()
            .map(|level| {
                let mut l = Map::new();
                l.insert("severity".into(), json!(level.severity));
                insert_some(&mut l, "name", level.name.clone());
                l.insert("condition".into(), json!(level.condition));
                l.insert("response".into(), json!(level.response));
                insert_some(
                    &mut l,
                    "response_time",
                    level.response_time.map(super::units::Duration::prometheus),
                );
                insert_some(&mut l, "runbook", level.runbook.clone());
                insert_nonempty(&mut l, "channels", &level.channels);
                Value::Object(l)
            })
            .collect();
        doc.insert("escalation".into(), Value::Array(levels));
    }
    let slos: Vec<&Slo> = service.slos.iter().map(|s| &s.slo).collect();
    let (policies, policy_of) = native_policies(&slos);
    if !policies.is_empty() {
        let policies = policies
            .iter()
            .map(|(id, tiers)| {
                let tiers: Vec<Value> = tiers
                    .iter()
                    .map(|t| native_tier(t, &mut comments))
                    .collect();
                json!({"id": id, "tiers": tiers})
            })
            .collect();
        doc.insert("burn_policies".into(), Value::Array(policies));
    }
    let slos = service
        .slos
        .iter()
        .zip(policy_of)
        .map(|(plan, policy)| native_slo(plan, &policy))
        .collect();
    doc.insert("slos".into(), Value::Array(slos));
    insert_nonempty(&mut doc, "monitoring", &meta.monitoring);
    insert_nonempty(&mut doc, "verify", &meta.verify);
    insert_nonempty(&mut doc, "alert_self_test", &meta.alert_self_test);
    insert_some(
        &mut doc,
        "error_budget_policy",
        meta.error_budget_policy.clone(),
    );
    insert_nonempty(&mut doc, "candidates", &meta.candidates);
    Document {
        comments,
        value: Value::Object(doc),
    }
}

fn native_channels(meta: &ServiceMeta, comments: &mut Vec<String>) -> Vec<Value> {
    let mut placeholders = Vec::new();
    let channels = meta
        .channels
        .iter()
        .map(|channel| {
            let mut channel = channel.clone();
            let needs_target = matches!(
                channel.kind,
                ChannelType::Slack | ChannelType::Email | ChannelType::Pagerduty
            );
            if needs_target && channel.target.is_none() {
                let placeholder = match channel.kind {
                    ChannelType::Slack => format!("#{}", channel.id),
                    _ => channel.id.clone(),
                };
                placeholders.push(format!("`{}` (target `{placeholder}`)", channel.id));
                channel.target = Some(placeholder);
            }
            if channel.kind == ChannelType::Webhook && channel.secret_file.is_none() {
                let placeholder = format!("secrets/{}.url", channel.id);
                placeholders.push(format!("`{}` (secret_file `{placeholder}`)", channel.id));
                channel.secret_file = Some(placeholder);
            }
            clean(serde_json::to_value(&channel).unwrap_or(Value::Null))
        })
        .collect();
    if !placeholders.is_empty() {
        comments.push(format!(
            "The source does not say where these channels deliver; the values are placeholders to replace: {}.",
            placeholders.join(", ")
        ));
    }
    channels
}

/// Burn policies of the service: built-in ones by name, the others defined once per distinct
/// set of tiers. Returns the definitions and each SLO's policy id.
fn native_policies(slos: &[&Slo]) -> (Vec<(String, Vec<Tier>)>, Vec<String>) {
    let mut defined: Vec<(String, Vec<Tier>)> = Vec::new();
    let mut policy_of = Vec::new();
    for slo in slos {
        if slo.tiers.is_empty() {
            policy_of.push("none".to_owned());
            continue;
        }
        if let Some(name) = &slo.burn_policy
            && builtin_tiers(name).is_some_and(|t| t == slo.tiers)
        {
            policy_of.push(name.clone());
            continue;
        }
        if let Some((id, _)) = defined.iter().find(|(_, tiers)| *tiers == slo.tiers) {
            policy_of.push(id.clone());
            continue;
        }
        // A name made of several OpenSLO alert policies ("fast, slow") reads better as the SLO's.
        let from_name = slo
            .burn_policy
            .as_deref()
            .filter(|name| !name.contains(','))
            .map(crate::spec::openslo::slug)
            .unwrap_or_default();
        let base = if is_native_id(&from_name)
            && !["default", "workbook", "none"].contains(&from_name.as_str())
        {
            from_name
        } else {
            format!("{}-burn", slo.id).chars().take(63).collect()
        };
        let mut id = base.clone();
        let mut n = 2;
        while defined.iter().any(|(d, _)| *d == id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        defined.push((id.clone(), slo.tiers.clone()));
        policy_of.push(id);
    }
    (defined, policy_of)
}

fn is_native_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 63
        && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn native_tier(tier: &Tier, notes: &mut Vec<String>) -> Value {
    let mut t = Map::new();
    t.insert("severity".into(), json!(tier.severity));
    match (tier.budget_share, tier.factor) {
        (Some(share), _) => t.insert("budget".into(), json!(percent_text(share))),
        // slofile's own factors have at most 6 decimal places.
        (None, Some(factor)) if factor.denom() > 1_000_000 => {
            let rounded = factor.decimal_with(6);
            notes.push(format!(
                "The burn rate {factor} of a {} tier over {} is rounded to {rounded}.",
                tier.severity, tier.long
            ));
            t.insert("factor".into(), number(&rounded))
        }
        (None, Some(factor)) => t.insert("factor".into(), ratio_number(factor)),
        (None, None) => None,
    };
    t.insert("long".into(), json!(tier.long.prometheus()));
    t.insert("short".into(), json!(tier.short.prometheus()));
    t.insert("for".into(), json!(tier.for_.prometheus()));
    insert_some(&mut t, "escalation", tier.escalation.clone());
    if !tier.labels.is_empty() {
        t.insert("labels".into(), labels_value(&tier.labels));
    }
    Value::Object(t)
}

fn native_slo(plan: &SloPlan, policy: &str) -> Value {
    let slo = &plan.slo;
    let mut s = Map::new();
    s.insert("id".into(), json!(slo.id));
    if slo.title != slo.id {
        s.insert("title".into(), json!(slo.title));
    }
    insert_some(&mut s, "group", slo.group.clone());
    insert_some(&mut s, "journey", slo.journey.clone());
    insert_some(&mut s, "failure_signal", slo.failure_signal.clone());
    let single = !matches!(slo.sli, Sli::Latency(_));
    if single && let Some(objective) = slo.objectives.iter().find(|o| o.name.is_none()) {
        s.insert("objective".into(), json!(percent_text(objective.target)));
    }
    s.insert("window".into(), json!(slo.window.prometheus()));
    s.insert("sli".into(), native_sli(slo));
    insert_some(&mut s, "min_events", slo.min_events);
    insert_nonempty(&mut s, "group_by", &slo.group_by);
    if !slo.labels.is_empty() {
        s.insert("labels".into(), labels_value(&slo.labels));
    }
    let mut alerting = Map::new();
    if !(policy == "default" && slo.tiers == builtin_tiers("default").unwrap_or_default()) {
        alerting.insert("burn_policy".into(), json!(policy));
    }
    match &slo.missing_data {
        None => {
            alerting.insert("missing_data".into(), json!({"enabled": false}));
        }
        Some(m) if m.for_ == Duration::from_secs(600) && m.severity == "ticket" => {}
        Some(m) => {
            alerting.insert(
                "missing_data".into(),
                json!({"for": m.for_.prometheus(), "severity": m.severity}),
            );
        }
    }
    if !slo.alert_labels.is_empty() {
        alerting.insert("labels".into(), labels_value(&slo.alert_labels));
    }
    insert_some(&mut alerting, "runbook_url", slo.runbook_url.clone());
    insert_some(&mut alerting, "dashboard", slo.dashboard.clone());
    if !alerting.is_empty() {
        s.insert("alerting".into(), Value::Object(alerting));
    }
    if !slo.alerts.is_empty() {
        s.insert(
            "alerts".into(),
            Value::Array(slo.alerts.iter().map(native_alert).collect()),
        );
    }
    insert_some(&mut s, "measurement", slo.measurement.clone());
    insert_nonempty(&mut s, "verify", &slo.verify);
    insert_nonempty(&mut s, "tests", &slo.tests);
    insert_nonempty(&mut s, "notes", &slo.notes);
    Value::Object(s)
}

fn native_sli(slo: &Slo) -> Value {
    let percentiles = || -> Vec<Value> {
        slo.objectives
            .iter()
            .filter_map(|o| {
                Some(json!({
                    "percentile": ratio_number(o.percentile?),
                    "threshold": o.threshold?.prometheus(),
                }))
            })
            .collect()
    };
    match &slo.sli {
        Sli::Ratio(RatioSli::Events {
            good,
            events,
            total,
        }) => {
            json!({"ratio": {if *good { "good" } else { "bad" }: events, "total": total}})
        }
        Sli::Ratio(RatioSli::Query(query)) => json!({"ratio": {"error_ratio_query": query}}),
        Sli::Latency(h) => {
            let mut l = Map::new();
            l.insert("histogram".into(), json!(h.histogram));
            // Unlisted buckets stay unlisted: the thresholds are then checked at run time.
            insert_nonempty(&mut l, "buckets", &h.buckets);
            l.insert("percentiles".into(), json!(percentiles()));
            json!({ "latency": l })
        }
        Sli::Freshness {
            from,
            to,
            histogram,
        } => {
            let mut f = Map::new();
            f.insert("from".into(), json!(from));
            f.insert("to".into(), json!(to));
            if let Some(h) = histogram {
                f.insert("histogram".into(), json!(h.histogram));
                insert_nonempty(&mut f, "buckets", &h.buckets);
            }
            let threshold = slo.objectives.iter().find_map(|o| o.threshold);
            insert_some(
                &mut f,
                "threshold",
                threshold.map(super::units::Duration::prometheus),
            );
            json!({ "freshness": f })
        }
        Sli::Gauge(g) => {
            let mut m = Map::new();
            m.insert("query".into(), json!(g.query));
            m.insert(
                if g.good_below { "below" } else { "above" }.into(),
                ratio_number(g.threshold),
            );
            m.insert("slice".into(), json!(g.slice.prometheus()));
            insert_some(&mut m, "unit", g.unit.clone());
            json!({ "gauge": m })
        }
        Sli::Probe(p) => {
            let mut m = Map::new();
            m.insert("url".into(), json!(p.url));
            m.insert("interval".into(), json!(p.interval.prometheus()));
            m.insert(
                "provider".into(),
                serde_json::to_value(p.provider).unwrap_or(Value::Null),
            );
            insert_some(&mut m, "metric", p.metric.clone());
            m.insert("method".into(), json!(p.method));
            insert_some(
                &mut m,
                "timeout",
                p.timeout.map(super::units::Duration::prometheus),
            );
            insert_nonempty(&mut m, "expected_status", &p.expected_status);
            insert_some(&mut m, "keyword", p.keyword.clone());
            if p.keyword.is_some() && p.keyword_case != KeywordCase::default() {
                m.insert(
                    "keyword_case".into(),
                    serde_json::to_value(p.keyword_case).unwrap_or(Value::Null),
                );
            }
            if !p.follow_redirects {
                m.insert("follow_redirects".into(), json!(false));
            }
            insert_some(
                &mut m,
                "response_time_threshold",
                p.response_time_threshold
                    .map(super::units::Duration::prometheus),
            );
            insert_nonempty(&mut m, "channels", &p.channels);
            json!({ "probe": m })
        }
        Sli::Sentry(sentry) => {
            let mut m = Map::new();
            insert_some(&mut m, "organization", sentry.organization.clone());
            m.insert("project".into(), json!(sentry.project));
            m.insert("transaction".into(), json!(sentry.transaction));
            m.insert("failure".into(), json!(sentry.failure));
            insert_some(&mut m, "exclude", sentry.exclude.clone());
            if let Some(latency) = percentiles().into_iter().next() {
                m.insert("latency".into(), latency);
            }
            insert_nonempty(&mut m, "channels", &sentry.channels);
            json!({ "sentry": m })
        }
        Sli::Documentary {
            target,
            duration,
            measured_by,
            alert,
        } => {
            let mut m = Map::new();
            m.insert("target".into(), json!(target));
            insert_some(
                &mut m,
                "duration",
                duration.map(super::units::Duration::prometheus),
            );
            m.insert("measured_by".into(), json!(measured_by));
            insert_some(&mut m, "alert", alert.clone());
            json!({ "documentary": m })
        }
    }
}

fn native_alert(alert: &StaticAlert) -> Value {
    let mut a = Map::new();
    a.insert("id".into(), json!(alert.id));
    insert_some(&mut a, "summary", alert.summary.clone());
    match &alert.source {
        AlertSource::Signal(signal) => a.insert("signal".into(), json!(signal_name(*signal))),
        AlertSource::Expr(expr) => a.insert("expr".into(), json!(expr)),
    };
    insert_some(&mut a, "percentile", alert.percentile.map(ratio_number));
    let threshold = match &alert.threshold {
        Threshold::Number(r) => ratio_number(*r),
        Threshold::Percent(r) => json!(percent_text(*r)),
        Threshold::Duration(d) => json!(d.prometheus()),
    };
    a.insert(
        if alert.above { "above" } else { "below" }.into(),
        threshold,
    );
    a.insert("over".into(), json!(alert.over.prometheus()));
    insert_some(
        &mut a,
        "for",
        alert.for_.map(super::units::Duration::prometheus),
    );
    a.insert("severity".into(), json!(alert.severity));
    insert_some(&mut a, "escalation", alert.escalation.clone());
    Value::Object(a)
}

// ---------------------------------------------------------------------------------------------
// OpenSLO output.

/// The duration as an OpenSLO shorthand, in the largest of days, hours and minutes that divides
/// it exactly; `None` when it is not a whole number of minutes.
pub(crate) fn to_shorthand(duration: Duration) -> Option<String> {
    crate::spec::openslo::shorthand::print(duration)
}

/// OpenSLO names are global to a run: the same name with another definition gets a suffix.
#[derive(Default)]
struct Names {
    taken: Vec<(String, String)>,
}

impl Names {
    /// A name for an object defined by `key`, starting from `base`.
    fn name(&mut self, base: &str, key: &str) -> (String, bool) {
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

fn object(kind: &str, metadata: Value, spec: Value) -> Value {
    json!({"apiVersion": "openslo/v1", "kind": kind, "metadata": metadata, "spec": spec})
}

fn metadata(name: &str, display_name: Option<&str>, notes: &mut Vec<String>) -> Value {
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
fn insert_description(
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

fn prometheus_source(query: &str) -> Value {
    json!({"metricSource": {"type": "Prometheus", "spec": {"query": query}}})
}

fn openslo_documents(plan: &Plan) -> Vec<Document> {
    let mut names = Names::default();
    let mut documents = Vec::new();
    for service in &plan.services {
        documents.extend(openslo_service(service, &mut names));
    }
    documents
}

fn openslo_service(service: &ServicePlan, names: &mut Names) -> Vec<Document> {
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

fn service_notes(meta: &ServiceMeta, notes: &mut Vec<String>) {
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
fn openslo_slo(
    service: &ServicePlan,
    plan: &SloPlan,
    names: &mut Names,
    alerting: &mut Vec<Document>,
) -> Vec<Document> {
    let slo = &plan.slo;
    let mut notes = Vec::new();
    slo_notes(slo, &mut notes);
    let Some(window) = to_shorthand(slo.window) else {
        notes.push(format!(
            "SLO `{}` is left out: its window {} is not whole minutes.",
            slo.id, slo.window
        ));
        return vec![comment_only(notes)];
    };
    let indicators = match openslo_indicators(slo, &mut notes) {
        Some(indicators) => indicators,
        None => return vec![comment_only(notes)],
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

fn comment_only(notes: Vec<String>) -> Document {
    Document {
        comments: notes,
        value: Value::Null,
    }
}

fn is_default_missing_data(missing: &crate::spec::MissingData) -> bool {
    missing.for_ == Duration::from_secs(600) && missing.severity == "ticket"
}

fn slo_notes(slo: &Slo, notes: &mut Vec<String>) {
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
struct Indicator<'s> {
    /// Added to the SLO's name when a slofile SLO becomes several OpenSLO SLOs.
    suffix: Option<&'s str>,
    spec: Value,
    objective: Value,
    budgeting: &'static str,
}

fn indicator(spec: Value, objective: Value, budgeting: &'static str) -> Indicator<'static> {
    Indicator {
        suffix: None,
        spec,
        objective,
        budgeting,
    }
}

/// The indicator of each OpenSLO SLO a slofile SLO becomes, with its objective and budgeting
/// method, or `None` (with a note) when OpenSLO cannot express the SLI.
fn openslo_indicators<'s>(slo: &'s Slo, notes: &mut Vec<String>) -> Option<Vec<Indicator<'s>>> {
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
            let Some(slice) = to_shorthand(gauge.slice) else {
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
fn le_matcher(threshold: Duration) -> String {
    let regex = crate::emit::prometheus::le_regex(threshold.as_ratio_secs());
    format!("le=~{}", crate::emit::prometheus::string_literal(&regex))
}

fn with_le(selector: &str, matcher: &str) -> String {
    let selector = selector.trim();
    match selector.strip_suffix('}') {
        Some(open) if open.trim_end().ends_with('{') => format!("{open}{matcher}}}"),
        Some(open) => format!("{open},{matcher}}}"),
        None => format!("{selector}{{{matcher}}}"),
    }
}

/// The alert policies of an SLO's tiers, adding their objects to `alerting` once each.
fn openslo_policies(
    service: &ServicePlan,
    plan: &SloPlan,
    names: &mut Names,
    alerting: &mut Vec<Document>,
    notes: &mut Vec<String>,
) -> Vec<String> {
    let slo = &plan.slo;
    let Some(objective) = plan.objectives.first() else {
        return Vec::new();
    };
    let service_id = &service.meta.id;
    let mut refs = Vec::new();
    for (tier, tier_plan) in slo.tiers.iter().zip(&objective.tiers) {
        let mut tier_notes = Vec::new();
        let factor = tier_plan.factor;
        if !is_exact(factor) {
            tier_notes.push(format!(
                "The {} tier's burn rate over {} is {}, rounded to 12 significant digits.",
                tier.severity, tier.long, factor
            ));
        }
        if tier.short.millis() * 12 != tier.long.millis() {
            tier_notes.push(format!(
                "The {} tier over {} has a short window of {}; OpenSLO's is always a twelfth of the lookback window, {}.",
                tier.severity,
                tier.long,
                tier.short,
                Duration::from_millis(tier.long.millis() / 12)
            ));
        }
        let Some(lookback) = to_shorthand(tier.long) else {
            notes.push(format!(
                "The {} tier over {} of SLO `{}` is left out: not whole minutes.",
                tier.severity, tier.long, slo.id
            ));
            continue;
        };
        let alert_after = if tier.for_.millis() == 0 {
            None
        } else {
            let minutes = tier.for_.millis().div_ceil(60_000);
            if minutes * 60_000 != tier.for_.millis() {
                tier_notes.push(format!(
                    "The {} tier's `for: {}` becomes {minutes}m: OpenSLO counts whole minutes.",
                    tier.severity, tier.for_
                ));
            }
            Some(
                to_shorthand(Duration::from_millis(minutes * 60_000))
                    .unwrap_or_else(|| format!("{minutes}m")),
            )
        };
        let targets = tier_targets(&service.meta, tier, names, alerting);
        let mut condition = json!({"kind": "burnrate", "op": "gt", "threshold": ratio_number(factor), "lookbackWindow": lookback});
        if let Some(after) = &alert_after
            && let Some(c) = condition.as_object_mut()
        {
            c.insert("alertAfter".into(), json!(after));
        }
        let key = format!(
            "{} {} {} {:?} {:?}",
            tier.severity, factor, lookback, alert_after, targets
        );
        let base = format!(
            "{service_id}-{}-{lookback}",
            crate::spec::openslo::slug(&tier.severity)
        );
        let (name, new) = names.name(&base, &key);
        if new {
            let mut c_notes = Vec::new();
            alerting.push(Document {
                comments: tier_notes,
                value: object(
                    "AlertCondition",
                    metadata(&name, None, &mut c_notes),
                    json!({
                        "description": format!("Budget burns faster than {}× the sustainable rate over {lookback}", factor),
                        "severity": tier.severity,
                        "condition": condition,
                    }),
                ),
            });
            alerting.push(Document {
                comments: c_notes,
                value: object(
                    "AlertPolicy",
                    json!({"name": name}),
                    json!({
                        "alertWhenBreaching": true,
                        "conditions": [{"conditionRef": name}],
                        "notificationTargets": targets.iter().map(|t| json!({"targetRef": t})).collect::<Vec<_>>(),
                    }),
                ),
            });
        }
        refs.push(name);
    }
    refs
}

/// Notification targets of a tier: the channels of its escalation level (or of the level named
/// like its severity), else Alertmanager's own routing.
fn tier_targets(
    meta: &ServiceMeta,
    tier: &Tier,
    names: &mut Names,
    alerting: &mut Vec<Document>,
) -> Vec<String> {
    let level = tier
        .escalation
        .as_deref()
        .and_then(|e| meta.escalation_level(e))
        .or_else(|| meta.escalation_level(&tier.severity));
    let channels: Vec<&crate::spec::Channel> = level
        .map(|l| l.channels.iter().filter_map(|c| meta.channel(c)).collect())
        .unwrap_or_default();
    let mut targets = Vec::new();
    for channel in &channels {
        let kind = serde_json::to_value(channel.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "webhook".to_owned());
        let description = channel.target.clone().or_else(|| channel.name.clone());
        let key = format!("{kind} {description:?}");
        let (name, new) = names.name(&channel.id, &key);
        if new {
            let mut spec = json!({"target": kind});
            if let (Some(d), Some(s)) = (description, spec.as_object_mut()) {
                s.insert("description".into(), json!(d));
            }
            alerting.push(Document {
                comments: Vec::new(),
                value: object("AlertNotificationTarget", json!({"name": name}), spec),
            });
        }
        targets.push(name);
    }
    if targets.is_empty() {
        let (name, new) = names.name(&format!("{}-alertmanager", meta.id), "alertmanager");
        if new {
            alerting.push(Document {
                comments: vec!["Alertmanager routes these alerts on their `service`, `slo` and `severity` labels.".to_owned()],
                value: object(
                    "AlertNotificationTarget",
                    json!({"name": name}),
                    json!({"target": "alertmanager", "description": "Alertmanager, routed on the alert's labels"}),
                ),
            });
        }
        targets.push(name);
    }
    targets
}
