//! An SLI in words, and the changes to the fields that decide what it measures.

use crate::spec::{RatioSli, Sli};
use crate::wording::{self, code};

/// The fields of an SLI that decide what is measured, by name.
pub(super) fn sli_fields(sli: &Sli) -> Vec<(&'static str, String)> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    match sli {
        Sli::Ratio(RatioSli::Events {
            good,
            events,
            total,
        }) => vec![
            (if *good { "good" } else { "bad" }, events.clone()),
            ("total", total.clone()),
        ],
        Sli::Ratio(RatioSli::Query(query)) => vec![("error_ratio_query", query.clone())],
        Sli::Latency(h) => vec![
            ("histogram", h.histogram.clone()),
            ("buckets", buckets(&h.buckets)),
        ],
        Sli::Freshness {
            from,
            to,
            histogram,
        } => vec![
            ("from", from.clone()),
            ("to", to.clone()),
            (
                "histogram",
                histogram
                    .as_ref()
                    .map(|h| h.histogram.clone())
                    .unwrap_or_default(),
            ),
            (
                "buckets",
                histogram
                    .as_ref()
                    .map(|h| buckets(&h.buckets))
                    .unwrap_or_default(),
            ),
        ],
        Sli::Gauge(g) => vec![
            ("query", g.query.clone()),
            (
                if g.good_below { "below" } else { "above" },
                g.threshold.to_decimal(),
            ),
            ("slice", g.slice.to_string()),
        ],
        Sli::Probe(p) => vec![
            ("url", p.url.clone()),
            ("interval", p.interval.to_string()),
            ("metric", opt(&p.metric)),
        ],
        Sli::Sentry(s) => vec![
            ("project", s.project.clone()),
            ("transaction", s.transaction.clone()),
            ("failure", s.failure.clone()),
            ("exclude", opt(&s.exclude)),
        ],
        Sli::Documentary { target, .. } => vec![("target", target.clone())],
    }
}

pub(super) fn buckets(buckets: &[f64]) -> String {
    buckets
        .iter()
        .map(f64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn sli_changes(old: &Sli, new: &Sli) -> Vec<String> {
    if old.kind() != new.kind() {
        return vec![format!(
            "SLI {} → {}: now measured by {}",
            old.kind(),
            new.kind(),
            wording::sli::kind_phrase(new)
        )];
    }
    let (before, after) = (sli_fields(old), sli_fields(new));
    let mut lines = Vec::new();
    for ((name_before, b), (name_after, a)) in before.iter().zip(&after) {
        let show = |v: &str| {
            if v.is_empty() {
                "none".to_owned()
            } else {
                code(v)
            }
        };
        if name_before != name_after {
            lines.push(format!(
                "SLI `{name_before}` {} → `{name_after}` {}",
                show(b),
                show(a)
            ));
        } else if b != a {
            lines.push(format!("SLI `{name_after}` {} → {}", show(b), show(a)));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backtick_runs_in_the_text() {
        let old = Sli::Ratio(RatioSli::Query("rate(errors[5m])".to_owned()));
        let new = Sli::Ratio(RatioSli::Query(
            r#"rate(errors{path="a``b"}[5m])"#.to_owned(),
        ));
        assert_eq!(
            sli_changes(&old, &new),
            vec![
                r#"SLI `error_ratio_query` `rate(errors[5m])` → ``` rate(errors{path="a``b"}[5m]) ```"#
                    .to_owned()
            ]
        );
    }
}
