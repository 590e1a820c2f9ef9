//! The names of the series slofile records, of their labels and of the alerts it generates: one
//! home for all three, read by the Prometheus rules that record the series and fire the alerts,
//! by the promtool tests that prove them, by the Grafana dashboards that query them, and by the
//! Alertmanager inhibitions and Sloth-shaped rules that name the alerts. A dashboard that names a
//! series its own rules do not record shows nothing; building every name here makes that mistake
//! impossible to write.
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

/// The suffix of a burn-rate alert's name: `ExchangeCompletionErrorBudgetBurn` (see
/// [`alert_name`]).
pub const BURN_ALERT: &str = "ErrorBudgetBurn";
/// The suffix of the budget-exhaustion alert's name: `ExchangeCompletionErrorBudgetExhausted`.
pub const EXHAUSTED_ALERT: &str = "ErrorBudgetExhausted";
/// The suffix of an error-budget policy alert's name: `ExchangeCompletionErrorBudgetPolicy`.
pub const POLICY_ALERT: &str = "ErrorBudgetPolicy";
/// A service's heartbeat alert, which always fires: the one generated alert without an `slo`.
pub const HEARTBEAT_ALERT: &str = "SlofileHeartbeat";
/// The `severity` of the heartbeat alert, which routes it to the heartbeat receiver only.
pub const HEARTBEAT_SEVERITY: &str = "heartbeat";
/// The alert `slofile selftest` posts to prove a channel is reached; never a rule's.
pub const SELFTEST_ALERT: &str = "SlofileSelfTest";
/// The suffix of the missing-data alert's name: `ExchangeCompletionSliDataMissing`.
pub const MISSING_ALERT: &str = "SliDataMissing";
/// The suffix of a histogram bucket guard's name: `ApiLatencyHistogramBucketMissing`.
pub const BUCKET_ALERT: &str = "HistogramBucketMissing";

/// The name of an SLO's generated alert: the SLO id in camel case, then the alert's suffix.
pub fn alert_name(slo_id: &str, suffix: &str) -> String {
    format!("{}{suffix}", camel_case(slo_id))
}

/// `exchange-completion` → `ExchangeCompletion`.
pub fn camel_case(id: &str) -> String {
    id.split('-')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

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
    /// `warn` or `freeze`, on the error-budget policy's alerts.
    pub const POLICY: &str = "policy";
    /// The channel a self-test alert is for.
    pub const CHANNEL: &str = "channel";
    /// The policy rule an alert checks: `warn_below`, `freeze_below` or `freeze_if_burned`.
    pub const RULE: &str = "rule";
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

    #[test]
    fn camel_case_ids() {
        assert_eq!(camel_case("exchange-completion"), "ExchangeCompletion");
        assert_eq!(camel_case("5xx-ratio"), "5xxRatio");
        assert_eq!(camel_case("a--b"), "AB");
        assert_eq!(
            alert_name("exchange-completion", BURN_ALERT),
            "ExchangeCompletionErrorBudgetBurn"
        );
    }
}
