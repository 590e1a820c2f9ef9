//! The SLI of an SLO, by kind: ratios, histograms, freshness, gauges; probes and Sentry SLIs are
//! checked in [`super::monitors`].

use super::SloContext;
use super::checker::Checker;
use super::monitors::{check_probe, check_sentry};
use crate::diagnostics::Code;
use crate::spec::raw::{FreshnessSli, LatencySli, RawGaugeSli, RawRatioSli, RawSli, RawSlo};
use crate::spec::{GaugeSli, HistogramSli, Objective, RatioSli, Sli};
use crate::units::{Duration, Ratio};
use std::collections::HashSet;

/// The histogram of a latency or freshness SLI. `buckets: None` (not listed) is allowed: the
/// thresholds are then checked at run time by a generated alert.
pub(super) fn check_histogram(
    c: &mut Checker,
    at: &str,
    histogram: &str,
    buckets: Option<&[f64]>,
) -> HistogramSli {
    let parsed = c.promql(&format!("{at}/histogram"), histogram);
    if parsed && !histogram_is_bucket_selector(histogram) {
        c.error(
            Code::PromqlSyntax,
            &format!("{at}/histogram"),
            "`histogram` must select a histogram's `_bucket` series",
            "write a selector such as `http_request_duration_seconds_bucket{job=\"api\"}`",
        );
    }
    if buckets.is_some_and(<[f64]>::is_empty) {
        c.error(
            Code::MissingField,
            &format!("{at}/buckets"),
            "the list of bucket boundaries is empty",
            "list the `le` boundaries in seconds, e.g. `[0.05, 0.1, 0.25, 0.5, 1, 2.5]`, or leave `buckets` out to have each threshold checked at run time",
        );
    }
    let buckets = buckets.unwrap_or_default();
    for (i, bucket) in buckets.iter().enumerate() {
        if !(bucket.is_finite() && *bucket > 0.0) {
            c.error(
                Code::LatencyThreshold,
                &format!("{at}/buckets/{i}"),
                format!("bucket boundary `{bucket}` is not positive"),
                "bucket boundaries are positive numbers of seconds; `+Inf` is implied",
            );
        }
    }
    HistogramSli {
        histogram: histogram.to_owned(),
        buckets: buckets.to_vec(),
    }
}

pub(super) fn histogram_is_bucket_selector(query: &str) -> bool {
    matches!(
        crate::promql::parse_shape(query),
        Ok(promql_parser::parser::Expr::VectorSelector(ref v))
            if v.name.as_deref().is_some_and(|n| n.ends_with("_bucket"))
    )
}

pub(super) fn check_threshold_is_bucket(
    c: &mut Checker,
    pointer: &str,
    threshold: Duration,
    buckets: &[f64],
) {
    let seconds = threshold.as_ratio_secs().to_f64();
    let on_boundary = buckets
        .iter()
        .any(|b| (b - seconds).abs() <= f64::EPSILON * b.abs().max(1.0) * 4.0);
    if !buckets.is_empty() && !on_boundary {
        let nearest = buckets
            .iter()
            .min_by(|a, b| (*a - seconds).abs().total_cmp(&(*b - seconds).abs()))
            .copied()
            .unwrap_or(seconds);
        c.error(
            Code::LatencyThreshold,
            pointer,
            format!("threshold {} is not a bucket boundary of the histogram", threshold.human()),
            format!(
                "a histogram can only count requests at or under a boundary; the nearest is {nearest}s. Use it, or add a bucket at {seconds}s to the instrumentation"
            ),
        );
    }
}

/// The SLI of an SLO, by kind, and the objectives the SLI itself carries: one per percentile of
/// a latency SLI, and the latency objective of a Sentry SLI.
pub(super) fn check_sli(
    c: &mut Checker,
    at: &str,
    raw: &RawSlo,
    context: &SloContext,
) -> Option<(Sli, Vec<Objective>)> {
    let mut objectives = Vec::new();
    let sli = match &raw.sli {
        RawSli::Ratio(r) => check_ratio(c, &format!("{at}/ratio"), r)?,
        RawSli::Latency(l) => check_latency(c, &format!("{at}/latency"), l, &mut objectives)?,
        RawSli::Freshness(f) => check_freshness(c, &format!("{at}/freshness"), f),
        RawSli::Gauge(g) => check_gauge(c, &format!("{at}/gauge"), g)?,
        RawSli::Probe(p) => check_probe(c, &format!("{at}/probe"), p, context)?,
        RawSli::Sentry(s) => check_sentry(c, &format!("{at}/sentry"), s, context, &mut objectives)?,
        RawSli::Documentary(d) => Sli::Documentary {
            target: d.target.clone(),
            duration: c
                .optional_duration(&format!("{at}/documentary/duration"), d.duration.as_deref()),
            measured_by: d.measured_by.clone(),
            alert: d.alert.clone(),
        },
    };
    Some((sli, objectives))
}

/// A ratio SLI at `at`: either a complete `error_ratio_query`, or `good` or `bad` events (one of
/// them) over `total`, each valid PromQL.
fn check_ratio(c: &mut Checker, at: &str, r: &RawRatioSli) -> Option<Sli> {
    match (&r.good, &r.bad, &r.total, &r.error_ratio_query) {
        (_, _, _, Some(query)) => Some(check_error_ratio_query(c, at, r, query)),
        (Some(_), Some(_), _, _) => {
            c.error(
                Code::ConflictingFields,
                at,
                "a ratio SLI takes `good` or `bad`, not both",
                "keep the one you count directly; the other is `total` minus it",
            );
            None
        }
        (None, None, _, _) => {
            c.error(
                Code::ConflictingFields,
                at,
                "a ratio SLI needs `bad` or `good`",
                "e.g. `bad: http_requests_total{code=~\"5..\"}`",
            );
            None
        }
        (good, bad, total, None) => {
            let (is_good, events, field) = match (good, bad) {
                (Some(g), _) => (true, g, "good"),
                (_, Some(b)) => (false, b, "bad"),
                _ => return None,
            };
            c.promql(&format!("{at}/{field}"), events);
            let Some(total) = total else {
                c.error(
                    Code::MissingField,
                    at,
                    "a ratio SLI needs `total`",
                    "add the counter of all events, e.g. `total: http_requests_total`",
                );
                return None;
            };
            c.promql(&format!("{at}/total"), total);
            Some(Sli::Ratio(RatioSli::Events {
                good: is_good,
                events: events.clone(),
                total: total.clone(),
            }))
        }
    }
}

/// A ratio SLI's `error_ratio_query`: alone, without `good`, `bad` or `total`, and with a
/// `{{window}}` placeholder that makes it valid PromQL once filled in.
fn check_error_ratio_query(c: &mut Checker, at: &str, r: &RawRatioSli, query: &str) -> Sli {
    if r.good.is_some() || r.bad.is_some() || r.total.is_some() {
        c.error(
            Code::ConflictingFields,
            &format!("{at}/error_ratio_query"),
            "`error_ratio_query` replaces `good`, `bad` and `total`",
            "give either the full query or the counters, not both",
        );
    }
    if query.contains("{{window}}") {
        c.promql(
            &format!("{at}/error_ratio_query"),
            &query.replace("{{window}}", "5m"),
        );
    } else {
        c.error(
            Code::MissingField,
            &format!("{at}/error_ratio_query"),
            "`error_ratio_query` has no `{{window}}` placeholder",
            "write the range as `[{{window}}]` so each alert window gets its own rate",
        );
    }
    Sli::Ratio(RatioSli::Query(query.to_owned()))
}

/// A latency SLI at `at`: its histogram, and at least one percentile objective, each percentile
/// given once, each threshold a bucket boundary when the buckets are listed. The objectives are
/// pushed onto `objectives`.
fn check_latency(
    c: &mut Checker,
    at: &str,
    l: &LatencySli,
    objectives: &mut Vec<Objective>,
) -> Option<Sli> {
    let histogram = check_histogram(c, at, &l.histogram, l.buckets.as_deref());
    if l.percentiles.is_empty() {
        c.error(
            Code::MissingObjective,
            &format!("{at}/percentiles"),
            "a latency SLI needs at least one percentile objective",
            "e.g. `percentiles: [{percentile: 95, threshold: 500ms}]`",
        );
    }
    let mut seen = HashSet::new();
    for (i, p) in l.percentiles.iter().enumerate() {
        let p_at = format!("{at}/percentiles/{i}");
        let percentile = c.percentile(&format!("{p_at}/percentile"), &p.percentile);
        let threshold = c.duration(&format!("{p_at}/threshold"), &p.threshold);
        if let Some(threshold) = threshold {
            check_threshold_is_bucket(
                c,
                &format!("{p_at}/threshold"),
                threshold,
                l.buckets.as_deref().unwrap_or_default(),
            );
        }
        if let (Some(percentile), Some(threshold)) = (percentile, threshold) {
            let name = format!("p{}", percentile.to_decimal());
            if !seen.insert(name.clone()) {
                c.error(
                    Code::DuplicateId,
                    &format!("{p_at}/percentile"),
                    format!("percentile {name} is given twice"),
                    "give each percentile once",
                );
            }
            objectives.push(Objective {
                target: percentile.checked_div(Ratio::integer(100)).ok()?,
                written: format!("{}%", percentile.to_decimal()),
                origin: c.origin(&format!("{p_at}/percentile")),
                name: Some(name),
                percentile: Some(percentile),
                threshold: Some(threshold),
            });
        }
    }
    Some(Sli::Latency(histogram))
}

/// A freshness SLI at `at`: its threshold, and its histogram when it has one, the threshold then
/// a bucket boundary when the buckets are listed.
fn check_freshness(c: &mut Checker, at: &str, f: &FreshnessSli) -> Sli {
    let threshold = c.duration(&format!("{at}/threshold"), &f.threshold);
    let histogram = match &f.histogram {
        Some(h) => {
            let histogram = check_histogram(c, at, h, f.buckets.as_deref());
            if let Some(threshold) = threshold {
                check_threshold_is_bucket(
                    c,
                    &format!("{at}/threshold"),
                    threshold,
                    f.buckets.as_deref().unwrap_or_default(),
                );
            }
            Some(histogram)
        }
        None => None,
    };
    Sli::Freshness {
        from: f.from.clone(),
        to: f.to.clone(),
        histogram,
    }
}

/// A gauge SLI at `at`: its query is PromQL, it takes exactly one of `below` and `above`, and its
/// slice (default one minute) is a duration.
fn check_gauge(c: &mut Checker, at: &str, g: &RawGaugeSli) -> Option<Sli> {
    c.promql(&format!("{at}/query"), &g.query);
    let (good_below, threshold) = match (&g.below, &g.above) {
        (Some(b), None) => (true, c.threshold(&format!("{at}/below"), b)),
        (None, Some(a)) => (false, c.threshold(&format!("{at}/above"), a)),
        _ => {
            c.error(
                Code::ConflictingFields,
                at,
                "a gauge SLI takes exactly one of `below` and `above`",
                "e.g. `below: 10` for a queue depth that should stay under 10",
            );
            return None;
        }
    };
    let slice = match &g.slice {
        Some(s) => c.duration(&format!("{at}/slice"), s),
        None => Duration::parse("1m").ok(),
    };
    Some(Sli::Gauge(GaugeSli {
        query: g.query.clone(),
        good_below,
        threshold: threshold?.value(),
        slice: slice?,
        unit: g.unit.clone(),
    }))
}
