//! Every SLI that Prometheus measures still sees its data.
//!
//! An SLI counts its events with one expression over raw series: the `total` of a ratio, the
//! `+Inf` bucket of a histogram, a probe's metric, a gauge's query, or the whole of an
//! `error_ratio_query` (see [`crate::compile::measure::Measure`]). Each selector of that
//! expression must match at least one series now (`count(<selector>)`, with Prometheus's usual
//! five-minute lookback). One that matches nothing — a renamed metric, a relabelled job, a
//! scrape target gone — makes the SLI blind: its rules record nothing and its alerts can never
//! fire, and nothing else says so. Series that exist but counted no events over the last five
//! minutes are only a note: a quiet service is not a fault.
//!
//! The bad (or good) events are not looked for: an error counter often appears only with the
//! first error.

use super::{Kind, Verified};
use crate::compile::Plan;
use crate::compile::measure::Measure;
use crate::compile::promql_shape;
use crate::live::client::{Client, QueryError};
use crate::units::Duration;

/// The window over which traffic is looked for.
const RECENT_SECS: u64 = 300;

/// Looks for the series of every SLI Prometheus measures, at `now`.
pub fn check(
    plan: &Plan,
    client: &Client,
    now: i64,
    verified: &mut Verified,
) -> Result<(), QueryError> {
    let recent = Duration::from_secs(RECENT_SECS);
    for service in &plan.services {
        let id = service.meta.id.as_str();
        for slo in &service.slos {
            let Some(measure) = &slo.measure else {
                continue;
            };
            let Some(counted) = events_expression(measure, &slo.slo.group_by, recent) else {
                continue;
            };
            let Ok(parsed) = promql_shape::parse(&counted) else {
                continue;
            };
            let mut selectors: Vec<String> = Vec::new();
            for selector in promql_shape::selectors(&parsed) {
                let text = selector.to_string();
                if !selectors.contains(&text) {
                    selectors.push(text);
                }
            }
            verified.checked.slis += 1;
            let mut blind = false;
            for selector in &selectors {
                if client.query(&format!("count({selector})"), now)?.is_empty() {
                    blind = true;
                    verified.finding(
                        Some(id),
                        Some(&slo.slo.id),
                        Kind::BlindSli,
                        format!(
                            "`{selector}` matches no series: the SLI is blind (it counts no events and its alerts cannot fire)"
                        ),
                    );
                }
            }
            if blind || !measure.counts_events() {
                continue;
            }
            let events: f64 = client
                .query(&format!("sum({counted})"), now)?
                .iter()
                .map(|sample| sample.value)
                .sum();
            let moving = events > 0.0;
            if !moving {
                verified.note(
                    Some(id),
                    Some(&slo.slo.id),
                    Kind::NoTraffic,
                    format!(
                        "no traffic: its series exist but counted no {} over the last {}",
                        measure.noun(),
                        recent.human()
                    ),
                );
            }
        }
    }
    Ok(())
}

/// The expression that counts the SLI's events (an `error_ratio_query` whole), over `window`.
fn events_expression(measure: &Measure, group_by: &[String], window: Duration) -> Option<String> {
    match measure {
        Measure::ErrorRatioQuery(query) => Some(query.replace("{{window}}", &window.prometheus())),
        _ => measure.events_expr(group_by, window).ok(),
    }
}
