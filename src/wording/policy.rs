//! An error-budget policy's rules in words, from their numbers ([`PolicyRule`]): `explain`
//! states each rule with its time, `diff` compares them.

use crate::compile::policy::PolicyRule;
use crate::units::Duration;

/// A rule for `explain`: `freeze below 0% = 0 of 3 h 21 m 36 s left`, `warn below 50% =
/// 1 h 40 m 48 s left`, `freeze when 20% = 40 m 19 s of the budget burns within 1 day`; `budget`
/// is the objective's budget as time.
pub fn explained(rule: &PolicyRule, budget: Duration) -> String {
    let level = rule.level.label();
    let share = rule.share.percent();
    if rule.on_budget_left() {
        let left = if rule.time.millis() == 0 {
            format!("0 of {}", budget.human())
        } else {
            rule.time.human()
        };
        format!("{level} below {share} = {left} left")
    } else {
        format!(
            "{level} when {share} = {} of the budget burns within {}",
            rule.time.human(),
            rule.window.human()
        )
    }
}

/// A rule's numbers for `diff`, its time written by `time`: `50% = 1 h 41 m left`,
/// `20% = 40 minutes within 1 day`.
pub fn numbers(rule: &PolicyRule, time: impl Fn(Duration) -> String) -> String {
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
