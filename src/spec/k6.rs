//! The k6 mapping of a spec: which k6 requests measure an SLO, and the thresholds that enforce it
//! or gate a release. Checked here, with every default resolved, so that the k6 backend only
//! writes the thresholds down.

use super::raw::{K6Mapping, PercentileObjective, Quantity, RawK6Gate};
use super::validate::Checker;
use super::{K6Gate, K6Thresholds, Objective, Sli};
use crate::diagnostics::Code;
use crate::units::Ratio;
use std::collections::BTreeMap;

/// The thresholds of an SLO's `k6` mapping; what it does not spell out comes from the SLO's
/// objectives: percentiles for latency, the error budget for ratio and Sentry SLIs.
pub(crate) fn check_slo_mapping(
    c: &mut Checker,
    at: &str,
    raw: &K6Mapping,
    sli: &Sli,
    objectives: &[Objective],
) -> Option<K6Thresholds> {
    let mut thresholds = check_thresholds(
        c,
        at,
        &raw.tags,
        &raw.latency,
        raw.error_rate.as_ref(),
        raw.abort_on_fail,
    )?;
    if thresholds.latency.is_empty() && thresholds.error_rate.is_none() {
        thresholds.latency = objectives
            .iter()
            .filter_map(|objective| Some((objective.percentile?, objective.threshold?)))
            .collect();
        if matches!(sli, Sli::Ratio(_) | Sli::Sentry(_))
            && let Some(objective) = objectives.iter().find(|o| o.percentile.is_none())
        {
            thresholds.error_rate = Ratio::ONE.checked_sub(objective.target).ok();
        }
        if thresholds.latency.is_empty() && thresholds.error_rate.is_none() {
            c.error(
                Code::MissingField,
                at,
                format!(
                    "the `k6` mapping has no threshold, and a {} SLI has no objective k6 can enforce",
                    sli.kind()
                ),
                "give `latency: [{percentile: 95, threshold: 500ms}]` or `error_rate: 1%`",
            );
            return None;
        }
    }
    Some(thresholds)
}

/// The service's release gate, whose `slos` must name SLOs of the service.
pub(crate) fn check_gate(
    c: &mut Checker,
    at: &str,
    raw: &RawK6Gate,
    slo_ids: &[&str],
) -> Option<K6Gate> {
    for (i, slo) in raw.slos.iter().enumerate() {
        c.reference(&format!("{at}/slos/{i}"), slo, slo_ids, "SLO");
    }
    let thresholds = check_thresholds(
        c,
        at,
        &raw.tags,
        &raw.latency,
        raw.error_rate.as_ref(),
        raw.abort_on_fail,
    )?;
    if thresholds.latency.is_empty() && thresholds.error_rate.is_none() {
        c.error(
            Code::MissingField,
            at,
            "the k6 gate has no threshold",
            "give `latency: [{percentile: 95, threshold: 500ms}]`, `error_rate: 1%`, or both",
        );
        return None;
    }
    Some(K6Gate {
        slos: raw.slos.clone(),
        thresholds,
    })
}

fn check_thresholds(
    c: &mut Checker,
    at: &str,
    tags: &BTreeMap<String, String>,
    latency: &[PercentileObjective],
    error_rate: Option<&Quantity>,
    abort_on_fail: bool,
) -> Option<K6Thresholds> {
    let mut ok = true;
    for (name, value) in tags {
        let pointer = format!("{at}/tags/{}", super::yaml_reader::escape_pointer(name));
        if !is_tag_name(name) {
            ok = false;
            c.error_at_key(
                Code::InvalidValue,
                &pointer,
                format!("`{name}` is not a k6 tag name"),
                "k6 tag names are letters, digits, `_`, `.` and `-`, starting with a letter or `_`",
            );
        }
        if !is_tag_value(value) {
            ok = false;
            c.error(
                Code::InvalidValue,
                &pointer,
                format!("`{value}` cannot be a tag value in a k6 threshold"),
                "a threshold's sub-metric is written `metric{tag:value}`: the value must be non-empty, without `{`, `}` or `,`, and without surrounding spaces",
            );
        }
    }
    let mut percentiles = Vec::new();
    for (i, objective) in latency.iter().enumerate() {
        let pointer = format!("{at}/latency/{i}");
        let percentile = c.percentile(&format!("{pointer}/percentile"), &objective.percentile);
        let threshold = c.duration(&format!("{pointer}/threshold"), &objective.threshold);
        match (percentile, threshold) {
            (Some(percentile), Some(threshold)) => percentiles.push((percentile, threshold)),
            _ => ok = false,
        }
    }
    let error_rate = match error_rate {
        Some(quantity) => {
            let rate = check_error_rate(c, &format!("{at}/error_rate"), quantity);
            ok &= rate.is_some();
            rate
        }
        None => None,
    };
    ok.then(|| K6Thresholds {
        tags: tags.clone(),
        latency: percentiles,
        error_rate,
        abort_on_fail,
    })
}

/// A share of failed requests: a percentage strictly between 0% and 100%.
fn check_error_rate(c: &mut Checker, pointer: &str, quantity: &Quantity) -> Option<Ratio> {
    let text = Checker::quantity_text(quantity);
    let Some((rate, true)) = Ratio::parse_percent_or_number(&text) else {
        c.error(
            Code::InvalidQuantity,
            pointer,
            format!("error rate `{text}` is not a percentage"),
            "write the share of failed requests as a percentage, e.g. `1%`",
        );
        return None;
    };
    if rate.is_zero() || rate >= Ratio::ONE {
        c.error(
            Code::InvalidQuantity,
            pointer,
            format!("error rate `{text}` is not strictly between 0% and 100%"),
            "a rate threshold below 0% or above 100% can never pass or never fail",
        );
        return None;
    }
    Some(rate)
}

fn is_tag_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '.' | '-'))
}

fn is_tag_value(value: &str) -> bool {
    !value.is_empty() && value.trim() == value && !value.contains(['{', '}', ','])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_names_and_values() {
        assert!(is_tag_name("category"));
        assert!(is_tag_name("_group.name-2"));
        assert!(!is_tag_name("2xx"));
        assert!(!is_tag_name("a b"));
        assert!(!is_tag_name(""));
        assert!(is_tag_value("health"));
        assert!(is_tag_value("::setup"));
        assert!(!is_tag_value(""));
        assert!(!is_tag_value(" health"));
        assert!(!is_tag_value("a,b"));
        assert!(!is_tag_value("a}"));
    }
}
