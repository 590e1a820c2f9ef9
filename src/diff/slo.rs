//! Changes to one SLO: its SLI, objectives, error budgets, tiers, static alerts and budget policy.

use super::pair_by;
use crate::compile::{Evaluator, ObjectivePlan, SloPlan, TierPlan};
use crate::diagnostics::quoted;
use crate::units::Duration;

use super::alerts::{evaluated_by, static_alert_change, tier_change, tier_summary};
use super::policy::{policy_changes, whole_policy};
use super::sli::sli_changes;
use super::{SloChanges, Status};
use crate::wording::static_alert;

/// What an added or removed SLO is, in one line per objective, tier and static alert.
pub(super) fn whole_slo(plan: &SloPlan, status: Status) -> SloChanges {
    let mut lines = Vec::new();
    if status == Status::Added {
        lines.push(format!(
            "measured by {}",
            crate::wording::sli::kind_phrase(&plan.slo.sli)
        ));
        if plan.objectives.is_empty() {
            lines.push("documentation only: no objective to compute".to_owned());
        }
        for objective in &plan.objectives {
            lines.push(format!(
                "{}objective {}: budget {} per {}",
                objective_prefix(objective),
                objective.objective.target.percent(),
                budget(objective.budget_time),
                plan.slo.window.human()
            ));
            for tier in &objective.tiers {
                lines.push(format!(
                    "{}{}",
                    objective_prefix(objective),
                    tier_summary(tier)
                ));
            }
        }
        lines.extend(whole_policy(plan));
        for (alert, evaluator) in plan.static_alerts() {
            lines.push(format!(
                "static alert `{}`: {}{}",
                alert.id,
                static_alert::one_line(alert),
                evaluated_by(evaluator)
            ));
        }
    } else {
        for objective in &plan.objectives {
            lines.push(format!(
                "{}was objective {} over {}",
                objective_prefix(objective),
                objective.objective.target.percent(),
                plan.slo.window.human()
            ));
        }
    }
    SloChanges {
        id: plan.slo.id.clone(),
        status,
        lines,
    }
}

pub(super) fn slo_changes(old: &SloPlan, new: &SloPlan) -> Vec<String> {
    let mut lines = Vec::new();
    let (o, n) = (&old.slo, &new.slo);
    if o.title != n.title {
        lines.push(format!("title “{}” → “{}”", o.title, n.title));
    }
    lines.extend(sli_changes(&o.sli, &n.sli));
    let window_changed = o.window != n.window;
    for pair in pair_by(&old.objectives, &new.objectives, |p| {
        p.objective.name.as_deref()
    }) {
        match pair {
            (None, Some(added)) => lines.push(format!(
                "{}objective added: {}, budget {} per {}",
                objective_prefix(added),
                added.objective.target.percent(),
                budget(added.budget_time),
                n.window.human()
            )),
            (Some(removed), None) => lines.push(format!(
                "{}objective removed (was {})",
                objective_prefix(removed),
                removed.objective.target.percent()
            )),
            (Some(before), Some(after)) => {
                lines.extend(objective_changes(before, after, old, new, window_changed));
            }
            (None, None) => {}
        }
    }
    if window_changed && old.objectives.is_empty() && new.objectives.is_empty() {
        lines.push(format!(
            "window {} → {}",
            o.window.human(),
            n.window.human()
        ));
    }
    if o.min_events != n.min_events {
        let show = |m: Option<u64>| m.map_or("none".to_owned(), |m| m.to_string());
        lines.push(format!(
            "minimum events for burn-rate alerts {} → {}",
            show(o.min_events),
            show(n.min_events)
        ));
    }
    if o.group_by != n.group_by {
        lines.push(format!(
            "one series per {} → {}",
            list_or_none(&o.group_by),
            list_or_none(&n.group_by)
        ));
    }
    if o.burn_policy != n.burn_policy {
        let show = |p: &Option<String>| p.clone().unwrap_or_else(|| "none".to_owned());
        lines.push(format!(
            "burn-rate policy `{}` → `{}`",
            show(&o.burn_policy),
            show(&n.burn_policy)
        ));
    }
    lines.extend(policy_changes(old, new));
    for pair in pair_by(&o.alerts, &n.alerts, |a| a.id.as_str()) {
        match pair {
            (None, Some(added)) => lines.push(format!(
                "static alert `{}` added: {}",
                added.id,
                static_alert::one_line(added)
            )),
            (Some(removed), None) => lines.push(format!(
                "static alert `{}` removed (was {})",
                removed.id,
                static_alert::one_line(removed)
            )),
            (Some(before), Some(after)) => lines.extend(static_alert_change(before, after)),
            (None, None) => {}
        }
    }
    for (alert, evaluator) in new.static_alerts() {
        let before = old
            .static_alerts()
            .find(|(a, _)| a.id == alert.id)
            .map(|(_, e)| e);
        if before.is_some_and(|before| before != evaluator) {
            let now = match evaluator {
                Evaluator::Prometheus => " now evaluated by Prometheus".to_owned(),
                other => evaluated_by(other),
            };
            lines.push(format!("static alert `{}`:{now}", alert.id));
        }
    }
    lines
}

pub(super) fn objective_changes(
    before: &ObjectivePlan,
    after: &ObjectivePlan,
    old: &SloPlan,
    new: &SloPlan,
    window_changed: bool,
) -> Vec<String> {
    let mut lines = Vec::new();
    let prefix = objective_prefix(after);
    let (from, to) = (before.objective.target, after.objective.target);
    let (old_window, new_window) = (old.slo.window.human(), new.slo.window.human());
    let (old_budget, new_budget) = budget_pair(before.budget_time, after.budget_time);
    match (from != to, window_changed) {
        (true, false) => lines.push(format!(
            "{prefix}objective {} → {}: budget {old_budget} → {new_budget} per {new_window}",
            from.percent(),
            to.percent()
        )),
        (false, true) => lines.push(format!(
            "{prefix}window {old_window} → {new_window}: budget {old_budget} → {new_budget}"
        )),
        (true, true) => lines.push(format!(
            "{prefix}objective {} → {} and window {old_window} → {new_window}: budget \
             {old_budget} per {old_window} → {new_budget} per {new_window}",
            from.percent(),
            to.percent()
        )),
        (false, false) => {}
    }
    if before.objective.threshold != after.objective.threshold {
        let show = |d: Option<Duration>| d.map_or("none".to_owned(), Duration::human);
        let name = after.objective.name.as_deref().unwrap_or("objective");
        lines.push(format!(
            "{name}: threshold {} → {}",
            show(before.objective.threshold),
            show(after.objective.threshold)
        ));
    }
    for (b, a) in pair_tiers(&before.tiers, &after.tiers) {
        match (b, a) {
            (None, Some(added)) => {
                lines.push(format!("{prefix}tier added: {}", tier_summary(added)));
            }
            (Some(removed), None) => {
                lines.push(format!("{prefix}tier removed: {}", tier_summary(removed)));
            }
            (Some(b), Some(a)) => {
                if let Some(line) = tier_change(b, a) {
                    lines.push(format!("{prefix}{line}"));
                }
            }
            (None, None) => {}
        }
    }
    lines
}

/// Pairs tiers: same severity and windows first, then same severity in order; the rest are
/// added or removed.
pub(super) fn pair_tiers<'a>(
    old: &'a [TierPlan],
    new: &'a [TierPlan],
) -> Vec<(Option<&'a TierPlan>, Option<&'a TierPlan>)> {
    let mut taken = vec![false; old.len()];
    let mut matched: Vec<Option<usize>> = vec![None; new.len()];
    let same_windows = |o: &TierPlan, n: &TierPlan| {
        o.severity == n.severity && o.long == n.long && o.short == n.short
    };
    let same_severity = |o: &TierPlan, n: &TierPlan| o.severity == n.severity;
    for rule in [
        &same_windows as &dyn Fn(&TierPlan, &TierPlan) -> bool,
        &same_severity,
    ] {
        for (j, n) in new.iter().enumerate() {
            if matched[j].is_some() {
                continue;
            }
            if let Some(i) = (0..old.len()).find(|&i| !taken[i] && rule(&old[i], n)) {
                taken[i] = true;
                matched[j] = Some(i);
            }
        }
    }
    let mut pairs: Vec<_> = new
        .iter()
        .zip(&matched)
        .map(|(n, m)| (m.map(|i| &old[i]), Some(n)))
        .collect();
    pairs.extend(
        old.iter()
            .zip(&taken)
            .filter(|(_, t)| !**t)
            .map(|(o, _)| (Some(o), None)),
    );
    pairs
}

/// `p95 ≤ 500 ms: ` for percentile objectives; nothing for an SLO's single objective.
pub(super) fn objective_prefix(plan: &ObjectivePlan) -> String {
    match (&plan.objective.name, plan.objective.threshold) {
        (Some(name), Some(threshold)) => format!("{name} ≤ {}: ", threshold.human()),
        (Some(name), None) => format!("{name}: "),
        (None, _) => String::new(),
    }
}

/// A budget as time, to the minute once it is long enough that seconds are noise.
pub(super) fn budget(time: Duration) -> String {
    const TEN_MINUTES: u64 = 600_000;
    if time.millis() >= TEN_MINUTES {
        Duration::from_millis((time.millis() + 30_000) / 60_000 * 60_000).human()
    } else {
        time.human()
    }
}

/// Two budgets for an old → new line: rounded, unless rounding makes them look equal.
pub(super) fn budget_pair(before: Duration, after: Duration) -> (String, String) {
    let (b, a) = (budget(before), budget(after));
    if b == a && before != after {
        (before.human(), after.human())
    } else {
        (b, a)
    }
}

pub(super) fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".to_owned()
    } else {
        quoted(items.iter().map(String::as_str), ", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_round_to_the_minute_unless_that_hides_the_change() {
        let d = |text| Duration::parse(text).unwrap();
        assert_eq!(budget(d("3h21m36s")), d("3h22m").human());
        assert_eq!(budget(d("40m19s")), d("40m").human());
        assert_eq!(budget(d("4m1s")), d("4m1s").human());
        assert_eq!(
            budget_pair(d("3h21m36s"), d("3h22m10s")),
            (d("3h21m36s").human(), d("3h22m10s").human())
        );
    }
}
