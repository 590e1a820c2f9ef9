//! Synthetic input series: label values sampled from the spec's own matchers, and the
//! counter and sampled inputs of a test.

use super::file::InputSeries;
use super::simulate::{Pattern, Sampling};
use super::{MINUTE, SloTests};
use crate::emit::prometheus::{Measure, expr};
use crate::promql::matcher_matches;
use crate::units::{Duration, Ratio};
use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{Expr, LabelModifier, VectorMatchCardinality, VectorSelector, token};
use regex_syntax::hir::{Class, Hir, HirKind};
use std::collections::BTreeMap;

/// One synthetic series: a metric name and labels.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Series {
    pub(super) name: String,
    pub(super) labels: BTreeMap<String, String>,
}

impl Series {
    pub(super) fn text(&self) -> String {
        let labels: Vec<(&str, &str)> = self
            .labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        expr::selector(&self.name, &labels)
    }

    pub(super) fn with(&self, label: &str, value: &str) -> Series {
        let mut copy = self.clone();
        copy.labels.insert(label.to_owned(), value.to_owned());
        copy
    }

    pub(super) fn value_of(&self, label: &str) -> &str {
        if label == "__name__" {
            &self.name
        } else {
            self.labels.get(label).map_or("", String::as_str)
        }
    }
}

/// The role of a counter series in the synthetic traffic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Role {
    /// The spec's `bad` or `good` counter.
    Counted,
    /// Traffic that `total` selects and the counted selector does not.
    Rest,
    /// A separate `total` counter.
    Total,
}

/// How the SLI's input series are synthesised.
pub(super) enum Shape {
    Counters(Vec<(Series, Role)>),
    Histogram(Series),
    /// A 0/1 probe metric, or a gauge with a good and a bad value; one sample per step.
    Sampled {
        series: Series,
        good: String,
        bad: String,
        step: Duration,
        /// When the first sample is taken in the tests that sit off the minute; the others take
        /// it at 0. A probe's windows count its samples themselves, and
        /// Prometheus 2 counts a sample exactly at a range's start where Prometheus 3 does not,
        /// so a probe's samples sit off the minute ([`off_the_minute`]): both count alike, and
        /// the windows derived from the 5m counts add up to exactly the samples they span, at
        /// any evaluation interval. A gauge's windows count subquery slices, which align to the
        /// step whatever the samples, so its samples start at 0.
        offset: Duration,
    },
}

/// A constant flow of events: `per_minute` events, of which `errors[o]` fail objective `o`. In a
/// histogram an event slow enough to fail one objective fails every objective with a lower
/// threshold, so the ratios fall as thresholds rise.
#[derive(Debug, Clone)]
pub(super) struct Flow {
    pub(super) per_minute: Ratio,
    pub(super) errors: Vec<Ratio>,
}

impl Flow {
    /// The share of events that fail objective `objective`; none when it has no ratio.
    pub(super) fn error_ratio(&self, objective: usize) -> Ratio {
        self.errors.get(objective).copied().unwrap_or(Ratio::ZERO)
    }
}

impl SloTests<'_> {
    pub(super) fn counter_input(
        &self,
        flow: &Flow,
        until: Duration,
        prometheus3: bool,
    ) -> Vec<InputSeries> {
        self.phased_input(&[(flow, until.millis() / MINUTE)], prometheus3)
    }

    /// Counters that follow each flow in turn for its number of minutes: samples at every
    /// minute from 0, the first at 0, each phase adding its flow's events every minute.
    pub(super) fn phased_input(
        &self,
        phases: &[(&Flow, u64)],
        prometheus3: bool,
    ) -> Vec<InputSeries> {
        let per_phase: Vec<Vec<(String, Ratio)>> = phases
            .iter()
            .map(|(flow, _)| self.series_rates(flow, prometheus3))
            .collect();
        let Some(first) = per_phase.first() else {
            return Vec::new();
        };
        (0..first.len())
            .map(|index| {
                let mut value = Ratio::ZERO;
                let mut segments = Vec::new();
                for (phase, (_, minutes)) in per_phase.iter().zip(phases) {
                    let rate = phase.get(index).map_or(Ratio::ZERO, |(_, r)| *r);
                    // The first phase starts with the sample at 0; later ones with their first
                    // minute's sample.
                    let (start, steps) = if segments.is_empty() {
                        (value, *minutes)
                    } else {
                        (
                            value.checked_add(rate).unwrap_or(value),
                            minutes.saturating_sub(1),
                        )
                    };
                    if !segments.is_empty() && *minutes == 0 {
                        continue;
                    }
                    segments.push(format!(
                        "{}+{}x{steps}",
                        start.to_decimal(),
                        rate.to_decimal()
                    ));
                    value = start
                        .checked_add(
                            rate.checked_mul(Ratio::integer(i128::from(steps)))
                                .unwrap_or(Ratio::ZERO),
                        )
                        .unwrap_or(start);
                }
                InputSeries {
                    series: first[index].0.clone(),
                    values: segments.join(" "),
                }
            })
            .collect()
    }

    /// Every input counter of a flow with its increase per minute.
    pub(super) fn series_rates(&self, flow: &Flow, prometheus3: bool) -> Vec<(String, Ratio)> {
        let total = flow.per_minute;
        let failed = total
            .checked_mul(flow.error_ratio(0))
            .unwrap_or(Ratio::ZERO);
        let passed = total.checked_sub(failed).unwrap_or(Ratio::ZERO);
        match &self.shape {
            Shape::Counters(series) => {
                let good = matches!(self.rules.measure, Measure::Counters { good: true, .. });
                series
                    .iter()
                    .map(|(series, role)| {
                        let counted = if good { passed } else { failed };
                        let per_minute = match role {
                            Role::Counted => counted,
                            Role::Rest => total.checked_sub(counted).unwrap_or(Ratio::ZERO),
                            Role::Total => total,
                        };
                        (series.text(), per_minute)
                    })
                    .collect()
            }
            Shape::Histogram(base) => {
                let Measure::Histogram {
                    boundaries,
                    thresholds,
                    ..
                } = &self.rules.measure
                else {
                    return Vec::new();
                };
                // Failing events of an objective are just slower than its threshold: in the
                // bucket right above it. Fast events are at or under the smallest boundary.
                let slower = |boundary: f64| {
                    thresholds
                        .iter()
                        .zip(&flow.errors)
                        .filter(|(t, _)| t.to_f64() >= boundary * (1.0 - 1e-12))
                        .map(|(_, e)| *e)
                        .max()
                        .unwrap_or(Ratio::ZERO)
                };
                Self::bucket_counts(boundaries, prometheus3, |boundary| {
                    total
                        .checked_mul(
                            Ratio::ONE
                                .checked_sub(slower(boundary))
                                .unwrap_or(Ratio::ONE),
                        )
                        .unwrap_or(total)
                })
                .into_iter()
                .map(|(base_le, count)| (base.with("le", &base_le).text(), count))
                .collect()
            }
            Shape::Sampled { .. } => Vec::new(),
        }
    }

    /// Every bucket of the synthetic histogram (`+Inf` last) with its `le` label and the
    /// events per minute `count` gives it.
    pub(super) fn bucket_counts(
        boundaries: &[f64],
        prometheus3: bool,
        count: impl Fn(f64) -> Ratio,
    ) -> Vec<(String, Ratio)> {
        let mut buckets: Vec<f64> = boundaries.to_vec();
        buckets.sort_by(f64::total_cmp);
        buckets.dedup();
        buckets.push(f64::INFINITY);
        buckets
            .iter()
            .map(|&boundary| {
                let le = if prometheus3 {
                    expr::le_prometheus3(boundary)
                } else {
                    expr::le_prometheus2(boundary)
                };
                (le, count(boundary))
            })
            .collect()
    }

    /// Where the samples of a sampled SLI sit: off the minute (see `Shape::Sampled`), or at
    /// multiples of the step, where a test group shares its `interval` with other SLOs' tests.
    pub(super) fn sampling(&self, off_the_minute: bool) -> Sampling {
        match &self.shape {
            Shape::Sampled { step, offset, .. } => Sampling {
                step: step.millis().max(1),
                offset: if off_the_minute { offset.millis() } else { 0 },
            },
            _ => Sampling::aligned(Duration::from_millis(MINUTE)),
        }
    }

    pub(super) fn sampled_input(
        &self,
        pattern: &Pattern,
        until: Duration,
        sampling: Sampling,
    ) -> Vec<InputSeries> {
        let Shape::Sampled {
            series, good, bad, ..
        } = &self.shape
        else {
            return Vec::new();
        };
        let Sampling { step, offset } = sampling;
        let Some(since) = until.millis().checked_sub(offset) else {
            return Vec::new();
        };
        let count = since / step + 1;
        let mut runs: Vec<(bool, u64)> = Vec::new();
        for index in 0..count {
            let is_bad = pattern.is_bad(index);
            match runs.last_mut() {
                Some((state, length)) if *state == is_bad => *length += 1,
                _ => runs.push((is_bad, 1)),
            }
        }
        let slot = input_slot(sampling);
        // Off the minute: missing values up to the first sample, and between two samples.
        let mut gap = offset / slot;
        let mut values: Vec<String> = Vec::new();
        for (is_bad, length) in runs {
            let value = if is_bad { bad } else { good };
            if offset > 0 {
                for _ in 0..length {
                    values.push(format!("_x{gap}"));
                    values.push(value.clone());
                    gap = step / slot - 1;
                }
            } else if length == 1 {
                values.push(value.clone());
            } else {
                values.push(format!("{value}x{}", length - 1));
            }
        }
        vec![InputSeries {
            series: series.text(),
            values: values.join(" "),
        }]
    }
}

/// The `interval` of a test group with sampled input: the step, or a divisor of both the step
/// and the offset when the samples sit off the minute (the values between are then missing).
pub(super) fn sampled_interval(sampling: Sampling) -> String {
    Duration::from_millis(input_slot(sampling)).prometheus()
}

/// The interval of sampled input, in milliseconds.
fn input_slot(Sampling { step, offset }: Sampling) -> u64 {
    if offset == 0 { step } else { gcd(step, offset) }
}

/// The greatest common divisor of two durations in milliseconds.
pub(super) fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// When a probe's first sample is taken (see `Shape::Sampled`): off every whole minute, so that
/// no sample `offset + k·step` sits on an evaluation or a range's start. The samples' times
/// modulo a minute are the multiples of `g = gcd(step, 1m)`, so half of `g` is never one.
pub(super) fn off_the_minute(step: Duration) -> Duration {
    Duration::from_millis(gcd(step.millis(), MINUTE) / 2)
}

/// `name{labels}` for `exp_samples`; without a name for expressions that drop it.
pub(super) fn named(name: &str, labels: &BTreeMap<String, String>) -> String {
    let pairs: Vec<(&str, &str)> = labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    expr::selector(name, &pairs)
}

pub(super) fn single_selector(query: &str, what: &str) -> Result<VectorSelector, String> {
    let expr = expr::parse_shared(query)?;
    let mut found = expr::selectors(&expr);
    if found.len() != 1 {
        return Err(format!(
            "`{what}` reads {} series selectors; synthesis needs exactly one",
            found.len()
        ));
    }
    Ok(found.remove(0))
}

pub(super) fn counters(
    events: &str,
    total: &str,
    preferred: &BTreeMap<String, String>,
) -> Result<Shape, String> {
    let counted = single_selector(events, events)?;
    let all = single_selector(total, total)?;
    let both = satisfy(&[&counted, &all], None, preferred);
    let counted_series = both
        .or_else(|| satisfy(&[&counted], None, preferred))
        .ok_or_else(|| format!("no series matches `{counted}`"))?;
    if matches(&all, &counted_series) {
        let rest = satisfy(&[&all], Some(&counted), preferred).ok_or_else(|| {
            format!("every series `{all}` selects is also selected by `{counted}`")
        })?;
        Ok(Shape::Counters(vec![
            (counted_series, Role::Counted),
            (rest, Role::Rest),
        ]))
    } else {
        let total_series = satisfy(&[&all], Some(&counted), preferred)
            .ok_or_else(|| format!("no series matches `{all}` alone"))?;
        Ok(Shape::Counters(vec![
            (counted_series, Role::Counted),
            (total_series, Role::Total),
        ]))
    }
}

/// A sum of one counter's rate: `sum [by (labels)] (rate(<selector>[<range>]))`, in
/// parentheses or not.
pub(super) struct SummedRate {
    pub(super) selector: VectorSelector,
    pub(super) range: Duration,
    /// The `by` labels, sorted; empty for a sum over everything.
    pub(super) by: Vec<String>,
}

/// `text` read as a [`SummedRate`], when it is one.
pub(super) fn summed_rate(text: &str) -> Option<SummedRate> {
    summed_rate_of(&*expr::parse_shared(text).ok()?)
}

fn bare(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(paren) => bare(&paren.expr),
        other => other,
    }
}

fn summed_rate_of(expr: &Expr) -> Option<SummedRate> {
    let Expr::Aggregate(sum) = bare(expr) else {
        return None;
    };
    let by = match &sum.modifier {
        None => Vec::new(),
        Some(LabelModifier::Include(labels)) => {
            let mut by = labels.labels.clone();
            by.sort();
            by
        }
        Some(LabelModifier::Exclude(_)) => return None,
    };
    if sum.op.id() != token::T_SUM || sum.param.is_some() {
        return None;
    }
    let Expr::Call(call) = bare(&sum.expr) else {
        return None;
    };
    let [argument] = call.args.args.as_slice() else {
        return None;
    };
    match (call.func.name, bare(argument)) {
        ("rate", Expr::MatrixSelector(range))
            if range.vs.offset.is_none() && range.vs.at.is_none() =>
        {
            let millis = u64::try_from(range.range.as_millis()).ok()?;
            Some(SummedRate {
                selector: range.vs.clone(),
                range: Duration::from_millis(millis),
                by,
            })
        }
        _ => None,
    }
}

/// The counters of an `error_ratio_query` of the common shape
/// `sum(rate(<failed>[{{window}}])) / sum(rate(<all>[{{window}}]))` (both sums grouped alike):
/// the failed events are the counted series, as a `bad` counter's are.
pub(super) fn ratio_query_counters(
    query: &str,
    preferred: &BTreeMap<String, String>,
) -> Result<Shape, String> {
    const UNKNOWN: &str = "an error_ratio_query other than `sum(rate(<failed>[{{window}}])) / sum(rate(<all>[{{window}}]))` is used as written, so its input series are unknown";
    // A window no other range in the query has, to tell the `{{window}}` ranges apart.
    let probe = Duration::from_millis(7 * MINUTE);
    let parsed = expr::parse_shared(&query.replace("{{window}}", &probe.prometheus()))?;
    let Expr::Binary(division) = bare(&parsed) else {
        return Err(UNKNOWN.to_owned());
    };
    let plain = division.modifier.as_ref().is_none_or(|m| {
        !m.return_bool
            && matches!(m.card, VectorMatchCardinality::OneToOne)
            && m.fill_values.lhs.is_none()
            && m.fill_values.rhs.is_none()
    });
    if division.op.id() != token::T_DIV || !plain {
        return Err(UNKNOWN.to_owned());
    }
    let (Some(failed), Some(all)) = (summed_rate_of(&division.lhs), summed_rate_of(&division.rhs))
    else {
        return Err(UNKNOWN.to_owned());
    };
    if failed.range != probe || all.range != probe || failed.by != all.by {
        return Err(UNKNOWN.to_owned());
    }
    counters(
        &failed.selector.to_string(),
        &all.selector.to_string(),
        preferred,
    )
}

/// The gauge's one series, when the query's value is that series' value: a selector, or sums,
/// minima, maxima and averages over it.
pub(super) fn gauge_selector(query: &str) -> Result<VectorSelector, String> {
    pub(super) fn plain(expr: &Expr) -> bool {
        match expr {
            Expr::VectorSelector(_) => true,
            Expr::Paren(paren) => plain(&paren.expr),
            Expr::Aggregate(aggregate) => {
                [token::T_SUM, token::T_MIN, token::T_MAX, token::T_AVG]
                    .contains(&aggregate.op.id())
                    && plain(&aggregate.expr)
            }
            _ => false,
        }
    }
    let expr = expr::parse_shared(query)?;
    if !plain(&expr) {
        return Err(format!(
            "the gauge `{query}` transforms its series, so a synthetic value cannot be chosen"
        ));
    }
    single_selector(query, query)
}

pub(super) fn group_values(
    shape: &Shape,
    group_by: &[String],
) -> Result<BTreeMap<String, String>, String> {
    let all: Vec<&Series> = match shape {
        Shape::Counters(series) => series.iter().map(|(s, _)| s).collect(),
        Shape::Histogram(series) | Shape::Sampled { series, .. } => vec![series],
    };
    let values = |series: &Series| -> BTreeMap<String, String> {
        group_by
            .iter()
            .map(|label| (label.clone(), series.value_of(label).to_owned()))
            .collect()
    };
    let first = all.first().map(|s| values(s)).unwrap_or_default();
    if all.iter().any(|s| values(s) != first) || first.values().any(String::is_empty) {
        return Err("the selectors disagree on the values of the `group_by` labels".to_owned());
    }
    Ok(first)
}

/// The matchers of a selector, with its metric name as a `__name__` matcher.
pub(super) fn constraints(selector: &VectorSelector) -> Vec<Matcher> {
    let mut matchers = selector.matchers.matchers.clone();
    if let Some(name) = &selector.name {
        matchers.push(Matcher::new(MatchOp::Equal, "__name__", name));
    }
    matchers
}

pub(super) fn matches(selector: &VectorSelector, series: &Series) -> bool {
    // The metric name first: the cheapest test, and the one that most often fails.
    let plain = selector
        .name
        .as_ref()
        .is_none_or(|name| *name == series.name)
        && selector
            .matchers
            .matchers
            .iter()
            .all(|m| matcher_matches(m, series.value_of(&m.name)));
    let alternatives = &selector.matchers.or_matchers;
    plain
        && (alternatives.is_empty()
            || alternatives.iter().any(|group| {
                group
                    .iter()
                    .all(|m| matcher_matches(m, series.value_of(&m.name)))
            }))
}

/// Values to try when the matchers do not say: status codes for labels that look like codes.
pub(super) fn common_values(label: &str) -> &'static [&'static str] {
    if label.contains("code") || label.contains("status") {
        &["200", "500", "ok", "x"]
    } else {
        &["ok", "error", "200", "500", "x"]
    }
}

pub(super) fn candidates(
    label: &str,
    matchers: &[&Matcher],
    preferred: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut values: Vec<String> = preferred.get(label).cloned().into_iter().collect();
    for matcher in matchers {
        match &matcher.op {
            MatchOp::Equal => values.push(matcher.value.clone()),
            MatchOp::Re(_) | MatchOp::NotRe(_) => values.extend(regex_samples(&matcher.value)),
            MatchOp::NotEqual => {}
        }
    }
    values.extend(common_values(label).iter().map(|v| (*v).to_owned()));
    values.push(String::new());
    values
}

/// A series that every `required` selector selects and `avoid` does not. Label values come from
/// the matchers themselves and are checked against them.
pub(super) fn satisfy(
    required: &[&VectorSelector],
    avoid: Option<&VectorSelector>,
    preferred: &BTreeMap<String, String>,
) -> Option<Series> {
    if required
        .iter()
        .chain(avoid.iter())
        .any(|s| !s.matchers.or_matchers.is_empty())
    {
        return None;
    }
    let wanted: Vec<Matcher> = required.iter().flat_map(|s| constraints(s)).collect();
    let avoided: Vec<Matcher> = avoid.map(constraints).unwrap_or_default();
    let on = |label: &str, list: &[Matcher]| -> Vec<Matcher> {
        list.iter().filter(|m| m.name == label).cloned().collect()
    };
    let choose =
        |label: &str, extra: &[Matcher], reject: &dyn Fn(&str) -> bool| -> Option<String> {
            let needed = on(label, &wanted);
            let hints: Vec<&Matcher> = needed.iter().chain(extra.iter()).collect();
            candidates(label, &hints, preferred)
                .into_iter()
                .find(|value| {
                    needed.iter().all(|m| matcher_matches(m, value))
                        && !(preferred.contains_key(label) && value.is_empty())
                        && !reject(value)
                })
        };
    let name = choose("__name__", &[], &|v: &str| v.is_empty())?;
    let mut labels = BTreeMap::new();
    let mut names: Vec<String> = wanted
        .iter()
        .map(|m| m.name.clone())
        .chain(preferred.keys().cloned())
        .filter(|n| n != "__name__")
        .collect();
    names.sort();
    names.dedup();
    for label in &names {
        let value = choose(label, &on(label, &avoided), &|_| false)?;
        if !value.is_empty() {
            labels.insert(label.clone(), value);
        }
    }
    let mut series = Series { name, labels };
    let Some(avoid) = avoid else {
        return Some(series);
    };
    if matches(avoid, &series) {
        // Change one label so that the avoided selector no longer matches.
        for matcher in avoided.iter().filter(|m| m.name != "__name__") {
            let label = matcher.name.clone();
            let extra = on(&label, &avoided);
            let Some(value) = choose(&label, &extra, &|v: &str| matcher_matches(matcher, v)) else {
                continue;
            };
            let mut changed = series.clone();
            if value.is_empty() {
                changed.labels.remove(&label);
            } else {
                changed.labels.insert(label, value);
            }
            if !matches(avoid, &changed) {
                return Some(changed);
            }
        }
        return None;
    }
    // Give the avoided selector's labels a value of their own, so the series reads like real data.
    for matcher in avoided.iter().filter(|m| m.name != "__name__") {
        if series.labels.contains_key(&matcher.name) {
            continue;
        }
        let extra = on(&matcher.name, &avoided);
        if let Some(value) = choose(&matcher.name, &extra, &|v: &str| {
            v.is_empty() || matcher_matches(matcher, v)
        }) {
            let changed = series.with(&matcher.name, &value);
            if !matches(avoid, &changed) {
                series = changed;
            }
        }
    }
    Some(series)
}

/// Strings a regular expression matches: one per top-level alternative.
pub(super) fn regex_samples(pattern: &str) -> Vec<String> {
    let Ok(hir) = regex_syntax::Parser::new().parse(pattern) else {
        return Vec::new();
    };
    let mut top = &hir;
    while let HirKind::Capture(capture) = top.kind() {
        top = &capture.sub;
    }
    match top.kind() {
        HirKind::Alternation(branches) => branches.iter().filter_map(sample).collect(),
        _ => sample(top).into_iter().collect(),
    }
}

pub(super) fn sample(hir: &Hir) -> Option<String> {
    const PREFERRED: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-./";
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(String::new()),
        HirKind::Literal(literal) => String::from_utf8(literal.0.to_vec()).ok(),
        HirKind::Class(class) => {
            let ranges: Vec<(char, char)> = match class {
                Class::Unicode(class) => class
                    .ranges()
                    .iter()
                    .map(|r| (r.start(), r.end()))
                    .collect(),
                Class::Bytes(class) => class
                    .ranges()
                    .iter()
                    .map(|r| (char::from(r.start()), char::from(r.end())))
                    .collect(),
            };
            PREFERRED
                .chars()
                .find(|c| ranges.iter().any(|(first, last)| first <= c && c <= last))
                .or_else(|| ranges.first().map(|(first, _)| *first))
                .map(String::from)
        }
        HirKind::Repetition(repetition) => {
            let once = sample(&repetition.sub)?;
            Some(once.repeat(usize::try_from(repetition.min).unwrap_or(1).min(64)))
        }
        HirKind::Capture(capture) => sample(&capture.sub),
        HirKind::Concat(items) => items.iter().map(sample).collect(),
        HirKind::Alternation(items) => items.iter().find_map(sample),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selector(text: &str) -> VectorSelector {
        crate::compile::promql_shape::plain_selector(text, "test").unwrap()
    }

    #[test]
    fn regexes_are_sampled() {
        assert_eq!(regex_samples("5.."), ["500"]);
        assert_eq!(regex_samples("(5..|429)"), ["500", "429"]);
        assert_eq!(
            regex_samples("completed|disputed"),
            ["completed", "disputed"]
        );
        assert_eq!(regex_samples("[a-z]+-api"), ["a-api"]);
        assert_eq!(regex_samples(".*"), [""]);
    }

    #[test]
    fn counted_and_other_series_are_told_apart() {
        let none = BTreeMap::new();
        let bad = selector(r#"nexus_exchanges_total{state="disputed"}"#);
        let total = selector(r#"nexus_exchanges_total{state=~"completed|disputed"}"#);
        let counted = satisfy(&[&bad, &total], None, &none).unwrap();
        assert_eq!(counted.text(), r#"nexus_exchanges_total{state="disputed"}"#);
        let rest = satisfy(&[&total], Some(&bad), &none).unwrap();
        assert_eq!(rest.text(), r#"nexus_exchanges_total{state="completed"}"#);

        let bad = selector(r#"http_requests_total{job="api",code=~"5.."}"#);
        let total = selector(r#"http_requests_total{job="api"}"#);
        let rest = satisfy(&[&total], Some(&bad), &none).unwrap();
        assert!(
            matches(&total, &rest) && !matches(&bad, &rest),
            "{}",
            rest.text()
        );
        assert_eq!(rest.value_of("code"), "200");

        // Good events: the rest of the traffic must violate a matcher that is not the first.
        let good = selector(r#"http_requests_total{job="checkout",code!~"5.."}"#);
        let total = selector(r#"http_requests_total{job="checkout"}"#);
        let rest = satisfy(&[&total], Some(&good), &none).unwrap();
        assert_eq!(
            rest.text(),
            r#"http_requests_total{code="500",job="checkout"}"#
        );
        let counted = satisfy(&[&good, &total], None, &none).unwrap();
        assert!(matches(&good, &counted) && matches(&total, &counted));
    }

    #[test]
    fn ratio_queries_of_two_summed_rates_become_counters() {
        let none = BTreeMap::new();
        let texts = |shape: Shape| match shape {
            Shape::Counters(series) => series
                .iter()
                .map(|(s, role)| format!("{} {role:?}", s.text()))
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        let separate = ratio_query_counters(
            "sum(rate(jobs_failed_total[{{window}}]))\n/\nsum(rate(jobs_processed_total[{{window}}]))",
            &none,
        )
        .unwrap();
        assert_eq!(
            texts(separate),
            [
                "jobs_failed_total{} Counted",
                "jobs_processed_total{} Total"
            ]
        );
        let one_counter = ratio_query_counters(
            r#"(sum by (route) (rate(http_requests_total{code=~"5.."}[{{window}}]))) / on (route) sum by (route) (rate(http_requests_total[{{window}}]))"#,
            &none,
        )
        .unwrap();
        assert_eq!(
            texts(one_counter),
            [
                r#"http_requests_total{code="500"} Counted"#,
                r#"http_requests_total{code="200"} Rest"#
            ]
        );
        for unknown in [
            // A fixed range, not the alert window.
            "sum(rate(a_total[5m])) / sum(rate(b_total[{{window}}]))",
            // Grouped differently on each side.
            "sum by (x) (rate(a_total[{{window}}])) / sum(rate(b_total[{{window}}]))",
            // Not a ratio of sums of rates.
            "1 - sum(rate(a_total[{{window}}])) / sum(rate(b_total[{{window}}]))",
            "sum(increase(a_total[{{window}}])) / sum(increase(b_total[{{window}}]))",
            "sum(rate(a_total[{{window}}])) / on () group_left sum(rate(b_total[{{window}}]))",
        ] {
            let error = ratio_query_counters(unknown, &none).err();
            assert!(
                error.is_some_and(|e| e.contains("used as written")),
                "{unknown}"
            );
        }
    }

    #[test]
    fn probe_samples_sit_off_every_minute() {
        let seconds = |s: u64| Duration::from_millis(s * 1000);
        // Whole minutes apart: half a minute after each; 30s or 90s apart: a quarter.
        assert_eq!(off_the_minute(seconds(60)), seconds(30));
        assert_eq!(off_the_minute(seconds(300)), seconds(30));
        assert_eq!(off_the_minute(seconds(30)), seconds(15));
        assert_eq!(off_the_minute(seconds(90)), seconds(15));
        for step in [30, 60, 90, 120, 300] {
            let offset = off_the_minute(seconds(step)).millis();
            for k in 0..100 {
                assert_ne!(
                    (offset + k * step * 1000) % MINUTE,
                    0,
                    "{step}s, sample {k}"
                );
            }
        }
        // Every other value of a one-minute probe missing, from 30s on.
        let sampling = Sampling {
            step: MINUTE,
            offset: MINUTE / 2,
        };
        assert_eq!(sampled_interval(sampling), "30s");
        assert_eq!(
            input_slot(Sampling {
                step: 2 * MINUTE,
                ..sampling
            }),
            MINUTE / 2
        );
    }

    #[test]
    fn group_labels_get_values() {
        let mut preferred = BTreeMap::new();
        preferred.insert("tenant".to_owned(), "a".to_owned());
        let series = satisfy(&[&selector("x_total")], None, &preferred).unwrap();
        assert_eq!(series.text(), r#"x_total{tenant="a"}"#);
        let fixed = satisfy(&[&selector(r#"x_total{tenant="acme"}"#)], None, &preferred).unwrap();
        assert_eq!(fixed.value_of("tenant"), "acme");
    }

    #[test]
    fn impossible_selectors_give_up() {
        let none = BTreeMap::new();
        let a = selector(r#"x{code="1"}"#);
        let b = selector(r#"x{code="2"}"#);
        assert!(satisfy(&[&a, &b], None, &none).is_none());
        assert!(satisfy(&[&a], Some(&a), &none).is_none());
    }
}
