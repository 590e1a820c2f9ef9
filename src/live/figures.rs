//! The figures of one objective for one group, and its verdict.
//!
//! - **compliance** = 1 − failed events / events over the window;
//! - **error budget remaining** = 1 − error ratio / budget, as a share (negative once overspent)
//!   and as time: the share of `budget × period`;
//! - **burn rate** over a tier's long window = that window's error ratio / budget, where 1 spends
//!   the budget exactly over the SLO window;
//! - **status**: `no_data` without events, `too_few_events` below `min_events` (no verdict),
//!   else `met` when the error ratio is within the budget and `breached` when it is not.

use serde::Serialize;

/// The verdict on one objective of one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Met,
    Breached,
    TooFewEvents,
    NoData,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Breached => "breached",
            Verdict::TooFewEvents => "too_few_events",
            Verdict::NoData => "no_data",
        }
    }
}

/// Where the window's figures came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The SLI's own series (counters, histogram buckets, probe samples, gauge), over the window.
    Raw,
    /// The recorded 5m series (`slo:sli_events:rate5m`, `slo:sli_errors:rate5m`), which existed
    /// at the window's start.
    Recorded,
}

/// What Prometheus said about one window, for one objective of one group.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Measurement {
    /// Events in the window; `None` when the SLI gives no event counts (`error_ratio_query`).
    pub events: Option<f64>,
    /// Failed events over events, when there were events.
    pub error_ratio: Option<f64>,
}

impl Measurement {
    /// From events and failed events per second over a window of `seconds`.
    pub fn from_rates(
        events_per_second: Option<f64>,
        errors_per_second: Option<f64>,
        seconds: f64,
    ) -> Measurement {
        let events = events_per_second
            .filter(|v| v.is_finite())
            .map(|rate| rate * seconds);
        let error_ratio = match (events_per_second, errors_per_second) {
            (Some(events), Some(errors))
                if events > 0.0 && errors.is_finite() && events.is_finite() =>
            {
                Some((errors / events).clamp(0.0, 1.0))
            }
            (Some(events), None) if events > 0.0 && events.is_finite() => Some(0.0),
            _ => None,
        };
        Measurement {
            events: Some(events.unwrap_or(0.0)),
            error_ratio,
        }
    }

    /// From an error ratio alone.
    pub fn from_ratio(error_ratio: Option<f64>) -> Measurement {
        Measurement {
            events: None,
            error_ratio: error_ratio
                .filter(|v| v.is_finite())
                .map(|v| v.clamp(0.0, 1.0)),
        }
    }
}

/// The budget arithmetic of one objective over one window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    pub compliance: Option<f64>,
    pub error_budget_remaining: Option<f64>,
    /// The remaining budget as seconds of the budget period.
    pub error_budget_remaining_seconds: Option<f64>,
    pub status: Verdict,
}

/// The figures of `measurement` against an objective whose error budget is `budget` (1 −
/// target), spread over `budget_period_seconds`.
pub fn figures(
    measurement: Measurement,
    budget: f64,
    budget_period_seconds: f64,
    min_events: Option<u64>,
) -> Figures {
    let Some(ratio) = measurement.error_ratio else {
        return Figures {
            compliance: None,
            error_budget_remaining: None,
            error_budget_remaining_seconds: None,
            status: Verdict::NoData,
        };
    };
    let remaining = 1.0 - ratio / budget;
    let status = match (measurement.events, min_events) {
        (Some(events), Some(min)) if events < min as f64 => Verdict::TooFewEvents,
        _ if ratio <= budget => Verdict::Met,
        _ => Verdict::Breached,
    };
    Figures {
        compliance: Some(1.0 - ratio),
        error_budget_remaining: Some(remaining),
        error_budget_remaining_seconds: Some(remaining * budget * budget_period_seconds),
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        let judged = |events: f64, errors: f64, min: Option<u64>| {
            figures(
                Measurement::from_rates(Some(events), Some(errors), 1.0),
                0.01,
                100.0,
                min,
            )
        };
        let met = judged(1000.0, 5.0, Some(20));
        assert_eq!(met.status, Verdict::Met);
        assert_eq!(met.compliance, Some(0.995));
        assert!((met.error_budget_remaining.unwrap() - 0.5).abs() < 1e-12);
        assert!((met.error_budget_remaining_seconds.unwrap() - 0.5).abs() < 1e-12);
        // Exactly at the objective is met.
        assert_eq!(judged(1000.0, 10.0, None).status, Verdict::Met);
        let breached = judged(1000.0, 40.0, None);
        assert_eq!(breached.status, Verdict::Breached);
        assert!((breached.error_budget_remaining.unwrap() + 3.0).abs() < 1e-12);
        assert_eq!(judged(19.0, 19.0, Some(20)).status, Verdict::TooFewEvents);
        assert_eq!(judged(0.0, 0.0, None).status, Verdict::NoData);
        let nothing = figures(Measurement::from_rates(None, None, 60.0), 0.01, 1.0, None);
        assert_eq!(nothing.status, Verdict::NoData);
        assert_eq!(nothing.compliance, None);
        let ratio_only = figures(Measurement::from_ratio(Some(0.002)), 0.001, 1.0, Some(5));
        assert_eq!(ratio_only.status, Verdict::Breached);
    }
}
