//! Sloth's recording rules: the SLI group and the metadata group of one objective.
//!
//! `slo:sli_error:ratio_rate<w>` is recorded for every window the Plan records (5m and each
//! alert's windows). Its expression is the SLI's, as Sloth writes it: a Sloth `events` SLI is
//! `(error)\n/\n(total)` and a `raw` one its query, with the window in place of `{{.window}}`;
//! slofile's own SLIs are their failed events over all events.
//!
//! Over the SLO period Sloth averages the 5-minute ratios (`sum_over_time / count_over_time`), so
//! that a quiet night's one failed request weighs as much as a busy hour (Sloth #241). Where the
//! SLI counts events, these rules also record the 5-minute failed and total event rates
//! (slofile's `slo:sli_errors:rate5m` and `slo:sli_events:rate5m`, with Sloth's labels) and the
//! period ratio is the ratio of their sums: weighted by traffic, and 0 without any. A `raw` SLI
//! gives no counts, and keeps Sloth's average.

use super::identity::{SlothIds, error_ratio as error_ratio_series, label, window_text};
use crate::compile::measure::{Errors, Measure};
use crate::compile::{BASE_WINDOW, ObjectivePlan, SloPlan, series};
use crate::emit::prometheus::expr::{self as promql, ShapeError};
use crate::emit::prometheus::{Labels, Rule, Text};
use crate::units::{Duration, Ratio};
use std::sync::Arc;

/// Sloth's metadata series, beside slofile's `slo:objective:ratio` and `slo:error_budget:ratio`.
pub const TIME_PERIOD_DAYS: &str = "slo:time_period:days";
pub const CURRENT_BURN_RATE: &str = "slo:current_burn_rate:ratio";
pub const PERIOD_BURN_RATE: &str = "slo:period_burn_rate:ratio";
pub const PERIOD_BUDGET_REMAINING: &str = "slo:period_error_budget_remaining:ratio";
pub const INFO: &str = "sloth_slo_info";

const DAY_SECONDS: i128 = 86_400;

fn record(name: &str, expr: String, labels: &Arc<Labels>) -> Rule {
    Rule::Recording {
        record: name.to_owned(),
        expr: Text(expr),
        labels: Arc::clone(labels),
    }
}

/// Failed and total events per second over `window`, when the SLI counts events.
fn counted(
    slo: &SloPlan,
    measure: &Measure,
    index: usize,
    window: Duration,
) -> Result<Option<(String, String)>, ShapeError> {
    let w = window.prometheus();
    if let Some((error, total)) = slo.slo.sloth.as_ref().and_then(|s| s.events.as_ref()) {
        let (error, total) = (
            error.replace("{{window}}", &w),
            total.replace("{{window}}", &w),
        );
        // An error query over counters that never counted a failure returns nothing: those
        // series count 0 errors, not none.
        return Ok(Some((format!("({error})\nor\n0 * ({total})"), total)));
    }
    if !measure.counts_events() {
        return Ok(None);
    }
    let group_by = &slo.slo.group_by;
    let on = promql::on_clause(group_by);
    let events = measure.events_expr(group_by, window)?;
    let errors = match measure.errors_expr(group_by, index, window)? {
        Errors::Bad(bad) => format!("({bad})\nor {on}\n0 * ({events})"),
        // Without good events (a total outage can remove the series) every event failed.
        Errors::Good(good) => {
            format!("clamp_min(({events}) - {on} ({good}), 0)\nor {on}\n({events})")
        }
    };
    Ok(Some((errors, events)))
}

/// The error ratio over `window`, as the SLI writes it.
fn error_ratio(
    slo: &SloPlan,
    measure: &Measure,
    index: usize,
    window: Duration,
) -> Result<String, ShapeError> {
    if let Measure::ErrorRatioQuery(query) = measure {
        return Ok(query.replace("{{window}}", &window.prometheus()));
    }
    let on = promql::on_clause(&slo.slo.group_by);
    let (errors, events) = counted(slo, measure, index, window)?.ok_or("no event counts")?;
    Ok(format!("({errors})\n/ {on}\n({events})"))
}

/// The SLI group: an error ratio per window, and over the period.
pub fn sli_rules(
    ids: &SlothIds,
    slo: &SloPlan,
    measure: &Measure,
    index: usize,
) -> Result<Vec<Rule>, ShapeError> {
    let windowed = |window: Duration| {
        let mut labels = ids.labels.clone();
        labels.insert(label::WINDOW.to_owned(), window_text(window));
        Arc::new(labels)
    };
    let mut rules = Vec::new();
    let period = slo.slo.window;
    // A tier as long as the period would record it twice; the period's rule below wins.
    for window in slo.recorded_windows().into_iter().filter(|w| *w != period) {
        rules.push(record(
            &error_ratio_series(window),
            error_ratio(slo, measure, index, window)?,
            &windowed(window),
        ));
    }
    let base = windowed(BASE_WINDOW);
    let period_expr = if let Some((errors, events)) = counted(slo, measure, index, BASE_WINDOW)? {
        rules.push(record(&series::errors_rate(BASE_WINDOW), errors, &base));
        rules.push(record(&series::events_rate(BASE_WINDOW), events, &base));
        let errors = ids.selector(&series::errors_rate(BASE_WINDOW));
        let events = ids.selector(&series::events_rate(BASE_WINDOW));
        format!(
            "sum_over_time({errors}[{period}])\n/\n(sum_over_time({events}[{period}]) > 0)\nor\n0 * sum_over_time({errors}[{period}])"
        )
    } else {
        let ratio = ids.selector(&error_ratio_series(BASE_WINDOW));
        format!(
            "sum_over_time({ratio}[{period}])\n/ ignoring ({})\ncount_over_time({ratio}[{period}])",
            label::WINDOW
        )
    };
    rules.push(record(
        &error_ratio_series(period),
        period_expr,
        &windowed(period),
    ));
    Ok(rules)
}

/// The metadata group: objective, budget, period, burn rates, remaining budget and info.
pub fn meta_rules(ids: &SlothIds, slo: &SloPlan, objective: &ObjectivePlan) -> Vec<Rule> {
    let labels = Arc::new(ids.labels.clone());
    let period = slo.slo.window;
    let days = period
        .as_ratio_secs()
        .checked_div(Ratio::integer(DAY_SECONDS))
        .map_or_else(|_| period.prometheus(), Ratio::to_decimal);
    let matching = format!(
        "on({}, {}, {}) group_left",
        label::ID,
        label::SLO,
        label::SERVICE
    );
    let budget = ids.selector(series::ERROR_BUDGET_RATIO);
    let burn_rate = |window: Duration| {
        format!(
            "{}\n/ {matching}\n{budget}",
            ids.selector(&error_ratio_series(window))
        )
    };
    vec![
        record(
            series::OBJECTIVE_RATIO,
            format!("vector({})", objective.objective.target.to_decimal()),
            &labels,
        ),
        record(
            series::ERROR_BUDGET_RATIO,
            format!("vector({})", objective.budget.to_decimal()),
            &labels,
        ),
        record(TIME_PERIOD_DAYS, format!("vector({days})"), &labels),
        record(CURRENT_BURN_RATE, burn_rate(BASE_WINDOW), &labels),
        record(PERIOD_BURN_RATE, burn_rate(period), &labels),
        record(
            PERIOD_BUDGET_REMAINING,
            format!("1 - {}", ids.selector(PERIOD_BURN_RATE)),
            &labels,
        ),
        record(
            INFO,
            "vector(1)".to_owned(),
            &Arc::new(ids.info_labels(objective)),
        ),
    ]
}
