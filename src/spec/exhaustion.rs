//! The budget-exhaustion alert of a burn policy: `budget_exhausted: {severity, for}`, off unless
//! a policy gives it. It fires when compliance over the SLO window is below the objective, that
//! is when the window's error budget is spent (with at least `min_events` events in the window).

use super::BudgetExhausted;
use super::raw::BudgetExhaustedAlert;
use super::validate::Checker;
use crate::units::Duration;

impl BudgetExhausted {
    /// What a policy's `budget_exhausted` gives, with its defaults: a `ticket` after `10m`.
    pub(crate) fn check(
        c: &mut Checker,
        policy_at: &str,
        raw: &BudgetExhaustedAlert,
    ) -> Option<BudgetExhausted> {
        let for_ = match &raw.for_ {
            Some(text) => c.duration(&format!("{policy_at}/budget_exhausted/for"), text)?,
            None => Duration::from_millis(10 * 60 * 1000),
        };
        Some(BudgetExhausted {
            for_,
            severity: raw.severity.clone().unwrap_or_else(|| "ticket".to_owned()),
        })
    }
}
