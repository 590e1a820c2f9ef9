//! `DataSource` and `SLI` objects: metric sources and ratio or threshold indicators.

use super::{
    DataSourceSpec, Metadata, MetricSource, RatioMetric, RawType, SliMetric, SliSpec, description,
    dns_label,
};
use crate::diagnostics::{Code, quoted};
use crate::spec::walk::{Map, Walk};

pub(super) fn read_data_source(w: &mut Walk, spec: &Map, meta: Metadata) -> Option<DataSourceSpec> {
    w.only_keys(
        spec,
        &["description", "type", "connectionDetails"],
        "a DataSource's `spec`",
        true,
    );
    description(w, spec);
    let source_type = w.required_string(
        spec,
        "type",
        "a DataSource",
        "name the source type, e.g. `type: Prometheus`",
    );
    if !spec.has("connectionDetails") {
        w.error(
            Code::MissingField,
            &spec.pointer,
            "a DataSource needs `connectionDetails`",
            "say how to reach the source, e.g. `connectionDetails: {url: http://prometheus:9090}`",
        );
    }
    Some(DataSourceSpec {
        meta,
        source_type: source_type?.to_owned(),
        type_loc: w.loc(&spec.child("type")),
    })
}

/// Exactly one of `keys` must be present; returns the one that is.
pub(super) fn exactly_one<'k>(
    w: &mut Walk,
    map: &Map,
    keys: &[&'k str],
    what: &str,
    help: &str,
) -> Option<&'k str> {
    let present: Vec<&str> = keys.iter().copied().filter(|k| map.has(k)).collect();
    match present.as_slice() {
        [one] => Some(one),
        [] => {
            let list = quoted(keys.iter().copied(), " or ");
            w.error(
                Code::MissingField,
                &map.pointer,
                format!("{what} needs {list}"),
                help,
            );
            None
        }
        [_, second, ..] => {
            let list = quoted(present.iter().copied(), " and ");
            w.error_at_key(
                Code::ConflictingFields,
                &map.child(second),
                format!("{what} takes one of {list}, not several"),
                help,
            );
            None
        }
    }
}

pub(super) fn read_sli_spec(w: &mut Walk, spec: &Map, meta: Metadata) -> Option<SliSpec> {
    w.only_keys(
        spec,
        &["description", "thresholdMetric", "ratioMetric"],
        "an SLI's `spec`",
        true,
    );
    let description = description(w, spec);
    let which = exactly_one(
        w,
        spec,
        &["thresholdMetric", "ratioMetric"],
        "an SLI",
        "measure with `ratioMetric` (good or bad events over total) or `thresholdMetric` (a value compared with the objective)",
    )?;
    let metric = if which == "thresholdMetric" {
        let metric = w.map_at(spec, "thresholdMetric", "`thresholdMetric`")?;
        SliMetric::Threshold(read_metric_spec(w, &metric, "`thresholdMetric`")?)
    } else {
        let ratio = w.map_at(spec, "ratioMetric", "`ratioMetric`")?;
        SliMetric::Ratio(read_ratio_metric(w, &ratio)?)
    };
    Some(SliSpec {
        meta,
        description,
        metric,
    })
}

pub(super) fn read_ratio_metric(w: &mut Walk, ratio: &Map) -> Option<RatioMetric> {
    w.only_keys(
        ratio,
        &["counter", "good", "bad", "total", "rawType", "raw"],
        "`ratioMetric`",
        true,
    );
    let counter = w.boolean(ratio, "counter").unwrap_or(false);
    let before = w.error_count();
    let form = exactly_one(
        w,
        ratio,
        &["total", "raw"],
        "`ratioMetric`",
        "give `good` or `bad` with `total`, or a precomputed ratio as `raw` with `rawType`",
    );
    if ratio.has("raw") {
        for key in ["good", "bad"] {
            if ratio.has(key) {
                w.error_at_key(
                    Code::ConflictingFields,
                    &ratio.child(key),
                    format!("`{key}` cannot be used with `raw`"),
                    "`raw` is a precomputed ratio; `good` and `bad` go with `total`",
                );
            }
        }
    }
    let mut numerator = None;
    let mut total = None;
    let mut raw = None;
    match form {
        Some("total") if w.error_count() == before => {
            let which = exactly_one(
                w,
                ratio,
                &["good", "bad"],
                "a ratio with `total`",
                "count good events with `good`, or bad ones with `bad`",
            );
            let total_map = w.map_at(ratio, "total", "`total`");
            total = total_map.and_then(|m| read_metric_spec(w, &m, "`total`"));
            if let Some(key) = which
                && let Some(map) = w.map_at(ratio, key, &format!("`{key}`"))
            {
                numerator =
                    read_metric_spec(w, &map, &format!("`{key}`")).map(|m| (key == "good", m));
            }
        }
        Some("raw") if w.error_count() == before => {
            let raw_type = match w.string(ratio, "rawType") {
                Some("success") => Some(RawType::Success),
                Some("failure") => Some(RawType::Failure),
                Some(other) => {
                    w.error(
                        Code::InvalidValue,
                        &ratio.child("rawType"),
                        format!("`rawType` `{other}` is not `success` or `failure`"),
                        "`success` if the raw ratio is good/total, `failure` if it is bad/total",
                    );
                    None
                }
                None => {
                    w.error(
                        Code::MissingField,
                        &ratio.pointer,
                        "a `raw` ratio needs `rawType`",
                        "`rawType: success` if the raw ratio is good/total, `failure` if it is bad/total",
                    );
                    None
                }
            };
            let source = w
                .map_at(ratio, "raw", "`raw`")
                .and_then(|m| read_metric_spec(w, &m, "`raw`"));
            raw = raw_type.zip(source);
        }
        _ => {}
    }
    if w.error_count() > before {
        return None;
    }
    Some(RatioMetric {
        counter,
        numerator,
        total,
        raw,
    })
}

pub(super) fn read_metric_spec(w: &mut Walk, metric: &Map, what: &str) -> Option<MetricSource> {
    w.only_keys(metric, &["metricSource"], what, true);
    let Some(source) = w.map_at(metric, "metricSource", "`metricSource`") else {
        if !metric.has("metricSource") {
            w.error(
                Code::MissingField,
                &metric.pointer,
                format!("{what} needs `metricSource`"),
                "e.g. `metricSource: {type: Prometheus, spec: {query: 'sum(http_requests_total)'}}`",
            );
        }
        return None;
    };
    w.only_keys(
        &source,
        &["metricSourceRef", "type", "spec"],
        "`metricSource`",
        true,
    );
    let before = w.error_count();
    let source_ref = w
        .string(&source, "metricSourceRef")
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .map(|name| {
            dns_label(
                w,
                &source.child("metricSourceRef"),
                &name,
                "`metricSourceRef`",
            )
            // An invalid name is reported; the reference is kept so that nothing else is.
            .unwrap_or(name)
        });
    let source_type = w
        .string(&source, "type")
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let spec = w.map_at(&source, "spec", "the metric source's `spec`");
    match &spec {
        Some(spec) if spec.map.is_empty() => w.error(
            Code::MissingField,
            &spec.pointer,
            "the metric source's `spec` is empty",
            "give the source's query, e.g. `spec: {query: 'sum(http_requests_total)'}`",
        ),
        None if !source.has("spec") => w.error(
            Code::MissingField,
            &source.pointer,
            "`metricSource` needs `spec`",
            "give the source's query, e.g. `spec: {query: 'sum(http_requests_total)'}`",
        ),
        // A spec with keys, or one that is no mapping, which `map_at` has reported.
        Some(_) | None => {}
    }
    let spec = spec?;
    if w.error_count() > before {
        return None;
    }
    Some(MetricSource {
        source_ref: source_ref.map(|r| (r, w.loc(&source.child("metricSourceRef")))),
        source_type: source_type.map(|t| (t, w.loc(&source.child("type")))),
        spec: spec.map.clone(),
        spec_loc: w.loc(&spec.pointer),
    })
}
