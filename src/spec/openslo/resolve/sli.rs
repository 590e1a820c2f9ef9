//! OpenSLO indicators into slofile SLIs: ratio queries by `counter`, `raw` ratios and
//! threshold gauges.

use super::Resolver;
use crate::diagnostics::{Code, Diagnostic};
use crate::promql::without_comments;
use crate::spec::openslo::{
    Budgeting, Kind, MetricSource, Object, ObjectiveSpec, Op, RatioMetric, RawType, SliMetric,
    SliSpec,
};
use crate::spec::walk::{Loc, window_placeholder};
use crate::spec::{GaugeSli, RatioSli, Sli};
use crate::units::{Duration, Ratio};

/// Slices of a gauge SLI under `Occurrences`: one evaluation each.
fn occurrence_slice() -> Duration {
    Duration::from_secs(60)
}

impl Resolver<'_> {
    pub(super) fn sli(
        &mut self,
        sli: &SliSpec,
        budgeting: Budgeting,
        budgeting_loc: &Loc,
        objective: &ObjectiveSpec,
    ) -> Option<Sli> {
        match &sli.metric {
            SliMetric::Ratio(ratio) => {
                if budgeting == Budgeting::Timeslices {
                    self.error(
                        Code::UnsupportedFeature,
                        budgeting_loc,
                        format!("time-slice budgeting of a ratio SLI (`{}`) is not supported", sli.meta.name),
                        "use `budgetingMethod: Occurrences` (good events over all events), or judge each slice \
                         by a value with a `thresholdMetric`",
                    );
                    return None;
                }
                self.ratio(ratio)
            }
            SliMetric::Threshold(source) => {
                let (query, at) = self.prometheus_query(source)?;
                if window_placeholder(&query).is_some() {
                    self.error(
                        Code::InvalidValue,
                        &at,
                        "a `thresholdMetric` query takes no `{{.window}}`",
                        "the value is compared with the objective at every slice; write an instant query",
                    );
                    return None;
                }
                let (op, _) = objective.op.as_ref()?;
                let (value, _) = objective.value.as_ref()?;
                let (slice, slice_target) = match budgeting {
                    Budgeting::Timeslices => (objective.slice_window?, objective.slice_target),
                    _ => (occurrence_slice(), None),
                };
                Some(Sli::Gauge(gauge(&query, *op, *value, slice, slice_target)))
            }
        }
    }

    pub(super) fn ratio(&mut self, ratio: &RatioMetric) -> Option<Sli> {
        if let Some((raw_type, source)) = &ratio.raw {
            let (query, at) = self.prometheus_query(source)?;
            let error_ratio = match (window_placeholder(&query), raw_type) {
                (Some(windowed), RawType::Failure) => windowed.trim().to_owned(),
                (Some(windowed), RawType::Success) => format!("1 - ({})", windowed.trim()),
                (None, RawType::Failure) => {
                    format!("avg_over_time(({})[{{{{window}}}}:])", query.trim())
                }
                (None, RawType::Success) => {
                    format!("1 - avg_over_time(({})[{{{{window}}}}:])", query.trim())
                }
            };
            return self.checked_query(error_ratio, &at);
        }
        let (good, numerator) = ratio.numerator.as_ref()?;
        // Both queries are checked before either problem stops the SLI.
        let events = self.prometheus_query(numerator);
        let total = ratio.total.as_ref().and_then(|t| self.prometheus_query(t));
        // Parsing is the costly part of these checks, so each query is asked once.
        let mut ranged = false;
        if ratio.counter {
            for (query, at) in [&events, &total].into_iter().flatten() {
                if window_placeholder(query).is_none() && has_range(query) {
                    ranged = true;
                    self.error(
                        Code::InvalidValue,
                        at,
                        "with `counter: true` the query selects counters, and slofile adds `rate()` for each window; this one already has a range",
                        "write the counter selector or aggregation without `rate(...[5m])`, e.g. `sum(http_requests_total{code=~\"5..\"})`, or use `{{.window}}` for the range and slofile uses the query as written",
                    );
                }
            }
        }
        let ((events, events_at), (total, total_at)) = (events?, total?);
        match (window_placeholder(&events), window_placeholder(&total)) {
            (Some(events), Some(total)) => {
                let quotient = format!("({}) / ({})", events.trim(), total.trim());
                let error_ratio = if *good {
                    format!("1 - ({quotient})")
                } else {
                    quotient
                };
                self.checked_query(error_ratio, &events_at)
            }
            (None, None) if ratio.counter => {
                if ranged {
                    return None;
                }
                Some(Sli::Ratio(RatioSli::Events {
                    good: *good,
                    events: events.trim().to_owned(),
                    total: total.trim().to_owned(),
                }))
            }
            (None, None) => {
                let sum = |q: &str| format!("sum_over_time(({})[{{{{window}}}}:])", q.trim());
                let quotient = format!("{} / {}", sum(&events), sum(&total));
                let error_ratio = if *good {
                    format!("1 - ({quotient})")
                } else {
                    quotient
                };
                self.checked_query(error_ratio, &events_at)
            }
            (Some(_), None) | (None, Some(_)) => {
                let at = if window_placeholder(&events).is_none() {
                    &events_at
                } else {
                    &total_at
                };
                self.error(
                    Code::ConflictingFields,
                    at,
                    "one query of the ratio uses `{{.window}}` and the other does not",
                    "use `{{.window}}` in both queries (each is then used as written), or in neither",
                );
                None
            }
        }
    }

    /// An error-ratio query built from user queries: it must still parse.
    pub(super) fn checked_query(&mut self, query: String, at: &Loc) -> Option<Sli> {
        let substituted = query.replace("{{window}}", "5m");
        let ok = self.check(at, |c| c.promql(&at.pointer, &substituted));
        ok.then_some(Sli::Ratio(RatioSli::Query(query)))
    }

    /// The PromQL query of a Prometheus metric source, checked; other sources are reported.
    pub(super) fn prometheus_query(&mut self, source: &MetricSource) -> Option<(String, Loc)> {
        let referenced = match &source.source_ref {
            Some((name, at)) => match self.find(Kind::DataSource, name, at) {
                Some(Object::DataSource(ds)) => Some(ds),
                _ => return None,
            },
            None => None,
        };
        let (source_type, type_at) = match (&source.source_type, referenced) {
            (Some((t, at)), _) => (t.clone(), at.clone()),
            (None, Some(ds)) => (ds.source_type.clone(), ds.type_loc.clone()),
            (None, None) => {
                self.error(
                    Code::MissingField,
                    &source.spec_loc,
                    "the metric source has neither `type` nor `metricSourceRef`",
                    "add `type: Prometheus`, or refer to a DataSource with `metricSourceRef`",
                );
                return None;
            }
        };
        if let (Some((written, at)), Some(ds)) = (&source.source_type, referenced)
            && !written.eq_ignore_ascii_case(&ds.source_type)
        {
            self.error(
                Code::ConflictingFields,
                at,
                format!(
                    "`type` {written} differs from the type of DataSource `{}`, {}",
                    ds.meta.name, ds.source_type
                ),
                "drop `type`: it comes from the DataSource",
            );
            return None;
        }
        if !source_type.eq_ignore_ascii_case("prometheus") {
            self.error(
                Code::UnsupportedSource,
                &type_at,
                format!("data source type `{source_type}` is not supported"),
                "slofile compiles SLIs measured in Prometheus (`type: Prometheus` with a PromQL `query`); \
                 SLOs on other sources need that vendor's own tooling",
            );
            return None;
        }
        let query_at = source.spec_loc.key("query");
        let query = match source.spec.get("query") {
            Some(serde_json::Value::String(q)) if !q.trim().is_empty() => q.clone(),
            _ => {
                self.error(
                    Code::MissingField,
                    &source.spec_loc,
                    "a Prometheus metric source needs `query` in its `spec`",
                    "give an instant-vector PromQL expression, e.g. `query: sum(http_requests_total{code=~\"5..\"})`",
                );
                return None;
            }
        };
        for key in source.spec.keys().filter(|k| *k != "query") {
            self.push(
                Diagnostic::warning(Code::NotCarried, format!("`{key}` of a Prometheus source is ignored"))
                    .at_origin(&source.spec_loc.key(key).key_origin())
                    .with_help("slofile reads `query` only; it writes rules for whichever Prometheus loads them"),
            );
        }
        // Parsed with a window standing in for `{{.window}}`, whichever spelling it has.
        let substituted = window_placeholder(&query)
            .map_or_else(|| query.clone(), |q| q.replace("{{window}}", "5m"));
        let ok = self.check(&query_at, |c| c.promql(&query_at.pointer, &substituted));
        // Comments go before the query is wrapped: `(... # note)` would swallow the `)`.
        ok.then(|| (without_comments(&query).into_owned(), query_at))
    }
}

/// Whether a query already holds a range: a matrix selector or a subquery.
pub(super) fn has_range(query: &str) -> bool {
    use promql_parser::parser::Expr;
    use promql_parser::util::{ExprVisitor, walk_expr};
    struct FindRange(bool);
    impl ExprVisitor for FindRange {
        type Error = ();
        fn pre_visit(&mut self, expr: &Expr) -> Result<bool, ()> {
            if matches!(expr, Expr::MatrixSelector(_) | Expr::Subquery(_)) {
                self.0 = true;
            }
            Ok(!self.0)
        }
    }
    let Ok(expr) = crate::promql::parse_shape(query) else {
        return false;
    };
    let mut finder = FindRange(false);
    let _ = walk_expr(&mut finder, &expr);
    finder.0
}

/// A gauge SLI for a threshold objective. slofile's gauge compares strictly (`<` or `>`) and
/// judges a slice by one evaluation; other conditions are computed in the query itself, which then
/// is 1 in a good slice and 0 in a bad one.
pub(super) fn gauge(
    query: &str,
    op: Op,
    value: Ratio,
    slice: Duration,
    slice_target: Option<Ratio>,
) -> GaugeSli {
    let query = query.trim();
    let whole_slice = slice_target.is_none_or(|t| t == Ratio::ONE);
    match op {
        Op::Lt | Op::Gt if whole_slice => GaugeSli {
            query: query.to_owned(),
            good_below: op == Op::Lt,
            threshold: value,
            slice,
            unit: None,
        },
        _ => {
            let good = format!("({query}) {} bool {}", op.promql(), value.to_decimal());
            let query = match slice_target.filter(|t| *t != Ratio::ONE) {
                // The share of good evaluations within the slice, against the slice's target.
                Some(target) => format!(
                    "avg_over_time(({good})[{}:]) >= bool {}",
                    slice.prometheus(),
                    target.to_decimal()
                ),
                None => good,
            };
            GaugeSli {
                query,
                good_below: false,
                threshold: Ratio::new(1, 2).unwrap_or(Ratio::ZERO),
                slice,
                unit: None,
            }
        }
    }
}
