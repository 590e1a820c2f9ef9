//! The PromQL that measures one SLO over any window straight from its raw series, for `slofile
//! status`. It is the same shaping the recording rules use (`events_expr`, `errors_expr`), with
//! the recorded series the rules would refer to spelled out, so that a window the rules never
//! recorded (a calendar month, a whole SLO window on a server whose rules are a day old) is
//! measured exactly.

use super::{Errors, Measure, SloRules, expr};
use crate::compile::{BASE_WINDOW, ServicePlan, SloPlan, series};
use crate::units::Duration;

/// How Prometheus measures an SLO over a window, from raw series or from the recorded ones.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Measured {
    /// Events per second, and failed events per second for each objective (in objective order),
    /// each averaged over the window and summed by the SLO's `group_by` labels. The ratio of the
    /// two is the error ratio over the window; events are the rate times the window's seconds.
    Rates { events: String, errors: Vec<String> },
    /// An `error_ratio_query`, which gives no event counts: its 5m error ratio averaged over the
    /// window, one per objective, as the recorded compliance of such an SLO is.
    Ratio { error_ratio: Vec<String> },
}

/// Everything `status` asks Prometheus about one SLO over one window.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WindowQueries {
    /// From the SLI's own series: right whatever the age of the recording rules.
    pub raw: Measured,
    /// From the recorded 5m series, averaged over the window: cheap, but right only when they
    /// were recorded over the whole window.
    pub recorded: Measured,
    /// One sample per group of the recorded 5m series that exist at the evaluation time; asked at
    /// the window's start and at its end, it tells whether the recording covers the window.
    pub recorded_groups: String,
    /// The SLO's firing alerts: `ALERTS{alertstate="firing",service="…",slo="…"}`.
    pub firing_alerts: String,
}

/// The queries of `slo` over `window`, or `None` when Prometheus does not measure the SLO (a
/// Sentry or documentary SLI, a probe without a metric, or PromQL that does not take shape).
pub(crate) fn window_queries(
    service: &ServicePlan,
    slo: &SloPlan,
    window: Duration,
) -> Option<WindowQueries> {
    let rules = SloRules::build(service, slo)?;
    let by = expr::by_clause(rules.group_by());
    let base = BASE_WINDOW;
    let mut alert_matchers = vec![(series::label::ALERTSTATE, "firing")];
    alert_matchers.extend(rules.slo_matchers());
    let firing_alerts = expr::selector(series::ALERTS, &alert_matchers);
    let averaged = |series: String| format!("sum{by}(avg_over_time({series}[{window}]))");
    if let Measure::ErrorRatioQuery(query) = &rules.measure {
        let ratio = query.replace("{{window}}", &base.prometheus());
        let raw = format!("avg_over_time(({ratio})[{window}:{base}])");
        let recorded = averaged(rules.slo_series(&series::error_ratio(base)));
        return Some(WindowQueries {
            raw: Measured::Ratio {
                error_ratio: vec![raw; slo.objectives.len()],
            },
            recorded: Measured::Ratio {
                error_ratio: vec![recorded; slo.objectives.len()],
            },
            recorded_groups: format!(
                "group{by}({})",
                rules.slo_series(&series::error_ratio(base))
            ),
            firing_alerts,
        });
    }
    let events = rules.events_expr(window).ok()?;
    let on = expr::on_clause(rules.group_by());
    let mut errors = Vec::new();
    let mut recorded_errors = Vec::new();
    for (index, objective) in slo.objectives.iter().enumerate() {
        errors.push(match rules.errors_expr(index, window).ok()? {
            Errors::Bad(bad) => format!("({bad}) or {on} (0 * ({events}))"),
            // Without good events (a total outage can remove the series) every event failed.
            Errors::Good(good) => {
                format!("clamp_min(({events}) - {on} ({good}), 0) or {on} ({events})")
            }
        });
        recorded_errors.push(averaged(
            rules.objective_series(&series::errors_rate(base), objective),
        ));
    }
    let recorded_events = rules.slo_series(&series::events_rate(base));
    Some(WindowQueries {
        raw: Measured::Rates { events, errors },
        recorded: Measured::Rates {
            events: averaged(recorded_events.clone()),
            errors: recorded_errors,
        },
        recorded_groups: format!("group{by}({recorded_events})"),
        firing_alerts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Report;

    fn plan(yaml: &str) -> crate::compile::Plan {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spec.yaml");
        std::fs::write(&path, yaml).unwrap();
        let mut report = Report::default();
        crate::plan(&[path], &mut report)
            .unwrap()
            .expect("a valid spec")
    }

    #[test]
    fn ratio_slis_sum_bad_and_total_by_the_group_labels() {
        let plan = plan(
            "apiVersion: slofile/v1\nservice: shop\nslos:\n  - id: orders\n    objective: 99%\n    window: 28d\n    group_by: [tenant]\n    sli:\n      ratio:\n        bad: orders_total{state=\"failed\"}\n        total: orders_total\n",
        );
        let service = &plan.services[0];
        let queries =
            window_queries(service, &service.slos[0], Duration::parse("3d").unwrap()).unwrap();
        let Measured::Rates { events, errors } = queries.raw else {
            panic!("counters give rates");
        };
        assert_eq!(events, "sum by (tenant) (rate(orders_total[3d]))");
        assert_eq!(
            errors,
            [
                "(sum by (tenant) (rate(orders_total{state=\"failed\"}[3d]))) or on (tenant) (0 * (sum by (tenant) (rate(orders_total[3d]))))"
            ]
        );
        let Measured::Rates { events, errors } = queries.recorded else {
            panic!("counters give rates");
        };
        assert_eq!(
            events,
            "sum by (tenant) (avg_over_time(slo:sli_events:rate5m{service=\"shop\",slo=\"orders\"}[3d]))"
        );
        assert_eq!(
            errors,
            [
                "sum by (tenant) (avg_over_time(slo:sli_errors:rate5m{service=\"shop\",slo=\"orders\"}[3d]))"
            ]
        );
        assert_eq!(
            queries.recorded_groups,
            "group by (tenant) (slo:sli_events:rate5m{service=\"shop\",slo=\"orders\"})"
        );
        assert_eq!(
            queries.firing_alerts,
            "ALERTS{alertstate=\"firing\",service=\"shop\",slo=\"orders\"}"
        );
    }
}
