//! k6: `k6/<service>.json`, `{"thresholds": {...}}` ready for `options.thresholds` of a k6
//! script, from the service's release gate and the SLOs with a `k6` mapping.
//!
//! Latency objectives become `p(N)<ms` on `http_req_duration` (a trend, in milliseconds), error
//! rates `rate<fraction` on `http_req_failed` (a rate); tags select a sub-metric such as
//! `http_req_duration{category:health}`. A threshold the spec marks `abort_on_fail` is written
//! as `{"threshold": ..., "abortOnFail": true}`, others as plain strings.

use super::json::file_text;
use super::{Backend, EmitOptions, Emitted, OutputFile, Sink};
use crate::compile::{Plan, ServicePlan};
use crate::diagnostics::Diagnostic;
use crate::spec::K6Thresholds;
use crate::units::Ratio;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// k6's built-in trend of request durations, in milliseconds.
pub const DURATION_METRIC: &str = "http_req_duration";
/// k6's built-in rate of failed requests.
pub const FAILED_METRIC: &str = "http_req_failed";

/// The k6 backend.
pub struct K6;

impl Backend for K6 {
    fn name(&self) -> &'static str {
        "k6"
    }

    fn emit(&self, plan: &Plan, _options: &EmitOptions, sink: &Sink<'_>) -> Vec<Diagnostic> {
        let mut emitted = Emitted::default();
        for service in &plan.services {
            let thresholds = service_thresholds(service);
            if thresholds.is_empty() {
                continue;
            }
            emitted.files.push(OutputFile {
                path: format!("k6/{}.json", service.meta.id),
                contents: file_text(&document(&thresholds)),
            });
        }
        emitted.hand_to(sink)
    }
}

/// One k6 threshold: the (sub-)metric it reads and its expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Threshold {
    /// `http_req_duration{category:health}`.
    pub metric: String,
    /// `p(95)<200`.
    pub expression: String,
    pub abort_on_fail: bool,
    /// The percentile of a latency threshold, which orders a metric's thresholds.
    pub percentile: Option<Ratio>,
}

impl Threshold {
    /// As people read it: `http_req_duration{category:health}: p(95)<200`.
    pub fn label(&self) -> String {
        format!("{}: {}", self.metric, self.expression)
    }
}

/// The thresholds of one mapping: latency objectives in the spec's order, then the error rate.
pub fn thresholds(mapping: &K6Thresholds) -> Vec<Threshold> {
    let selector = selector(&mapping.tags);
    let threshold = |metric: &str, expression: String, percentile: Option<Ratio>| Threshold {
        metric: format!("{metric}{selector}"),
        expression,
        abort_on_fail: mapping.abort_on_fail,
        percentile,
    };
    let mut out: Vec<Threshold> = mapping
        .latency
        .iter()
        .map(|(percentile, below)| {
            threshold(
                DURATION_METRIC,
                format!("p({})<{}", percentile.to_decimal(), below.millis()),
                Some(*percentile),
            )
        })
        .collect();
    if let Some(rate) = mapping.error_rate {
        out.push(threshold(
            FAILED_METRIC,
            format!("rate<{}", rate.to_decimal()),
            None,
        ));
    }
    out
}

/// Every threshold of a service: the gate's, then each SLO's in spec order.
pub fn service_thresholds(service: &ServicePlan) -> Vec<Threshold> {
    let gate = service.meta.k6_gate.iter().map(|gate| &gate.thresholds);
    let slos = service.slos.iter().filter_map(|slo| slo.slo.k6.as_ref());
    gate.chain(slos).flat_map(thresholds).collect()
}

/// `{tag:value,...}` in tag order, or nothing without tags.
fn selector(tags: &BTreeMap<String, String>) -> String {
    if tags.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = tags
        .iter()
        .map(|(name, value)| format!("{name}:{value}"))
        .collect();
    format!("{{{}}}", pairs.join(","))
}

/// `{"thresholds": {metric: [expression, ...]}}`, a metric's latency thresholds by percentile. An
/// expression given twice (an SLO and the gate may ask the same) is written once, aborting if
/// either asks to.
fn document(thresholds: &[Threshold]) -> Value {
    let mut ordered: Vec<&Threshold> = thresholds.iter().collect();
    // Stable: thresholds without a percentile keep the spec's order.
    ordered.sort_by_key(|threshold| threshold.percentile);
    let mut by_metric: BTreeMap<&str, Vec<(&str, bool)>> = BTreeMap::new();
    for threshold in ordered {
        let entries = by_metric.entry(&threshold.metric).or_default();
        match entries
            .iter_mut()
            .find(|(expression, _)| *expression == threshold.expression)
        {
            Some(entry) => entry.1 |= threshold.abort_on_fail,
            None => entries.push((&threshold.expression, threshold.abort_on_fail)),
        }
    }
    let mut metrics = Map::new();
    for (metric, entries) in by_metric {
        let values: Vec<Value> = entries
            .into_iter()
            .map(|(expression, abort)| {
                if abort {
                    json!({"threshold": expression, "abortOnFail": true})
                } else {
                    json!(expression)
                }
            })
            .collect();
        metrics.insert(metric.to_owned(), Value::Array(values));
    }
    json!({"thresholds": metrics})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Duration;

    fn mapping(tags: &[(&str, &str)], abort: bool) -> K6Thresholds {
        K6Thresholds {
            tags: tags
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            latency: vec![
                (Ratio::integer(95), Duration::parse("200ms").unwrap()),
                (Ratio::new(999, 10).unwrap(), Duration::parse("1s").unwrap()),
            ],
            error_rate: Some(Ratio::new(1, 200).unwrap()),
            abort_on_fail: abort,
        }
    }

    #[test]
    fn expressions_and_sub_metrics() {
        let labels: Vec<String> = thresholds(&mapping(
            &[("method", "GET"), ("category", "health")],
            false,
        ))
        .iter()
        .map(Threshold::label)
        .collect();
        assert_eq!(
            labels,
            [
                "http_req_duration{category:health,method:GET}: p(95)<200",
                "http_req_duration{category:health,method:GET}: p(99.9)<1000",
                "http_req_failed{category:health,method:GET}: rate<0.005",
            ]
        );
    }

    #[test]
    fn repeated_expressions_are_written_once_and_abort_if_either_asks() {
        let mut all = thresholds(&mapping(&[], false));
        all.extend(thresholds(&mapping(&[], true)));
        let document = document(&all);
        assert_eq!(
            document["thresholds"]["http_req_duration"],
            json!([
                {"threshold": "p(95)<200", "abortOnFail": true},
                {"threshold": "p(99.9)<1000", "abortOnFail": true},
            ])
        );
        assert_eq!(
            document["thresholds"]["http_req_failed"],
            json!([{"threshold": "rate<0.005", "abortOnFail": true}])
        );
    }
}
