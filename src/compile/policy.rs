//! An objective's error-budget policy in numbers: each rule as a share of the budget, as time,
//! and as the error ratio over a window above which it trips. The documents, `explain`, the
//! dashboards and the Prometheus alerts all read these, so that they state the same numbers.

use super::{ObjectivePlan, SloPlan};
use crate::spec::BudgetRules;
use crate::units::{Duration, Ratio};

/// Which rule of a policy a level belongs to; its `policy` label in alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PolicyLevel {
    /// `warn_below`: the budget left is running low.
    Warn,
    /// `freeze_below` or `freeze_if_burned`: stop feature deploys.
    Freeze,
}

impl PolicyLevel {
    /// The value of the alerts' `policy` label.
    pub fn label(self) -> &'static str {
        match self {
            PolicyLevel::Warn => "warn",
            PolicyLevel::Freeze => "freeze",
        }
    }
}

/// One rule in numbers, for one objective.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyRule {
    pub level: PolicyLevel,
    /// `warn_below`, `freeze_below` or `freeze_if_burned`.
    pub key: &'static str,
    /// The share of the window's budget the rule names: left (`*_below`) or burned.
    pub share: Ratio,
    /// That share as time of the window's budget.
    pub time: Duration,
    /// The window the error ratio is measured over: the SLO window, or `within`.
    pub window: Duration,
    /// The error ratio over `window` above which the rule trips.
    pub error_ratio: Ratio,
}

impl PolicyRule {
    /// Whether the rule is about the budget left (`*_below`) rather than a recent burn.
    pub fn on_budget_left(&self) -> bool {
        self.key != "freeze_if_burned"
    }
}

impl SloPlan {
    /// The rules of the SLO's policy, when it has any to check.
    pub fn policy_rules(&self) -> Option<&BudgetRules> {
        self.budget_policy
            .as_ref()?
            .rules
            .as_ref()
            .filter(|rules| rules.has_rules())
    }

    /// The rules of the SLO's policy in numbers for `objective`, freeze before warn; empty when
    /// the policy has none (or its numbers overflow, which validation's ranges rule out).
    pub fn policy_numbers(&self, objective: &ObjectivePlan) -> Vec<PolicyRule> {
        let Some(rules) = self.policy_rules() else {
            return Vec::new();
        };
        let window = self.slo.window;
        let left = |level, key, below: Ratio| -> Option<PolicyRule> {
            // Less than `below` left: more than `1 − below` of the budget spent.
            let spent = Ratio::ONE.checked_sub(below).ok()?;
            Some(PolicyRule {
                level,
                key,
                share: below,
                time: objective.budget_time.scale(below).ok()?,
                window,
                error_ratio: spent.checked_mul(objective.budget).ok()?,
            })
        };
        let mut numbers = Vec::new();
        numbers.extend(
            rules
                .freeze_below
                .and_then(|below| left(PolicyLevel::Freeze, "freeze_below", below)),
        );
        if let Some(limit) = &rules.freeze_if_burned {
            // `share` of the window's budget within `within`: an error ratio over `within` of
            // share × budget × window / within.
            let stretch = window
                .as_ratio_secs()
                .checked_div(limit.within.as_ratio_secs())
                .ok();
            let error_ratio = stretch
                .and_then(|s| s.checked_mul(limit.share).ok())
                .and_then(|r| r.checked_mul(objective.budget).ok());
            if let (Some(error_ratio), Ok(time)) =
                (error_ratio, objective.budget_time.scale(limit.share))
            {
                numbers.push(PolicyRule {
                    level: PolicyLevel::Freeze,
                    key: "freeze_if_burned",
                    share: limit.share,
                    time,
                    window: limit.within,
                    error_ratio,
                });
            }
        }
        numbers.extend(
            rules
                .warn_below
                .and_then(|below| left(PolicyLevel::Warn, "warn_below", below)),
        );
        numbers
    }
}
