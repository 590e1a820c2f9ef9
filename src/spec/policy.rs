//! The error-budget policy, validated: what `slofile gate` checks before a deploy, and the prose
//! the documents carry word for word.

use crate::diagnostics::Origin;
use crate::units::{Duration, Ratio};

/// A policy: prose, rules, or both.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetPolicy {
    /// The prose (Markdown), word for word.
    pub text: Option<String>,
    /// `None` for a policy in prose only: nothing is checked.
    pub rules: Option<BudgetRules>,
}

/// The rules `slofile gate` checks. Remaining budget is a share of the SLO window's error
/// budget: 1 untouched, 0 spent.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetRules {
    /// Warn when less than this share remains.
    pub warn_below: Option<Ratio>,
    /// Freeze feature deploys when less than this share remains.
    pub freeze_below: Option<Ratio>,
    /// Freeze when a recent burn spent this share of the window's budget.
    pub freeze_if_burned: Option<BurnLimit>,
    /// Deploy reasons that may ship during a freeze.
    pub exempt: Vec<String>,
    /// Where the rules are written.
    pub origin: Origin,
}

/// A recent burn that freezes deploys.
#[derive(Debug, Clone, PartialEq)]
pub struct BurnLimit {
    /// Share of the whole SLO window's error budget.
    pub share: Ratio,
    /// How far back the burn is measured when the gate is given no deploy time.
    pub within: Duration,
    /// Where `within` is written: it must fit in the window of every SLO that follows the policy.
    pub within_origin: Origin,
}

impl BudgetPolicy {
    /// Whether the policy has a rule to check.
    pub fn has_rules(&self) -> bool {
        self.rules.as_ref().is_some_and(BudgetRules::has_rules)
    }
}

impl BudgetRules {
    pub fn has_rules(&self) -> bool {
        self.warn_below.is_some() || self.freeze_below.is_some() || self.freeze_if_burned.is_some()
    }
}
