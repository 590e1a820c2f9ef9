//! PromQL checks that stay fast on thousands of queries.
//!
//! `promql_parser` compiles every `=~` and `!~` regex while it parses, and compiling even `5..`
//! costs far more than parsing the whole query. Specs repeat the same few regexes in thousands of
//! selectors, so [`check`] proves each distinct regex literal once, remembers the verdict, and
//! parses the query with proven regex matchers read as `=` and `!=`. The answer is the same: a
//! proven regex is valid and does not match the empty string, exactly like the equality matcher
//! that stands in for it, so the parser accepts or rejects both queries alike. Any failure is
//! reported from a parse of the query as written, so error messages never change.
//!
//! The `le` label of histogram buckets is spelled by [`le_regex`] and its kin (`promql/le.rs`).

mod le;

pub use le::{le_prometheus2, le_prometheus3, le_regex};

use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{Expr, VectorSelector};
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;
use std::sync::{Arc, Mutex, Once, OnceLock};

/// Longest PromQL expression slofile parses.
pub const MAX_QUERY_BYTES: usize = 16 * 1024;
/// Deepest PromQL expression slofile parses, counted as brackets open at once plus operators.
/// The parser and the tree it builds recurse once per level, so depth must be bounded before
/// parsing: a few thousand levels overflow the stack.
pub const MAX_QUERY_DEPTH: usize = 256;

/// Whether `query` is small and shallow enough to parse safely; the error says which budget it
/// exceeds.
pub fn within_budget(query: &str) -> Result<(), String> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(format!(
            "the expression is {} bytes long; slofile reads PromQL of up to {MAX_QUERY_BYTES} bytes",
            query.len()
        ));
    }
    let depth = depth_bound(query);
    if depth > MAX_QUERY_DEPTH {
        return Err(format!(
            "the expression nests about {depth} levels deep (brackets and operators); slofile reads PromQL of up to {MAX_QUERY_DEPTH} levels"
        ));
    }
    Ok(())
}

/// An upper bound of the depth of the parsed tree: the most brackets open at once, plus every
/// operator, since each binary or unary operator may add a level.
fn depth_bound(query: &str) -> usize {
    let bytes = query.as_bytes();
    let (mut open, mut deepest, mut operators) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        if let Some(skipped) = skip_comment_or_string(bytes, i) {
            i = skipped.end.unwrap_or(bytes.len());
            continue;
        }
        match bytes[i] {
            b'(' | b'[' | b'{' => {
                open += 1;
                deepest = deepest.max(open);
            }
            b')' | b']' | b'}' => open = open.saturating_sub(1),
            b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'<' | b'>' | b'=' | b'!' => operators += 1,
            c if c.is_ascii_alphabetic() => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let word = &query[start..i];
                if ["and", "or", "unless", "atan2"]
                    .iter()
                    .any(|op| word.eq_ignore_ascii_case(op))
                {
                    operators += 1;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    deepest + operators
}

/// `promql_parser::parser::parse`, except that a panic of the parser is an error: it panics on
/// some numbers in durations and offsets (`x[1e30]`, `x offset 1e30`). The panic is not printed.
pub fn parse_guarded(query: &str) -> Result<Expr, String> {
    thread_local! {
        static CATCHING: Cell<bool> = const { Cell::new(false) };
    }
    static QUIET_HOOK: Once = Once::new();
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CATCHING.with(Cell::get) {
                previous(info);
            }
        }));
    });
    CATCHING.with(|catching| catching.set(true));
    let parsed = std::panic::catch_unwind(|| promql_parser::parser::parse(query));
    CATCHING.with(|catching| catching.set(false));
    parsed.unwrap_or_else(|_| Err("a number in a range, offset or step is out of range".to_owned()))
}

/// Parses `query` with the parser, remembering the recent results of this thread: backends ask for
/// the same query once per alert window, and compiling its regexes again each time would cost more
/// than everything else they do. The tree is shared, not copied, on every later call. The memory is
/// bounded; a full memory starts over.
pub fn parse_recent(query: &str) -> Result<Rc<Expr>, String> {
    const REMEMBERED: usize = 1024;
    thread_local! {
        static RECENT: RefCell<HashMap<String, Result<Rc<Expr>, String>>> = RefCell::default();
    }
    RECENT.with(|recent| {
        if let Some(known) = recent.borrow().get(query) {
            return known.clone();
        }
        let parsed = within_budget(query)
            .and_then(|()| {
                parse_with_proven_regexes(query).map_or_else(|| parse_guarded(query), Ok)
            })
            .map(Rc::new);
        let mut recent = recent.borrow_mut();
        if recent.len() >= REMEMBERED {
            recent.clear();
        }
        recent.insert(query.to_owned(), parsed.clone());
        parsed
    })
}

/// Whether a label value satisfies `matcher`, as `Matcher::is_match` decides. Each clone of a
/// compiled regex starts with no search cache, and making one costs more than most searches;
/// this thread keeps one copy of each regex it has used, so the cache is made once.
pub fn matcher_matches(matcher: &Matcher, value: &str) -> bool {
    const REMEMBERED: usize = 1024;
    thread_local! {
        static REGEXES: RefCell<HashMap<String, Matcher>> = RefCell::default();
    }
    let (MatchOp::Re(regex) | MatchOp::NotRe(regex)) = &matcher.op else {
        return matcher.is_match(value);
    };
    let found = REGEXES.with(|regexes| {
        let mut regexes = regexes.borrow_mut();
        if let Some(known) = regexes.get(regex.as_str()) {
            return known.is_match(value);
        }
        if regexes.len() >= REMEMBERED {
            regexes.clear();
        }
        let copy = Matcher {
            op: MatchOp::Re(regex.clone()),
            name: String::new(),
            value: String::new(),
        };
        let found = copy.is_match(value);
        regexes.insert(regex.as_str().to_owned(), copy);
        found
    });
    found != matches!(matcher.op, MatchOp::NotRe(_))
}

/// Checks that `query` is a valid PromQL expression; the error is the parser's message.
pub fn check(query: &str) -> Result<(), String> {
    parse_shape(query).map(|_| ())
}

/// Parses `query` for questions about its shape (is it a selector, does it hold a range). Label
/// matchers with a proven regex come back as equality matchers, so the tree must not be printed
/// or evaluated.
pub fn parse_shape(query: &str) -> Result<Expr, String> {
    within_budget(query)?;
    if let Some(fast) = without_proven_regexes(query)
        && let Ok(expr) = parse_guarded(&fast)
    {
        return Ok(expr);
    }
    parse_guarded(query)
}

/// A regex matcher of a query's text whose regex is proven (see [`proven_regex`]).
struct ProvenRegexMatcher {
    /// Where its `=~` or `!~` starts.
    op_at: usize,
    negated: bool,
    /// Its string literal, quotes included.
    literal: Range<usize>,
    /// `x=~literal` as the parser builds it, regex compiled.
    proven: Arc<Matcher>,
}

/// Every proven regex matcher of `query` but those of `__name__`, in text order, or `None` when
/// the text is too broken to tell.
fn proven_regex_matchers(query: &str) -> Option<Vec<ProvenRegexMatcher>> {
    let bytes = query.as_bytes();
    let mut found = Vec::new();
    let mut in_braces = false;
    // The label name just before a matcher operator.
    let mut label: Option<&str> = None;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(skipped) = skip_comment_or_string(bytes, i) {
            if skipped.string {
                label = None;
            }
            i = skipped.end?;
            continue;
        }
        match bytes[i] {
            b'{' => in_braces = true,
            b'}' => in_braces = false,
            op @ (b'=' | b'!') if in_braces && bytes.get(i + 1) == Some(&b'~') => {
                let value_start = skip_whitespace(bytes, i + 2);
                if let Some(&quote @ (b'"' | b'\'' | b'`')) = bytes.get(value_start)
                    && label.is_some_and(|name| name != "__name__")
                {
                    let value_end = string_end(bytes, value_start, quote)?;
                    if let Some(proven) = proven_regex(&query[value_start..value_end]) {
                        found.push(ProvenRegexMatcher {
                            op_at: i,
                            negated: op == b'!',
                            literal: value_start..value_end,
                            proven,
                        });
                    }
                }
                label = None;
                i += 2;
                continue;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b':' => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b':')
                {
                    i += 1;
                }
                label = Some(&query[start..i]);
                continue;
            }
            c if c.is_ascii_whitespace() => {}
            _ => label = None,
        }
        i += 1;
    }
    Some(found)
}

/// The query with every proven regex matcher turned into an equality matcher of the same length,
/// or `None` when there is none (or the text is too broken to tell).
fn without_proven_regexes(query: &str) -> Option<String> {
    let found = proven_regex_matchers(query)?;
    if found.is_empty() {
        return None;
    }
    let mut rewritten = query.as_bytes().to_vec();
    for matcher in found {
        let replacement = if matcher.negated { b"!=" } else { b"= " };
        rewritten[matcher.op_at..matcher.op_at + 2].copy_from_slice(replacement);
    }
    String::from_utf8(rewritten).ok()
}

/// The value that stands in for the n-th proven regex while a query is parsed fast.
const REGEX_STAND_IN: &str = "__slofile_proven_regex_";

/// `query` parsed into the tree the parser would give, without compiling its proven regexes again:
/// each is parsed as an equality matcher with a stand-in value, then given back its operator and
/// the regex compiled once per run. `None` when there is no proven regex or the fast way does not
/// give the whole tree; the caller then parses the query itself.
fn parse_with_proven_regexes(query: &str) -> Option<Expr> {
    if query.contains(REGEX_STAND_IN) {
        return None;
    }
    let found = proven_regex_matchers(query)?;
    if found.is_empty() {
        return None;
    }
    let mut text = String::with_capacity(query.len() + found.len() * 32);
    let mut copied = 0;
    for (n, matcher) in found.iter().enumerate() {
        text.push_str(&query[copied..matcher.op_at]);
        text.push_str(if matcher.negated { "!=" } else { "=" });
        text.push_str(&query[matcher.op_at + 2..matcher.literal.start]);
        text.push_str(&format!("\"{REGEX_STAND_IN}{n}\""));
        copied = matcher.literal.end;
    }
    text.push_str(&query[copied..]);
    let mut expr = parse_guarded(&text).ok()?;
    let mut restored = 0;
    let complete = each_matcher_mut(&mut expr, &mut |label| {
        let Some(n) = label.value.strip_prefix(REGEX_STAND_IN) else {
            return true;
        };
        let Some(matcher) = n.parse::<usize>().ok().and_then(|n| found.get(n)) else {
            return false;
        };
        let MatchOp::Re(regex) = &matcher.proven.op else {
            return false;
        };
        label.op = if matcher.negated {
            MatchOp::NotRe(regex.clone())
        } else {
            MatchOp::Re(regex.clone())
        };
        label.value.clone_from(&matcher.proven.value);
        restored += 1;
        true
    });
    (complete && restored == found.len()).then_some(expr)
}

/// Calls `visit` on every label matcher of `expr`; false when `visit` refuses one or the tree holds
/// something this walk does not know.
fn each_matcher_mut(expr: &mut Expr, visit: &mut dyn FnMut(&mut Matcher) -> bool) -> bool {
    let selector = |selector: &mut VectorSelector, visit: &mut dyn FnMut(&mut Matcher) -> bool| {
        let matchers = &mut selector.matchers;
        matchers
            .matchers
            .iter_mut()
            .chain(matchers.or_matchers.iter_mut().flatten())
            .all(visit)
    };
    match expr {
        Expr::VectorSelector(vector) => selector(vector, visit),
        Expr::MatrixSelector(matrix) => selector(&mut matrix.vs, visit),
        Expr::Aggregate(aggregate) => {
            aggregate
                .param
                .as_mut()
                .is_none_or(|param| each_matcher_mut(param, visit))
                && each_matcher_mut(&mut aggregate.expr, visit)
        }
        Expr::Binary(binary) => {
            each_matcher_mut(&mut binary.lhs, visit) && each_matcher_mut(&mut binary.rhs, visit)
        }
        Expr::Paren(paren) => each_matcher_mut(&mut paren.expr, visit),
        Expr::Unary(unary) => each_matcher_mut(&mut unary.expr, visit),
        Expr::Subquery(subquery) => each_matcher_mut(&mut subquery.expr, visit),
        Expr::Call(call) => call
            .args
            .args
            .iter_mut()
            .all(|arg| each_matcher_mut(arg, visit)),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) => true,
        Expr::Extension(_) => false,
    }
}

/// The query without its `#` comments, for text that slofile wraps around a user's query: a
/// comment runs to the end of its line, so a query whose last line ends in a comment would swallow
/// the `)` or `[5m:]` written after it. Each comment goes with the blanks before it; its line break
/// stays, so every line keeps its number and everything before a comment its column. A `#` inside
/// a string literal is text, not a comment. A query without comments is returned as it is.
///
/// Readers check the query as written, and only then drop its comments: their diagnostics point
/// into the text people wrote.
pub fn without_comments(query: &str) -> Cow<'_, str> {
    let bytes = query.as_bytes();
    let mut kept = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        match skip_comment_or_string(bytes, i) {
            Some(Skipped { end, string: true }) => i = end.unwrap_or(bytes.len()),
            Some(Skipped { end, string: false }) => {
                let end = end.unwrap_or(bytes.len());
                // `#` and the line break are ASCII, so both ends are character boundaries.
                kept.push_str(query[copied..i].trim_end_matches([' ', '\t']));
                copied = end;
                i = end;
            }
            None => i += 1,
        }
    }
    if copied == 0 {
        return Cow::Borrowed(query);
    }
    kept.push_str(&query[copied..]);
    Cow::Owned(kept)
}

/// A comment or string literal the lexer passes over.
struct Skipped {
    /// Where scanning resumes; `None` for a string that is never closed.
    end: Option<usize>,
    string: bool,
}

/// The comment or string literal that starts at `i`, if one does. A comment runs to the end of
/// its line.
fn skip_comment_or_string(bytes: &[u8], i: usize) -> Option<Skipped> {
    match bytes[i] {
        b'#' => Some(Skipped {
            end: Some(
                bytes[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |n| i + n),
            ),
            string: false,
        }),
        quote @ (b'"' | b'\'' | b'`') => Some(Skipped {
            end: string_end(bytes, i, quote),
            string: true,
        }),
        _ => None,
    }
}

/// The index just past the string literal that opens at `start`, as the PromQL lexer reads it
/// (a backslash always takes the next character with it).
fn string_end(bytes: &[u8], start: usize, quote: u8) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            c if c == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn skip_whitespace(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The matcher `x=~literal` as the parser builds it, regex compiled, when the regex literal
/// (quotes included) is proven: it compiles and does not match the empty string. The parser
/// itself decides: a selector whose only matcher is this regex parses exactly then. Each literal
/// is parsed once while the memory holds it; the memory is bounded, since compiled regexes are
/// not small, and a full memory starts over.
fn proven_regex(literal: &str) -> Option<Arc<Matcher>> {
    const REMEMBERED: usize = 1024;
    static PROVEN: OnceLock<Mutex<HashMap<String, Option<Arc<Matcher>>>>> = OnceLock::new();
    let cache = PROVEN.get_or_init(Mutex::default);
    if let Ok(known) = cache.lock()
        && let Some(verdict) = known.get(literal)
    {
        return verdict.clone();
    }
    let verdict = match parse_guarded(&format!("{{x=~{literal}}}")) {
        Ok(Expr::VectorSelector(mut selector)) => selector.matchers.matchers.pop().map(Arc::new),
        _ => None,
    };
    if let Ok(mut known) = cache.lock() {
        if known.len() >= REMEMBERED {
            known.clear();
        }
        known.insert(literal.to_owned(), verdict.clone());
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_verdict(query: &str) {
        let fast = check(query);
        let slow = promql_parser::parser::parse(query).map(|_| ());
        assert_eq!(fast, slow, "{query}");
    }

    #[test]
    fn proven_regexes_parse_fast_into_the_parsers_own_tree() {
        for query in [
            r#"sum(rate(http_requests_total{code=~"5..", job="api"}[5m]))"#,
            r#"x{code!~"5..|429"} / ignoring(code) y{code=~'4..'}"#,
            r#"x{a=~"b\\.c", a=~`d+`} + on() max_over_time(y{e=~"f+"}[1h:5m])"#,
            r#"{__name__=~"http_.+", code=~"5.."}"#,
            r#"x{a=~"1" or b!~"2"} unless topk(2, z{c=~"3+"})"#,
            "histogram_quantile(0.99, sum by (le) (rate(b{le=~\"0.5|1\"}[5m]))) # 5..\n",
        ] {
            let fast = parse_with_proven_regexes(query).expect(query);
            let slow = parse_guarded(query).unwrap();
            assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{query}");
            assert_eq!(fast.to_string(), slow.to_string(), "{query}");
            assert_eq!(parse_recent(query).unwrap().to_string(), slow.to_string());
        }
        // Nothing proven, a regex matching the empty string, a user's value like the stand-in:
        // the parser itself parses these.
        for query in [
            "up",
            r#"x{a=~".*"}"#,
            r#"x{a="__slofile_proven_regex_0", b=~"c+"}"#,
        ] {
            assert!(parse_with_proven_regexes(query).is_none(), "{query}");
        }
    }

    /// Label matchers of every operator, with values that are proven regexes, regexes that
    /// match the empty string or do not compile, and plain text.
    fn matcher() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let label = prop::sample::select(vec!["code", "le", "job", "__name__"]);
        let op = prop::sample::select(vec!["=", "!=", "=~", "!~"]);
        let value = prop::sample::select(vec![
            r#""5..""#,
            r"'4..|429'",
            "`a+`",
            r#"".*""#,
            r#""""#,
            r#""[""#,
            r#""x\\.y""#,
            r#""__slofile_proven_regex_0""#,
        ]);
        (label, op, value).prop_map(|(label, op, value)| format!("{label}{op}{value}"))
    }

    /// Queries around those matchers: selectors with and without a name, ranges, subqueries,
    /// aggregations, binary operations, `or` groups and comments.
    fn query() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let selector = (
            prop::sample::select(vec!["http_requests_total", ""]),
            prop::collection::vec(matcher(), 1..4),
            any::<bool>(),
        )
            .prop_map(|(name, matchers, alternatives)| {
                let joiner = if alternatives { " or " } else { ", " };
                format!("{name}{{{}}}", matchers.join(joiner))
            });
        selector.prop_recursive(3, 12, 2, |inner| {
            prop_oneof![
                inner.clone().prop_map(|q| format!("sum by (code) ({q})")),
                inner.clone().prop_map(|q| format!("rate({q}[5m])")),
                inner
                    .clone()
                    .prop_map(|q| format!("max_over_time(({q})[1h:5m])")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} / on() {b}")),
                inner.prop_map(|q| format!("# comment {{x=~\"5..\"}}\n{q}")),
            ]
        })
    }

    proptest::proptest! {
        // About one query in seven parses the fast way.
        #![proptest_config(proptest::test_runner::Config::with_cases(2000))]

        /// Whenever the fast parse gives a tree, it is the tree the parser gives.
        #[test]
        fn fast_parses_are_the_parsers_trees(query in query()) {
            if let Some(fast) = parse_with_proven_regexes(&query) {
                let slow = parse_guarded(&query);
                proptest::prop_assert!(slow.is_ok(), "{query}: fast parsed, parser refused");
                let slow = slow.unwrap_or_else(|_| unreachable!());
                proptest::prop_assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{}", query);
            }
        }
    }

    #[test]
    fn deep_or_long_expressions_are_refused_before_parsing() {
        let chain = vec!["up"; 5000].join("+");
        assert!(check(&chain).unwrap_err().contains("levels"));
        let parens = format!("{}up{}", "(".repeat(5000), ")".repeat(5000));
        assert!(check(&parens).unwrap_err().contains("levels"));
        assert!(check(&format!("{}up", "-".repeat(5000))).is_err());
        let long = format!("up{{job=\"{}\"}}", "a".repeat(MAX_QUERY_BYTES));
        assert!(check(&long).unwrap_err().contains("bytes"));
        // Operators inside strings and comments do not count.
        let quoted = format!("up{{job=\"{}\"}} # {}", "+".repeat(1000), "-".repeat(1000));
        assert_eq!(check(&quoted), Ok(()));
        let at_the_limit = vec!["up"; MAX_QUERY_DEPTH / 2].join(" + ");
        assert_eq!(check(&at_the_limit), Ok(()));
    }

    #[test]
    fn numbers_that_make_the_parser_panic_are_errors() {
        for query in [
            "x[1e30]",
            "x offset 1e30",
            "x[5m:1e30]",
            "x[1e30:]",
            "http[90e10222222222222222222222222]:s",
        ] {
            assert!(
                check(query).unwrap_err().contains("out of range"),
                "{query}"
            );
        }
    }

    #[test]
    fn comments_go_and_lines_stay() {
        let query = "sum(  # failed\n  x{path=\"/a#b\"}\t# é\n)  # all\n";
        let stripped = without_comments(query);
        assert_eq!(stripped, "sum(\n  x{path=\"/a#b\"}\n)\n");
        // What is wrapped around it stays code.
        assert_eq!(check(&format!("({})", stripped.trim())), Ok(()));
        assert!(check(&format!("({})", query.trim())).is_err());
        assert!(matches!(
            without_comments("sum(x)"),
            Cow::Borrowed("sum(x)")
        ));
        assert_eq!(without_comments("x # 'unclosed"), "x");
        assert_eq!(without_comments("x{a='#'} #"), "x{a='#'}");
        assert_eq!(without_comments("# only\nx"), "\nx");
    }

    #[test]
    fn proven_regexes_become_equality_matchers() {
        assert_eq!(
            without_proven_regexes(r#"sum(rate(x{code=~"5..", a!~'b|c'}[5m]))"#).as_deref(),
            Some(r#"sum(rate(x{code= "5..", a!='b|c'}[5m]))"#)
        );
    }

    #[test]
    fn regexes_that_match_nothing_or_the_metric_name_stay() {
        assert_eq!(without_proven_regexes(r#"{job=~".*"}"#), None);
        assert_eq!(without_proven_regexes(r#"{__name__=~"up.+"}"#), None);
        assert_eq!(without_proven_regexes(r#"x{a=~"("}"#), None);
        // Inside strings and comments, `=~` is text.
        assert_eq!(without_proven_regexes(r#"x{a="=~\"b\""} # {c=~"d"}"#), None);
    }

    #[test]
    fn verdicts_and_messages_match_the_parser() {
        for query in [
            r#"x{code=~"5.."}"#,
            r#"x{code!~"5.."}"#,
            r#"{code=~"5.."}"#,
            r#"{code!~"5.."}"#,
            r#"{code=~".*"}"#,
            r#"{code=~""}"#,
            r#"{code!~""}"#,
            r#"x{code=~"("}"#,
            r#"x{code=~"5..",}"#,
            r#"x{code=~"5.." or job="a"}"#,
            r#"{code=~"5.." or job=~".*"}"#,
            r#"x{code=~"5..""#,
            r#"x =~ "5..""#,
            r"x{code=~5}",
            r#"x{code=~"\q"}"#,
            r#"sum by (code) (rate(x{code=~"5..|4.."}[5m])) / on() group_left x"#,
            r#"x{"quoted"=~"5.."}"#,
        ] {
            same_verdict(query);
        }
    }
}
