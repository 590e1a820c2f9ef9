//! OpenSLO v1alpha (`apiVersion: openslo/v1alpha`): the part Sloth reads, read the way Sloth
//! reads it.
//!
//! Sloth turns a v1alpha SLO into one Sloth SLO per objective. slofile reads the same subset
//! into the v1 model ([`super::SloSpec`]), so that references, sources, queries, targets and
//! windows go through the v1 resolver and its checks:
//!
//! - **Kinds.** `SLO`, and `Service` (title and description of a service, as in v1). v1alpha
//!   defines no other kind.
//! - **Ids.** Sloth's: `<service>-<name>-<n>`, `n` counting objectives from 0 (its `sloth_id`).
//! - **SLIs.** Each objective's `ratioMetrics`: `good` and `total`, each a `source` (Prometheus),
//!   a `queryType` (`promql`) and a `query`. A query with `{{.window}}` is used as written, so
//!   the error ratio is Sloth's `1 - (good / total)`; without it the query is read like a v1
//!   query, by `counter`. `indicator` (a `thresholdMetric`) is not read: Sloth refuses it.
//! - **Window.** The one item of `timeWindows`: `count` days, as in Sloth; weeks, months and
//!   quarters too (months and quarters as 30 and 90 days, with an info). Without `timeWindows`,
//!   Sloth's default period of 30 days ([`crate::spec::sloth::DEFAULT_PERIOD`]), with an info. The window rolls unless
//!   it has a `calendar`, which is reported as in v1: Sloth ignores `isRolling`, and its own
//!   examples leave it out.
//! - **Budgeting.** `Occurrences`. `Timeslices` of a ratio is reported as in v1.
//! - **Alerts.** v1alpha has no alert policies, and Sloth generates no alerts for it: these SLOs
//!   get none either, and an info says so and how to add them.
//!
//! oslo and Sloth read v1alpha leniently, so unknown keys are warnings here, not errors.

use super::shorthand;
use super::{
    Budgeting, Metadata, MetricSource, RatioMetric, SloSpec, TimeWindow, Version, read_budgeting,
    read_objectives, slo_description_and_service,
};
use crate::diagnostics::{Code, typo_help};
use crate::spec::sloth::DEFAULT_PERIOD;
use crate::spec::walk::{Map, Walk};
use crate::units::Duration;
use serde_json::Value;

pub(super) fn read_slo_spec(w: &mut Walk, spec: &Map, meta: Metadata) -> Option<SloSpec> {
    w.only_keys(
        spec,
        &[
            "timeWindows",
            "budgetingMethod",
            "description",
            "indicator",
            "service",
            "objectives",
        ],
        "an SLO's `spec`",
        false,
    );
    let before = w.error_count();
    let (description, service) = slo_description_and_service(w, spec);
    if spec.has("indicator") {
        w.error_at_key(
            Code::UnsupportedFeature,
            &spec.child("indicator"),
            "a v1alpha `indicator` (a `thresholdMetric`) is not supported",
            "slofile reads v1alpha as Sloth does, with `ratioMetrics` in each objective; for a threshold \
             SLI write the SLO as `apiVersion: openslo/v1`, whose `thresholdMetric` slofile compiles",
        );
    }
    // Sloth refuses a `thresholdMetric`; its objectives are checked as such all the same.
    let threshold = spec.has("indicator").then_some(false);
    let budgeting = read_budgeting(
        w,
        spec,
        &[
            ("Occurrences", Budgeting::Occurrences),
            ("Timeslices", Budgeting::Timeslices),
        ],
    );
    let window = read_time_windows(w, spec);
    let objectives = read_objectives(w, spec, budgeting, threshold, Version::V1alpha);
    if w.error_count() > before {
        return None;
    }
    Some(SloSpec {
        version: Version::V1alpha,
        meta,
        description,
        service: (service?.to_owned(), w.loc(&spec.child("service"))),
        indicator: None,
        budgeting: (budgeting?, w.loc(&spec.child("budgetingMethod"))),
        window: window?,
        objectives,
        policies: Vec::new(),
    })
}

/// An objective's `ratioMetrics`, as the v1 ratio of `good` over `total`.
pub(super) fn read_ratio_metrics(w: &mut Walk, objective: &Map) -> Option<RatioMetric> {
    let Some(ratio) = w.map_at(objective, "ratioMetrics", "`ratioMetrics`") else {
        if !objective.has("ratioMetrics") {
            w.error(
                Code::MissingField,
                &objective.pointer,
                "an objective needs `ratioMetrics`",
                "slofile reads v1alpha objectives as Sloth does: `ratioMetrics` with `good` and `total` \
                 PromQL queries",
            );
        }
        return None;
    };
    w.only_keys(
        &ratio,
        &["good", "total", "counter"],
        "`ratioMetrics`",
        false,
    );
    let counter = w.boolean(&ratio, "counter").unwrap_or(false);
    let good = metric_source(w, &ratio, "good");
    let total = metric_source(w, &ratio, "total");
    Some(RatioMetric {
        counter,
        numerator: Some((true, good?)),
        total: Some(total?),
        raw: None,
    })
}

/// `good` or `total`: a `source`, a `queryType` and a `query`, as a v1 metric source whose type
/// is the `source`. The resolver checks the type and the query.
fn metric_source(w: &mut Walk, ratio: &Map, key: &str) -> Option<MetricSource> {
    let what = format!("`{key}`");
    let Some(map) = w.map_at(ratio, key, &what) else {
        if !ratio.has(key) {
            w.error(
                Code::MissingField,
                &ratio.pointer,
                format!("`ratioMetrics` needs `{key}`"),
                "give `good` and `total`, each with `source: prometheus`, `queryType: promql` and a `query`",
            );
        }
        return None;
    };
    w.only_keys(&map, &["source", "queryType", "query"], &what, false);
    let before = w.error_count();
    let source = w.required_string(&map, "source", &what, "e.g. `source: prometheus`");
    let query_type = w.required_string(&map, "queryType", &what, "e.g. `queryType: promql`");
    let query = w.required_string(
        &map,
        "query",
        &what,
        "a PromQL query, e.g. `sum(rate(http_requests_total[{{.window}}]))`",
    );
    if let Some(query_type) = query_type
        && !query_type.eq_ignore_ascii_case("promql")
    {
        w.error(
            Code::UnsupportedSource,
            &map.child("queryType"),
            format!("query type `{query_type}` is not supported"),
            "slofile compiles PromQL queries of Prometheus (`source: prometheus`, `queryType: promql`); \
             SLOs on other sources need that vendor's own tooling",
        );
    }
    if w.error_count() > before {
        return None;
    }
    let mut spec = serde_json::Map::new();
    spec.insert("query".to_owned(), Value::String(query?.to_owned()));
    Some(MetricSource {
        source_ref: None,
        source_type: source.map(|s| (s.to_owned(), w.loc(&map.child("source")))),
        spec,
        spec_loc: w.loc(&map.pointer),
    })
}

/// The one item of `timeWindows`: `count` and `unit`, perhaps a `calendar`.
fn read_time_windows(w: &mut Walk, spec: &Map) -> Option<TimeWindow> {
    let example = "e.g. `timeWindows: [{count: 30, unit: Day, isRolling: true}]`";
    let items = match w.list(spec, "timeWindows") {
        Some(items) if items.len() == 1 => items,
        Some(items) => {
            w.error(
                Code::InvalidValue,
                &spec.child("timeWindows"),
                format!(
                    "`timeWindows` has {} items; OpenSLO v1alpha and Sloth take exactly one",
                    items.len()
                ),
                example,
            );
            return None;
        }
        None if !spec.has("timeWindows") => return default_time_window(w, spec, example),
        None => return None,
    };
    let (pointer, value) = &items[0];
    let window = w.mapping(pointer, value, "a time window")?;
    w.only_keys(
        &window,
        &["count", "unit", "isRolling", "calendar"],
        "a time window",
        false,
    );
    // Read for its type only: Sloth ignores it, and its examples leave it out.
    w.boolean(&window, "isRolling");
    let count = read_window_count(w, &window, example);
    let unit = read_window_unit(w, &window, example);
    let (count, (unit, letter)) = (count?, unit?);
    Some(TimeWindow {
        duration: window_duration(w, &window, count, &unit, letter)?,
        calendar: window
            .has("calendar")
            .then(|| w.loc(&window.child("calendar"))),
    })
}

/// The window of an SLO without `timeWindows`: Sloth gives it its default period; so does
/// slofile, and says so.
fn default_time_window(w: &mut Walk, spec: &Map, example: &str) -> Option<TimeWindow> {
    let period = Duration::parse(DEFAULT_PERIOD).ok()?;
    w.info(
        Code::DefaultPeriod,
        &spec.pointer,
        format!(
            "this SLO has no `timeWindows`; it is read with Sloth's default period of {}",
            period.human()
        ),
        format!("write the window to choose it, {example}"),
    );
    Some(TimeWindow {
        duration: period,
        calendar: None,
    })
}

/// A time window's `count`: required, a positive whole number.
fn read_window_count(w: &mut Walk, window: &Map, example: &str) -> Option<i128> {
    match w.number(window, "count") {
        Some(count) if count.denom() == 1 && count.numer() > 0 => Some(count.numer()),
        Some(count) => {
            w.error(
                Code::InvalidQuantity,
                &window.child("count"),
                format!("`count` {count} is not a positive whole number"),
                "count whole units, e.g. `count: 30` with `unit: Day`",
            );
            None
        }
        None => {
            if !window.has("count") {
                w.error(
                    Code::MissingField,
                    &window.pointer,
                    "a time window needs `count`",
                    example,
                );
            }
            None
        }
    }
}

/// A time window's `unit`: required, `Day`, `Week`, `Month` or `Quarter` in any case (not
/// `Second`, which Sloth refuses). Returns the unit as written and its letter in a duration.
fn read_window_unit(w: &mut Walk, window: &Map, example: &str) -> Option<(String, &'static str)> {
    let units = ["Day", "Week", "Month", "Quarter"];
    w.required_string(window, "unit", "a time window", example)
        .and_then(|unit| {
            let letter = match unit.to_ascii_lowercase().as_str() {
                "day" => "d",
                "week" => "w",
                "month" => "M",
                "quarter" => "Q",
                "second" => {
                    w.error(
                        Code::UnsupportedFeature,
                        &window.child("unit"),
                        "an SLO window counted in seconds is not supported",
                        "count the window in days, as Sloth requires, e.g. `count: 30` with `unit: Day`",
                    );
                    return None;
                }
                _ => {
                    let help = typo_help(unit, units, || format!("use {}", units.join(", ")));
                    w.error(
                        Code::InvalidValue,
                        &window.child("unit"),
                        format!("unknown time window unit `{unit}`"),
                        help,
                    );
                    return None;
                }
            };
            Some((unit.to_owned(), letter))
        })
}

/// The duration of `count` units, months and quarters read as 30 and 90 days with an info.
fn window_duration(
    w: &mut Walk,
    window: &Map,
    count: i128,
    unit: &str,
    letter: &str,
) -> Option<Duration> {
    match shorthand::parse(&format!("{count}{letter}")) {
        Ok((duration, approximate)) => {
            if approximate {
                w.info(
                    Code::ApproximateDuration,
                    &window.pointer,
                    format!("a window of {count} {unit} is read as {}", duration.human()),
                    "months and quarters have no fixed length; slofile reads them as 30 and 90 days, \
                     as the OpenSLO Go SDK does. Count days to say exactly what you mean",
                );
            }
            Some(duration)
        }
        Err(message) => {
            w.error(
                Code::InvalidDuration,
                &window.child("count"),
                message,
                "count the window in days, e.g. `count: 30` with `unit: Day`",
            );
            None
        }
    }
}
