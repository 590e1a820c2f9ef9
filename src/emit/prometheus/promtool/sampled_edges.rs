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
use super::simulate::{
    Condition, EVERY_MINUTE, Evaluations, Pattern, Sampling, simulate, window_reads,
};
use super::{HORIZON, MINUTE, SloTests, State, WINDOWS_EVERY};
use crate::compile::{BASE_WINDOW, TierPlan};
use crate::emit::prometheus::Alert;
use crate::units::{Duration, Ratio};
use std::cell::RefCell;
use std::collections::HashMap;

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
/// How much earlier than where its ratio would reach the edge at once a run may end, beyond
/// the alert's `for`.
const EARLIER: Duration = Duration::from_millis(30 * MINUTE);
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
        let Some(target) = self.alert_of(objective, tier) else {
            return Vec::new();
        };
        let condition = self.tier_condition(tier);
        [false, true]
            .into_iter()
            .map(|above| match self.find_sampled_edge(&condition, 0, above) {
                Ok((edge, run, in_windows)) => (
                    Ok(self.sampled_edge_group(&edge, objective, target, run)),
                    in_windows,
                ),
                Err(note) => (
                    Err(format!("{}: {note}", super::burn::tier_label(tier))),
                    false,
                ),
            })
            .collect()
    }

    /// The edge above or under the threshold of tier `which` of `condition`, where a run of bad
    /// samples finds it: the edge, the run, and whether the test goes in the window tests' file;
    /// or why none does.
    pub(super) fn find_sampled_edge<'c>(
        &self,
        condition: &'c Condition,
        which: usize,
        above: bool,
    ) -> Result<(Edge<'c>, Run, bool), String> {
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
        for (evaluations, off_the_minute, horizon, in_windows) in tries {
            let edge = Edge {
                condition,
                which,
                sampling: self.sampling(off_the_minute),
                above,
                evaluations,
                horizon,
            };
            if let Some(run) = edge.find_run_once() {
                return Ok((edge, run, in_windows));
            }
        }
        let long = condition
            .tiers
            .get(which)
            .map(|(t, _)| t.long)
            .unwrap_or_default();
        Err(format!(
            "no run of bad {} holds its {long} window within 10% {} its threshold: not within {}",
            self.rules.measure.noun(),
            if above { "above" } else { "under" },
            Duration::from_millis(self.window_horizon).human()
        ))
    }

    /// The state of every burn alert at `at`.
    fn sampled_states(&self, pattern: &Pattern, edge: &Edge, at: u64) -> Vec<(&Alert, State)> {
        self.burn_alerts()
            .map(|(alert, _, tier)| {
                (
                    alert,
                    edge.state_at(&self.tier_condition(tier), pattern, at),
                )
            })
            .collect()
    }

    /// The name of an edge test, from its subject (`queue-backlog page 1h/5m`) on.
    pub(super) fn sampled_edge_name(&self, subject: &str, edge: &Edge, run: Run) -> String {
        let Run { from, count, at } = run;
        let pattern = &run.pattern();
        let Some((tier, derived)) = edge.condition.tiers.get(edge.which) else {
            return subject.to_owned();
        };
        let at_time = Duration::from_millis(at);
        let noun = self.rules.measure.noun();
        // What the long window reads at `at`: Prometheus 3's reading, and 2's where it differs.
        let reads = |inclusive: bool| {
            let (bad, count) = window_reads(
                pattern,
                edge.sampling,
                (tier.long, derived[0]),
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
        format!(
            "{subject} {}: {count} bad {one} in a row after {from} good, and then its {} window reads {read} ({})",
            if edge.above {
                format!(
                    "fires at {at_time}, not {} earlier",
                    if edge.evaluations.every == 1 {
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
        )
    }

    /// A test group of a run, without expectations yet.
    pub(super) fn sampled_edge_input(&self, name: String, edge: &Edge, run: Run) -> TestGroup {
        TestGroup {
            name,
            interval: super::inputs::sampled_interval(edge.sampling),
            input_series: self.sampled_input(
                &run.pattern(),
                Duration::from_millis(run.at),
                edge.sampling,
            ),
            alert_rule_test: Vec::new(),
            promql_expr_test: Vec::new(),
        }
    }

    /// The test of a run at the edge of one of slofile's burn tiers.
    fn sampled_edge_group(
        &self,
        edge: &Edge,
        objective: usize,
        target: &Alert,
        run: Run,
    ) -> TestGroup {
        let label = edge
            .condition
            .tiers
            .first()
            .map(|(t, _)| super::burn::tier_label(t))
            .unwrap_or_default();
        let subject = format!(
            "{} {}{label}",
            self.rules.slo_id(),
            self.objective_prefix(objective)
        );
        let name = self.sampled_edge_name(&subject, edge, run);
        let mut group = self.sampled_edge_input(name, edge, run);
        let pattern = &run.pattern();
        let every = edge.every();
        let mut times = vec![run.at];
        if edge.above && run.at >= every {
            times.insert(0, run.at - every);
        }
        for time in times {
            let states = self.sampled_states(pattern, edge, time);
            self.expect_burn(&mut group, Duration::from_millis(time), &[target], &states);
        }
        if !edge.above {
            group
                .promql_expr_test
                .push(self.none_pending(target, Duration::from_millis(run.at)));
        }
        group
    }
}

/// One edge being looked for: above or under the threshold of tier `which` of an alert.
pub(super) struct Edge<'a> {
    condition: &'a Condition,
    which: usize,
    sampling: Sampling,
    pub(super) above: bool,
    evaluations: Evaluations,
    horizon: u64,
}

thread_local! {
    /// The runs found (or not) for the edges searched on this thread, by [`Edge::key`]: SLOs
    /// alike in objective, windows and sampling share their edges, and a search that finds
    /// nothing replays thousands of runs.
    static RUNS: RefCell<HashMap<String, Option<Run>>> = RefCell::new(HashMap::new());
}

impl Edge<'_> {
    /// [`Self::find_run`], once for every edge alike.
    fn find_run_once(&self) -> Option<Run> {
        let key = self.key();
        if let Some(found) = RUNS.with(|runs| runs.borrow().get(&key).copied()) {
            return found;
        }
        let found = self.find_run();
        RUNS.with(|runs| runs.borrow_mut().insert(key, found));
        found
    }

    /// Everything a search depends on.
    fn key(&self) -> String {
        format!(
            "{:?} {} {:?} {} {} {}",
            self.condition,
            self.which,
            self.sampling,
            self.above,
            self.evaluations.every,
            self.horizon
        )
    }

    /// The run of bad samples that finds this edge, and when its test looks.
    fn find_run(&self) -> Option<Run> {
        let (tier, derived) = self.condition.tiers.get(self.which)?;
        let threshold = tier.error_threshold;
        let band = Ratio::new(BAND.0, BAND.1).ok()?;
        let other_side = if self.above {
            threshold.checked_mul(Ratio::ONE.checked_add(band).ok()?)
        } else {
            threshold.checked_mul(Ratio::ONE.checked_sub(band).ok()?)
        }
        .ok()?;
        // The alert with the tier's threshold on the other side: above, as it is (it must not
        // fire by the time the alert does); under, without its `for` (it must be pending when
        // the alert is not).
        let mut shifted = self.condition.clone();
        shifted.tiers[self.which].0.error_threshold = other_side;
        if !self.above {
            shifted.for_ = Duration::default();
        }
        // Under, the short window alone holds more than the threshold when the test looks: the
        // long window keeps the tier quiet (an `or` of the two windows would be pending).
        let mut alone = tier.clone();
        alone.long = tier.short;
        let short_alone = Condition {
            tiers: vec![(alone, [derived[1]; 2])],
            for_: Duration::default(),
            min_events: None,
        };
        // Not even pending: the alert's condition without its `for` does not hold.
        let at_once = Condition {
            for_: Duration::default(),
            ..self.condition.clone()
        };
        // The longest short window of the alert's tiers.
        let longest_short = self
            .condition
            .tiers
            .iter()
            .map(|(t, _)| t.short.millis())
            .max()
            .unwrap_or_default();
        let step = self.sampling.step.max(1);
        let for_ = self.condition.for_.millis();
        // How many samples before the edge a run may end: the alert's `for` and [`EARLIER`].
        let earlier = (for_ + EARLIER.millis()).div_ceil(step) + 2;
        for count in 1..=LONGEST_RUN {
            // Samples up to when `count / samples` is just under the threshold (under), or
            // just under the other side above it (above).
            let bound = if self.above { other_side } else { threshold };
            let samples = u64::try_from(
                Ratio::integer(i128::from(count))
                    .checked_div(bound)
                    .ok()
                    .map(super::simulate::ceil)?,
            )
            .ok()?;
            if samples.saturating_mul(step) > self.horizon {
                return None;
            }
            // Latest first: the run that ends nearest the self. Earlier ones, up to the alert's
            // `for` and [`EARLIER`] before it, find the edges of windows that have not filled
            // yet, and of derived windows, whose 5m counts weigh a sample by how many of them
            // it is in.
            let first = samples.saturating_sub(earlier).max(count);
            for end in (first..=samples + 2).rev() {
                let Some(from) = end.checked_sub(count) else {
                    continue;
                };
                let pattern = Pattern::Run { from, count };
                // The test looks by then, if ever: the windows only fall once the run is over
                // (derived ones a 5m count later), and a short window holds it for its span.
                let reach = (end * step + self.sampling.offset)
                    .saturating_add(for_.max(longest_short))
                    .saturating_add(BASE_WINDOW.millis() + 2 * self.every())
                    .min(self.horizon);
                let found = if self.above {
                    self.first_firing(self.condition, &pattern, reach)
                        .filter(|&at| self.state_at(&shifted, &pattern, at) == State::Quiet)
                } else {
                    self.first_quiet_edge([&shifted, &short_alone, &at_once], &pattern, reach)
                };
                if let Some(at) = found {
                    return Some(Run { from, count, at });
                }
            }
        }
        None
    }

    /// Replays `condition` over the pattern at this edge's sampling and evaluations up to
    /// `until`, handing `visit` each state until it returns false.
    fn replay(
        &self,
        condition: &Condition,
        pattern: &Pattern,
        until: u64,
        visit: impl FnMut(State) -> bool,
    ) {
        simulate(
            condition,
            pattern,
            self.sampling,
            until,
            self.evaluations,
            visit,
        );
    }

    /// The state of an alert at `at`: quiet (under every reading, not firing), firing, or
    /// unsure.
    fn state_at(&self, condition: &Condition, pattern: &Pattern, at: u64) -> State {
        let mut last = State::Unsure;
        self.replay(condition, pattern, at, |state| {
            last = state;
            true
        });
        last
    }

    /// The first evaluation at which the alert fires under every reading, if it does within the
    /// horizon and is never unsure before.
    fn first_firing(&self, condition: &Condition, pattern: &Pattern, until: u64) -> Option<u64> {
        let mut at = 0;
        let mut found = None;
        self.replay(condition, pattern, until, |state| {
            match state {
                State::Firing => {
                    found = Some(at);
                    return false;
                }
                State::Unsure => return false,
                State::Quiet => {}
            }
            at += self.every();
            true
        });
        found
    }

    /// The first evaluation at which, under every reading, the alert with the tier's threshold
    /// 10% lower holds, the tier's short window alone is above its threshold, and the alert's
    /// condition does not hold (the three conditions in that order, all without `for`).
    fn first_quiet_edge(
        &self,
        [lower, short_alone, at_once]: [&Condition; 3],
        pattern: &Pattern,
        until: u64,
    ) -> Option<u64> {
        let timeline = |condition: &Condition| {
            let mut states = Vec::new();
            self.replay(condition, pattern, until, |state| {
                states.push(state);
                true
            });
            states
        };
        let (lower, short_alone, at_once) =
            (timeline(lower), timeline(short_alone), timeline(at_once));
        (0..lower.len())
            .find(|&i| {
                lower[i] == State::Firing
                    && short_alone.get(i) == Some(&State::Firing)
                    && at_once.get(i) == Some(&State::Quiet)
            })
            .map(|i| i as u64 * self.every())
    }

    /// Milliseconds between two evaluations.
    pub(super) fn every(&self) -> u64 {
        self.evaluations.every * MINUTE
    }
}

/// A run of `count` bad samples from sample `from` on, and when its test looks.
#[derive(Debug, Clone, Copy)]
pub(super) struct Run {
    from: u64,
    count: u64,
    pub(super) at: u64,
}

impl Run {
    fn pattern(self) -> Pattern {
        Pattern::Run {
            from: self.from,
            count: self.count,
        }
    }
}
