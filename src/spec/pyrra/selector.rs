//! Pyrra's `metric` fields: plain vector selectors, which Pyrra takes apart into a metric name and
//! label matchers to build its own queries. slofile reads them the same way.

use super::super::walk::Walk;
use crate::diagnostics::Code;
use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::Expr;

/// A selector such as `http_requests_total{job="api",code=~"5.."}`.
#[derive(Debug, Clone)]
pub(super) struct Selector {
    /// The metric name.
    pub(super) name: String,
    /// The label matchers, `__name__` left out.
    pub(super) matchers: Vec<Matcher>,
    /// The selector as written.
    pub(super) text: String,
}

impl Selector {
    /// The matcher on `label`, if the selector has one.
    pub(super) fn matcher(&self, label: &str) -> Option<&Matcher> {
        self.matchers.iter().find(|m| m.name == label)
    }

    /// The selector printed without the matcher on `label`.
    pub(super) fn without(&self, label: &str) -> String {
        let rest: Vec<String> = self
            .matchers
            .iter()
            .filter(|m| m.name != label)
            .map(ToString::to_string)
            .collect();
        if rest.is_empty() {
            self.name.clone()
        } else {
            format!("{}{{{}}}", self.name, rest.join(","))
        }
    }

    /// The matchers but the one on `label`, as comparable text, sorted.
    pub(super) fn matchers_but(&self, label: &str) -> Vec<String> {
        let mut rest: Vec<String> = self
            .matchers
            .iter()
            .filter(|m| m.name != label)
            .map(ToString::to_string)
            .collect();
        rest.sort();
        rest
    }

    /// The labels the selector fixes to one value (`label="value"`).
    pub(super) fn equalities(&self) -> impl Iterator<Item = (&str, &str)> {
        self.matchers
            .iter()
            .filter(|m| m.op == MatchOp::Equal)
            .map(|m| (m.name.as_str(), m.value.as_str()))
    }
}

/// Reads the `metric` at `pointer` as a plain selector with a metric name. Syntax errors and other
/// shapes are reported there, as Pyrra refuses them too.
pub(super) fn read(w: &mut Walk, pointer: &str, query: &str) -> Option<Selector> {
    if !w.checker.promql(pointer, query) {
        return None;
    }
    let parsed = crate::promql::parse_guarded(query).ok()?;
    let shape_error = |w: &mut Walk, message: &str| {
        w.error(
            Code::PromqlShape,
            pointer,
            format!("Pyrra's `metric` must be a plain selector with a metric name: {message}"),
            "write the series as Pyrra reads it, e.g. `http_requests_total{job=\"api\",code=~\"5..\"}`; \
             Pyrra adds `rate()` and `sum by` itself",
        );
    };
    let Expr::VectorSelector(selector) = parsed else {
        shape_error(w, "this is an expression");
        return None;
    };
    if selector.offset.is_some()
        || selector.at.is_some()
        || !selector.matchers.or_matchers.is_empty()
    {
        shape_error(w, "it has an `offset`, `@` or `or` matchers");
        return None;
    }
    let name = selector.name.clone().or_else(|| {
        selector
            .matchers
            .matchers
            .iter()
            .find(|m| m.name == "__name__" && m.op == MatchOp::Equal)
            .map(|m| m.value.clone())
    });
    let Some(name) = name else {
        shape_error(w, "it names no metric");
        return None;
    };
    Some(Selector {
        name,
        matchers: selector
            .matchers
            .matchers
            .into_iter()
            .filter(|m| m.name != "__name__")
            .collect(),
        text: query.trim().to_owned(),
    })
}

/// What a histogram's name says about the unit of its `le` boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HistogramUnit {
    Seconds,
    Milliseconds,
    /// Neither `_seconds` nor `_milliseconds` (or `_ms`) is in the name.
    Unknown,
}

impl HistogramUnit {
    /// The unit of a histogram series named `name`, by Prometheus' naming conventions.
    pub(super) fn of(name: &str) -> HistogramUnit {
        let base = ["_bucket", "_count", "_sum"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(name);
        let words: Vec<&str> = base.split('_').collect();
        if words.contains(&"milliseconds") || words.contains(&"ms") {
            HistogramUnit::Milliseconds
        } else if words.contains(&"seconds") {
            HistogramUnit::Seconds
        } else {
            HistogramUnit::Unknown
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HistogramUnit;

    #[test]
    fn units_by_name() {
        assert_eq!(
            HistogramUnit::of("http_request_duration_seconds_bucket"),
            HistogramUnit::Seconds
        );
        assert_eq!(
            HistogramUnit::of("request_duration_milliseconds_bucket"),
            HistogramUnit::Milliseconds
        );
        assert_eq!(
            HistogramUnit::of("rpc_latency_ms"),
            HistogramUnit::Milliseconds
        );
        assert_eq!(HistogramUnit::of("msgs_total"), HistogramUnit::Unknown);
    }
}
