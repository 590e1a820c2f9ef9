//! The rules' error ratios replayed over counters whose flow changes: what a window reads at one
//! evaluation, under Prometheus 2's closed ranges and Prometheus 3's left-open ones, with
//! `rate()`'s extrapolation. The edge tests of a burst (see `edges.rs`) check with it that the
//! window they keep under its threshold stays there under both readings, and by how much.
//!
//! Counters hold one sample a minute from 0, starting at 0. A window's increase is the difference
//! of its first and last samples, extrapolated as `rate()` does: towards the range's start by at
//! most 1.1 average sample intervals (else half of one), never below zero, and not past the end
//! (the last sample is at the evaluation). The two counters of a ratio are extrapolated each on
//! its own, so a counter that just left zero can read differently from the other.

/// Cumulative counts at every minute from 0: events and errors; and the minutes between two
/// evaluations of the rules, at which the 5m rates are recorded.
pub(super) struct Replay {
    events: Vec<f64>,
    errors: Vec<f64>,
    every: u64,
}

impl Replay {
    /// Counters that follow each phase in turn: (events per minute, errors per minute, minutes),
    /// read by rules evaluated every minute.
    pub(super) fn new(phases: &[(f64, f64, u64)]) -> Replay {
        Replay::evaluated_every(phases, 1)
    }

    /// The same counters read by rules evaluated every `every` minutes from 0.
    pub(super) fn evaluated_every(phases: &[(f64, f64, u64)], every: u64) -> Replay {
        let mut events = vec![0.0];
        let mut errors = vec![0.0];
        for &(per_minute, failing, minutes) in phases {
            for _ in 0..minutes {
                events.push(events.last().copied().unwrap_or(0.0) + per_minute);
                errors.push(errors.last().copied().unwrap_or(0.0) + failing);
            }
        }
        Replay {
            events,
            errors,
            every: every.max(1),
        }
    }

    /// The error ratio a window of `window` minutes reads at minute `at`, raw (`rate()` of the
    /// counters) or derived (the average of the 5m rates recorded at every evaluation in it);
    /// `None` without a rate.
    pub(super) fn ratio(
        &self,
        at: u64,
        window: u64,
        derived: bool,
        inclusive: bool,
    ) -> Option<f64> {
        let (errors, events) = if derived {
            let first = if at < window {
                1
            } else if inclusive {
                (at - window).max(1)
            } else {
                at - window + 1
            };
            let mut sums = (0.0, 0.0);
            for minute in (first..=at).filter(|m| m % self.every == 0) {
                if let (Some(e), Some(n)) = (
                    increase(&self.errors, minute, 5, inclusive),
                    increase(&self.events, minute, 5, inclusive),
                ) {
                    sums = (sums.0 + e, sums.1 + n);
                }
            }
            sums
        } else {
            (
                increase(&self.errors, at, window, inclusive)?,
                increase(&self.events, at, window, inclusive)?,
            )
        };
        (events > 0.0).then(|| errors / events)
    }
}

/// A counter's extrapolated increase over `window` minutes at minute `at`, as `rate()` times the
/// range; `None` with fewer than two samples.
fn increase(counter: &[f64], at: u64, window: u64, inclusive: bool) -> Option<f64> {
    let first = if at < window {
        0
    } else if inclusive {
        at - window
    } else {
        at - window + 1
    };
    let last = at;
    if last <= first || last as usize >= counter.len() {
        return None;
    }
    let (start, end) = (counter[first as usize], counter[last as usize]);
    let delta = end - start;
    let sampled = (last - first) as f64;
    // Minutes from the range's start (which may lie before 0) to the first sample.
    let mut to_start = first as f64 - (at as f64 - window as f64);
    if delta > 0.0 && start >= 0.0 {
        to_start = to_start.min(sampled * start / delta);
    }
    let average = sampled / (last - first) as f64;
    let extended = if to_start < average * 1.1 {
        sampled + to_start
    } else {
        sampled + average / 2.0
    };
    Some(delta * extended / sampled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_flow_reads_its_ratio_in_every_window() {
        let replay = Replay::new(&[(1000.0, 10.0, 120)]);
        for inclusive in [true, false] {
            for at in [1, 4, 5, 30, 120] {
                for (window, derived) in [(5, false), (30, false), (60, true)] {
                    let ratio = replay.ratio(at, window, derived, inclusive).unwrap();
                    assert!((ratio - 0.01).abs() < 1e-12, "{at} {window} {ratio}");
                }
            }
        }
    }

    #[test]
    fn a_burst_moves_the_short_window_and_barely_the_long_one() {
        // 20 minutes of heavy traffic at 1%, then 35 of light traffic at 50%.
        let replay = Replay::new(&[(100_000.0, 1000.0, 20), (100.0, 50.0, 35)]);
        for inclusive in [true, false] {
            let short = replay.ratio(55, 30, false, inclusive).unwrap();
            assert!((short - 0.5).abs() < 1e-12, "{short}");
            // All of it: (20,000 + 1,750) errors of 2,003,500 events, 1.0856%, give or take
            // the weights of the 5m rates at the window's edges.
            let long = replay.ratio(55, 60, true, inclusive).unwrap();
            assert!(long > 0.0107 && long < 0.0110, "{long}");
        }
    }

    #[test]
    fn rules_evaluated_every_five_minutes_derive_from_every_fifth_rate() {
        // 10 minutes at 1%, then 10 at 3%: the 5m rates recorded at 5, 10, 15 and 20 minutes
        // cover the 20 minutes once each, so a derived window reads the plain ratio of sums,
        // (100 + 300) / 20,000 = 2%, where one-minute evaluations weigh the phases' edges.
        let phases = [(1000.0, 10.0, 10), (1000.0, 30.0, 10)];
        let five = Replay::evaluated_every(&phases, 5);
        for inclusive in [true, false] {
            let long = five.ratio(20, 60, true, inclusive).unwrap();
            assert!((long - 0.02).abs() < 1e-12, "{long}");
            // The raw 5m window does not depend on when the rules run.
            let short = five.ratio(20, 5, false, inclusive).unwrap();
            assert!((short - 0.03).abs() < 1e-12, "{short}");
        }
        let one = Replay::new(&phases).ratio(20, 60, true, true).unwrap();
        assert!((one - 0.02).abs() > 1e-4, "{one}");
    }
}
