//! How Prometheus measures an SLI: the raw series the rules read, and what one event is.
//!
//! This is a decision of the compile stage, made once for every output: which SLOs Prometheus
//! evaluates at all, how often a sampled SLI (a probe, a gauge checked per time slice) produces
//! events, and whether the user's PromQL takes the shape the rules need. The expressions are
//! built here, from the SLI alone, so that a PromQL shape error (an aggregation that drops a
//! `group_by` label, a range where slofile adds its own) is found before the Plan exists, by
//! `validate` as by `build`. The Prometheus backend only places these expressions in rules.

use super::promql_shape::{self, ShapeError};
use crate::spec::{AlertSignal, AlertSource, RatioSli, Sli, Slo, StaticAlert};
use crate::units::{Duration, Ratio};
use promql_parser::parser::VectorSelector;

/// A user's query without its `#` comments, which would swallow the code the rules wrap around it.
fn uncommented(query: &str) -> String {
    crate::promql::without_comments(query).into_owned()
}

/// How an SLI is measured in PromQL.
#[derive(Debug, Clone)]
pub enum Measure {
    /// Counters of bad (or, with `good`, good) events, and of all events.
    Counters {
        good: bool,
        events: String,
        total: String,
    },
    /// A classic histogram: all events are the `+Inf` bucket, good events the bucket at each
    /// objective's threshold (in seconds, one per objective).
    Histogram {
        buckets: VectorSelector,
        boundaries: Vec<f64>,
        thresholds: Vec<Ratio>,
    },
    /// A probe's 0/1 success samples; each sample is one event.
    Probe {
        metric: VectorSelector,
        interval: Duration,
    },
    /// A gauge checked once per time slice; each slice is one event.
    Gauge {
        query: String,
        good_below: bool,
        threshold: Ratio,
        slice: Duration,
    },
    /// A complete error-ratio expression with a `{{window}}` placeholder.
    ErrorRatioQuery(String),
}

/// Failed events of one objective: counted directly, or as all events minus good ones.
pub enum Errors {
    Bad(String),
    Good(String),
}

impl Measure {
    /// The measure of an SLO, or `None` when Prometheus does not measure it (Sentry, probes
    /// without a `metric`, documentary SLOs). Every expression the rules will hold is built once
    /// here, so that a shape error shows now.
    pub fn of(slo: &Slo) -> Result<Option<Measure>, ShapeError> {
        let Some(measure) = Measure::from_sli(slo)? else {
            return Ok(None);
        };
        let base = Duration::from_secs(5 * 60);
        if let Measure::ErrorRatioQuery(query) = &measure {
            promql_shape::parse(&query.replace("{{window}}", &base.prometheus()))?;
        } else {
            measure.events_expr(&slo.group_by, base)?;
            for index in 0..slo.objectives.len() {
                measure.errors_expr(&slo.group_by, index, base)?;
            }
        }
        Ok(Some(measure))
    }

    fn from_sli(slo: &Slo) -> Result<Option<Measure>, ShapeError> {
        let thresholds = || {
            slo.objectives
                .iter()
                .map(|o| o.threshold.unwrap_or_default().as_ratio_secs())
                .collect()
        };
        Ok(Some(match &slo.sli {
            Sli::Ratio(RatioSli::Events {
                good,
                events,
                total,
            }) => Measure::Counters {
                good: *good,
                events: uncommented(events),
                total: uncommented(total),
            },
            Sli::Ratio(RatioSli::Query(query)) => Measure::ErrorRatioQuery(uncommented(query)),
            Sli::Latency(histogram)
            | Sli::Freshness {
                histogram: Some(histogram),
                ..
            } => Measure::Histogram {
                buckets: promql_shape::plain_selector(&histogram.histogram, "`histogram`")?,
                // Unlisted buckets are guarded at run time; synthetic test data has a bucket at
                // every threshold.
                boundaries: if histogram.buckets.is_empty() {
                    slo.objectives
                        .iter()
                        .filter_map(|o| o.threshold)
                        .map(|t| t.as_ratio_secs().to_f64())
                        .collect()
                } else {
                    histogram.buckets.clone()
                },
                thresholds: thresholds(),
            },
            Sli::Probe(probe) => match &probe.metric {
                Some(metric) => Measure::Probe {
                    metric: promql_shape::plain_selector(metric, "a probe's `metric`")?,
                    interval: probe.interval,
                },
                None => return Ok(None),
            },
            Sli::Gauge(gauge) => Measure::Gauge {
                query: uncommented(&gauge.query),
                good_below: gauge.good_below,
                threshold: gauge.threshold,
                slice: gauge.slice,
            },
            Sli::Freshness {
                histogram: None, ..
            }
            | Sli::Sentry(_)
            | Sli::Documentary { .. } => return Ok(None),
        }))
    }

    /// What one event is, for people.
    pub fn noun(&self) -> &'static str {
        match self {
            Measure::Probe { .. } => "probes",
            Measure::Gauge { .. } => "time slices",
            _ => "events",
        }
    }

    /// The interval at which a sampled measure produces events, if it is sampled.
    pub fn sample_step(&self) -> Option<Duration> {
        match self {
            Measure::Probe { interval, .. } => Some(*interval),
            Measure::Gauge { slice, .. } => Some(*slice),
            _ => None,
        }
    }

    /// Whether the measure counts events; an `error_ratio_query` gives only a ratio.
    pub fn counts_events(&self) -> bool {
        !matches!(self, Measure::ErrorRatioQuery(_))
    }

    /// The events-per-second expression for a window, from raw series.
    pub fn events_expr(&self, group_by: &[String], window: Duration) -> Result<String, ShapeError> {
        let by = promql_shape::by_clause(group_by);
        let seconds = window.as_ratio_secs().to_decimal();
        Ok(match self {
            Measure::Counters { total, .. } => {
                promql_shape::summed_over_window(total, "rate", window, group_by)?
            }
            Measure::Histogram { buckets, .. } => {
                let all = promql_shape::with_matcher(buckets, "le", "=", "+Inf")?;
                format!("sum{by}(rate({all}[{window}]))")
            }
            Measure::Probe { metric, .. } => {
                format!("sum{by}(count_over_time({metric}[{window}])) / {seconds}")
            }
            Measure::Gauge { slice, .. } => format!(
                "count_over_time(({})[{window}:{slice}]) / {seconds}",
                self.gauge_expr(group_by)?
            ),
            Measure::ErrorRatioQuery(_) => {
                return Err("an error_ratio_query has no event counts".to_owned());
            }
        })
    }

    /// The gauge, reduced to its worst value per group: the highest for `below`, the lowest for
    /// `above`. A slice is good when even the worst series meets the threshold.
    pub fn gauge_expr(&self, group_by: &[String]) -> Result<String, ShapeError> {
        let Measure::Gauge {
            query, good_below, ..
        } = self
        else {
            return Err("not a gauge".to_owned());
        };
        if promql_shape::grouped_exactly(query, group_by) {
            return Ok(query.clone());
        }
        promql_shape::parse(query)?;
        let worst = if *good_below { "max" } else { "min" };
        Ok(format!(
            "{worst}{}({query})",
            promql_shape::by_clause(group_by)
        ))
    }

    /// The failed events per second of the objective at `index`, over a window.
    pub fn errors_expr(
        &self,
        group_by: &[String],
        index: usize,
        window: Duration,
    ) -> Result<Errors, ShapeError> {
        let by = promql_shape::by_clause(group_by);
        let seconds = window.as_ratio_secs().to_decimal();
        Ok(match self {
            Measure::Counters { good, events, .. } => {
                let counted = promql_shape::summed_over_window(events, "rate", window, group_by)?;
                if *good {
                    Errors::Good(counted)
                } else {
                    Errors::Bad(counted)
                }
            }
            Measure::Histogram {
                buckets,
                thresholds,
                ..
            } => {
                let threshold = thresholds.get(index).copied().unwrap_or(Ratio::ZERO);
                let fast = promql_shape::with_matcher(
                    buckets,
                    "le",
                    "=~",
                    &crate::promql::le_regex(threshold),
                )?;
                Errors::Good(format!("sum{by}(rate({fast}[{window}]))"))
            }
            Measure::Probe { metric, .. } => Errors::Good(format!(
                "sum{by}(sum_over_time({metric}[{window}])) / {seconds}"
            )),
            Measure::Gauge {
                good_below,
                threshold,
                slice,
                ..
            } => {
                let bad = if *good_below { ">=" } else { "<=" };
                Errors::Bad(format!(
                    "sum_over_time(({} {bad} bool {threshold})[{window}:{slice}]) / {seconds}",
                    self.gauge_expr(group_by)?
                ))
            }
            Measure::ErrorRatioQuery(_) => {
                return Err("an error_ratio_query has no event counts".to_owned());
            }
        })
    }

    /// Whether Prometheus can evaluate a static alert on this measure, and if not, why.
    pub fn evaluates(&self, alert: &StaticAlert, sli: &Sli) -> Result<(), String> {
        match (&alert.source, self) {
            (AlertSource::Expr(expr), _) => promql_shape::parse(expr).map(|_| ()),
            (
                AlertSource::Signal(AlertSignal::ErrorRatio),
                Measure::Counters { .. } | Measure::ErrorRatioQuery(_),
            )
            | (AlertSource::Signal(AlertSignal::Value), Measure::Gauge { .. })
            | (AlertSource::Signal(AlertSignal::Compliance), _) => Ok(()),
            (AlertSource::Signal(AlertSignal::Percentile), Measure::Histogram { .. }) => {
                match alert.percentile {
                    Some(percentile) if percentile.checked_div(Ratio::integer(100)).is_ok() => {
                        Ok(())
                    }
                    Some(_) => Err("percentile out of range".to_owned()),
                    None => Err("a percentile alert needs `percentile`".to_owned()),
                }
            }
            (AlertSource::Signal(signal), _) => Err(format!(
                "the `{}` signal of a {} SLI is not in Prometheus",
                crate::spec::validate::signal_name(*signal),
                sli.kind()
            )),
        }
    }
}
