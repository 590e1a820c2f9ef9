//! Changes to the error-budget policy an SLO follows (its own, else the service's): a policy with
//! rules added or removed, each rule whose share or window changed, old → new in numbers, and the
//! reasons exempt from a freeze. A policy in prose only checks nothing, so it counts as none.

use super::pair_by;
use super::slo::{budget, budget_pair, list_or_none, objective_prefix};
use crate::compile::policy::PolicyRule;
use crate::compile::{ObjectivePlan, SloPlan};
use crate::diagnostics::quoted;
use crate::units::Duration;

/// The policy of an added SLO, one line per objective.
pub(super) fn whole_policy(plan: &SloPlan) -> Vec<String> {
    plan.objectives
        .iter()
        .filter_map(|objective| {
            Some(format!(
                "{}budget policy: {}",
                objective_prefix(objective),
                rules_in_numbers(plan, objective)?
            ))
        })
        .collect()
}

pub(super) fn policy_changes(old: &SloPlan, new: &SloPlan) -> Vec<String> {
    let mut lines = Vec::new();
    match (old.policy_rules(), new.policy_rules()) {
        (None, None) => {}
        (None, Some(_)) => {
            for objective in &new.objectives {
                if let Some(rules) = rules_in_numbers(new, objective) {
                    let prefix = objective_prefix(objective);
                    lines.push(format!("{prefix}budget policy added: {rules}"));
                }
            }
        }
        (Some(_), None) => {
            for objective in &old.objectives {
                if let Some(rules) = rules_in_numbers(old, objective) {
                    let prefix = objective_prefix(objective);
                    lines.push(format!("{prefix}budget policy removed (was {rules})"));
                }
            }
        }
        (Some(before), Some(after)) => {
            for pair in pair_by(&old.objectives, &new.objectives, |p| {
                p.objective.name.as_deref()
            }) {
                if let (Some(b), Some(a)) = pair {
                    lines.extend(rule_changes(old, b, new, a));
                }
            }
            if before.exempt != after.exempt {
                lines.push(format!(
                    "budget policy: exempt {} → {}",
                    list_or_none(&before.exempt),
                    list_or_none(&after.exempt)
                ));
            }
        }
    }
    lines
}

/// `freeze_below 0% = 0 left, …; exempt `hotfix``: every rule of the objective, then the exempt
/// reasons; `None` when the SLO's policy has no rule.
fn rules_in_numbers(plan: &SloPlan, objective: &ObjectivePlan) -> Option<String> {
    let rules = plan.policy_rules()?;
    let mut text = plan
        .policy_numbers(objective)
        .iter()
        .map(|rule| format!("{} {}", rule.key, numbers(rule, budget)))
        .collect::<Vec<_>>()
        .join(", ");
    if !rules.exempt.is_empty() {
        text.push_str(&format!(
            "; exempt {}",
            quoted(rules.exempt.iter().map(String::as_str), ", ")
        ));
    }
    Some(text)
}

/// The rules of one objective that were added, removed or changed their share or window.
fn rule_changes(
    old: &SloPlan,
    before: &ObjectivePlan,
    new: &SloPlan,
    after: &ObjectivePlan,
) -> Vec<String> {
    let (old_rules, new_rules) = (old.policy_numbers(before), new.policy_numbers(after));
    let prefix = objective_prefix(after);
    let key = |rule: &PolicyRule| rule.key;
    let mut lines = Vec::new();
    for pair in pair_by(&old_rules, &new_rules, key) {
        match pair {
            (None, Some(added)) => lines.push(format!(
                "{prefix}budget policy: {} added: {}",
                added.key,
                numbers(added, budget)
            )),
            (Some(removed), None) => lines.push(format!(
                "{prefix}budget policy: {} removed (was {})",
                removed.key,
                numbers(removed, budget)
            )),
            // A `*_below` rule's window is the SLO's, whose change is reported on its own.
            (Some(b), Some(a))
                if b.share != a.share || (!a.on_budget_left() && b.window != a.window) =>
            {
                let (old_time, new_time) = budget_pair(b.time, a.time);
                lines.push(format!(
                    "{prefix}budget policy: {} {} → {}",
                    a.key,
                    numbers(b, |_| old_time.clone()),
                    numbers(a, |_| new_time.clone())
                ));
            }
            _ => {}
        }
    }
    lines
}

/// A rule's numbers, its time written by `time`: `50% = 1 h 41 m left`, `20% = 40 minutes within
/// 1 day`.
fn numbers(rule: &PolicyRule, time: impl Fn(Duration) -> String) -> String {
    let share = rule.share.percent();
    let time = if rule.time.millis() == 0 {
        "0".to_owned()
    } else {
        time(rule.time)
    };
    if rule.on_budget_left() {
        format!("{share} = {time} left")
    } else {
        format!("{share} = {time} within {}", rule.window.human())
    }
}
