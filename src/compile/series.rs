//! The names of the series slofile records and of their labels: one home for both, read by the
//! Prometheus rules that record the series, by the promtool tests that prove them, and by the
//! Grafana dashboards that query them. A dashboard that names a series its own rules do not
//! record shows nothing; building every name here makes that mistake impossible to write.
//!
//! Windows print as Prometheus durations (`5m`, `1h`, `28d`), so `error_ratio(1h)` is
//! `slo:sli_error:ratio_rate1h`.

use crate::units::Duration;

/// Events per second over `window`, one series per SLO (and `group_by` group).
pub fn events_rate(window: Duration) -> String {
    format!("slo:sli_events:rate{window}")
}

/// Failed events per second over `window`, one series per objective.
pub fn errors_rate(window: Duration) -> String {
    format!("slo:sli_errors:rate{window}")
}

/// The error ratio over `window`: failed over all events, 0 without traffic. Over the SLO window
/// it is the ratio of the sums of the 5m rates, so `1 −` it is the compliance.
pub fn error_ratio(window: Duration) -> String {
    format!("slo:sli_error:ratio_rate{window}")
}

/// `1`, with the SLO's labels, its `title` and its `window`.
pub const INFO: &str = "slo:info";
/// The SLO window in seconds.
pub const WINDOW_SECONDS: &str = "slo:window:seconds";
/// The objective's target as a ratio, e.g. `0.995`.
pub const OBJECTIVE_RATIO: &str = "slo:objective:ratio";
/// The error budget as a ratio: `1 − objective`.
pub const ERROR_BUDGET_RATIO: &str = "slo:error_budget:ratio";
/// The share of the error budget left over the SLO window; negative once overspent.
pub const ERROR_BUDGET_REMAINING: &str = "slo:error_budget_remaining:ratio";

/// Prometheus's own series of pending and firing alerts.
pub const ALERTS: &str = "ALERTS";

/// Label names on recorded series and alerts.
pub mod label {
    /// The service id, on every series and alert.
    pub const SERVICE: &str = "service";
    /// The SLO id, on every series and alert.
    pub const SLO: &str = "slo";
    /// The objective's name (`p95`) on series and alerts of SLOs with several objectives.
    pub const OBJECTIVE: &str = "objective";
    /// `page`, `ticket` or a spec's own name, on every alert.
    pub const SEVERITY: &str = "severity";
    /// The escalation level (`P1`) an alert routes to.
    pub const ESCALATION: &str = "escalation";
    /// A burn-rate alert's long window, e.g. `1h`.
    pub const LONG_WINDOW: &str = "long_window";
    /// A burn-rate alert's short window, e.g. `5m`.
    pub const SHORT_WINDOW: &str = "short_window";
    /// The SLO title, on `slo:info`.
    pub const TITLE: &str = "title";
    /// The SLO window, on `slo:info`.
    pub const WINDOW: &str = "window";
    /// Prometheus's name of an alert, on `ALERTS`.
    pub const ALERTNAME: &str = "alertname";
    /// `pending` or `firing`, on `ALERTS`.
    pub const ALERTSTATE: &str = "alertstate";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_their_window() {
        let hour = Duration::parse("1h").unwrap();
        assert_eq!(events_rate(hour), "slo:sli_events:rate1h");
        assert_eq!(errors_rate(hour), "slo:sli_errors:rate1h");
        assert_eq!(
            error_ratio(Duration::parse("28d").unwrap()),
            "slo:sli_error:ratio_rate28d"
        );
    }
}
