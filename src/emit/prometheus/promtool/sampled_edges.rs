//! Burn tiers of sampled SLIs (probes and gauge time slices) at their edges. A window's ratio is
//! a whole number of bad samples over its samples, so it cannot sit at a constant ratio just
//! above a threshold the way counters do; but before the long window has filled, it holds every
//! sample since 0, and a run of `B` bad samples after `n − B` good ones reads `B / n`, which
//! rises during the run and falls a little at each good sample after it.
//!
//! - Under the threshold: the run ends with `B / n` just under it, and the test looks when a
//!   threshold 10% lower would first be pending (the ratio has passed it, and the short window
//!   holds the run): the tier is not even pending.
//! - Above it: the run ends early enough that `B / n` is still above the threshold once the
//!   tier's `for` has gone by, but has fallen within 10% of it by then. The tier fires then, not
//!   a step earlier; a threshold 10% higher would not fire by then, its condition having ended.
//!
//! Every candidate is replayed (`simulate.rs`) under both range semantics at the test's
//! evaluation interval, with the tier's threshold and with it scaled by 0.9 or 1.1; a test is
//! written only where every reading agrees.

use super::file::TestGroup;
use super::simulate::{EVERY_MINUTE, Evaluations, Pattern, Sampling, window_reads};
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
    ) -> Vec<(Result<TestGroup, String>, bool)> {
        let label = super::burn::tier_label(tier);
        // A probe's windows of an hour and more are derived from its 5m counts. Its samples
        // sit off the minute in the window tests (see `Shape::Sampled`), so that those counts
        // add up alike under both range semantics when the rules run every five minutes. Off
        // the minute, a test group needs an `interval` of its own; evaluated every minute, that
        // costs a group of its own, which only a service with few rules can afford.
        let mut tries = vec![(EVERY_MINUTE, false, QUICK, false)];
        if self.window_horizon > HORIZON {
            tries.push((EVERY_MINUTE, true, QUICK, false));
        }
        tries.push((WINDOW_EVALUATIONS, true, self.window_horizon, true));
        [false, true]
            .into_iter()
            .map(|above| {
                for &(evaluations, off_the_minute, horizon, in_windows) in &tries {
                    let edge = Edge {
                        objective,
                        tier,
                        sampling: self.sampling(off_the_minute),
                        above,
                        evaluations,
                        horizon,
                    };
                    if let Some(group) = self.sampled_edge(&edge) {
                        return (Ok(group), in_windows);
                    }
                }
                let side = if above { "above" } else { "under" };
                (
                    Err(format!(
                        "{label}: no run of bad {} holds its {} window within 10% {side} its threshold: not within {}",
                        self.rules.measure.noun(),
                        tier.long,
                        Duration::from_millis(self.window_horizon).human()
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
        // The other threshold's tier: above, as it is (it must not fire by the time the tier
        // does); under, without its `for` (it must be pending when the tier is not).
        let mut shifted = tier.clone();
        shifted.error_threshold = other_side;
        if !edge.above {
            shifted.for_ = Duration::default();
        }
        // Under, the short window alone holds more than the threshold when the test looks: the
        // long window keeps the tier quiet (an `or` of the two windows would be pending).
        let mut short_alone = tier.clone();
        short_alone.long = tier.short;
        short_alone.for_ = Duration::default();
        for count in 1..=LONGEST_RUN {
            // Samples up to when `count / samples` is just under the threshold (under), or
            // just under the other side above it (above).
            let bound = if edge.above { other_side } else { threshold };
            let samples = u64::try_from(
                Ratio::integer(i128::from(count))
                    .checked_div(bound)
                    .ok()
                    .map(super::simulate::ceil)?,
            )
            .ok()?;
            if samples.saturating_mul(edge.sampling.step) > edge.horizon {
                return None;
            }
            // Latest first: the run that ends nearest the edge. Earlier ones find the edges of
            // windows that have not filled yet, and of derived windows, whose 5m counts weigh
            // a sample by how many of them it is in.
            for end in (count..=samples + 2).rev() {
                let Some(from) = end.checked_sub(count) else {
                    continue;
                };
                let pattern = Pattern::Run { from, count };
                let found = if edge.above {
                    self.first_firing(tier, &pattern, edge)
                        .filter(|&at| self.state_at(&shifted, &pattern, edge, at) == State::Quiet)
                } else {
                    self.first_firing_both(&shifted, &short_alone, &pattern, edge)
                        .filter(|&at| self.quiet_through(tier, &pattern, edge, at))
                };
                if let Some(at) = found {
                    return Some(self.sampled_edge_group(edge, target, (from, count), at));
                }
            }
        }
        None
    }

    /// The state of `tier` at `at`: quiet (under every reading, not firing), firing, or unsure.
    fn state_at(&self, tier: &TierPlan, pattern: &Pattern, edge: &Edge, at: u64) -> State {
        let mut last = State::Unsure;
        self.sampled_timeline(
            tier,
            pattern,
            edge.sampling,
            at,
            edge.evaluations,
            |state| {
                last = state;
                true
            },
        );
        last
    }

    /// The first evaluation at which `tier` fires under every reading, if it does within the
    /// horizon and is never unsure before.
    fn first_firing(&self, tier: &TierPlan, pattern: &Pattern, edge: &Edge) -> Option<u64> {
        let mut at = 0;
        let mut found = None;
        self.sampled_timeline(
            tier,
            pattern,
            edge.sampling,
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

    /// The first evaluation at which both tiers fire under every reading, if they do within
    /// the horizon and `first` is never unsure before.
    fn first_firing_both(
        &self,
        first: &TierPlan,
        second: &TierPlan,
        pattern: &Pattern,
        edge: &Edge,
    ) -> Option<u64> {
        let mut seconds = Vec::new();
        self.sampled_timeline(
            second,
            pattern,
            edge.sampling,
            edge.horizon,
            edge.evaluations,
            |state| {
                seconds.push(state);
                true
            },
        );
        let mut index = 0;
        let mut found = None;
        self.sampled_timeline(
            first,
            pattern,
            edge.sampling,
            edge.horizon,
            edge.evaluations,
            |state| {
                match state {
                    State::Firing if seconds.get(index) == Some(&State::Firing) => {
                        found = Some(index as u64 * edge.evaluations.every * MINUTE);
                        return false;
                    }
                    State::Unsure => return false,
                    State::Firing | State::Quiet => {}
                }
                index += 1;
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
            edge.sampling,
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
            .map(|(alert, _, tier)| (alert, self.state_at(tier, pattern, edge, at)))
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
        let at_time = Duration::from_millis(at);
        let noun = self.rules.measure.noun();
        let every = edge.evaluations.every * MINUTE;
        // What the long window reads at `at`, for the name: Prometheus 3's reading, and 2's
        // where it differs.
        let reads = |inclusive: bool| {
            let (bad, count) = window_reads(
                pattern,
                edge.sampling,
                (tier.long, self.rules.derives(tier.long)),
                edge.evaluations,
                at,
                inclusive,
            );
            Ratio::new(i128::from(bad), i128::from(count.max(1))).unwrap_or(Ratio::ZERO)
        };
        let describe = |share: Ratio| {
            format!(
                "{}, {} its threshold {}",
                share.percent(),
                super::edges::times(share, tier.error_threshold),
                tier.error_threshold.percent()
            )
        };
        let (three, two) = (reads(false), reads(true));
        let mut read = describe(three);
        if two != three {
            read.push_str(&format!("; {} in Prometheus 2", describe(two)));
        }
        let one = if count == 1 {
            noun.trim_end_matches('s')
        } else {
            noun
        };
        let name = format!(
            "{} {}{} {}: {count} bad {one} in a row after {from} good, and then its {} window reads {read} ({})",
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
            if edge.above {
                "a threshold 10% higher would not fire by then"
            } else {
                "a threshold 10% lower would be pending"
            },
        );
        let mut group = TestGroup {
            name,
            interval: super::inputs::sampled_interval(edge.sampling),
            input_series: self.sampled_input(pattern, at_time, edge.sampling),
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
    sampling: Sampling,
    above: bool,
    evaluations: Evaluations,
    horizon: u64,
}
