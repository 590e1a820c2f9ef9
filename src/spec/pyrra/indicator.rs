//! Pyrra's four indicators as slofile SLIs, with the checks Pyrra leaves out: an `le` that is no
//! number, and a latency compared in another unit than its histogram's.

use super::super::walk::{Map, Walk};
use super::super::{HistogramSli, Objective, RatioSli, Sli};
use super::selector::{self, HistogramUnit, Selector};
use crate::diagnostics::{Code, quoted};
use crate::units::{Duration, Ratio};

/// An indicator: the SLI, its objective's latency threshold (for `latency`), and `grouping`.
pub(super) struct Indicator {
    pub(super) sli: Sli,
    pub(super) threshold: Option<Duration>,
    pub(super) grouping: Vec<String>,
    /// The selector whose fixed labels Pyrra copies onto its alerts.
    pub(super) total: Option<Selector>,
}

/// The indicator kinds, as Pyrra spells their keys.
const KINDS: &[&str] = &["ratio", "latency", "latencyNative", "bool_gauge"];

/// Reads `spec.indicator`: exactly one of Pyrra's indicator kinds.
pub(super) fn read(w: &mut Walk, spec: &Map, target: Option<Ratio>) -> Option<Indicator> {
    let Some(indicator) = w.map_at(spec, "indicator", "`indicator`") else {
        if !spec.has("indicator") {
            w.error(
                Code::MissingField,
                &spec.pointer,
                "a Pyrra ServiceLevelObjective needs `indicator`",
                "give one of `ratio`, `latency`, `latencyNative` or `bool_gauge`",
            );
        }
        return None;
    };
    // `boolGauge` is how the other kinds would spell it; Pyrra's key is `bool_gauge`, and Pyrra
    // ignores `boolGauge`. slofile reads it, and says so.
    let mut allowed = KINDS.to_vec();
    allowed.push("boolGauge");
    w.only_keys(&indicator, &allowed, "`indicator`", false);
    if indicator.has("boolGauge") {
        let span = w.checker.document.key_span(&indicator.child("boolGauge"));
        let diagnostic = crate::diagnostics::Diagnostic::warning(
            Code::UnknownField,
            "Pyrra's key is `bool_gauge`; Pyrra ignores `boolGauge`",
        )
        .at(w.checker.file, span)
        .with_help("slofile reads it as `bool_gauge`; rename it so that Pyrra reads the same SLO");
        w.push(diagnostic);
    }
    let kinds: Vec<&str> = allowed
        .iter()
        .copied()
        .filter(|k| indicator.has(k))
        .collect();
    let kind = match kinds.as_slice() {
        [kind] => *kind,
        [] => {
            w.error(
                Code::MissingField,
                &indicator.pointer,
                "the indicator names no kind",
                "give one of `ratio`, `latency`, `latencyNative` or `bool_gauge`",
            );
            return None;
        }
        _ => {
            w.error(
                Code::ConflictingFields,
                &indicator.pointer,
                format!(
                    "the indicator takes one kind, not {}",
                    quoted(kinds.iter().copied(), " and ")
                ),
                "keep one; Pyrra builds its rules from the first it finds",
            );
            return None;
        }
    };
    let map = w.map_at(&indicator, kind, &format!("`{kind}`"))?;
    let grouping = grouping(w, &map);
    match kind {
        "ratio" => ratio(w, &map, grouping),
        "latency" => latency(w, &map, grouping, target),
        "latencyNative" => latency_native(w, &map, grouping),
        _ => bool_gauge(w, &map, grouping),
    }
}

fn grouping(w: &mut Walk, map: &Map) -> Vec<String> {
    let mut labels = Vec::new();
    for (pointer, value) in w.list(map, "grouping").unwrap_or_default() {
        if let Some(label) = w.scalar_text(&pointer, "grouping", value) {
            w.checker.label_name(&pointer, &label, false);
            labels.push(label);
        }
    }
    labels
}

/// The selector under `key` (`{metric: ...}`).
fn metric(w: &mut Walk, map: &Map, key: &str) -> Option<Selector> {
    let Some(inner) = w.map_at(map, key, &format!("`{key}`")) else {
        if !map.has(key) {
            w.error(
                Code::MissingField,
                &map.pointer,
                format!("the indicator needs `{key}`"),
                format!("e.g. `{key}: {{metric: http_requests_total{{job=\"api\"}}}}`"),
            );
        }
        return None;
    };
    w.only_keys(&inner, &["metric"], &format!("`{key}`"), false);
    let text = w.required_string(
        &inner,
        "metric",
        &format!("`{key}`"),
        "give the series as a selector, e.g. `http_requests_total{job=\"api\"}`",
    )?;
    selector::read(w, &inner.child("metric"), text)
}

fn ratio(w: &mut Walk, map: &Map, grouping: Vec<String>) -> Option<Indicator> {
    w.only_keys(map, &["errors", "total", "grouping"], "`ratio`", false);
    let errors = metric(w, map, "errors");
    let total = metric(w, map, "total");
    let (errors, total) = (errors?, total?);
    Some(Indicator {
        sli: Sli::Ratio(RatioSli::Events {
            good: false,
            events: errors.text,
            total: total.text.clone(),
        }),
        threshold: None,
        grouping,
        total: Some(total),
    })
}

fn latency(
    w: &mut Walk,
    map: &Map,
    grouping: Vec<String>,
    target: Option<Ratio>,
) -> Option<Indicator> {
    w.only_keys(map, &["success", "total", "grouping"], "`latency`", false);
    let success = metric(w, map, "success");
    let total = metric(w, map, "total");
    let (success, total) = (success?, total?);
    let at = format!("{}/success/metric", map.pointer);
    let le = boundary(w, &at, &success)?;
    let unit = HistogramUnit::of(&success.name);
    check_le_unit(w, &at, &le, unit);
    let base = success.name.strip_suffix("_bucket");
    let same_series = base.is_some()
        && total.name.strip_suffix("_count") == base
        && success.matchers_but("le") == total.matchers_but("le");
    if base.is_some() && !same_series && total.name.strip_suffix("_count") == base {
        w.checker.warning(
            Code::PromqlShape,
            &at,
            "`success` and `total` select different series of the histogram",
            format!(
                "Pyrra counts the share of `total` found in `success`, so both must match the same \
                 series; `success` has {{{}}} and `total` has {{{}}} (without `le`)",
                success.matchers_but("le").join(","),
                total.matchers_but("le").join(",")
            ),
        );
    }
    // slofile's latency SLI reads a histogram in seconds; in another unit, or over series that
    // differ, the SLI is Pyrra's own arithmetic: all events minus the fast ones, over all events.
    let seconds = Ratio::parse_decimal(&le).and_then(|s| {
        let millis = s.checked_mul(Ratio::integer(1000)).ok()?;
        if millis.denom() != 1 || millis.numer() <= 0 {
            return None;
        }
        Some(Duration::from_millis(u64::try_from(millis.numer()).ok()?))
    });
    let histogram = same_series && unit != HistogramUnit::Milliseconds && target.is_some();
    let sli = match seconds.filter(|_| histogram) {
        Some(threshold) => {
            return Some(Indicator {
                sli: Sli::Latency(HistogramSli {
                    histogram: success.without("le"),
                    buckets: Vec::new(),
                }),
                threshold: Some(threshold),
                grouping,
                total: Some(total),
            });
        }
        None => Sli::Ratio(RatioSli::Events {
            good: true,
            events: any_spelling_of_le(&success, &le),
            total: total.text.clone(),
        }),
    };
    Some(Indicator {
        sli,
        threshold: None,
        grouping,
        total: Some(total),
    })
}

/// `success` with its `le` matched however Prometheus stores the boundary: as the exporter wrote
/// it (Prometheus 2, `le="300"`) or normalised (Prometheus 3, `le="300.0"`). Pyrra rewrites `le`
/// for Prometheus 3 as well.
fn any_spelling_of_le(success: &Selector, le: &str) -> String {
    let Some(boundary) = Ratio::parse_decimal(le) else {
        return success.text.clone();
    };
    // The `le` regex of slofile's own rules: the error series of latency SLIs use it too.
    let regex = crate::promql::le_regex(boundary).replace('\\', "\\\\");
    let matcher = format!("le=~\"{regex}\"");
    let rest = success.without("le");
    match rest.strip_suffix('}') {
        Some(open) => format!("{open},{matcher}}}"),
        None => format!("{rest}{{{matcher}}}"),
    }
}

/// The `le` of a latency indicator's `success`: present, an equality, and a finite number, which
/// Pyrra checks only in its optional admission webhook and otherwise turns into broken rules.
fn boundary(w: &mut Walk, at: &str, success: &Selector) -> Option<String> {
    let Some(le) = success.matcher("le") else {
        w.error(
            Code::LatencyThreshold,
            at,
            "`success` has no `le` matcher, so it counts no request as fast",
            "select the histogram bucket at the latency threshold, e.g. `http_request_duration_seconds_bucket{job=\"api\",le=\"0.5\"}`",
        );
        return None;
    };
    let value = le.value.trim();
    let numeric = le.op == promql_parser::label::MatchOp::Equal
        && value.parse::<f64>().is_ok_and(f64::is_finite)
        && Ratio::parse_decimal(value).is_some();
    if !numeric {
        w.error(
            Code::LatencyThreshold,
            at,
            format!("`le{}\"{value}\"` is not a bucket boundary", le.op),
            format!(
                "`le` must equal one finite boundary in the histogram's unit, written as a plain \
                 decimal such as `le=\"0.5\"`{}; Pyrra builds broken rules from anything else",
                if value.ends_with("ms") || value.ends_with('s') {
                    " (no unit suffix)"
                } else {
                    ""
                }
            ),
        );
        return None;
    }
    Some(value.to_owned())
}

/// Warns when a boundary looks written in the wrong unit: below a millisecond on a milliseconds
/// histogram, or 100 seconds and more on a seconds histogram.
fn check_le_unit(w: &mut Walk, at: &str, le: &str, unit: HistogramUnit) {
    let Some(value) = Ratio::parse_decimal(le) else {
        return;
    };
    let (suspicious, meant, other_unit) = match unit {
        HistogramUnit::Milliseconds => (value < Ratio::ONE, "milliseconds", "seconds"),
        HistogramUnit::Seconds => (value >= Ratio::integer(100), "seconds", "milliseconds"),
        HistogramUnit::Unknown => (false, "", ""),
    };
    if suspicious {
        let other = match unit {
            HistogramUnit::Milliseconds => value.checked_mul(Ratio::integer(1000)),
            _ => value.checked_div(Ratio::integer(1000)),
        }
        .map(Ratio::to_decimal)
        .unwrap_or_default();
        w.checker.warning(
            Code::LatencyUnit,
            at,
            format!("`le=\"{le}\"` means {le} {meant}: the histogram counts {meant}"),
            format!(
                "bucket boundaries are in the histogram's own unit; if you meant {le} {other_unit}, \
                 write `le=\"{other}\"`"
            ),
        );
    }
}

fn latency_native(w: &mut Walk, map: &Map, grouping: Vec<String>) -> Option<Indicator> {
    w.only_keys(
        map,
        &["total", "latency", "grouping"],
        "`latencyNative`",
        false,
    );
    let total = metric(w, map, "total");
    let latency = w
        .required_string(
            map,
            "latency",
            "`latencyNative`",
            "give the latency requests should be faster than, e.g. `latency: 200ms`",
        )
        .and_then(|text| w.checker.duration(&map.child("latency"), text));
    let (total, latency) = (total?, latency?);
    let mut bound = latency.as_ratio_secs();
    if HistogramUnit::of(&total.name) == HistogramUnit::Milliseconds {
        bound = latency
            .as_ratio_secs()
            .checked_mul(Ratio::integer(1000))
            .ok()?;
        w.checker.warning(
            Code::LatencyUnit,
            &map.child("latency"),
            format!(
                "`{}` counts milliseconds, and Pyrra would compare it with {} (seconds)",
                total.name,
                latency.as_ratio_secs().to_decimal()
            ),
            format!(
                "slofile compares with {} milliseconds, what `latency: {}` means; Pyrra's rules for \
                 this object count nearly every request as slow",
                bound.to_decimal(),
                latency.human()
            ),
        );
    }
    let query = format!(
        "1 - histogram_fraction(0, {}, sum{}(rate({}[{{{{window}}}}])))",
        bound.to_decimal(),
        by_clause(&grouping),
        total.text
    );
    Some(Indicator {
        sli: Sli::Ratio(RatioSli::Query(query)),
        threshold: None,
        grouping,
        total: Some(total),
    })
}

fn bool_gauge(w: &mut Walk, map: &Map, grouping: Vec<String>) -> Option<Indicator> {
    w.only_keys(map, &["metric", "grouping"], "`bool_gauge`", false);
    let text = w.required_string(
        map,
        "metric",
        "`bool_gauge`",
        "give a 0/1 gauge, e.g. `metric: probe_success{job=\"blackbox\"}`",
    )?;
    let gauge = selector::read(w, &map.child("metric"), text)?;
    let by = by_clause(&grouping);
    let m = &gauge.text;
    // Pyrra's query: the share of samples that are 0.
    let query = format!(
        "(sum{by}(count_over_time({m}[{{{{window}}}}])) - sum{by}(sum_over_time({m}[{{{{window}}}}])))\n/\nsum{by}(count_over_time({m}[{{{{window}}}}]))"
    );
    Some(Indicator {
        sli: Sli::Ratio(RatioSli::Query(query)),
        threshold: None,
        grouping,
        total: Some(gauge),
    })
}

/// ` by (a, b)`, or nothing without labels.
fn by_clause(labels: &[String]) -> String {
    if labels.is_empty() {
        String::new()
    } else {
        let mut sorted = labels.to_vec();
        sorted.sort();
        sorted.dedup();
        format!(" by ({})", sorted.join(", "))
    }
}

/// The objective of an SLO with this indicator: a latency objective at the threshold, or a plain
/// one.
pub(super) fn objective(
    target: Ratio,
    written: String,
    threshold: Option<Duration>,
    origin: crate::diagnostics::Origin,
) -> Objective {
    let percentile = threshold.and_then(|_| target.checked_mul(Ratio::integer(100)).ok());
    Objective {
        name: percentile.map(|p| format!("p{}", p.to_decimal())),
        percentile,
        target,
        threshold,
        written,
        origin,
    }
}
