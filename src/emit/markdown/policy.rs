//! The view of an SLO's error-budget policy: each rule in numbers, per objective, for the
//! "Budget policy" section of its document, then the prose.

use super::view::Exact;
use crate::compile::SloPlan;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub(super) struct PolicyView {
    /// The policy's prose, word for word.
    pub(super) text: Option<String>,
    /// Freeze rules before the warning, per objective in objective order.
    pub(super) rules: Vec<PolicyRuleView>,
    /// Deploy reasons that may ship during a freeze.
    pub(super) exempt: Vec<String>,
    /// Whether `slofile gate` can check it: Prometheus measures the SLO.
    pub(super) gated: bool,
}

/// One rule for one objective, in numbers.
#[derive(Debug, Serialize)]
pub(super) struct PolicyRuleView {
    /// The objective's label when the SLO has several.
    pub(super) objective: Option<String>,
    /// `freeze_below`, `freeze_if_burned` or `warn_below`.
    pub(super) key: &'static str,
    pub(super) share: Exact,
    /// The share as time of the window's budget, in milliseconds.
    pub(super) time: u64,
    pub(super) budget_time: u64,
    /// The window the rule measures: the SLO window, or `freeze_if_burned.within`.
    pub(super) window: u64,
}

/// The policy of an SLO whose policy has rules; `None` for none, or prose only (the service's
/// prose is in its "Error Budget" section).
pub(super) fn policy_view(plan: &SloPlan) -> Option<PolicyView> {
    let rules = plan.policy_rules()?;
    let several = plan.objectives.len() > 1;
    let views = plan
        .objectives
        .iter()
        .flat_map(|objective| {
            let label = several.then(|| super::sentences::objective_label(&plan.slo, objective));
            plan.policy_numbers(objective)
                .into_iter()
                .map(move |rule| PolicyRuleView {
                    objective: label.clone(),
                    key: rule.key,
                    share: Exact(rule.share),
                    time: rule.time.millis(),
                    budget_time: objective.budget_time.millis(),
                    window: rule.window.millis(),
                })
        })
        .collect();
    Some(PolicyView {
        text: plan.budget_policy.as_ref().and_then(|p| p.text.clone()),
        rules: views,
        exempt: rules.exempt.clone(),
        gated: plan.measure.is_some(),
    })
}
