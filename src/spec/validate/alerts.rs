//! Static alerts: thresholds on an SLO's signals or on a PromQL expression.

use super::SloContext;
use super::checker::Checker;
use crate::diagnostics::Code;
use crate::spec::raw::RawStaticAlert;
use crate::spec::{AlertSignal, AlertSource, Sli, StaticAlert};
use crate::units::Duration;

pub(super) fn check_static_alert(
    c: &mut Checker,
    at: &str,
    alert: &RawStaticAlert,
    sli: &Sli,
    context: &SloContext,
) -> Option<StaticAlert> {
    c.id(&format!("{at}/id"), &alert.id, "alert");
    let source = match (&alert.signal, &alert.expr) {
        (Some(_), Some(_)) => {
            c.error(
                Code::ConflictingFields,
                at,
                "an alert takes `signal` or `expr`, not both",
                "use `expr` for a PromQL expression of your own",
            );
            return None;
        }
        (None, Some(expr)) => {
            c.promql(&format!("{at}/expr"), expr);
            AlertSource::Expr(expr.clone())
        }
        (Some(signal), None) => AlertSource::Signal(*signal),
        (None, None) => match sli {
            Sli::Ratio(_) => AlertSource::Signal(AlertSignal::ErrorRatio),
            Sli::Gauge(_) => AlertSource::Signal(AlertSignal::Value),
            Sli::Latency(_) | Sli::Freshness { .. } if alert.percentile.is_some() => {
                AlertSource::Signal(AlertSignal::Percentile)
            }
            _ => AlertSource::Signal(AlertSignal::Compliance),
        },
    };
    if let AlertSource::Signal(signal) = source {
        let fits = match signal {
            AlertSignal::ErrorRatio => matches!(sli, Sli::Ratio(_) | Sli::Sentry(_)),
            AlertSignal::Value => matches!(sli, Sli::Gauge(_)),
            AlertSignal::Percentile => matches!(
                sli,
                Sli::Latency(_) | Sli::Freshness { .. } | Sli::Probe(_) | Sli::Documentary { .. }
            ),
            AlertSignal::Compliance => !matches!(sli, Sli::Documentary { .. }),
        };
        if !fits {
            c.error(
                Code::InvalidValue,
                &format!("{at}/signal"),
                format!("signal `{}` does not apply to a {} SLI", signal_name(signal), sli.kind()),
                "use `error_ratio` with ratio SLIs, `value` with gauges, `percentile` with latency and freshness, or `expr`",
            );
        }
        if signal == AlertSignal::Percentile && alert.percentile.is_none() {
            c.error(
                Code::MissingField,
                at,
                "a percentile alert needs `percentile`",
                "e.g. `percentile: 95`",
            );
        }
    }
    let percentile = alert
        .percentile
        .as_ref()
        .and_then(|p| c.percentile(&format!("{at}/percentile"), p));
    let (above, threshold) = match (&alert.above, &alert.below) {
        (Some(a), None) => (true, c.threshold(&format!("{at}/above"), a)),
        (None, Some(b)) => (false, c.threshold(&format!("{at}/below"), b)),
        _ => {
            c.error(
                Code::ConflictingFields,
                at,
                "an alert takes exactly one of `above` and `below`",
                "e.g. `above: 1%`",
            );
            return None;
        }
    };
    let over = match &alert.over {
        Some(o) => c.duration(&format!("{at}/over"), o),
        None => Duration::parse("5m").ok(),
    };
    let for_ = match &alert.for_ {
        Some(f) => Some(c.hold_duration(&format!("{at}/for"), f)?),
        None => None,
    };
    if let Some(escalation) = &alert.escalation {
        c.reference(
            &format!("{at}/escalation"),
            escalation,
            context.severities,
            "escalation severity",
        );
    }
    Some(StaticAlert {
        id: alert.id.clone(),
        summary: alert.summary.clone(),
        source,
        percentile,
        above,
        threshold: threshold?,
        over: over?,
        for_,
        severity: alert.severity.clone().unwrap_or_else(|| "page".to_owned()),
        escalation: alert.escalation.clone(),
        documentation_only: alert.documentation_only,
        origin: c.origin(&format!("{at}/id")),
    })
}

pub fn signal_name(signal: AlertSignal) -> &'static str {
    match signal {
        AlertSignal::ErrorRatio => "error_ratio",
        AlertSignal::Value => "value",
        AlertSignal::Percentile => "percentile",
        AlertSignal::Compliance => "compliance",
    }
}
