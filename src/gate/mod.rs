//! `slofile gate`: the error-budget policy as a deploy gate.
//!
//! For every SLO whose policy has rules, and every group of its `group_by` labels, the gate
//! measures two things as every live command does ([`crate::live`]: exact from raw data, or from
//! the recorded series when they cover the window):
//!
//! - the **budget remaining** over the SLO window: 1 − error ratio / budget (1 untouched, 0
//!   spent, negative overspent), judged against `freeze_below` and `warn_below`;
//! - the **budget burned since** the last deploy (`--since`), or within `freeze_if_burned.within`:
//!   the failed events of that span over the whole window's budget in events (for an
//!   `error_ratio_query`, its average error ratio times the span, over the budget times the
//!   window), judged against `freeze_if_burned.share`.
//!
//! A freeze is never declared on too little data: no events, or fewer than `min_events`, is its
//! own verdict. When frozen, the gate says when the freeze would lift if no further errors came
//! and traffic went on as over the window: the time by which enough failed events have left the
//! window ([`lift`]).

pub mod command;
mod lift;
pub mod render;

use crate::compile::{ObjectivePlan, Plan};
use crate::live::client::Client;
use crate::live::figures::{self, Measurement, Verdict};
use crate::live::period::{Period, format_instant};
use crate::live::service::measure_windows;
use crate::live::{Group, LiveError, Selection, Target, Window, measure_raw};
use crate::spec::{BudgetRules, BurnLimit};
use crate::units::Duration;
use serde::Serialize;
use std::collections::BTreeMap;

/// What to gate, and when.
#[derive(Debug, Clone)]
pub struct GateRequest {
    pub selection: Selection,
    /// Unix seconds at which to evaluate.
    pub at: i64,
    /// The last deploy, in Unix seconds: the burn is measured since then.
    pub since: Option<i64>,
    /// Why this deploy ships (`--reason`): an exempt reason passes a freeze.
    pub reason: Option<String>,
}

/// The gate's verdict on one objective of one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GateVerdict {
    Ship,
    Warn,
    Freeze,
    /// A freeze that `--reason` passes, because the policy exempts the reason.
    Exempt,
    NoData,
    TooFewEvents,
}

impl GateVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            GateVerdict::Ship => "ship",
            GateVerdict::Warn => "warn",
            GateVerdict::Freeze => "freeze",
            GateVerdict::Exempt => "exempt",
            GateVerdict::NoData => "no_data",
            GateVerdict::TooFewEvents => "too_few_events",
        }
    }
}

/// The policy rule that decided a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    FreezeBelow,
    FreezeIfBurned,
    WarnBelow,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::FreezeBelow => "freeze_below",
            Rule::FreezeIfBurned => "freeze_if_burned",
            Rule::WarnBelow => "warn_below",
        }
    }
}

/// One line of the gate: one objective of one SLO for one group. Names shared with `status`
/// mean the same figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateRow {
    pub service: String,
    pub slo: String,
    pub labels: BTreeMap<String, String>,
    pub objective: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objective_name: Option<String>,
    /// The SLO window, as Prometheus writes it: `28d`.
    pub window: String,
    pub events: Option<f64>,
    pub min_events: Option<u64>,
    /// A share of the window's budget: 1 untouched, 0 spent, negative overspent.
    pub error_budget_remaining: Option<f64>,
    /// The share of the whole window's budget burned since `since`: 0.3 is 30%.
    pub burned_since: Option<f64>,
    /// Where the burn is measured from, RFC 3339 in UTC.
    pub since: Option<String>,
    pub verdict: GateVerdict,
    pub rule: Option<Rule>,
    pub message: String,
    /// When a freeze would lift if no further errors came, RFC 3339 in UTC; `null` when it does
    /// not lift with time within the window (the message says why).
    pub freeze_lifts_at: Option<String>,
}

/// Every row of the gate, in plan order (services by id, SLOs in spec order), groups sorted, and
/// the SLOs whose policy the gate cannot check because Prometheus does not measure them.
pub struct Gated {
    pub rows: Vec<GateRow>,
    pub unmeasured: Vec<String>,
}

/// Gates every selected SLO with policy rules.
pub fn gate(plan: &Plan, client: &Client, request: &GateRequest) -> Result<Gated, LiveError> {
    let targets: Vec<Target<'_>> = request
        .selection
        .targets(plan)?
        .into_iter()
        .filter(|target| target.slo.policy_rules().is_some())
        .collect();
    // The SLO windows, a few queries per service where the recorded series cover them.
    let windows = measure_windows(&targets, client, |target| {
        Period::Rolling.span(request.at, target.slo.slo.window)
    })?;
    let mut rows = Vec::new();
    for (target, window) in targets.iter().zip(windows) {
        if let (Some(rules), Some(window)) = (target.slo.policy_rules(), window) {
            rows.extend(slo_rows(target, rules, &window, client, request)?);
        }
    }
    let unmeasured = plan
        .services
        .iter()
        .flat_map(|service| service.slos.iter().map(move |slo| (service, slo)))
        // The Plan says whether Prometheus measures the SLO.
        .filter(|(_, slo)| slo.policy_rules().is_some() && slo.measure.is_none())
        .map(|(service, slo)| format!("{}/{}", service.meta.id, slo.slo.id))
        .collect();
    Ok(Gated { rows, unmeasured })
}

/// Where the burn is measured from: the deploy, else `within` before now.
fn burn_start(rules: &BudgetRules, request: &GateRequest) -> Option<i64> {
    request.since.or_else(|| {
        let limit = rules.freeze_if_burned.as_ref()?;
        Some(request.at - seconds(limit.within))
    })
}

fn seconds(duration: Duration) -> i64 {
    (duration.millis() / 1000) as i64
}

fn slo_rows(
    target: &Target<'_>,
    rules: &BudgetRules,
    window: &Window,
    client: &Client,
    request: &GateRequest,
) -> Result<Vec<GateRow>, LiveError> {
    let slo = &target.slo.slo;
    let Some(span) = Period::Rolling.span(request.at, slo.window) else {
        return Ok(Vec::new());
    };
    let start = burn_start(rules, request);
    let burned = match start {
        Some(start) if start < request.at => {
            Some(measure_raw(target, client, request.at, request.at - start)?)
        }
        _ => None,
    };
    let groups = request.selection.groups(target.slo, &window.per_objective);
    let context = Context {
        target,
        rules,
        request,
        window_seconds: span.end - span.start,
        burn_start: start,
    };
    let mut rows = Vec::new();
    for (index, objective) in target.slo.objectives.iter().enumerate() {
        let mut frozen = Vec::new();
        for group in &groups {
            let measured = window.per_objective[index]
                .get(group)
                .copied()
                .unwrap_or_default();
            let since = burned.as_ref().map(|burned| {
                burned
                    .get(index)
                    .and_then(|per_group| per_group.get(group))
                    .copied()
                    .unwrap_or_default()
            });
            let row = context.row(objective, group, measured, since);
            if row.verdict == GateVerdict::Freeze || row.verdict == GateVerdict::Exempt {
                frozen.push(rows.len());
            }
            rows.push(row);
        }
        if !frozen.is_empty() {
            lift::add_lift_times(&context, client, index, objective, &mut rows, &frozen)?;
        }
    }
    Ok(rows)
}

/// What every row of one SLO shares.
pub(crate) struct Context<'a> {
    pub(crate) target: &'a Target<'a>,
    pub(crate) rules: &'a BudgetRules,
    pub(crate) request: &'a GateRequest,
    pub(crate) window_seconds: i64,
    pub(crate) burn_start: Option<i64>,
}

impl Context<'_> {
    fn row(
        &self,
        objective: &ObjectivePlan,
        group: &Group,
        measured: Measurement,
        since: Option<Measurement>,
    ) -> GateRow {
        let slo = &self.target.slo.slo;
        let budget = objective.budget.to_f64();
        let judged = figures::figures(measured, budget, self.window_seconds as f64, slo.min_events);
        let burned_since = since.and_then(|since| {
            burned_share(
                measured,
                since,
                budget,
                self.window_seconds,
                self.burn_span(),
            )
        });
        let mut row = GateRow {
            service: self.target.service.meta.id.clone(),
            slo: slo.id.clone(),
            labels: group.clone(),
            objective: objective.objective.target.to_f64(),
            objective_name: objective.objective.name.clone(),
            window: slo.window.prometheus(),
            events: measured.events,
            min_events: slo.min_events,
            error_budget_remaining: judged.error_budget_remaining,
            burned_since,
            since: self.burn_start.map(format_instant),
            verdict: GateVerdict::Ship,
            rule: None,
            message: String::new(),
            freeze_lifts_at: None,
        };
        let (verdict, rule, why) = self.judge(judged.status, &row, measured);
        row.verdict = verdict;
        row.rule = rule;
        row.message = format!("{}: {why}: {}", subject(&row), verdict.as_str());
        row
    }

    /// How long the burn is measured over, in seconds.
    fn burn_span(&self) -> i64 {
        self.burn_start
            .map_or(0, |start| (self.request.at - start).max(0))
    }

    /// The verdict, the rule that decided it and why, in words. Too little data is never a
    /// freeze; a freeze is judged before a warning.
    fn judge(
        &self,
        status: Verdict,
        row: &GateRow,
        measured: Measurement,
    ) -> (GateVerdict, Option<Rule>, String) {
        let budget_words = format!("{} budget", self.target.slo.slo.window.adjective());
        match status {
            Verdict::NoData => {
                return (
                    GateVerdict::NoData,
                    None,
                    format!("no events in the {budget_words}'s window, so no verdict"),
                );
            }
            Verdict::TooFewEvents => {
                return (
                    GateVerdict::TooFewEvents,
                    None,
                    format!(
                        "{} events, fewer than min_events {}, so no verdict",
                        whole(measured.events.unwrap_or_default()),
                        row.min_events.unwrap_or_default()
                    ),
                );
            }
            Verdict::Met | Verdict::Breached => {}
        }
        let remaining = row.error_budget_remaining.unwrap_or(1.0);
        let since = row.since.as_deref().unwrap_or("the window's start");
        let freeze = if let Some(limit) = self.burned_over_limit(row) {
            Some((
                Rule::FreezeIfBurned,
                format!(
                    "{} of the {budget_words} burned since {since}, over the {} the policy allows",
                    percent(row.burned_since.unwrap_or_default()),
                    limit.share.percent()
                ),
            ))
        } else {
            self.rules
                .freeze_below
                .filter(|floor| remaining < floor.to_f64())
                .map(|floor| {
                    (
                        Rule::FreezeBelow,
                        format!(
                            "{}, below the {} the policy allows",
                            remaining_words(remaining, &budget_words),
                            floor.percent()
                        ),
                    )
                })
        };
        if let Some((rule, why)) = freeze {
            return match &self.request.reason {
                Some(reason) if self.rules.exempt.contains(reason) => (
                    GateVerdict::Exempt,
                    Some(rule),
                    format!("{why}; the freeze is passed because the policy exempts `{reason}`"),
                ),
                Some(reason) => (
                    GateVerdict::Freeze,
                    Some(rule),
                    format!(
                        "{why}; `{reason}` is not a reason the policy exempts{}",
                        exempt_list(&self.rules.exempt)
                    ),
                ),
                None => (GateVerdict::Freeze, Some(rule), why),
            };
        }
        if let Some(warn) = self
            .rules
            .warn_below
            .filter(|warn| remaining < warn.to_f64())
        {
            return (
                GateVerdict::Warn,
                Some(Rule::WarnBelow),
                format!(
                    "{}, below the {} at which the policy warns",
                    remaining_words(remaining, &budget_words),
                    warn.percent()
                ),
            );
        }
        let mut why = remaining_words(remaining, &budget_words);
        if let (Some(burned), Some(since)) = (row.burned_since, &row.since) {
            why.push_str(&format!("; {} burned since {since}", percent(burned)));
        }
        (GateVerdict::Ship, None, why)
    }

    /// The burn limit, when the burn since the deploy is over it.
    fn burned_over_limit(&self, row: &GateRow) -> Option<&BurnLimit> {
        let limit = self.rules.freeze_if_burned.as_ref()?;
        (row.burned_since? > limit.share.to_f64()).then_some(limit)
    }
}

/// `exchange-completion, tenant=2` (and the objective's name when the SLO has several).
fn subject(row: &GateRow) -> String {
    let mut subject = row.slo.clone();
    if let Some(name) = &row.objective_name {
        subject.push_str(&format!(" ({name})"));
    }
    for (label, value) in &row.labels {
        subject.push_str(&format!(", {label}={value}"));
    }
    subject
}

/// The share of the whole window's budget that `since` burned: its failed events over the budget
/// in events of the window; for an SLI without event counts, its average error ratio times its
/// span over the budget times the window.
fn burned_share(
    window: Measurement,
    since: Measurement,
    budget: f64,
    window_seconds: i64,
    since_seconds: i64,
) -> Option<f64> {
    if let Some(events) = window.events {
        if events <= 0.0 {
            return None;
        }
        let failed = since.events.unwrap_or_default() * since.error_ratio.unwrap_or_default();
        Some(failed / (budget * events))
    } else {
        let ratio = since.error_ratio.unwrap_or_default();
        Some(ratio * since_seconds as f64 / (budget * window_seconds as f64))
    }
}

/// `60% of the 28-day budget remains`, or how far it is overspent.
fn remaining_words(remaining: f64, budget_words: &str) -> String {
    if remaining < 0.0 {
        format!(
            "the {budget_words} is overspent by {} ({} remains)",
            percent(-remaining),
            percent(remaining)
        )
    } else {
        format!("{} of the {budget_words} remains", percent(remaining))
    }
}

/// ` (exempt: hotfix, security)`, or nothing when the policy exempts nothing.
fn exempt_list(exempt: &[String]) -> String {
    if exempt.is_empty() {
        " (it exempts none)".to_owned()
    } else {
        format!(" (exempt: {})", exempt.join(", "))
    }
}

/// A share as a percentage, to at most one decimal place: `23%`, `12.5%`, `-40%`.
pub fn percent(share: f64) -> String {
    let text = format!("{:.1}", share * 100.0);
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{}%", if text == "-0" { "0" } else { text })
}

fn whole(value: f64) -> String {
    format!("{}", value.round() as i64)
}

/// The exit code of a gate: 1 when a freeze applies (an exempt one does not), else 0.
pub fn frozen(rows: &[GateRow]) -> bool {
    rows.iter().any(|row| row.verdict == GateVerdict::Freeze)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burned_share_is_failed_events_over_the_windows_budget() {
        let window = Measurement::from_rates(Some(10.0), Some(0.05), 1000.0);
        // 10,000 events, budget 1%: 100 events of budget. 30 failed since the deploy.
        let since = Measurement::from_rates(Some(10.0), Some(0.3), 100.0);
        let share = burned_share(window, since, 0.01, 1000, 100).unwrap();
        assert!((share - 0.3).abs() < 1e-12, "{share}");
        // No events in the window: no share.
        let empty = Measurement::from_rates(Some(0.0), Some(0.0), 1000.0);
        assert_eq!(burned_share(empty, since, 0.01, 1000, 100), None);
        // No events since: nothing burned.
        let quiet = Measurement::from_rates(Some(0.0), Some(0.0), 100.0);
        assert_eq!(burned_share(window, quiet, 0.01, 1000, 100), Some(0.0));
        // A ratio SLI: 2% errors over a tenth of the window, budget 1%: a fifth of the budget.
        let ratio = burned_share(
            Measurement::from_ratio(Some(0.005)),
            Measurement::from_ratio(Some(0.02)),
            0.01,
            1000,
            100,
        )
        .unwrap();
        assert!((ratio - 0.2).abs() < 1e-12, "{ratio}");
    }

    #[test]
    fn percentages_read_as_people_write_them() {
        assert_eq!(percent(0.23), "23%");
        assert_eq!(percent(0.125), "12.5%");
        assert_eq!(percent(-0.4), "-40%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(-0.0001), "0%");
    }
}
