//! The replay of the rules' window arithmetic over a pattern of bad samples, under both range
//! semantics.

use super::{MINUTE, State};
use crate::compile::{BASE_WINDOW, TierPlan};
use crate::units::{Duration, Ratio};

/// Bad samples of a sampled SLI, by index from the sample at 0.
#[derive(Debug, Clone, Copy)]
pub(super) enum Pattern {
    /// `bad` out of every `period`, spread evenly, the first one at the start (`late: false`)
    /// or at the end (`late: true`) of the period.
    Spread { bad: u64, period: u64, late: bool },
    /// `count` bad samples in a row from sample `from` on; every other sample good.
    Run { from: u64, count: u64 },
}

impl Pattern {
    pub(super) fn is_bad(&self, index: u64) -> bool {
        match *self {
            Pattern::Spread { bad, period, late } => {
                let shifted = if late { index + 1 } else { index };
                (shifted * bad) % period < bad
            }
            Pattern::Run { from, count } => index >= from && index - from < count,
        }
    }

    /// How many of the samples `first..=last` are bad, without visiting them. Spread: with `b`
    /// bad of every `p`, sample `k` is bad exactly when `⌊k·b/p⌋` steps past `⌊(k−1)·b/p⌋`, so
    /// the count telescopes to `⌊last·b/p⌋ − ⌊(first−1)·b/p⌋` (indices shifted for late
    /// patterns).
    pub(super) fn bad_between(&self, first: u64, last: u64) -> u64 {
        let (bad, period, late) = match *self {
            Pattern::Spread { bad, period, late } => (bad, period, late),
            Pattern::Run { from, count } => {
                let end = from.saturating_add(count);
                return (last + 1).min(end).saturating_sub(first.max(from));
            }
        };
        if bad >= period {
            return last - first + 1;
        }
        let shift = i128::from(late);
        let (bad, period) = (i128::from(bad), i128::from(period.max(1)));
        let steps = |k: i128| match (i64::try_from(k * bad), i64::try_from(period)) {
            // Machine division where it fits: this runs for every simulated minute.
            (Ok(product), Ok(period)) => i128::from(product.div_euclid(period)),
            _ => (k * bad).div_euclid(period),
        };
        let count = steps(i128::from(last) + shift) - steps(i128::from(first) + shift - 1);
        u64::try_from(count).unwrap_or(0)
    }
}

/// How a replay of the window arithmetic reads the rules.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reading {
    /// Ranges include their start (Prometheus 2) or not (Prometheus 3).
    pub(super) inclusive: bool,
    /// How a comparison exactly on its threshold comes out in floating point: either way.
    pub(super) ties_hold: bool,
}

pub(super) const READINGS: [Reading; 4] = [
    Reading {
        inclusive: true,
        ties_hold: true,
    },
    Reading {
        inclusive: true,
        ties_hold: false,
    },
    Reading {
        inclusive: false,
        ties_hold: true,
    },
    Reading {
        inclusive: false,
        ties_hold: false,
    },
];

/// Where a sampled SLI's samples sit: every `step` milliseconds from `offset` on (sample `k` at
/// `offset + k·step`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Sampling {
    pub(super) step: u64,
    pub(super) offset: u64,
}

impl Sampling {
    /// Samples at every multiple of `step`, from 0.
    pub(super) fn aligned(step: Duration) -> Sampling {
        Sampling {
            step: step.millis().max(1),
            offset: 0,
        }
    }
}

/// The rules' evaluations in a replay: every `every` minutes from 0.
#[derive(Debug, Clone, Copy)]
pub(super) struct Evaluations {
    pub(super) every: u64,
}

/// Rules evaluated every minute, as in `<service>.test.yml`.
pub(super) const EVERY_MINUTE: Evaluations = Evaluations { every: 1 };

/// An alert's condition as the replay sees it: any of its tiers with both windows above the
/// tier's threshold (and `min_events` in the long window), held for `for_`. slofile's alerts have
/// one tier; Sloth's OR a side's tiers.
#[derive(Debug, Clone)]
pub(super) struct Condition {
    /// Each tier with whether its long and short windows are derived from the recorded 5m
    /// rates (see `SloRules::derives`): their counts are then the sums of the 5m counts
    /// recorded at every evaluation in the window, and their events per second the average of
    /// the recorded 5m rates.
    pub(super) tiers: Vec<(TierPlan, [bool; 2])>,
    pub(super) for_: Duration,
    /// The events a tier's long window must hold, where the rules ask for them.
    pub(super) min_events: Option<u64>,
}

impl Condition {
    /// One tier's alert.
    pub(super) fn tier(tier: &TierPlan, derived: [bool; 2], min_events: Option<u64>) -> Condition {
        Condition {
            tiers: vec![(tier.clone(), derived)],
            for_: tier.for_,
            min_events,
        }
    }
}

/// Hands `visit` the state of the alert at each evaluation from 0 to `until`, until it returns
/// false. A state holds under every [`Reading`] at once: the window counts depend only on the
/// range semantics, so each is taken once an evaluation.
#[allow(clippy::too_many_arguments)]
pub(super) fn simulate(
    condition: &Condition,
    pattern: &Pattern,
    sampling: Sampling,
    until: u64,
    evaluations: Evaluations,
    mut visit: impl FnMut(State) -> bool,
) {
    let every = evaluations.every.max(1);
    let mut recorded =
        [true, false].map(|inclusive| Recorded::new(*pattern, sampling, inclusive, every));
    let mut since: [Option<u64>; 4] = [None; 4];
    let mut t = 0;
    while t <= until {
        for each in &mut recorded {
            each.extend_to(t / MINUTE);
        }
        // Each tier's long and short window, under each range semantics.
        let counts: Vec<[[Counts; 2]; 2]> = condition
            .tiers
            .iter()
            .map(|(tier, derived)| {
                [true, false].map(|inclusive| {
                    let recorded = &recorded[usize::from(!inclusive)];
                    let windows = [tier.long, tier.short];
                    std::array::from_fn::<Counts, 2, _>(|i| {
                        let w = windows[i].millis();
                        if derived[i] {
                            recorded.over(t, w, inclusive)
                        } else {
                            let (bad, count) = window_counts(t, w, sampling, pattern, inclusive);
                            Counts {
                                bad,
                                count,
                                events: Ratio::integer(i128::from(count)),
                            }
                        }
                    })
                })
            })
            .collect();
        let firing = std::array::from_fn::<bool, 4, _>(|i| {
            let reading = READINGS[i];
            let holds = condition
                .tiers
                .iter()
                .zip(&counts)
                .any(|((tier, _), counts)| {
                    let [long, short] = &counts[usize::from(!reading.inclusive)];
                    let mut holds = true;
                    for counted in [long, short] {
                        let share = compare_share(counted.bad, counted.count, tier.error_threshold);
                        holds &= counted.count > 0
                            && (share == std::cmp::Ordering::Greater
                                || (share == std::cmp::Ordering::Equal && reading.ties_hold));
                    }
                    if let Some(min) = condition.min_events {
                        let min = Ratio::integer(i128::from(min));
                        holds &= long.events > min || (long.events == min && reading.ties_hold);
                    }
                    holds
                });
            if holds {
                since[i].get_or_insert(t);
            } else {
                since[i] = None;
            }
            since[i].is_some_and(|s| t - s >= condition.for_.millis())
        });
        let state = if firing.iter().any(|&f| f != firing[0]) {
            State::Unsure
        } else if firing[0] {
            State::Firing
        } else {
            State::Quiet
        };
        if !visit(state) {
            return;
        }
        t += every * MINUTE;
    }
}

/// Bad and all samples a window reads at `t`, under one range semantics: raw, or summed over
/// the 5m counts recorded at every evaluation in it when `derived`.
pub(super) fn window_reads(
    pattern: &Pattern,
    sampling: Sampling,
    (window, derived): (Duration, bool),
    evaluations: Evaluations,
    t: u64,
    inclusive: bool,
) -> (u64, u64) {
    if derived {
        let mut recorded = Recorded::new(*pattern, sampling, inclusive, evaluations.every);
        recorded.extend_to(t / MINUTE);
        let counts = recorded.over(t, window.millis(), inclusive);
        (counts.bad, counts.count)
    } else {
        window_counts(t, window.millis(), sampling, pattern, inclusive)
    }
}

/// What the rules see of a window at one evaluation: bad and all samples (raw, or summed over
/// the recorded 5m counts), and the events the `min_events` condition counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Counts {
    pub(super) bad: u64,
    pub(super) count: u64,
    /// The events `min_events` is compared with: the samples of a raw window; of a derived one,
    /// the samples of the 5m rates recorded at every fifth minute in it.
    pub(super) events: Ratio,
}

/// The recorded 5m counts at every evaluation (every `every` minutes) from 0 on, as running
/// sums by minute, so that any window of them sums in constant time. The sums grow as the replay
/// goes on: most replays stop when an alert fires, long before their horizon.
pub(super) struct Recorded {
    pattern: Pattern,
    sampling: Sampling,
    inclusive: bool,
    every: u64,
    /// Before minute `k`: bad samples, samples, evaluations that recorded a rate (a 5m window
    /// with no sample records nothing), and samples of the rates recorded at every fifth
    /// minute, which `min_events` counts.
    sums: Vec<(u64, u64, u64, u64)>,
}

impl Recorded {
    pub(super) fn new(
        pattern: Pattern,
        sampling: Sampling,
        inclusive: bool,
        every: u64,
    ) -> Recorded {
        Recorded {
            pattern,
            sampling,
            inclusive,
            every: every.max(1),
            sums: vec![(0, 0, 0, 0)],
        }
    }

    /// Records every evaluation up to minute `last`, included.
    pub(super) fn extend_to(&mut self, last: u64) {
        let mut running = self.sums.last().copied().unwrap_or_default();
        for k in (self.sums.len() as u64 - 1)..=last {
            if k % self.every != 0 {
                // No evaluation at this minute, so nothing recorded.
                self.sums.push(running);
                continue;
            }
            let (bad, count) = window_counts(
                k * MINUTE,
                BASE_WINDOW.millis(),
                self.sampling,
                &self.pattern,
                self.inclusive,
            );
            if count > 0 {
                let stepped = if k % (BASE_WINDOW.millis() / MINUTE) == 0 {
                    count
                } else {
                    0
                };
                running = (
                    running.0 + bad,
                    running.1 + count,
                    running.2 + 1,
                    running.3 + stepped,
                );
            }
            self.sums.push(running);
        }
    }

    /// The sums of the recorded 5m counts that `avg_over_time(...[window])` reads at `t`.
    pub(super) fn over(&self, t: u64, window: u64, inclusive: bool) -> Counts {
        // The evaluations the range selects, as `window_counts` selects samples.
        let last = t / MINUTE;
        let first = if t < window {
            0
        } else if inclusive {
            (t - window).div_ceil(MINUTE)
        } else {
            (t - window) / MINUTE + 1
        };
        if first > last {
            return Counts {
                bad: 0,
                count: 0,
                events: Ratio::ZERO,
            };
        }
        let (a, b) = (self.sums[first as usize], self.sums[last as usize + 1]);
        let (bad, samples, stepped) = (b.0 - a.0, b.1 - a.1, b.3 - a.3);
        Counts {
            bad,
            count: samples,
            events: Ratio::integer(i128::from(stepped)),
        }
    }
}

/// How `bad / count` compares with `threshold`, exactly: by cross-multiplying, which spares
/// reducing a fraction at every simulated minute.
pub(super) fn compare_share(bad: u64, count: u64, threshold: Ratio) -> std::cmp::Ordering {
    let count = count.max(1);
    match (
        i128::from(bad).checked_mul(threshold.denom()),
        threshold.numer().checked_mul(i128::from(count)),
    ) {
        (Some(share), Some(limit)) => share.cmp(&limit),
        _ => Ratio::new(i128::from(bad), i128::from(count))
            .unwrap_or(Ratio::ZERO)
            .cmp(&threshold),
    }
}

/// Bad samples and all samples a range selects at time `t`.
pub(super) fn window_counts(
    t: u64,
    window: u64,
    sampling: Sampling,
    pattern: &Pattern,
    inclusive: bool,
) -> (u64, u64) {
    let Sampling { step, offset } = sampling;
    let Some(last) = t.checked_sub(offset).map(|since| since / step) else {
        return (0, 0);
    };
    // The first sample at or after the range's start (Prometheus 2), or after it (3).
    let first = match (t.checked_sub(window)).and_then(|start| start.checked_sub(offset)) {
        None => 0,
        Some(start) if inclusive => start.div_ceil(step),
        Some(start) => start / step + 1,
    };
    if first > last {
        return (0, 0);
    }
    (pattern.bad_between(first, last), last - first + 1)
}

pub(super) fn ceil(ratio: Ratio) -> i128 {
    let (num, den) = (ratio.numer(), ratio.denom());
    num.div_euclid(den) + i128::from(num.rem_euclid(den) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn bad_samples_are_counted_as_if_visited(
            period in 1u64..500,
            bad in 0u64..500,
            late: bool,
            first in 0u64..2000,
            length in 0u64..2000,
        ) {
            let pattern = Pattern::Spread { bad: bad.min(period), period, late };
            let last = first + length;
            let visited = (first..=last).filter(|&i| pattern.is_bad(i)).count() as u64;
            proptest::prop_assert_eq!(pattern.bad_between(first, last), visited);
        }
    }

    #[test]
    fn window_counts_follow_both_range_semantics() {
        let every = Pattern::Spread {
            bad: 1,
            period: 1,
            late: false,
        };
        let minutely = Sampling::aligned(Duration::from_millis(MINUTE));
        // At 10m, a 5m range over 1m samples holds 6 samples in Prometheus 2 and 5 in 3.
        assert_eq!(
            window_counts(10 * MINUTE, 5 * MINUTE, minutely, &every, true),
            (6, 6)
        );
        assert_eq!(
            window_counts(10 * MINUTE, 5 * MINUTE, minutely, &every, false),
            (5, 5)
        );
        // Before the window fills, both see every sample since 0.
        assert_eq!(
            window_counts(2 * MINUTE, 5 * MINUTE, minutely, &every, false),
            (3, 3)
        );
        // Samples half a minute off the evaluations: both count 5, and before the first
        // sample there is none.
        let offset = Sampling {
            step: MINUTE,
            offset: MINUTE / 2,
        };
        for inclusive in [true, false] {
            assert_eq!(
                window_counts(10 * MINUTE, 5 * MINUTE, offset, &every, inclusive),
                (5, 5)
            );
            assert_eq!(
                window_counts(2 * MINUTE, 5 * MINUTE, offset, &every, inclusive),
                (2, 2)
            );
            assert_eq!(
                window_counts(0, 5 * MINUTE, offset, &every, inclusive),
                (0, 0)
            );
        }
        let sparse = Pattern::Spread {
            bad: 1,
            period: 5,
            late: true,
        };
        let bad: Vec<bool> = (0..10).map(|i| sparse.is_bad(i)).collect();
        assert_eq!(
            bad,
            [
                false, false, false, false, true, false, false, false, false, true
            ]
        );
    }

    /// The first minute at which the tier is not quiet, if any.
    fn first_alert(
        tier: &TierPlan,
        pattern: &Pattern,
        min: Option<u64>,
        derived: bool,
    ) -> Option<u64> {
        let mut minute = 0;
        let mut found = None;
        simulate(
            &Condition::tier(
                tier,
                [derived, derived && tier.short.millis() >= 60 * MINUTE],
                min,
            ),
            pattern,
            Sampling::aligned(Duration::from_millis(MINUTE)),
            8 * 60 * MINUTE,
            EVERY_MINUTE,
            |state| {
                if state == State::Quiet {
                    minute += 1;
                    true
                } else {
                    found = Some(minute);
                    false
                }
            },
        );
        found
    }

    /// Deriving a window of an hour or more from the recorded 5m rates moves the moment its
    /// condition starts to hold by at most one 5-minute step: each recorded rate spreads a sample
    /// over the five minutes after it, and `min_events` counts the rates at every fifth minute.
    /// Burns at 1.5× the threshold or more, as the generated tests use: near the threshold a
    /// window of whole samples flips at every sample, and any change of weights moves it. (The
    /// short window is the long one here, so the long window's condition alone decides; with
    /// a raw short window the shift may move a sparse pattern's alert to a later bad sample.)
    /// `min_events` is left out: with samples exactly on the 5-minute steps, as in these tests,
    /// Prometheus 2's closed ranges count a sample on a step in two 5m rates, so a derived window
    /// of probes reaches `min_events` early; the simulation knows it, and the timing does not
    /// hold for it.
    #[test]
    fn derived_windows_shift_alerts_by_at_most_one_step() {
        let mut compared = 0;
        for (long, short) in [(60, 60), (360, 360), (4320, 4320)] {
            for for_ in [0, 2, 15] {
                let tier = TierPlan {
                    severity: "page".to_owned(),
                    escalation: None,
                    labels: std::collections::BTreeMap::new(),
                    long: Duration::from_millis(long * MINUTE),
                    short: Duration::from_millis(short * MINUTE),
                    for_: Duration::from_millis(for_ * MINUTE),
                    factor: Ratio::integer(1),
                    budget_share: Ratio::integer(1),
                    error_threshold: Ratio::new(1, 20).unwrap(),
                    exhaustion: Duration::from_millis(MINUTE),
                    detection_at_full_outage: Duration::from_millis(MINUTE),
                    can_fire: true,
                    left_out: None,
                };
                for (bad, period) in [(1, 10), (1, 5), (3, 20), (2, 3), (1, 1), (1, 8), (15, 100)] {
                    for late in [false, true] {
                        {
                            let min = None;
                            let pattern = Pattern::Spread { bad, period, late };
                            let raw = first_alert(&tier, &pattern, min, false);
                            let derived = first_alert(&tier, &pattern, min, true);
                            match (raw, derived) {
                                (Some(raw), Some(derived)) => {
                                    compared += 1;
                                    assert!(
                                        raw.abs_diff(derived) <= 5,
                                        "{long}m/{short}m for {for_}m, {bad}/{period} late={late}, min {min:?}: raw {raw}m, derived {derived}m"
                                    );
                                }
                                (None, None) => {}
                                other => panic!(
                                    "{long}m/{short}m {bad}/{period} late={late}, min {min:?}: {other:?}"
                                ),
                            }
                        }
                    }
                }
            }
        }
        assert!(compared > 50, "{compared}");
    }
}
