//! The PromQL that measures one SLO over any window straight from its raw series, for `slofile
//! status`. It is the same shaping the recording rules use (`events_expr`, `errors_expr`), with
//! the recorded series the rules would refer to spelled out, so that a window the rules never
//! recorded (a calendar month, a whole SLO window on a server whose rules are a day old) is
//! measured exactly. [`service_queries`] asks the same of every SLO of a service at once, from
//! the recorded series.

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
    })
}

/// What the live commands ask about every SLO of a service at once, from its recorded 5m series:
/// a handful of queries per service instead of several per SLO. The answers carry the `slo` (and,
/// for failed events, `objective`) label and each SLO's `group_by` labels, which tell the SLOs and
/// groups apart. SLOs whose windows differ are asked in the same query, one `or` branch per window
/// (each branch selecting its SLOs by id), so the count does not grow with the windows either.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ServiceQueries {
    /// One sample per SLO and group of the recorded events that exist at the windows' end.
    pub groups_at_end: String,
    /// The same, each window's SLOs as they were at that window's start (an `offset`).
    pub groups_at_start: String,
    /// Events per second, averaged over each SLO's window.
    pub events: String,
    /// Failed events per second, averaged over each SLO's window, per objective.
    pub errors: String,
}

/// The service-wide queries for `windows`: each window with the ids of its SLOs (all SLOs of the
/// service asked, when only one window is given and its ids are empty). Sums are by `slo`,
/// `objective` and `labels` (the union of the SLOs' `group_by` labels: a series without one of
/// them simply lacks it).
pub(crate) fn service_queries(
    service: &ServicePlan,
    labels: &[String],
    windows: &[(Vec<&str>, Duration)],
) -> ServiceQueries {
    let events_name = series::events_rate(BASE_WINDOW);
    let errors_name = series::errors_rate(BASE_WINDOW);
    let selector = |name: &str, ids: &[&str]| {
        let mut text = format!(
            "{name}{{{}={}",
            series::label::SERVICE,
            expr::string_literal(&service.meta.id)
        );
        if !ids.is_empty() {
            let alternatives: Vec<String> = ids.iter().map(|id| regex_syntax::escape(id)).collect();
            text.push_str(&format!(
                ",{}=~{}",
                series::label::SLO,
                expr::string_literal(&alternatives.join("|"))
            ));
        }
        text.push('}');
        text
    };
    let mut by = vec![series::label::SLO.to_owned()];
    by.extend(labels.iter().cloned());
    let by_events = expr::by_clause(&by);
    by.insert(1, series::label::OBJECTIVE.to_owned());
    let by_errors = expr::by_clause(&by);
    let branches = |branch: &dyn Fn(&[&str], Duration) -> String| {
        windows
            .iter()
            .map(|(ids, window)| branch(ids, *window))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    ServiceQueries {
        groups_at_end: format!("group{by_events}({})", selector(&events_name, &[])),
        groups_at_start: branches(&|ids, window| {
            format!(
                "group{by_events}({} offset {}s)",
                selector(&events_name, ids),
                window.millis() / 1000
            )
        }),
        events: branches(&|ids, window| {
            format!(
                "sum{by_events}(avg_over_time({}[{window}]))",
                selector(&events_name, ids)
            )
        }),
        errors: branches(&|ids, window| {
            format!(
                "sum{by_errors}(avg_over_time({}[{window}]))",
                selector(&errors_name, ids)
            )
        }),
    }
}

/// The label that tells events from failed events in [`ServiceQueries::both`].
pub(crate) const MEASURE_LABEL: &str = "slofile_measure";

impl ServiceQueries {
    /// Events and failed events in one query, each sample labelled [`MEASURE_LABEL`] `events` or
    /// `errors`.
    pub(crate) fn both(&self) -> String {
        format!(
            "label_replace(({}), \"{MEASURE_LABEL}\", \"events\", \"\", \"\") or label_replace(({}), \"{MEASURE_LABEL}\", \"errors\", \"\", \"\")",
            self.events, self.errors
        )
    }
}

/// The recorded error ratios of every SLO of the service over each of `windows`, in one query:
/// `{__name__=~"slo:sli_error:ratio_rate1h|…",service="…"}`; each sample's `__name__` tells its
/// window.
pub(crate) fn service_error_ratios(service: &ServicePlan, windows: &[Duration]) -> String {
    let names: Vec<String> = windows
        .iter()
        .map(|window| regex_syntax::escape(&series::error_ratio(*window)))
        .collect();
    format!(
        "{{__name__=~{},{}={}}}",
        expr::string_literal(&names.join("|")),
        series::label::SERVICE,
        expr::string_literal(&service.meta.id)
    )
}

/// The service's firing alerts: `ALERTS{alertstate="firing",service="…"}`.
pub(crate) fn service_firing_alerts(service: &ServicePlan) -> String {
    expr::selector(
        series::ALERTS,
        &[
            (series::label::ALERTSTATE, "firing"),
            (series::label::SERVICE, service.meta.id.as_str()),
        ],
    )
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
    }

    #[test]
    fn service_queries_ask_every_window_of_a_service_in_one_query() {
        let plan = plan(
            "apiVersion: slofile/v1\nservice: shop\nslos:\n  - id: orders\n    objective: 99%\n    window: 28d\n    group_by: [tenant]\n    sli:\n      ratio:\n        bad: orders_total{state=\"failed\"}\n        total: orders_total\n",
        );
        let service = &plan.services[0];
        let day = Duration::parse("1d").unwrap();
        let week = Duration::parse("7d").unwrap();
        let queries = service_queries(
            service,
            &["tenant".to_owned()],
            &[(vec!["a.b", "c"], day), (vec!["d"], week)],
        );
        assert_eq!(
            queries.groups_at_start,
            "group by (slo, tenant) (slo:sli_events:rate5m{service=\"shop\",slo=~\"a\\\\.b|c\"} offset 86400s) or group by (slo, tenant) (slo:sli_events:rate5m{service=\"shop\",slo=~\"d\"} offset 604800s)"
        );
        assert_eq!(
            queries.errors,
            "sum by (slo, objective, tenant) (avg_over_time(slo:sli_errors:rate5m{service=\"shop\",slo=~\"a\\\\.b|c\"}[1d])) or sum by (slo, objective, tenant) (avg_over_time(slo:sli_errors:rate5m{service=\"shop\",slo=~\"d\"}[7d]))"
        );
        for query in [
            &queries.groups_at_end,
            &queries.groups_at_start,
            &queries.events,
            &queries.errors,
            &service_error_ratios(service, &[day, week]),
        ] {
            expr::parse(query).unwrap_or_else(|e| panic!("{query}: {e:?}"));
        }
        expr::parse(&queries.both()).unwrap();
        {}
        assert_eq!(
            service_error_ratios(service, &[day, week]),
            "{__name__=~\"slo:sli_error:ratio_rate1d|slo:sli_error:ratio_rate7d\",service=\"shop\"}"
        );
    }
}
