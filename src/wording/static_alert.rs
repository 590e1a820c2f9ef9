//! A static alert in words: in `explain`, in `diff`, and its threshold in documents.

use super::{above_or_below, code};
use crate::spec::validate::signal_name;
use crate::spec::{AlertSignal, AlertSource, Sli, Slo, StaticAlert, Threshold};
use crate::units::Duration;

/// How long the condition must hold before the alert fires; `None` when it fires at once.
pub fn hold(alert: &StaticAlert) -> Option<Duration> {
    alert.for_.filter(|f| f.millis() > 0)
}

/// The signal a static alert watches and its range: `p99 over 5m`, `error ratio over 1h`.
pub fn signal_over(alert: &StaticAlert, signal: AlertSignal) -> String {
    match alert.percentile {
        Some(p) => format!("p{} over {}", p, alert.over),
        None => format!(
            "{} over {}",
            signal_name(signal).replace('_', " "),
            alert.over
        ),
    }
}

/// For `explain`: the alert in one terminal line.
pub fn explained(alert: &StaticAlert) -> String {
    let what = match &alert.source {
        AlertSource::Expr(expr) => code(expr),
        AlertSource::Signal(AlertSignal::Compliance) => "compliance over the SLO window".to_owned(),
        AlertSource::Signal(AlertSignal::Value) => "value".to_owned(),
        AlertSource::Signal(signal) => signal_over(alert, *signal),
    };
    let held = hold(alert)
        .map(|f| format!(" for {}", f.human()))
        .unwrap_or_default();
    let routed = alert
        .escalation
        .as_ref()
        .map(|e| format!(", {e}"))
        .unwrap_or_default();
    format!(
        "{}: {what} {} {}{held} → {}{routed}",
        alert.id,
        above_or_below(alert.above),
        alert.threshold.human(),
        alert.severity
    )
}

/// For `diff`: the alert in one line, what it compares, when, and where it goes.
pub fn one_line(alert: &StaticAlert) -> String {
    parts(alert)
        .into_iter()
        .map(|(_, part)| part)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The parts of a static alert, by what they say, so that a change names only what changed.
pub fn parts(alert: &StaticAlert) -> [(&'static str, String); 5] {
    let what = match &alert.source {
        AlertSource::Expr(expr) => code(expr),
        AlertSource::Signal(signal) => signal_over(alert, *signal),
    };
    let threshold = format!(
        "{} {}",
        above_or_below(alert.above),
        alert.threshold.human()
    );
    let held = hold(alert).map(|f| format!("for {f}")).unwrap_or_default();
    let escalation = alert
        .escalation
        .as_ref()
        .map(|e| format!("escalation {e}"))
        .unwrap_or_default();
    [
        ("watches", what),
        ("fires", threshold),
        ("holds", held),
        ("severity", format!("severity `{}`", alert.severity)),
        ("routes", escalation),
    ]
}

/// For documents: the threshold with its unit, `1%`, `50 entries`, `200 ms`.
pub fn threshold_with_unit(slo: &Slo, alert: &StaticAlert) -> String {
    match (&alert.threshold, &slo.sli) {
        (Threshold::Number(n), Sli::Gauge(g)) => match &g.unit {
            Some(unit) => format!("{n} {unit}"),
            None => n.to_decimal(),
        },
        (Threshold::Duration(d), _) if alert.percentile.is_some() => d.in_millis(),
        (Threshold::Duration(d), _) => d.spoken(),
        (threshold, _) => threshold.human(),
    }
}
