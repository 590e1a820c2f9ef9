//! One SLO: its objectives, alerting and missing data.

use super::SloContext;
use super::alerts::check_static_alert;
use super::budget_policy::{check_budget_policy, check_policy_window};
use super::checker::Checker;
use super::defaults::builtin_tiers;
use super::sli::check_sli;
use crate::diagnostics::Code;
use crate::spec::raw::{Alerting, RawSli, RawSlo};
use crate::spec::{MissingData, Objective, Sli, Slo, StaticAlert, Tier};
use crate::units::Duration;

/// One SLO at `at`: its id, labels, group-by labels and window, its SLI and objectives, its
/// alerting, static alerts and k6 mapping. `None` when any of it has an error.
pub(super) fn check_slo(
    c: &mut Checker,
    at: &str,
    raw: &RawSlo,
    context: &SloContext,
) -> Option<Slo> {
    let errors_before = c.diagnostics.iter().filter(|d| d.is_error()).count();
    c.id(&format!("{at}/id"), &raw.id, "SLO");
    c.labels(&format!("{at}/labels"), &raw.labels);
    for (i, label) in raw.group_by.iter().enumerate() {
        c.label_name(&format!("{at}/group_by/{i}"), label, false);
    }
    let window = match &raw.window {
        Some(w) => c.duration(&format!("{at}/window"), w),
        None => context.default_window,
    };
    let sli_at = format!("{at}/sli");
    let (sli, mut objectives) = check_sli(c, &sli_at, raw, context)?;
    check_single_objective(c, at, raw, &sli, &mut objectives);
    let alerting = check_alerting(c, at, raw, context)?;
    let alerts = check_static_alerts(c, at, raw, &sli, context);
    let own_policy = raw
        .error_budget_policy
        .as_ref()
        .and_then(|policy| check_budget_policy(c, &format!("{at}/error_budget_policy"), policy));
    if let (Some(window), Some(policy)) = (window, own_policy.as_ref().or(context.service_policy)) {
        check_policy_window(c, &raw.id, window, policy);
    }
    let k6 = raw.k6.as_ref().and_then(|mapping| {
        crate::spec::k6::check_slo_mapping(c, &format!("{at}/k6"), mapping, &sli, &objectives)
    });

    let errors_after = c.diagnostics.iter().filter(|d| d.is_error()).count();
    if errors_after > errors_before {
        return None;
    }
    let SloAlerting {
        policy,
        tiers,
        missing_data,
        alerting,
    } = alerting;
    Some(Slo {
        id: raw.id.clone(),
        origin: c.origin(&format!("{at}/id")),
        title: raw.title.clone().unwrap_or_else(|| raw.id.clone()),
        group: raw.group.clone(),
        journey: raw.journey.clone(),
        failure_signal: raw.failure_signal.clone(),
        events: raw.events.clone(),
        window: window?,
        sli,
        objectives,
        min_events: raw.min_events.or(context.defaults.min_events),
        group_by: raw.group_by.clone(),
        labels: raw.labels.clone(),
        budget_exhausted: context.exhaustion.get(&policy).cloned(),
        burn_policy: (policy != "none").then_some(policy),
        tiers,
        missing_data,
        alert_labels: alerting.labels,
        runbook_url: alerting.runbook_url,
        dashboard: alerting.dashboard,
        alerts,
        measurement: raw.measurement.clone(),
        verify: raw.verify.clone(),
        tests: raw.tests.clone(),
        notes: raw.notes.clone(),
        k6,
        error_budget_policy: own_policy,
        sloth: None,
    })
}

/// The single `objective` of every SLI kind but latency, put first among `objectives`: latency
/// SLOs take one per percentile instead, and every kind but documentary ones needs it.
fn check_single_objective(
    c: &mut Checker,
    at: &str,
    raw: &RawSlo,
    sli: &Sli,
    objectives: &mut Vec<Objective>,
) {
    let sli_at = format!("{at}/sli");
    let single = !matches!(raw.sli, RawSli::Latency(_));
    match (&raw.objective, single) {
        (Some(objective), true) => {
            if let Some(target) = c.objective(&format!("{at}/objective"), objective) {
                objectives.insert(
                    0,
                    Objective {
                        name: None,
                        percentile: None,
                        target,
                        threshold: match sli {
                            Sli::Freshness { .. } => freshness_threshold(raw, c, &sli_at),
                            _ => None,
                        },
                        written: Checker::quantity_text(objective),
                        origin: c.origin(&format!("{at}/objective")),
                    },
                );
            }
        }
        (Some(_), false) => c.error(
            Code::ConflictingFields,
            &format!("{at}/objective"),
            "a latency SLO takes one objective per percentile, not `objective`",
            "move the target into `sli.latency.percentiles`, e.g. `{percentile: 95, threshold: 500ms}`",
        ),
        (None, true) if !matches!(raw.sli, RawSli::Documentary(_)) => c.error(
            Code::MissingObjective,
            at,
            format!("SLO `{}` has no `objective`", raw.id),
            "add the target share of good events, e.g. `objective: 99.5%`",
        ),
        _ => {}
    }
}

/// An SLO's burn-rate alerting, resolved: the policy in force and its tiers, the missing-data
/// alert, and the rest of `alerting` as written.
struct SloAlerting {
    policy: String,
    tiers: Vec<Tier>,
    missing_data: Option<MissingData>,
    alerting: Alerting,
}

/// An SLO's `alerting`: a burn policy of the service's (its own or the default), its labels, and
/// the missing-data alert. `None` when the missing-data alert's hold duration is not a duration.
fn check_alerting(
    c: &mut Checker,
    at: &str,
    raw: &RawSlo,
    context: &SloContext,
) -> Option<SloAlerting> {
    let alerting = raw.alerting.clone().unwrap_or_default();
    let policy = alerting
        .burn_policy
        .clone()
        .or_else(|| context.defaults.burn_policy.clone())
        .unwrap_or_else(|| "default".to_owned());
    let alert_at = format!("{at}/alerting");
    if alerting.burn_policy.is_some() {
        c.reference(
            &format!("{alert_at}/burn_policy"),
            &policy,
            context.policy_names,
            "burn policy",
        );
    }
    c.labels(&format!("{alert_at}/labels"), &alerting.labels);
    let tiers = if policy == "none" {
        Vec::new()
    } else {
        builtin_tiers(&policy)
            .or_else(|| context.policies.get(&policy).cloned())
            .unwrap_or_default()
    };
    let missing_data = match &alerting.missing_data {
        Some(m) if !m.enabled => None,
        Some(m) => Some(MissingData {
            for_: match &m.for_ {
                Some(text) => c.duration(&format!("{alert_at}/missing_data/for"), text)?,
                None => MissingData::default().for_,
            },
            severity: m
                .severity
                .clone()
                .unwrap_or_else(|| MissingData::default().severity),
        }),
        None => Some(MissingData::default()),
    };
    Some(SloAlerting {
        policy,
        tiers,
        missing_data,
        alerting,
    })
}

/// An SLO's static alerts, those with errors left out, and their ids unique.
fn check_static_alerts(
    c: &mut Checker,
    at: &str,
    raw: &RawSlo,
    sli: &Sli,
    context: &SloContext,
) -> Vec<StaticAlert> {
    let mut alerts = Vec::new();
    for (i, alert) in raw.alerts.iter().enumerate() {
        if let Some(alert) = check_static_alert(c, &format!("{at}/alerts/{i}"), alert, sli, context)
        {
            alerts.push(alert);
        }
    }
    c.unique(
        raw.alerts
            .iter()
            .enumerate()
            .map(|(i, a)| (format!("{at}/alerts/{i}/id"), a.id.as_str())),
        "alert",
    );
    alerts
}

pub(super) fn freshness_threshold(raw: &RawSlo, c: &mut Checker, sli_at: &str) -> Option<Duration> {
    match &raw.sli {
        RawSli::Freshness(f) => c.duration(&format!("{sli_at}/freshness/threshold"), &f.threshold),
        _ => None,
    }
}
