//! Burn tiers of sampled SLIs (probes and gauge time slices) at their edges. A window's ratio is
//! a whole number of bad samples over its samples, so it cannot sit at a constant ratio just
//! above a threshold the way counters do; but before the long window has filled, it holds every
//! sample since 0, and a run of `B` bad samples after `n − B` good ones reads `B / n`, which
//! falls a little at each new good sample. Placed so that `B / n` is just under the threshold,
//! the short window (which holds the run) is well above it and the long window stays under it:
//! the tier stays quiet, where a threshold 10% lower would have fired. Placed just above, the
//! long window stays above the threshold for the tier's `for` and it fires, not a step earlier,
//! where a threshold 10% higher would have stayed quiet.
//!
//! Every candidate is replayed (`simulate.rs`) under both range semantics at the window tests'
//! evaluation interval, with the tier's threshold and with it scaled by 0.9 or 1.1; a test is
//! written only where every reading agrees.

use super::file::TestGroup;
use super::simulate::{EVERY_MINUTE, Evaluations, Pattern};
use super::{HORIZON, MINUTE, SloTests, State, WINDOWS_EVERY};
use crate::compile::TierPlan;
use crate::emit::prometheus::Alert;
use crate::units::{Duration, Ratio};

/// The window tests' evaluations.
const WINDOW_EVALUATIONS: Evaluations = Evaluations {
    every: WINDOWS_EVERY,
};
/// How long an edge test evaluated every minute may take; longer ones go in the window tests'
/// file.
const QUICK: u64 = 2 * 60 * MINUTE;
/// How far from the threshold, relative to it, the other side of an edge lies: the pattern
/// would have the tier fire (below) or stay quiet (above) with the threshold this much lower
/// or higher.
const BAND: (i128, i128) = (1, 10);
/// The largest run of bad samples tried.
const LONGEST_RUN: u64 = 64;

impl SloTests<'_> {
    /// Both edges of one tier of a sampled SLI, where a run of bad samples finds them, each
    /// with whether it goes in the window tests' file: evaluated every minute when it is over
    /// within [`QUICK`], else every five minutes.
    pub(super) fn sampled_edge_tests(
        &self,
        objective: usize,
        tier: &TierPlan,
        step: Duration,
    ) -> Vec<(Result<TestGroup, String>, bool)> {
        let label = super::burn::tier_label(tier);
        // Evaluated every five minutes, a derived window sums 5m counts that do not overlap,
        // and Prometheus 2 reads each over one sample more than Prometheus 3 (six of a
        // one-minute interval against five): ratios a fifth apart, so no edge within 10% holds
        // under both. Evaluated every minute, the overlaps even out.
        let derived = self.rules.derives(tier.long);
        let tries: &[(Evaluations, u64, bool)] = if derived {
            &[(EVERY_MINUTE, QUICK, false)]
        } else {
            &[
                (EVERY_MINUTE, QUICK, false),
                (WINDOW_EVALUATIONS, HORIZON, true),
            ]
        };
        [false, true]
            .into_iter()
            .map(|above| {
                for &(evaluations, horizon, in_windows) in tries {
                    let edge = Edge {
                        objective,
                        tier,
                        step,
                        above,
                        evaluations,
                        horizon,
                    };
                    if let Some(group) = self.sampled_edge(&edge) {
                        return (Ok(group), in_windows);
                    }
                }
                let side = if above { "above" } else { "under" };
                let why = if derived {
                    format!(
                        "not within {} of steps evaluated every minute; its {} window is derived from the recorded 5m counts, which Prometheus 2 and 3 read a fifth apart when the rules run every five minutes",
                        Duration::from_millis(QUICK).human(),
                        tier.long
                    )
                } else {
                    format!("not within {}", Duration::from_millis(HORIZON).human())
                };
                (
                    Err(format!(
                        "{label}: no run of bad {} holds its {} window within 10% {side} its threshold for its `for`: {why}",
                        self.rules.measure.noun(),
                        tier.long,
                    )),
                    false,
                )
            })
            .collect()
    }

    fn sampled_edge(&self, edge: &Edge) -> Option<TestGroup> {
        let tier = edge.tier;
        let target = self.alert_of(edge.objective, tier)?;
        let threshold = tier.error_threshold;
        let band = Ratio::new(BAND.0, BAND.1).ok()?;
        let other_side = if edge.above {
            threshold.checked_mul(Ratio::ONE.checked_add(band).ok()?)
        } else {
            threshold.checked_mul(Ratio::ONE.checked_sub(band).ok()?)
        }
        .ok()?;
        let mut shifted = tier.clone();
        shifted.error_threshold = other_side;
        for count in 1..=LONGEST_RUN {
            // Samples up to the run's last: `count / samples` just under the threshold, or
            // just under the other side above it.
            let bound = if edge.above { other_side } else { threshold };
            let samples = u64::try_from(
                Ratio::integer(i128::from(count))
                    .checked_div(bound)
                    .ok()
                    .map(super::simulate::ceil)?,
            )
            .ok()?;
            if samples.saturating_mul(edge.step.millis()) > edge.horizon {
                return None;
            }
            for extra in 0..3 {
                let Some(from) = (samples + extra).checked_sub(count) else {
                    continue;
                };
                let pattern = Pattern::Run { from, count };
                let (fires, quiet) = if edge.above {
                    (tier, &shifted)
                } else {
                    (&shifted, tier)
                };
                let Some(at) = self.first_firing(fires, &pattern, edge) else {
                    continue;
                };
                if !self.quiet_through(quiet, &pattern, edge, at) {
                    continue;
                }
                return Some(self.sampled_edge_group(edge, target, (from, count), at));
            }
        }
        None
    }

    /// The first evaluation at which `tier` fires under every reading, if it does within the
    /// horizon and is never unsure before.
    fn first_firing(&self, tier: &TierPlan, pattern: &Pattern, edge: &Edge) -> Option<u64> {
        let mut at = 0;
        let mut found = None;
        self.sampled_timeline(
            tier,
            pattern,
            edge.step,
            edge.horizon,
            edge.evaluations,
            |state| {
                match state {
                    State::Firing => {
                        found = Some(at);
                        return false;
                    }
                    State::Unsure => return false,
                    State::Quiet => {}
                }
                at += edge.evaluations.every * MINUTE;
                true
            },
        );
        found
    }

    /// Whether `tier`'s condition holds under no reading at any evaluation up to `until`: not
    /// even pending.
    fn quiet_through(&self, tier: &TierPlan, pattern: &Pattern, edge: &Edge, until: u64) -> bool {
        // Without `for`, the replay's firing is the condition holding.
        let mut at_once = tier.clone();
        at_once.for_ = Duration::default();
        let mut quiet = true;
        self.sampled_timeline(
            &at_once,
            pattern,
            edge.step,
            until,
            edge.evaluations,
            |state| {
                quiet &= state == State::Quiet;
                quiet
            },
        );
        quiet
    }

    /// The state of every burn alert at `at`.
    fn sampled_states(&self, pattern: &Pattern, edge: &Edge, at: u64) -> Vec<(&Alert, State)> {
        self.burn_alerts()
            .map(|(alert, _, tier)| {
                let mut last = State::Unsure;
                self.sampled_timeline(tier, pattern, edge.step, at, edge.evaluations, |state| {
                    last = state;
                    true
                });
                (alert, last)
            })
            .collect()
    }

    /// The test of a run of `count` bad samples from sample `from` on.
    fn sampled_edge_group(
        &self,
        edge: &Edge,
        target: &Alert,
        (from, count): (u64, u64),
        at: u64,
    ) -> TestGroup {
        let pattern = &Pattern::Run { from, count };
        let tier = edge.tier;
        let samples = from + count;
        let share = Ratio::new(i128::from(count), i128::from(samples)).unwrap_or(Ratio::ZERO);
        let at_time = Duration::from_millis(at);
        let noun = self.rules.measure.noun();
        let every = edge.evaluations.every * MINUTE;
        let name = format!(
            "{} {}{} {}: {count} bad {noun} in a row after {from} good hold its {} window at {} its threshold {} (within 10% {} it) {}",
            self.rules.slo_id(),
            self.objective_prefix(edge.objective),
            super::burn::tier_label(tier),
            if edge.above {
                format!(
                    "fires at {at_time}, not {} earlier",
                    if every == MINUTE {
                        "a minute"
                    } else {
                        "a step"
                    }
                )
            } else {
                format!("stays quiet, not even pending at {at_time}")
            },
            tier.long,
            super::edges::times(share, tier.error_threshold),
            tier.error_threshold.percent(),
            if edge.above { "above" } else { "under" },
            if edge.above {
                "for its `for`"
            } else {
                "while its short window holds the run"
            },
        );
        let mut group = TestGroup {
            name,
            interval: edge.step.prometheus(),
            input_series: self.sampled_input(pattern, at_time),
            alert_rule_test: Vec::new(),
            promql_expr_test: Vec::new(),
        };
        let mut times = vec![at];
        if edge.above && at >= every {
            times.insert(0, at - every);
        }
        for time in times {
            let states = self.sampled_states(pattern, edge, time);
            self.expect_burn(&mut group, Duration::from_millis(time), &[target], &states);
        }
        if !edge.above {
            group
                .promql_expr_test
                .push(self.none_pending(target, at_time));
        }
        group
    }
}

/// One edge being looked for.
struct Edge<'a> {
    objective: usize,
    tier: &'a TierPlan,
    step: Duration,
    above: bool,
    evaluations: Evaluations,
    horizon: u64,
}
