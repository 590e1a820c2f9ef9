//! The view model: plain data for templates, and how it is built from the Plan.

use super::alerts::alerts_view;
use super::sentences::{events_noun, objective_label, target_sentence};
use super::tables::{budgets, charts, group_table};
use crate::compile::{ObjectivePlan, ServicePlan, SloPlan};
use crate::emit::k6;
use crate::spec::{Command, EscalationLevel, ServiceMeta, Sli, Slo};
use crate::units::{Duration, Ratio};
use crate::wording::sli;
use serde::{Serialize, Serializer};

/// An exact ratio, serialised as `num/den` for the `percent`, `factor` and `decimal` filters.
#[derive(Debug, Clone, Copy)]
pub(super) struct Exact(pub(super) Ratio);

impl Serialize for Exact {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{}/{}", self.0.numer(), self.0.denom()))
    }
}

#[derive(Debug, Serialize)]
pub(super) struct ServiceView {
    pub(super) id: String,
    /// The document's H1.
    pub(super) title: String,
    /// The service's own title.
    pub(super) name: String,
    pub(super) owner: Option<String>,
    pub(super) source: String,
    pub(super) description: Option<String>,
    pub(super) version: Option<String>,
    pub(super) effective: Option<String>,
    pub(super) review: Option<String>,
    pub(super) labels: Vec<Label>,
    pub(super) sections: Vec<Section>,
    pub(super) monitoring: Vec<MonitoringRow>,
    pub(super) verify: Vec<CommandView>,
    /// The k6 release gate, if the spec has one.
    pub(super) k6_gate: Option<K6GateView>,
    pub(super) escalation: Vec<Route>,
    pub(super) channels: Vec<ChannelView>,
    pub(super) alert_self_test: Vec<CommandView>,
    /// The budget that every SLO with an objective shares, if there is one.
    pub(super) budget_for_each: Option<BudgetRow>,
    /// How many SLOs have an objective, and so an error budget.
    pub(super) budgeted_slos: usize,
    pub(super) budgets: Vec<BudgetRow>,
    pub(super) error_budget_policy: Option<String>,
    pub(super) charts: Vec<Chart>,
    pub(super) candidates: Vec<String>,
}

/// The k6 release gate: its thresholds, and the titles of the SLOs it guards.
#[derive(Debug, Serialize)]
pub(super) struct K6GateView {
    pub(super) thresholds: Vec<String>,
    pub(super) slos: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(super) struct Label {
    pub(super) name: String,
    pub(super) value: String,
}

/// A top-level section: a group of SLOs with its table, or one ungrouped SLO.
#[derive(Debug, Serialize)]
pub(super) struct Section {
    pub(super) group: Option<String>,
    /// `SLO n` numbering of ungrouped SLOs.
    pub(super) number: Option<usize>,
    pub(super) table: Option<GroupTable>,
    pub(super) slos: Vec<SloView>,
}

#[derive(Debug, Serialize)]
pub(super) struct GroupTable {
    /// `percentiles` (one column per percentile) or `standard`.
    pub(super) layout: &'static str,
    pub(super) first_column: &'static str,
    pub(super) target_column: &'static str,
    pub(super) percentiles: Vec<String>,
    pub(super) show_measurement: bool,
    pub(super) show_alerts: bool,
    /// Said once under the table when every row shares it, e.g. `Over a rolling 28 days.`
    pub(super) window: Option<u64>,
    pub(super) rows: Vec<GroupRow>,
}

#[derive(Debug, Serialize)]
pub(super) struct GroupRow {
    pub(super) title: String,
    pub(super) target: String,
    /// One cell per percentile column, for the `percentiles` layout.
    pub(super) percentiles: Vec<String>,
    pub(super) measurement: String,
    pub(super) alert: String,
}

#[derive(Debug, Serialize)]
pub(super) struct SloView {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) kind: &'static str,
    pub(super) group: Option<String>,
    pub(super) journey: Option<String>,
    pub(super) failure_signal: Option<String>,
    /// The target in one sentence, without the final full stop.
    pub(super) target: String,
    /// The data source, Markdown with code spans.
    pub(super) source: String,
    pub(super) source_short: String,
    pub(super) window: u64,
    pub(super) min_events: Option<u64>,
    pub(super) group_by: Vec<String>,
    pub(super) objectives: Vec<ObjectiveView>,
    pub(super) measurement: Option<String>,
    /// The k6 thresholds that enforce the SLO: `http_req_duration{category:health}: p(95)<200`.
    pub(super) k6: Vec<String>,
    pub(super) verify: Vec<CommandView>,
    pub(super) tests: Vec<String>,
    pub(super) notes: Vec<String>,
    pub(super) dashboard: Option<String>,
    pub(super) runbook_url: Option<String>,
    pub(super) alerts: AlertsView,
    /// The error-budget policy in numbers, when it has rules.
    pub(super) policy: Option<super::policy::PolicyView>,
    /// False for documentary SLOs whose group-table row already says everything.
    pub(super) has_details: bool,
}

#[derive(Debug, Serialize)]
pub(super) struct ObjectiveView {
    /// `p95`, or none for the SLO's single objective.
    pub(super) name: Option<String>,
    /// `99.5%`, or `p95 < 200 ms`.
    pub(super) label: String,
    pub(super) target: Exact,
    pub(super) threshold: Option<u64>,
    pub(super) budget: Exact,
    pub(super) budget_time: u64,
    /// What the budget is a share of: `requests`, `1-minute slices`.
    pub(super) of: String,
}

/// One burn-rate tier of the SLO's policy, and what it means for each objective.
#[derive(Debug, Serialize)]
pub(super) struct TierView {
    pub(super) severity: String,
    /// `Page`, `Ticket`, or `Alert \`name\``.
    pub(super) verb: String,
    pub(super) route: Option<Route>,
    pub(super) budget_share: Exact,
    pub(super) long: u64,
    pub(super) short: u64,
    #[serde(rename = "for")]
    pub(super) for_: u64,
    pub(super) factor: Exact,
    pub(super) exhaustion: u64,
    /// One per objective, in objective order.
    pub(super) outcomes: Vec<TierOutcome>,
}

#[derive(Debug, Serialize)]
pub(super) struct TierOutcome {
    pub(super) objective: String,
    /// False when the tier is left out of every output: `left_out` says why.
    pub(super) fires: bool,
    /// Why the tier never fires, as a clause: `it would need an error ratio above 134.4%, more
    /// than 100%`.
    pub(super) left_out: Option<String>,
    /// The same, short, for table cells.
    pub(super) left_out_short: Option<String>,
    pub(super) error_threshold: Exact,
    /// The budget spent, as time, when the tier fires.
    pub(super) budget_burned: u64,
    /// At 100% errors, how long until it fires.
    pub(super) detection: u64,
}

/// An escalation level, as alerts route to it.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Route {
    pub(super) severity: String,
    /// `P1 - Critical`.
    pub(super) label: String,
    pub(super) condition: String,
    pub(super) response: String,
    pub(super) runbook: Option<String>,
    pub(super) repeat: Option<u64>,
    pub(super) channels: String,
}

#[derive(Debug, Serialize)]
pub(super) struct AlertsView {
    /// `prometheus`, `sentry`, `probe` or `none`: who evaluates the SLO.
    pub(super) engine: &'static str,
    pub(super) burn_policy: Option<String>,
    /// What the external system does by itself (probe and Sentry notifications).
    pub(super) external: Option<String>,
    /// Alert text of a documentary SLO.
    pub(super) documented: Option<String>,
    pub(super) labels: Vec<Label>,
    pub(super) tiers: Vec<TierView>,
    pub(super) statics: Vec<StaticAlertView>,
    pub(super) missing_data: Option<MissingDataView>,
}

#[derive(Debug, Serialize)]
pub(super) struct StaticAlertView {
    pub(super) id: String,
    pub(super) summary: Option<String>,
    pub(super) verb: String,
    /// Compact, for table cells: `> 1% for 5 minutes → P2 (page)`.
    pub(super) short: String,
    /// When it fires, in words, without the final full stop.
    pub(super) condition: String,
    pub(super) route: Option<Route>,
    /// False when no system evaluates the alert: the document must not say it fires.
    pub(super) evaluated: bool,
    /// The spec marks it `documentation_only`.
    pub(super) documentation_only: bool,
    /// Why nothing evaluates it, when the spec does not say it is documentation only.
    pub(super) not_evaluated: Option<String>,
}

#[derive(Debug, Serialize)]
pub(super) struct MissingDataView {
    pub(super) verb: String,
    #[serde(rename = "for")]
    pub(super) for_: u64,
}

#[derive(Debug, Serialize)]
pub(super) struct CommandView {
    pub(super) title: Option<String>,
    pub(super) run: String,
    pub(super) description: Option<String>,
}

#[derive(Debug, Serialize)]
pub(super) struct MonitoringRow {
    pub(super) system: String,
    pub(super) interval: String,
    pub(super) channels: String,
}

#[derive(Debug, Serialize)]
pub(super) struct ChannelView {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) kind: &'static str,
    pub(super) target: Option<String>,
    pub(super) optional: bool,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct BudgetRow {
    pub(super) target: Exact,
    pub(super) window: u64,
    pub(super) budget: Exact,
    pub(super) time: u64,
    pub(super) objectives: Vec<String>,
}

/// Time to the first alert against burn rate, for one burn policy and window.
#[derive(Debug, Serialize)]
pub(super) struct Chart {
    pub(super) policy: String,
    pub(super) window: u64,
    pub(super) slos: Vec<String>,
    pub(super) points: Vec<ChartPoint>,
    /// What a 10× burn means as an error ratio for each objective of the chart.
    pub(super) examples: Vec<BurnExample>,
}

#[derive(Debug, Serialize)]
pub(super) struct ChartPoint {
    /// The burn rate, as a multiple of the sustainable rate.
    #[serde(skip)]
    pub(super) rate: i128,
    pub(super) burn: String,
    /// Hours to the first alert, with two decimals, for the chart.
    pub(super) hours: String,
    pub(super) after: u64,
    pub(super) alert: String,
}

#[derive(Debug, Serialize)]
pub(super) struct BurnExample {
    pub(super) objective: Exact,
    pub(super) error_ratio: Exact,
}

#[derive(Debug, Serialize)]
pub(super) struct IndexService {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) name: String,
    pub(super) file: String,
    pub(super) owner: Option<String>,
    pub(super) source: String,
    pub(super) has_groups: bool,
    pub(super) slos: Vec<IndexSlo>,
}

#[derive(Debug, Serialize)]
pub(super) struct IndexSlo {
    pub(super) title: String,
    pub(super) group: Option<String>,
    pub(super) objective: String,
    pub(super) window: Option<u64>,
    pub(super) source: String,
}

pub(super) fn service_view(service: &ServicePlan) -> ServiceView {
    let meta = &service.meta;
    let mut sections: Vec<Section> = Vec::new();
    let mut number = 0;
    for plan in &service.slos {
        let view = slo_view(meta, plan);
        if let Some(group) = &plan.slo.group {
            if let Some(section) = sections
                .iter_mut()
                .find(|s| s.group.as_deref() == Some(group))
            {
                section.slos.push(view);
            } else {
                sections.push(Section {
                    group: Some(group.clone()),
                    number: None,
                    table: None,
                    slos: vec![view],
                });
            }
        } else {
            number += 1;
            sections.push(Section {
                group: None,
                number: Some(number),
                table: None,
                slos: vec![view],
            });
        }
    }
    for section in &mut sections {
        if let Some(group) = &section.group {
            let plans: Vec<&SloPlan> = service
                .slos
                .iter()
                .filter(|p| p.slo.group.as_deref() == Some(group))
                .collect();
            section.table = Some(group_table(meta, &plans));
        }
    }
    let (budget_for_each, budgets) = budgets(service);
    ServiceView {
        id: meta.id.clone(),
        title: document_title(meta),
        name: meta.title.clone(),
        owner: meta.owner.clone(),
        source: meta.source.clone(),
        description: meta.description.clone(),
        version: meta.document.version.clone(),
        effective: meta.document.effective.clone(),
        review: meta.document.review.clone(),
        labels: labels(&meta.labels),
        sections,
        monitoring: meta
            .monitoring
            .iter()
            .map(|m| MonitoringRow {
                system: m.system.clone(),
                interval: m.interval.clone(),
                channels: channel_names(meta, &m.channels, " + "),
            })
            .collect(),
        verify: commands(&meta.verify),
        k6_gate: meta.k6_gate.as_ref().map(|gate| K6GateView {
            thresholds: k6::thresholds(&gate.thresholds)
                .iter()
                .map(k6::Threshold::label)
                .collect(),
            slos: gate
                .slos
                .iter()
                .filter_map(|id| service.slos.iter().find(|slo| slo.slo.id == *id))
                .map(|slo| slo.slo.title.clone())
                .collect(),
        }),
        escalation: meta.escalation.iter().map(|e| route(meta, e)).collect(),
        channels: meta
            .channels
            .iter()
            .map(|c| ChannelView {
                id: c.id.clone(),
                name: c.name.clone().unwrap_or_else(|| c.id.clone()),
                kind: c.kind.display_name(),
                target: c.target.clone(),
                optional: c.optional,
            })
            .collect(),
        alert_self_test: commands(&meta.alert_self_test),
        budget_for_each,
        budgeted_slos: service
            .slos
            .iter()
            .filter(|p| !p.objectives.is_empty())
            .count(),
        budgets,
        error_budget_policy: meta
            .error_budget_policy
            .as_ref()
            .and_then(|policy| policy.text.clone()),
        charts: charts(service),
        candidates: meta.candidates.clone(),
    }
}

pub(super) fn document_title(meta: &ServiceMeta) -> String {
    meta.document
        .title
        .clone()
        .unwrap_or_else(|| meta.title.clone())
}

pub(super) fn labels(labels: &std::collections::BTreeMap<String, String>) -> Vec<Label> {
    labels
        .iter()
        .map(|(name, value)| Label {
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

pub(super) fn commands(commands: &[Command]) -> Vec<CommandView> {
    commands
        .iter()
        .map(|c| CommandView {
            title: c.title.clone(),
            run: c.run.clone(),
            description: c.description.clone(),
        })
        .collect()
}

pub(super) fn channel_names(meta: &ServiceMeta, ids: &[String], separator: &str) -> String {
    ids.iter()
        .map(|id| {
            meta.channel(id)
                .and_then(|c| c.name.clone())
                .unwrap_or_else(|| id.clone())
        })
        .collect::<Vec<_>>()
        .join(separator)
}

pub(super) fn route(meta: &ServiceMeta, level: &EscalationLevel) -> Route {
    Route {
        severity: level.severity.clone(),
        label: match &level.name {
            Some(name) => format!("{} - {name}", level.severity),
            None => level.severity.clone(),
        },
        condition: level.condition.clone(),
        response: level.response.clone(),
        runbook: level.runbook.as_ref().map(|r| link(r)),
        repeat: level.response_time.map(Duration::millis),
        channels: channel_names(meta, &level.channels, ", "),
    }
}

/// A URL as an autolink, which every Markdown renderer links; other text as it is.
pub(super) fn link(text: &str) -> String {
    if text.starts_with("http://") || text.starts_with("https://") {
        format!("<{text}>")
    } else {
        text.to_owned()
    }
}

pub(super) fn route_to(meta: &ServiceMeta, escalation: Option<&str>) -> Option<Route> {
    escalation
        .and_then(|severity| meta.escalation_level(severity))
        .map(|level| route(meta, level))
}

pub(super) fn severity_verb(severity: &str) -> String {
    match severity {
        "page" => "Page".to_owned(),
        "ticket" => "Ticket".to_owned(),
        other => format!("Alert `{other}`"),
    }
}

pub(super) fn slo_view(meta: &ServiceMeta, plan: &SloPlan) -> SloView {
    let slo = &plan.slo;
    let documentary = matches!(slo.sli, Sli::Documentary { .. });
    let has_details = !documentary
        || slo.journey.is_some()
        || slo.failure_signal.is_some()
        || slo.measurement.is_some()
        || !slo.verify.is_empty()
        || !slo.tests.is_empty()
        || !slo.notes.is_empty()
        || slo.group.is_none();
    SloView {
        id: slo.id.clone(),
        title: slo.title.clone(),
        kind: slo.sli.kind(),
        group: slo.group.clone(),
        journey: slo.journey.clone(),
        failure_signal: slo.failure_signal.clone(),
        target: target_sentence(plan),
        source: sli::source(&slo.sli),
        source_short: sli::source_short(&slo.sli),
        window: slo.window.millis(),
        min_events: slo.min_events,
        group_by: slo.group_by.clone(),
        objectives: plan
            .objectives
            .iter()
            .map(|o| objective_view(slo, o))
            .collect(),
        measurement: slo.measurement.clone(),
        k6: slo
            .k6
            .iter()
            .flat_map(k6::thresholds)
            .map(|threshold| threshold.label())
            .collect(),
        verify: commands(&slo.verify),
        tests: slo.tests.clone(),
        notes: slo.notes.clone(),
        dashboard: slo.dashboard.as_ref().map(|d| link(d)),
        runbook_url: slo.runbook_url.as_ref().map(|r| link(r)),
        alerts: alerts_view(meta, plan),
        policy: super::policy::policy_view(plan),
        has_details,
    }
}

pub(super) fn objective_view(slo: &Slo, plan: &ObjectivePlan) -> ObjectiveView {
    ObjectiveView {
        name: plan.objective.name.clone(),
        label: objective_label(slo, plan),
        target: Exact(plan.objective.target),
        threshold: plan.objective.threshold.map(Duration::millis),
        budget: Exact(plan.budget),
        budget_time: plan.budget_time.millis(),
        of: events_noun(slo),
    }
}
