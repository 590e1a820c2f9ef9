//! Burn tiers at their edges, for counters and histograms: a constant error ratio half a
//! percent to one percent above a tier's threshold fires it when the Plan says, and not a minute
//! earlier; as far below, it stays quiet; and a burst that trips only the short window, or only
//! the long one, with the other window just under its threshold, stays quiet too. A threshold
//! 2% off, a dropped `for`, or `or` for `and` fails one of them.
//!
//! Edge ratios are whole errors out of whole events a minute: the events per minute are the
//! test's traffic times a power of ten, enough that one error is at most half a percent of the
//! threshold. A burst's two phases differ in traffic as well as in ratio, so that the window
//! that must stay under its threshold is dominated by the phase at the edge; `replay.rs` checks
//! that it stays there under both range semantics before the test is written.

use super::file::{ExprTest, TestGroup};
use super::inputs::Flow;
use super::replay::Replay;
use super::{MINUTE, SloTests, State, WINDOWS_EVERY};
use crate::compile::{BASE_WINDOW, TierPlan, series};
use crate::emit::prometheus::{Alert, expr};
use crate::units::{Duration, Ratio};

/// How far above and below its threshold an edge flow sits: within (1.005, 1.01] and
/// [0.99, 0.995) times it.
const ABOVE: (i128, i128) = (201, 200);
const BELOW: (i128, i128) = (199, 200);
/// Errors per minute at the threshold, at least: one error is then at most half a percent of it.
const RESOLUTION: i128 = 200;
/// The phase of a burst that sets the window it does not trip, in minutes: the shortest that
/// fits first.
const LEADS: [u64; 2] = [10, 20];
/// How far the replayed window must stay from its threshold, relative to it: floating point
/// in Prometheus sums in another order.
const MARGIN: f64 = 1e-4;

/// Objectives with a tier of theirs, tested together.
type Participants<'a> = Vec<(usize, &'a TierPlan)>;

/// Events per minute fine enough for a threshold, and the ratios just above and below it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Edge {
    pub(super) per_minute: Ratio,
    pub(super) above: Ratio,
    pub(super) below: Ratio,
}

/// The edge of `threshold` on traffic of `base` events per minute or a power of ten times more.
pub(super) fn edge(threshold: Ratio, base: Ratio) -> Option<Edge> {
    if threshold <= Ratio::ZERO || threshold >= Ratio::ONE {
        return None;
    }
    let mut per_minute = base;
    while per_minute.checked_mul(threshold).ok()? < Ratio::integer(RESOLUTION) {
        per_minute = per_minute.checked_mul(Ratio::integer(10)).ok()?;
    }
    let at = |(num, den): (i128, i128), up: bool| -> Option<Ratio> {
        let errors = per_minute
            .checked_mul(threshold)
            .and_then(|r| r.checked_mul(Ratio::new(num, den)?))
            .ok()?;
        let whole = if up {
            super::simulate::ceil(errors)
        } else {
            floor(errors)
        };
        Ratio::new(whole, 1)
            .and_then(|e| e.checked_div(per_minute))
            .ok()
    };
    let above = at(ABOVE, true)?.min(Ratio::ONE);
    let below = at(BELOW, false)?;
    (above > threshold && below < threshold && below > Ratio::ZERO).then_some(Edge {
        per_minute,
        above,
        below,
    })
}

impl Edge {
    /// Well above `threshold`: 1.5 times it in whole errors of this edge's events a minute, at
    /// most every event; `None` when that overflows.
    pub(super) fn well_above(&self, threshold: Ratio) -> Option<Ratio> {
        self.per_minute
            .checked_mul(threshold)
            .and_then(|r| r.checked_mul(Ratio::new(3, 2)?))
            .map(super::simulate::ceil)
            .and_then(|errors| Ratio::integer(errors).checked_div(self.per_minute))
            .ok()
            .map(|r| r.min(Ratio::ONE))
    }
}

pub(super) fn floor(ratio: Ratio) -> i128 {
    ratio.numer().div_euclid(ratio.denom())
}

/// `ratio / threshold` for test names: `1.005×`.
pub(super) fn times(ratio: Ratio, threshold: Ratio) -> String {
    ratio
        .checked_div(threshold)
        .map_or_else(|_| "?".to_owned(), |f| format!("{}×", f.significant(4)))
}

impl SloTests<'_> {
    /// The edge tests of one policy tier's participants: above (fires), below (quiet), and the
    /// two bursts of each objective.
    pub(super) fn counter_edge_tests(
        &self,
        participants: &[(usize, &TierPlan)],
    ) -> Vec<Result<TestGroup, String>> {
        let mut out = Vec::new();
        let Some(lowest) = participants.iter().map(|(_, t)| t.error_threshold).min() else {
            return out;
        };
        let Some(base) = edge(lowest, self.traffic()) else {
            return vec![Err("threshold out of range for an edge test".to_owned())];
        };
        let flows = |chosen: &[(usize, &TierPlan)], up: bool| -> Option<Flow> {
            let mut targets = vec![None; self.rules.plan.objectives.len()];
            for (objective, tier) in chosen {
                let edge = edge(tier.error_threshold, base.per_minute)?;
                if edge.per_minute != base.per_minute {
                    return None;
                }
                targets[*objective] = Some(if up { edge.above } else { edge.below });
            }
            self.flow(base.per_minute, &targets)
        };
        for up in [true, false] {
            let together = flows(participants, up);
            let groups: Vec<(Participants, Option<Flow>)> = match together {
                Some(flow) => vec![(participants.to_vec(), Some(flow))],
                None => participants
                    .iter()
                    .map(|one| (vec![*one], flows(std::slice::from_ref(one), up)))
                    .collect(),
            };
            for (chosen, flow) in groups {
                let Some(flow) = flow else {
                    out.push(Err(
                        "no flow puts the objective at its edge alone".to_owned()
                    ));
                    continue;
                };
                out.push(if up {
                    self.counter_burn_test(&chosen, &flow)
                } else {
                    self.counter_quiet_edge(&chosen, &flow)
                });
            }
        }
        out
    }

    /// The window tests of one policy tier (see [`WINDOWS_EVERY`]): a burst that trips only its
    /// short window and one that trips only its long window, for counters and histograms.
    pub(super) fn window_tests(&self, index: usize) -> Vec<Result<TestGroup, String>> {
        let participants = self.participants(index);
        if participants.is_empty() {
            return Vec::new();
        }
        if matches!(self.shape, super::inputs::Shape::Sampled { .. }) {
            return Vec::new();
        }
        [true, false]
            .into_iter()
            .flat_map(|short_only| self.burst_tests(&participants, short_only))
            .collect()
    }

    /// `ALERTS` of one alert as it fires or is pending, with all its labels: a test expects
    /// none.
    pub(super) fn none_pending(&self, alert: &Alert, at: Duration) -> ExprTest {
        let labels = self.alert_series_labels(alert);
        let mut matchers: Vec<(&str, &str)> = vec![(series::label::ALERTNAME, alert.name.as_str())];
        matchers.extend(labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        ExprTest {
            expr: expr::selector(series::ALERTS, &matchers),
            eval_time: at.prometheus(),
            exp_samples: Vec::new(),
        }
    }

    /// Just below the threshold: the tier is not even pending once the long window holds
    /// `min_events`, when a tier 1% lower would be pending (and fire once its `for` has gone by,
    /// which the test above pins).
    fn counter_quiet_edge(
        &self,
        participants: &[(usize, &TierPlan)],
        flow: &Flow,
    ) -> Result<TestGroup, String> {
        let Some(&(_, tier)) = participants.first() else {
            return Err("no tier".to_owned());
        };
        let label = super::burn::tier_label(tier);
        let mut at = Duration::from_millis(MINUTE);
        for &(_, tier) in participants {
            let reached = self
                .events_reached(flow, tier)
                .ok_or_else(|| format!("{label}: min_events is reached exactly"))?;
            at = at.max(Duration::from_millis(reached));
        }
        let mut group = TestGroup {
            name: format!(
                "{} {label} stays quiet at {}, not even pending at {at}: {} of {} fail, and every window holds that ratio from the first evaluation",
                self.rules.slo_id(),
                self.edge_factors(participants, flow),
                self.ratios(participants, flow),
                self.rules.measure.noun(),
            ),
            interval: "1m".to_owned(),
            input_series: self.counter_input(flow, at, false),
            alert_rule_test: Vec::new(),
            promql_expr_test: Vec::new(),
        };
        let states: Vec<(&Alert, State)> = self
            .burn_alerts()
            .map(|(alert, o, t)| (alert, self.counter_state(flow, o, t, at)))
            .collect();
        let targets: Vec<&Alert> = participants
            .iter()
            .filter_map(|&(o, t)| self.alert_of(o, t))
            .collect();
        self.expect_burn(&mut group, at, &targets, &states);
        for target in targets {
            group.promql_expr_test.push(self.none_pending(target, at));
        }
        Ok(group)
    }

    /// `1.005× its threshold 1.44%`, per objective when several share a test.
    pub(super) fn edge_factors(&self, participants: &[(usize, &TierPlan)], flow: &Flow) -> String {
        participants
            .iter()
            .map(|&(objective, tier)| {
                format!(
                    "{}{} its threshold {}",
                    self.objective_prefix(objective),
                    times(flow.error_ratio(objective), tier.error_threshold),
                    tier.error_threshold.percent()
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `p95 0.5025%`: each participant's error ratio.
    pub(super) fn ratios(&self, participants: &[(usize, &TierPlan)], flow: &Flow) -> String {
        participants
            .iter()
            .map(|&(objective, _)| {
                format!(
                    "{}{}",
                    self.objective_prefix(objective),
                    flow.error_ratio(objective).percent()
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `p95 ` for named objectives.
    pub(super) fn objective_prefix(&self, objective: usize) -> String {
        self.objective(objective)
            .objective
            .name
            .as_ref()
            .map(|n| format!("{n} "))
            .unwrap_or_default()
    }

    /// A burst that trips one window only, for every participant at once when one flow gives
    /// them their ratios, else for each. `short_only`: heavy traffic just under the threshold,
    /// then light traffic well above it for the short window (and a 5m step when it is derived);
    /// else heavy traffic well above it, then light traffic just under it. Either way the tier is
    /// not even pending at the end, where `or` for `and`, or the other window's threshold a
    /// little lower, would have it pending.
    fn burst_tests(
        &self,
        participants: &[(usize, &TierPlan)],
        short_only: bool,
    ) -> Vec<Result<TestGroup, String>> {
        match self.burst_test(participants, short_only) {
            Ok(group) => vec![Ok(group)],
            Err(_) if participants.len() > 1 => participants
                .iter()
                .map(|one| self.burst_test(std::slice::from_ref(one), short_only))
                .collect(),
            Err(note) => vec![Err(note)],
        }
    }

    fn burst_test(
        &self,
        participants: &[(usize, &TierPlan)],
        short_only: bool,
    ) -> Result<TestGroup, String> {
        let Some(&(_, tier)) = participants.first() else {
            return Err("no tier".to_owned());
        };
        let label = super::burn::tier_label(tier);
        let lowest = participants
            .iter()
            .map(|(_, t)| t.error_threshold)
            .min()
            .unwrap_or(tier.error_threshold);
        let base = edge(lowest, self.traffic())
            .ok_or_else(|| format!("{label}: no edge flow for its threshold"))?;
        let objectives = self.rules.plan.objectives.len();
        let (mut first, mut second) = (vec![None; objectives], vec![None; objectives]);
        for &(objective, tier) in participants {
            let threshold = tier.error_threshold;
            let edge = edge(threshold, base.per_minute)
                .filter(|e| e.per_minute == base.per_minute)
                .ok_or_else(|| format!("{label}: no common edge flow"))?;
            let high = edge
                .well_above(threshold)
                .ok_or_else(|| format!("{label}: threshold too precise"))?;
            let (a, b) = if short_only {
                (edge.below, high)
            } else {
                (high, edge.below)
            };
            first[objective] = Some(a);
            second[objective] = Some(b);
        }
        let (Some(light_first), Some(light_second)) = (
            self.flow(base.per_minute, &first),
            self.flow(base.per_minute, &second),
        ) else {
            return Err(format!(
                "{label}: no flow gives the objectives their ratios"
            ));
        };
        let settle = if self.rules.derives(tier.short) {
            BASE_WINDOW.millis()
        } else {
            0
        };
        // The short window holds the second phase alone, which ends at an evaluation.
        let tail = (tier.short.millis() + settle)
            .div_ceil(MINUTE)
            .next_multiple_of(WINDOWS_EVERY);
        let long = tier.long.millis() / MINUTE;
        let short = tier.short.millis() / MINUTE;
        let (long_derived, short_derived) = (
            self.rules.derives(tier.long),
            self.rules.derives(tier.short),
        );
        let per_minute = base.per_minute.to_f64();
        let tries = LEADS.into_iter().flat_map(|lead| {
            [1i128, 10, 100, 1_000, 10_000, 100_000, 1_000_000].map(|heavy| (lead, heavy))
        });
        for (lead, heavy) in tries {
            let end = lead + tail;
            let big = per_minute * heavy as f64;
            if big * lead as f64 > 2f64.powi(50) {
                continue;
            }
            let mut fits = true;
            let mut kept = Vec::new();
            for &(objective, tier) in participants {
                let t = tier.error_threshold.to_f64();
                let replay = Replay::evaluated_every(
                    &[
                        (big, big * light_first.error_ratio(objective).to_f64(), lead),
                        (
                            per_minute,
                            per_minute * light_second.error_ratio(objective).to_f64(),
                            tail,
                        ),
                    ],
                    WINDOWS_EVERY,
                );
                for inclusive in [true, false] {
                    let (Some(l), Some(s)) = (
                        replay.ratio(end, long, long_derived, inclusive),
                        replay.ratio(end, short, short_derived, inclusive),
                    ) else {
                        fits = false;
                        break;
                    };
                    // The window that trips, well above; the other just under, within 2%.
                    let (trips, under) = if short_only { (s, l) } else { (l, s) };
                    fits &= trips > t * (1.0 + 10.0 * MARGIN)
                        && under < t * (1.0 - MARGIN)
                        && under > t * 0.98 * (1.0 + MARGIN);
                    if inclusive {
                        kept.push(format!(
                            "{}{:.4}× its threshold {}",
                            self.objective_prefix(objective),
                            under / t,
                            tier.error_threshold.percent()
                        ));
                    }
                }
            }
            if !fits {
                continue;
            }
            let heavy_flow = Flow {
                per_minute: base
                    .per_minute
                    .checked_mul(Ratio::integer(heavy))
                    .map_err(|_| format!("{label}: traffic overflows"))?,
                errors: light_first.errors.clone(),
            };
            let lead_at = Duration::from_millis(lead * MINUTE);
            let tail_time = Duration::from_millis(tail * MINUTE);
            let at = Duration::from_millis(end * MINUTE);
            let (trips, kept_in) = if short_only {
                (tier.short, tier.long)
            } else {
                (tier.long, tier.short)
            };
            let name = format!(
                "{} {label}: a burst that trips only the {trips} window stays quiet: {} of {} fail for {lead_at}, then {}{} for {tail_time}; the {kept_in} window holds {}",
                self.rules.slo_id(),
                self.ratios(participants, &light_first),
                self.rules.measure.noun(),
                self.ratios(participants, &light_second),
                if heavy == 1 {
                    String::new()
                } else {
                    format!(" on 1/{heavy} of the traffic")
                },
                kept.join(", "),
            );
            let mut group = TestGroup {
                name,
                interval: "1m".to_owned(),
                input_series: self
                    .phased_input(&[(&heavy_flow, lead), (&light_second, tail)], false),
                alert_rule_test: Vec::new(),
                promql_expr_test: Vec::new(),
            };
            for &(objective, tier) in participants {
                if let Some(alert) = self.alert_of(objective, tier) {
                    group.promql_expr_test.push(self.none_pending(alert, at));
                }
            }
            return Ok(group);
        }
        Err(format!(
            "{label}: no burst keeps the {} window within 2% under its threshold",
            if short_only { "long" } else { "short" }
        ))
    }
}
