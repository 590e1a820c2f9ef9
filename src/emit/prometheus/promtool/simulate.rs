//! The replay of the rules' window arithmetic over a pattern of bad samples, under both range
//! semantics.

use super::{MINUTE, State};
use crate::compile::TierPlan;
use crate::units::{Duration, Ratio};

/// Bad samples of a sampled SLI: `bad` out of every `period`, spread evenly, the first one at the
/// start (`late: false`) or at the end (`late: true`) of the period.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pattern {
    pub(super) bad: u64,
    pub(super) period: u64,
    pub(super) late: bool,
}

impl Pattern {
    pub(super) fn is_bad(&self, index: u64) -> bool {
        let shifted = if self.late { index + 1 } else { index };
        (shifted * self.bad) % self.period < self.bad
    }

    /// How many of the samples `first..=last` are bad, without visiting them: with `b` bad of
    /// every `p`, sample `k` is bad exactly when `⌊k·b/p⌋` steps past `⌊(k−1)·b/p⌋`, so the count
    /// telescopes to `⌊last·b/p⌋ − ⌊(first−1)·b/p⌋` (indices shifted for late patterns).
    pub(super) fn bad_between(&self, first: u64, last: u64) -> u64 {
        if self.bad >= self.period {
            return last - first + 1;
        }
        let shift = i128::from(self.late);
        let (bad, period) = (i128::from(self.bad), i128::from(self.period.max(1)));
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

/// Hands `visit` the state of the alert at each minute from 0 to `until`, until it returns
/// false. A state holds under every [`Reading`] at once: the window counts depend only on the
/// range semantics, so each is taken once a minute.
pub(super) fn simulate(
    tier: &TierPlan,
    pattern: &Pattern,
    step: Duration,
    until: u64,
    min_events: Option<u64>,
    mut visit: impl FnMut(State) -> bool,
) {
    let step = step.millis().max(1);
    let mut since: [Option<u64>; 4] = [None; 4];
    let mut t = 0;
    while t <= until {
        let counts = [true, false].map(|inclusive| {
            [tier.long, tier.short].map(|w| window_counts(t, w.millis(), step, pattern, inclusive))
        });
        let firing = std::array::from_fn::<bool, 4, _>(|i| {
            let reading = READINGS[i];
            let [long, short] = counts[usize::from(!reading.inclusive)];
            let mut holds = true;
            for (bad, count) in [long, short] {
                let share = compare_share(bad, count, tier.error_threshold);
                holds &= count > 0
                    && (share == std::cmp::Ordering::Greater
                        || (share == std::cmp::Ordering::Equal && reading.ties_hold));
            }
            if let Some(min) = min_events {
                holds &= long.1 > min || (long.1 == min && reading.ties_hold);
            }
            if holds {
                since[i].get_or_insert(t);
            } else {
                since[i] = None;
            }
            since[i].is_some_and(|s| t - s >= tier.for_.millis())
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
        t += MINUTE;
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

/// Bad samples and all samples a range selects at time `t`: samples sit at multiples of `step`
/// from 0 on.
pub(super) fn window_counts(
    t: u64,
    window: u64,
    step: u64,
    pattern: &Pattern,
    inclusive: bool,
) -> (u64, u64) {
    let last = t / step;
    let first = if t < window {
        0
    } else if inclusive {
        (t - window).div_ceil(step)
    } else {
        (t - window) / step + 1
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
            let pattern = Pattern { bad: bad.min(period), period, late };
            let last = first + length;
            let visited = (first..=last).filter(|&i| pattern.is_bad(i)).count() as u64;
            proptest::prop_assert_eq!(pattern.bad_between(first, last), visited);
        }
    }

    #[test]
    fn window_counts_follow_both_range_semantics() {
        let every = Pattern {
            bad: 1,
            period: 1,
            late: false,
        };
        // At 10m, a 5m range over 1m samples holds 6 samples in Prometheus 2 and 5 in 3.
        assert_eq!(
            window_counts(10 * MINUTE, 5 * MINUTE, MINUTE, &every, true),
            (6, 6)
        );
        assert_eq!(
            window_counts(10 * MINUTE, 5 * MINUTE, MINUTE, &every, false),
            (5, 5)
        );
        // Before the window fills, both see every sample since 0.
        assert_eq!(
            window_counts(2 * MINUTE, 5 * MINUTE, MINUTE, &every, false),
            (3, 3)
        );
        let sparse = Pattern {
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
}
