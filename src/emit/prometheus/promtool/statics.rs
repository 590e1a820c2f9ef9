//! Static alerts at their edges: just past the threshold on the side that alerts, the alert
//! fires once its `for` has elapsed and not a minute earlier; just short of it, it is not even
//! pending then. "Just" is half a percent of the threshold to one percent (see `edges.rs`), so a
//! threshold 2% off, or a dropped `for`, fails one of the two.
//!
//! The signals of the SLI are synthesised from its own series: the error ratio and compliance
//! from a constant flow of counters or histogram buckets, a percentile from a histogram whose
//! events are placed so that linear interpolation within the threshold's bucket lands just past
//! it, a gauge's value as the gauge itself, a custom `expr` of the shape
//! `sum(rate(<selector>[<range>]))` (traffic) from counters of the SLI that its selector reads.
//! Other custom expressions are not, and are named in a note.

use super::file::{AlertTest, ExpAlert, InputSeries, TestGroup};
use super::inputs::{Flow, Shape, matches, summed_rate};
use super::{MINUTE, SloTests};
use crate::emit::prometheus::{Alert, AlertKind, Measure};
use crate::spec::{AlertSignal, AlertSource, StaticAlert};
use crate::units::{Duration, Ratio};

/// A static test's input up to a time, the value it shows, when its condition first holds (ms),
/// and whether the alert keeps the SLI's `group_by` labels.
type Synthesised<'a> = (
    Box<dyn Fn(Duration) -> Vec<InputSeries> + 'a>,
    String,
    u64,
    bool,
);

/// Half a percent of a value, the distance from its threshold of a gauge or a percentile.
const NUDGE: (i128, i128) = (1, 200);

impl SloTests<'_> {
    fn static_alerts(&self) -> impl Iterator<Item = (&Alert, &StaticAlert)> {
        self.rules
            .alerts
            .iter()
            .filter_map(|alert| match &alert.kind {
                AlertKind::Static { spec } => Some((alert, &**spec)),
                _ => None,
            })
    }

    /// Two tests per static alert whose input can be synthesised.
    pub(super) fn static_tests(&self, notes: &mut Vec<String>) -> Vec<TestGroup> {
        let mut groups = Vec::new();
        for (alert, spec) in self.static_alerts() {
            for fires in [true, false] {
                match self.static_test(alert, spec, fires) {
                    Ok(group) => groups.push(group),
                    Err(reason) => {
                        notes.push(format!("no test of static alert `{}`: {reason}", spec.id));
                        break;
                    }
                }
            }
        }
        groups
    }

    fn static_test(
        &self,
        alert: &Alert,
        spec: &StaticAlert,
        fires: bool,
    ) -> Result<TestGroup, String> {
        let threshold = spec.threshold.value();
        // The value just past the threshold on the alerting side, or just short of it.
        let high = fires == spec.above;
        let (input, value, active, grouped): Synthesised = match (
            &spec.source,
            &self.rules.measure,
            &self.shape,
        ) {
            (AlertSource::Expr(text), Measure::Counters { .. }, Shape::Counters(series)) => {
                let (selector, window) = summed_rate(text)
                    .filter(|sum| sum.by.is_empty())
                    .map(|sum| (sum.selector, sum.range))
                    .ok_or_else(|| {
                        "a custom expression other than `sum(rate(<selector>[<window>]))` is not synthesised".to_owned()
                    })?;
                // Events per second of the SLI's series that the selector reads, per event
                // a minute of a flow without errors.
                let objectives = self.rules.plan.objectives.len().max(1);
                let unit_flow = Flow {
                    per_minute: Ratio::ONE,
                    errors: vec![Ratio::ZERO; objectives],
                };
                let read = series
                    .iter()
                    .zip(self.series_rates(&unit_flow, false))
                    .filter(|((series, _), _)| matches(&selector, series))
                    .try_fold(Ratio::ZERO, |sum, (_, (_, rate))| sum.checked_add(rate))
                    .map_err(|_| "overflow".to_owned())?;
                if read.is_zero() {
                    return Err("its selector reads none of the SLI's series".to_owned());
                }
                let value = nudged(threshold, high)?;
                let per_minute = value
                    .checked_mul(Ratio::integer(60))
                    .and_then(|v| v.checked_div(read))
                    .map_err(|_| "overflow".to_owned())?;
                let flow = Flow {
                    per_minute,
                    errors: vec![Ratio::ZERO; objectives],
                };
                let minutes = window.millis() / MINUTE;
                if minutes == 0 || window.millis() % MINUTE != 0 {
                    return Err("its range is not whole minutes".to_owned());
                }
                // Counters from 0: the rate over the range grows for its first `minutes`
                // minutes (nothing is extrapolated back past zero), then holds `value`.
                let holds = |t: u64| {
                    let shown = value
                        .checked_mul(
                            Ratio::new(i128::from(t.min(minutes)), i128::from(minutes))
                                .unwrap_or(Ratio::ONE),
                        )
                        .unwrap_or(value);
                    if spec.above {
                        shown > threshold
                    } else {
                        shown < threshold
                    }
                };
                let active = if fires {
                    (1..=minutes)
                        .find(|t| holds(*t))
                        .ok_or_else(|| "its condition never holds".to_owned())?
                } else {
                    // Past the ramp, where the condition no longer holds.
                    (1..=minutes)
                        .filter(|t| holds(*t))
                        .max()
                        .map_or(1, |t| t + 1)
                };
                (
                    Box::new(move |until| self.counter_input(&flow, until, false)),
                    format!("`{text}` at {}", value.to_decimal()),
                    active * MINUTE,
                    false,
                )
            }
            (AlertSource::Expr(_), _, _) => {
                return Err(
                    "a custom expression's input series are not synthesised for this SLI"
                        .to_owned(),
                );
            }
            (
                AlertSource::Signal(signal @ (AlertSignal::ErrorRatio | AlertSignal::Compliance)),
                Measure::Counters { .. } | Measure::Histogram { .. },
                _,
            ) => {
                // Compliance below `v` is an error ratio above `1 - v`.
                let compliance = *signal == AlertSignal::Compliance;
                let limit = if compliance {
                    Ratio::ONE
                        .checked_sub(threshold)
                        .map_err(|_| "overflow".to_owned())?
                } else {
                    threshold
                };
                let edge = super::edges::edge(limit, self.traffic()).ok_or_else(|| {
                    "its threshold leaves no error ratio on both sides".to_owned()
                })?;
                let more_errors = high != compliance;
                let ratio = if more_errors { edge.above } else { edge.below };
                let objective = match (compliance, spec.percentile) {
                    (true, Some(p)) => self
                        .rules
                        .plan
                        .objectives
                        .iter()
                        .position(|o| o.objective.percentile == Some(p))
                        .unwrap_or(0),
                    _ => 0,
                };
                let mut targets = vec![None; self.rules.plan.objectives.len()];
                targets[objective] = Some(ratio);
                let flow = self
                    .flow(edge.per_minute, &targets)
                    .ok_or_else(|| "no flow gives the objective its ratio alone".to_owned())?;
                let shown = if compliance {
                    format!(
                        "compliance {} ({} of {} fail)",
                        Ratio::ONE
                            .checked_sub(ratio)
                            .unwrap_or(Ratio::ZERO)
                            .percent(),
                        ratio.percent(),
                        self.rules.measure.noun()
                    )
                } else {
                    format!("{} of {} fail", ratio.percent(), self.rules.measure.noun())
                };
                // Every window holds the flow's ratio from the first recorded rate.
                (
                    Box::new(move |until| self.counter_input(&flow, until, false)),
                    shown,
                    MINUTE,
                    true,
                )
            }
            (
                AlertSource::Signal(AlertSignal::Value),
                Measure::Gauge { .. },
                Shape::Sampled { series, .. },
            ) => {
                if !self.group.is_empty() {
                    return Err("the gauge's labels after its query are not known".to_owned());
                }
                let gauge = nudged(threshold, high)?;
                let text = gauge.to_decimal();
                let series = series.text();
                // The gauge holds the value from its first sample, at 0.
                (
                    Box::new(move |until: Duration| {
                        vec![InputSeries {
                            series: series.clone(),
                            values: format!("{text}x{}", until.millis() / MINUTE),
                        }]
                    }),
                    format!("the gauge at {}", gauge.to_decimal()),
                    0,
                    false,
                )
            }
            (
                AlertSource::Signal(AlertSignal::Percentile),
                Measure::Histogram { boundaries, .. },
                Shape::Histogram(base),
            ) => {
                let quantile = spec
                    .percentile
                    .and_then(|p| p.checked_div(Ratio::integer(100)).ok())
                    .ok_or_else(|| "no percentile".to_owned())?;
                let target = nudged(threshold, high)?;
                let counts = placed(boundaries, quantile, target).ok_or_else(|| {
                    format!(
                        "no bucket of the histogram holds {}s with room to interpolate",
                        target.to_decimal()
                    )
                })?;
                let base = base.clone();
                let shown = format!(
                    "p{} at {}s",
                    spec.percentile.unwrap_or(Ratio::ZERO).to_decimal(),
                    target.to_decimal()
                );
                (
                    Box::new(move |until: Duration| {
                        let steps = until.millis() / MINUTE;
                        Self::bucket_counts(boundaries, false, |b| bucket_count(&counts, b))
                            .into_iter()
                            .map(|(le, per_minute)| InputSeries {
                                series: base.with("le", &le).text(),
                                values: format!("0+{}x{steps}", per_minute.to_decimal()),
                            })
                            .collect()
                    }),
                    shown,
                    MINUTE,
                    true,
                )
            }
            _ => return Err("its signal is not synthesised for this SLI".to_owned()),
        };
        if threshold.is_zero() {
            return Err("its threshold is 0".to_owned());
        }
        let at = Duration::from_millis(active + alert.for_.millis());
        let before = fires && alert.for_.millis() > 0;
        let expected = self.static_expected(alert, grouped);
        let mut group = TestGroup {
            name: format!(
                "{}: static alert {} {} just {} its threshold {}: {value}{}",
                self.rules.slo_id(),
                spec.id,
                if fires { "fires" } else { "stays quiet" },
                if high { "above" } else { "below" },
                spec.threshold.human(),
                match (fires, before) {
                    (true, true) => format!(", after {at}, not a minute earlier"),
                    (true, false) => format!(", at {at}"),
                    (false, _) => format!(", not even pending at {at}"),
                }
            ),
            interval: "1m".to_owned(),
            input_series: input(at),
            alert_rule_test: Vec::new(),
            promql_expr_test: Vec::new(),
        };
        if before {
            group.alert_rule_test.push(AlertTest {
                eval_time: Duration::from_millis(at.millis() - MINUTE).prometheus(),
                alertname: alert.name.clone(),
                exp_alerts: Vec::new(),
            });
        }
        group.alert_rule_test.push(AlertTest {
            eval_time: at.prometheus(),
            alertname: alert.name.clone(),
            exp_alerts: if fires { vec![expected] } else { Vec::new() },
        });
        if !fires {
            group.promql_expr_test.push(self.none_pending(alert, at));
        }
        Ok(group)
    }

    /// A static alert as it fires: the signals of the SLI keep its `group_by` labels.
    fn static_expected(&self, alert: &Alert, grouped: bool) -> ExpAlert {
        let mut labels = alert.labels.clone();
        if grouped {
            labels.extend(self.group.clone());
        }
        super::burn::expected_with(alert, labels)
    }
}

/// `value` moved half a percent of itself up (`high`) or down.
fn nudged(value: Ratio, high: bool) -> Result<Ratio, String> {
    let step = value
        .checked_mul(Ratio::new(NUDGE.0, NUDGE.1).map_err(|_| "overflow".to_owned())?)
        .map_err(|_| "overflow".to_owned())?;
    let step = if step < Ratio::ZERO {
        Ratio::ZERO
            .checked_sub(step)
            .map_err(|_| "overflow".to_owned())?
    } else {
        step
    };
    if high {
        value.checked_add(step)
    } else {
        value.checked_sub(step)
    }
    .map_err(|_| "overflow".to_owned())
}

/// Events per minute of a histogram whose `quantile` interpolates to `target` seconds: `low`
/// events at or under the smallest boundary, `inside` in the bucket `(lo, hi]` that holds the
/// target, the rest above `hi`. Whole events: the total is the smallest that makes them whole,
/// at least 100.
struct Placed {
    hi: f64,
    low: Ratio,
    inside: Ratio,
    total: Ratio,
}

fn placed(boundaries: &[f64], quantile: Ratio, target: Ratio) -> Option<Placed> {
    let mut sorted: Vec<f64> = boundaries.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup();
    let t = target.to_f64();
    let hi_index = sorted.iter().position(|&b| b >= t * (1.0 + 1e-12))?;
    let hi = sorted[hi_index];
    let lo = if hi_index == 0 {
        0.0
    } else {
        sorted[hi_index - 1]
    };
    let exact = |x: f64| Ratio::parse_decimal(&format!("{x}"));
    let (lo_r, hi_r) = (exact(lo)?, exact(hi)?);
    let frac = target
        .checked_sub(lo_r)
        .and_then(|d| d.checked_div(hi_r.checked_sub(lo_r)?))
        .ok()?;
    if frac <= Ratio::ZERO || frac >= Ratio::ONE {
        return None;
    }
    // Shares of all events: at or below `lo`, and inside the bucket; the rest above `hi`. The
    // quantile's rank, less the events below, is `frac` of the bucket's events.
    let (low, inside) = if frac >= quantile {
        // Nothing below: the bucket holds quantile / frac of the events.
        (Ratio::ZERO, quantile.checked_div(frac).ok()?)
    } else {
        // Nothing above `hi`: low = (quantile − frac) / (1 − frac).
        let low = quantile
            .checked_sub(frac)
            .and_then(|d| d.checked_div(Ratio::ONE.checked_sub(frac)?))
            .ok()?;
        (low, Ratio::ONE.checked_sub(low).ok()?)
    };
    if hi_index == 0 && low > Ratio::ZERO {
        // Under the smallest boundary is the bucket itself.
        return None;
    }
    if low < Ratio::ZERO || inside <= Ratio::ZERO || inside > Ratio::ONE {
        return None;
    }
    let lcm = |a: i128, b: i128| a / gcd(a, b) * b;
    let mut total = lcm(low.denom(), inside.denom());
    while total < 100 {
        total = total.checked_mul(10)?;
    }
    let total = Ratio::integer(total);
    Some(Placed {
        hi,
        low: low.checked_mul(total).ok()?,
        inside: inside.checked_mul(total).ok()?,
        total,
    })
}

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 {
        a.abs().max(1)
    } else {
        gcd(b, a % b)
    }
}

/// Events at or under `boundary` per minute.
fn bucket_count(placed: &Placed, boundary: f64) -> Ratio {
    if boundary.is_infinite() {
        placed.total
    } else if boundary >= placed.hi * (1.0 - 1e-12) {
        placed
            .low
            .checked_add(placed.inside)
            .unwrap_or(placed.total)
    } else {
        placed.low
    }
}
