//! The user's PromQL, shaped into the expressions of an SLI: parsed through the guarded parser
//! (`crate::promql`), `rate()` or another range function inserted at every selector, summed by the
//! SLO's `group_by` labels, histogram buckets selected with an `le` matcher that works on
//! Prometheus 2 and 3 alike. Compile shapes every SLI once (see `measure.rs`), so a shape error is
//! a diagnostic before any output exists; the Prometheus backend places the results in rules.
//!
//! User PromQL is rewritten with promql-parser and printed back with its `Display`, which keeps
//! parentheses as written; the rewrites only replace leaf selectors by function calls, so operator
//! precedence never changes.

use crate::units::Duration;
use promql_parser::parser::value::ValueType;
use promql_parser::parser::{Expr, LabelModifier, VectorMatchCardinality, VectorSelector, token};
use std::collections::BTreeSet;
use std::rc::Rc;

/// Why a user expression cannot become part of an SLI.
pub type ShapeError = String;

pub fn parse(query: &str) -> Result<Expr, ShapeError> {
    parse_shared(query).map(|expr| (*expr).clone())
}

/// Like [`parse`], for callers that only read the tree: it is not copied.
pub fn parse_shared(query: &str) -> Result<Rc<Expr>, ShapeError> {
    crate::promql::parse_recent(query).map_err(|e| {
        let first = e.lines().next().unwrap_or("syntax error");
        format!("PromQL does not parse: {first}")
    })
}

/// A PromQL string literal, quoted and escaped.
pub fn string_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    push_string_literal(&mut out, value);
    out
}

/// Appends `value` as a PromQL string literal. Most label values need no escape and are copied
/// as they are; this runs for every series every rule reads.
pub(crate) fn push_string_literal(out: &mut String, value: &str) {
    out.push('"');
    if value
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\' || b == b' ')
    {
        out.push_str(value);
    } else {
        out.push_str(&promql_parser::util::escape_string(value));
    }
    out.push('"');
}

/// ` by (a, b) ` between an aggregation and its argument, or nothing when there are no labels:
/// `sum by (a) (x)`, `sum(x)`.
pub fn by_clause(labels: &[String]) -> String {
    if labels.is_empty() {
        String::new()
    } else {
        format!(" by ({}) ", labels.join(", "))
    }
}

/// Replaces every instant-vector selector in `expr` by `function(selector[window])`, e.g. `rate`
/// for counters. Rejects expressions that already select ranges: their window would be fixed.
pub fn over_window(expr: &Expr, function: &str, window: Duration) -> Result<Expr, ShapeError> {
    map_selectors(expr, &mut |selector| {
        // The call is parsed around a stand-in, and the selector, regexes already compiled, put in
        // its place. Modifiers print after the range, so a selector with one is parsed in full.
        if selector.offset.is_none() && selector.at.is_none() {
            let mut call = parse(&format!("{function}(x[{}])", window.prometheus()))?;
            if let Expr::Call(call) = &mut call
                && let Some(Expr::MatrixSelector(range)) =
                    call.args.args.first_mut().map(std::convert::AsMut::as_mut)
            {
                range.vs = selector.clone();
            }
            return Ok(call);
        }
        parse(&format!("{function}({selector}[{}])", window.prometheus()))
    })
}

/// The user's expression with `function(...[window])` inserted, summed by `group_by` unless it
/// already is exactly that sum. Errors when an aggregation drops a `group_by` label.
pub fn summed_over_window(
    query: &str,
    function: &str,
    window: Duration,
    group_by: &[String],
) -> Result<String, ShapeError> {
    let expr = parse_shared(query)?;
    check_keeps_labels(&expr, group_by)?;
    let rewritten = over_window(&expr, function, window)?;
    if is_sum_by(&expr, group_by) {
        Ok(rewritten.to_string())
    } else {
        Ok(format!("sum{}({rewritten})", by_clause(group_by)))
    }
}

fn is_sum_by(expr: &Expr, group_by: &[String]) -> bool {
    let Expr::Aggregate(aggregate) = expr else {
        return false;
    };
    if aggregate.op.id() != token::T_SUM {
        return false;
    }
    let wanted: BTreeSet<&str> = group_by.iter().map(String::as_str).collect();
    match &aggregate.modifier {
        Some(LabelModifier::Include(labels)) => {
            labels
                .labels
                .iter()
                .map(String::as_str)
                .collect::<BTreeSet<_>>()
                == wanted
        }
        None => wanted.is_empty(),
        Some(LabelModifier::Exclude(_)) => false,
    }
}

/// Whether an expression already yields exactly one series per `group_by` value: an aggregation
/// by exactly those labels.
pub fn grouped_exactly(query: &str, group_by: &[String]) -> bool {
    let Ok(expr) = parse_shared(query) else {
        return false;
    };
    let wanted: BTreeSet<String> = group_by.iter().cloned().collect();
    matches!(*expr, Expr::Aggregate(_)) && result_labels(&expr) == Labels::Only(wanted)
}

/// The labels an expression's result can carry: those of its inputs (unknown) except some, or a
/// known set.
#[derive(Debug, Clone, PartialEq)]
enum Labels {
    AnyExcept(BTreeSet<String>),
    Only(BTreeSet<String>),
}

impl Labels {
    fn any() -> Labels {
        Labels::AnyExcept(BTreeSet::new())
    }

    fn keep(self, kept: &[String]) -> Labels {
        let kept: BTreeSet<String> = kept.iter().cloned().collect();
        match self {
            Labels::AnyExcept(dropped) => {
                Labels::Only(kept.difference(&dropped).cloned().collect())
            }
            Labels::Only(have) => Labels::Only(have.intersection(&kept).cloned().collect()),
        }
    }

    fn without(self, dropped: &[String]) -> Labels {
        match self {
            Labels::AnyExcept(mut gone) => {
                gone.extend(dropped.iter().cloned());
                Labels::AnyExcept(gone)
            }
            Labels::Only(mut have) => {
                for label in dropped {
                    have.remove(label);
                }
                Labels::Only(have)
            }
        }
    }

    fn lacks(&self, label: &str) -> bool {
        match self {
            Labels::AnyExcept(gone) => gone.contains(label),
            Labels::Only(have) => !have.contains(label),
        }
    }
}

fn result_labels(expr: &Expr) -> Labels {
    match expr {
        Expr::Aggregate(aggregate) => {
            let inner = result_labels(&aggregate.expr);
            match &aggregate.modifier {
                Some(LabelModifier::Include(labels)) => inner.keep(&labels.labels),
                Some(LabelModifier::Exclude(labels)) => inner.without(&labels.labels),
                None => Labels::Only(BTreeSet::new()),
            }
        }
        Expr::Binary(binary) => {
            let lhs = result_labels(&binary.lhs);
            let Some(modifier) = binary.modifier.as_ref() else {
                return lhs;
            };
            // Only one-to-one arithmetic and comparisons reduce the labels to the matched ones.
            let one_to_one = matches!(modifier.card, VectorMatchCardinality::OneToOne)
                && !binary.op.is_set_operator();
            match (&modifier.matching, one_to_one) {
                (Some(LabelModifier::Include(on)), true) => lhs.keep(&on.labels),
                (Some(LabelModifier::Exclude(ignoring)), true) => lhs.without(&ignoring.labels),
                _ => lhs,
            }
        }
        Expr::Paren(paren) => result_labels(&paren.expr),
        Expr::Unary(unary) => result_labels(&unary.expr),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) => Labels::Only(BTreeSet::new()),
        // Functions keep their vector argument's labels (label_replace may add one).
        Expr::Call(call) => call
            .args
            .args
            .iter()
            .filter(|arg| arg.value_type() == ValueType::Vector)
            .map(|arg| result_labels(arg))
            .next()
            .unwrap_or_else(Labels::any),
        _ => Labels::any(),
    }
}

/// Errors when the expression aggregates away a label the SLO groups by.
fn check_keeps_labels(expr: &Expr, group_by: &[String]) -> Result<(), ShapeError> {
    let labels = result_labels(expr);
    match group_by.iter().find(|label| labels.lacks(label)) {
        Some(label) => Err(format!(
            "`{expr}` aggregates away the `{label}` label that the SLO groups by; add it to the `by (...)` clause"
        )),
        None => Ok(()),
    }
}

/// Rebuilds `expr` with every instant-vector selector replaced by `replace(selector)`.
fn map_selectors(
    expr: &Expr,
    replace: &mut dyn FnMut(&VectorSelector) -> Result<Expr, ShapeError>,
) -> Result<Expr, ShapeError> {
    let mut copy = expr.clone();
    map_in_place(&mut copy, replace)?;
    Ok(copy)
}

fn map_in_place(
    expr: &mut Expr,
    replace: &mut dyn FnMut(&VectorSelector) -> Result<Expr, ShapeError>,
) -> Result<(), ShapeError> {
    match expr {
        Expr::VectorSelector(selector) => {
            *expr = replace(selector)?;
            Ok(())
        }
        Expr::Aggregate(aggregate) => {
            if let Some(param) = aggregate.param.as_mut() {
                map_in_place(param, replace)?;
            }
            map_in_place(&mut aggregate.expr, replace)
        }
        Expr::Binary(binary) => {
            map_in_place(&mut binary.lhs, replace)?;
            map_in_place(&mut binary.rhs, replace)
        }
        Expr::Paren(paren) => map_in_place(&mut paren.expr, replace),
        Expr::Unary(unary) => map_in_place(&mut unary.expr, replace),
        Expr::Call(call) => {
            for arg in &mut call.args.args {
                map_in_place(arg, replace)?;
            }
            Ok(())
        }
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) => Ok(()),
        Expr::MatrixSelector(_) | Expr::Subquery(_) => Err(format!(
            "`{expr}` already selects a time range; write the counter itself and slofile adds `rate()` for every alert window"
        )),
        Expr::Extension(_) => Err("unsupported PromQL extension".to_owned()),
    }
}

/// Every instant-vector selector of an expression, including those inside range selectors.
pub fn selectors(expr: &Expr) -> Vec<VectorSelector> {
    let mut found = Vec::new();
    collect_selectors(expr, &mut found);
    found
}

fn collect_selectors(expr: &Expr, found: &mut Vec<VectorSelector>) {
    match expr {
        Expr::VectorSelector(selector) => found.push(selector.clone()),
        Expr::MatrixSelector(matrix) => found.push(matrix.vs.clone()),
        Expr::Aggregate(aggregate) => {
            if let Some(param) = &aggregate.param {
                collect_selectors(param, found);
            }
            collect_selectors(&aggregate.expr, found);
        }
        Expr::Binary(binary) => {
            collect_selectors(&binary.lhs, found);
            collect_selectors(&binary.rhs, found);
        }
        Expr::Paren(paren) => collect_selectors(&paren.expr, found),
        Expr::Unary(unary) => collect_selectors(&unary.expr, found),
        Expr::Subquery(subquery) => collect_selectors(&subquery.expr, found),
        Expr::Call(call) => {
            for arg in &call.args.args {
                collect_selectors(arg, found);
            }
        }
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

/// The one plain selector an expression must be, e.g. a histogram's buckets or a probe metric.
pub fn plain_selector(query: &str, what: &str) -> Result<VectorSelector, ShapeError> {
    match parse(query)? {
        Expr::VectorSelector(selector) => Ok(selector),
        other => Err(format!(
            "{what} must be a plain series selector such as `probe_success{{instance=\"...\"}}`, not `{other}`"
        )),
    }
}

/// A copy of `selector` with one more label matcher.
pub fn with_matcher(
    selector: &VectorSelector,
    label: &str,
    op: &str,
    value: &str,
) -> Result<VectorSelector, ShapeError> {
    if !selector.matchers.or_matchers.is_empty() {
        return Err(format!(
            "`{selector}` uses `or` between matchers; write one selector per series set"
        ));
    }
    if selector.matchers.matchers.iter().any(|m| m.name == label) {
        return Err(format!(
            "`{selector}` already matches on `{label}`; slofile selects the buckets itself"
        ));
    }
    let probe = format!("x{{{label}{op}{}}}", string_literal(value));
    let matcher = match parse(&probe)? {
        Expr::VectorSelector(parsed) => parsed.matchers.matchers.into_iter().next(),
        _ => None,
    };
    let Some(matcher) = matcher else {
        return Err(format!("cannot build the matcher `{probe}`"));
    };
    let mut copy = selector.clone();
    copy.matchers.matchers.push(matcher);
    Ok(copy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promql::{le_prometheus2, le_prometheus3, le_regex};
    use crate::units::Ratio;

    fn d(text: &str) -> Duration {
        Duration::parse(text).unwrap()
    }

    fn g(labels: &[&str]) -> Vec<String> {
        labels
            .iter()
            .map(std::string::ToString::to_string)
            .collect()
    }

    #[test]
    fn rate_is_inserted_at_every_selector() {
        let cases = [
            (
                r#"http_requests_total{code=~"5.."}"#,
                &[][..],
                r#"sum(rate(http_requests_total{code=~"5.."}[5m]))"#,
            ),
            (
                r#"sum by (tenant) (http_requests_total{code=~"5.."})"#,
                &["tenant"][..],
                r#"sum by (tenant) (rate(http_requests_total{code=~"5.."}[5m]))"#,
            ),
            (
                r"sum by (tenant, route) (a) + sum by (tenant, route) (b)",
                &["tenant"][..],
                r"sum by (tenant) (sum by (tenant, route) (rate(a[5m])) + sum by (tenant, route) (rate(b[5m])))",
            ),
            (
                r#"label_replace(x, "t", "$1", "tenant_id", "(.*)")"#,
                &[][..],
                r#"sum(label_replace(rate(x[5m]), "t", "$1", "tenant_id", "(.*)"))"#,
            ),
        ];
        for (query, group_by, expected) in cases {
            let got = summed_over_window(query, "rate", d("5m"), &g(group_by)).unwrap();
            assert_eq!(got, expected, "{query}");
            parse(&got).unwrap();
        }
    }

    #[test]
    fn ranges_and_lost_group_labels_are_rejected() {
        let err = summed_over_window("sum(rate(x[5m]))", "rate", d("1h"), &[]).unwrap_err();
        assert!(err.contains("already selects a time range"), "{err}");
        let err = summed_over_window("sum(x)", "rate", d("1h"), &g(&["tenant"])).unwrap_err();
        assert!(err.contains("aggregates away the `tenant` label"), "{err}");
        let err = summed_over_window("sum without (tenant) (x)", "rate", d("1h"), &g(&["tenant"]))
            .unwrap_err();
        assert!(err.contains("tenant"), "{err}");
        assert!(summed_over_window("x", "rate", d("1h"), &g(&["tenant"])).is_ok());
    }

    #[test]
    fn le_matches_both_prometheus_versions() {
        let cases = [
            ("1", &["1", "1.0", "1.00"][..], &["10", "0.1", "1.5"][..]),
            ("0.5", &["0.5", "0.50"], &["0.05", "5", "0.51"]),
            ("2.5", &["2.5"], &["2.50001", "25"]),
            (
                "1000000",
                &["1000000", "1000000.0", "1e+06"],
                &["1e+6", "100000"],
            ),
        ];
        for (boundary, matching, other) in cases {
            let ratio = Ratio::parse_decimal(boundary).unwrap();
            let regex = le_regex(ratio);
            let selector = with_matcher(
                &plain_selector("x_bucket", "histogram").unwrap(),
                "le",
                "=~",
                &regex,
            )
            .unwrap();
            let matcher = selector.matchers.matchers.last().unwrap();
            for text in matching {
                assert!(matcher.is_match(text), "{regex} should match {text}");
            }
            for text in other {
                assert!(!matcher.is_match(text), "{regex} should not match {text}");
            }
            let f = ratio.to_f64();
            assert!(matcher.is_match(&le_prometheus2(f)));
            assert!(matcher.is_match(&le_prometheus3(f)));
        }
        assert_eq!(le_prometheus2(1.0), "1");
        assert_eq!(le_prometheus3(1.0), "1.0");
        assert_eq!(le_prometheus3(0.25), "0.25");
        assert_eq!(le_prometheus2(1e6), "1e+06");
        assert_eq!(le_prometheus2(123_456.0), "123456");
        assert_eq!(le_prometheus2(0.00001), "1e-05");
        assert_eq!(le_prometheus2(f64::INFINITY), "+Inf");
    }

    #[test]
    fn aggregations_by_the_group_labels_are_recognised() {
        assert!(grouped_exactly("max(dlq_depth)", &[]));
        assert!(grouped_exactly("sum by (tenant) (x)", &g(&["tenant"])));
        assert!(!grouped_exactly(
            "sum by (tenant, queue) (x)",
            &g(&["tenant"])
        ));
        assert!(!grouped_exactly("dlq_depth", &[]));
        assert!(!grouped_exactly("sum(x) > 3", &[]));
    }

    #[test]
    fn existing_le_matchers_are_rejected() {
        let selector = plain_selector(r#"x_bucket{le="1"}"#, "histogram").unwrap();
        assert!(with_matcher(&selector, "le", "=", "+Inf").is_err());
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(string_literal("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
    }
}
