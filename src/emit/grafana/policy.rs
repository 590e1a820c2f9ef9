//! The error-budget policy on the budget panels: its `freeze_below` and `warn_below` levels as
//! the colour steps of the budget left, as a share and as time, and as threshold lines on the
//! burn-down. The numbers come from [`SloPlan::policy_numbers`]; SLOs whose policy names no
//! level of budget left keep the panels' own steps.

use super::dashboard::Step;
use super::panels::{GREEN, ORANGE, RED};
use crate::compile::policy::{PolicyLevel, PolicyRule};
use crate::compile::{ObjectivePlan, SloPlan};
use crate::units::{Duration, Ratio};

/// The levels of budget left one objective's policy names.
pub struct Levels {
    /// `freeze_below`: feature deploys freeze under it.
    freeze: Option<PolicyRule>,
    /// `warn_below`: the policy warns under it.
    warn: Option<PolicyRule>,
}

impl Levels {
    /// The levels of `objective`, when its SLO's policy names one.
    pub fn of(plan: &SloPlan, objective: &ObjectivePlan) -> Option<Levels> {
        let mut levels = Levels {
            freeze: None,
            warn: None,
        };
        for rule in plan.policy_numbers(objective) {
            if !rule.on_budget_left() {
                continue;
            }
            match rule.level {
                PolicyLevel::Freeze => levels.freeze = Some(rule),
                PolicyLevel::Warn => levels.warn = Some(rule),
            }
        }
        (levels.freeze.is_some() || levels.warn.is_some()).then_some(levels)
    }

    /// The levels of the SLO's first objective: the shares are the same for every objective.
    pub fn of_slo(plan: &SloPlan) -> Option<Levels> {
        Levels::of(plan, plan.objectives.first()?)
    }

    /// Colour steps of the share of the budget left (1 = 100%).
    pub fn share_steps(&self) -> Vec<Step> {
        steps(self.bands(|rule| rule.share))
    }

    /// Colour steps of the budget left as time, in seconds.
    pub fn time_steps(&self) -> Vec<Step> {
        steps(self.bands(|rule| rule.time.as_ratio_secs()))
    }

    /// `red below 0%, where feature deploys freeze; orange below 50%, where the policy warns`.
    pub fn share_words(&self) -> String {
        self.words(|rule| rule.share.percent())
    }

    /// The same with the levels as time, `0` for none: `… orange below 1 h 40 m 48 s (50%) …`.
    pub fn time_words(levels: &[Levels]) -> String {
        let Some(first) = levels.first() else {
            return String::new();
        };
        first.words(|rule| {
            let mut times: Vec<String> = levels
                .iter()
                .filter_map(|l| l.rule(rule.level))
                .map(|r| time(r.time))
                .collect();
            times.dedup();
            format!("{} ({})", times.join(" or "), rule.share.percent())
        })
    }

    fn rule(&self, level: PolicyLevel) -> Option<&PolicyRule> {
        match level {
            PolicyLevel::Freeze => self.freeze.as_ref(),
            PolicyLevel::Warn => self.warn.as_ref(),
        }
    }

    /// Where red ends (the freeze level, else 0) and, when it lies above, where orange ends.
    fn bands(&self, value: impl Fn(&PolicyRule) -> Ratio) -> (Ratio, Option<Ratio>) {
        let red = self.freeze.as_ref().map_or(Ratio::ZERO, &value);
        let orange = self.warn.as_ref().map(&value).filter(|warn| *warn > red);
        (red, orange)
    }

    fn words(&self, value: impl Fn(&PolicyRule) -> String) -> String {
        let warns_at_red = self.warn.is_some() && self.bands(|rule| rule.share).1.is_none();
        let red = match (&self.freeze, warns_at_red) {
            (Some(freeze), _) => {
                format!("red below {}, where feature deploys freeze", value(freeze))
            }
            (None, true) => "red below 0, where the policy warns".to_owned(),
            (None, false) => "red below 0".to_owned(),
        };
        match (&self.warn, warns_at_red) {
            (Some(warn), false) => {
                format!(
                    "{red}; orange below {}, where the policy warns",
                    value(warn)
                )
            }
            _ => red,
        }
    }
}

/// Red below the first level, orange up to the second when there is one, green above.
fn steps((red, orange): (Ratio, Option<Ratio>)) -> Vec<Step> {
    let mut steps = vec![Step {
        from: None,
        color: RED,
    }];
    if let Some(orange) = orange {
        steps.push(Step {
            from: Some(red),
            color: ORANGE,
        });
        steps.push(Step {
            from: Some(orange),
            color: GREEN,
        });
    } else {
        steps.push(Step {
            from: Some(red),
            color: GREEN,
        });
    }
    steps
}

/// A level as time; a level of nothing left is `0`, not `0 ms`.
fn time(time: Duration) -> String {
    if time.millis() == 0 {
        "0".to_owned()
    } else {
        time.human()
    }
}
