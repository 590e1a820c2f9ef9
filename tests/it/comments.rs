//! PromQL `#` comments in the queries people write: a comment runs to the end of its line, so
//! wherever slofile wraps a user's query in code of its own (`sum_over_time((q)[w:])`,
//! `(error) / (total)`, `(q) >= 0`, ...) a comment left in the query would swallow that code.
//! Every fixture has a comment at the end of every line of every multi-line query, and the rules
//! built from it must pass real `promtool check rules` and `promtool test rules`.

use crate::common::build::{Build, Built};
use crate::interop::{promtool_everything, yaml};

/// Every `expr` of the rule files of a build.
fn expressions(built: &Built) -> Vec<String> {
    let mut found = Vec::new();
    for (name, text) in built.files("prometheus") {
        if !name.ends_with(".rules.yml") {
            continue;
        }
        for group in yaml(&text)["groups"].as_array().unwrap() {
            for rule in group["rules"].as_array().unwrap() {
                found.push(rule["expr"].as_str().unwrap().to_owned());
            }
        }
    }
    found
}

/// Builds `fixture` and runs promtool on the rules and their tests; `tested` says whether slofile
/// can synthesise test input for its SLIs (for Sloth's queries with `{{.window}}`, used as
/// written, only where they divide two sums of rates).
fn builds_and_passes_promtool(fixture: &str, tested: bool) -> Vec<String> {
    let out = Build::of(&[fixture]).ok();
    let promtool = promtool_everything(&out, fixture);
    assert_eq!(
        (promtool.rule_files, promtool.test_files),
        (1, 1),
        "{fixture}"
    );
    assert_eq!(
        promtool.non_empty_tests,
        usize::from(tested),
        "{fixture}: the tests test something"
    );
    let expressions = expressions(&out);
    assert!(!expressions.is_empty(), "{fixture}");
    for expr in &expressions {
        // The only `#` left is the one inside a label value.
        assert!(
            !expr.replace("/cart#items", "").contains('#'),
            "{fixture}: a comment is left in\n{expr}"
        );
    }
    expressions
}

#[test]
fn comments_in_native_queries_never_swallow_generated_code() {
    let expressions = builds_and_passes_promtool("tests/fixtures/comments/native.yaml", true);
    // A `#` in a string is text: the selector keeps its label value.
    assert!(
        expressions
            .iter()
            .any(|e| e.contains(r#"path="/cart#items""#)),
        "the label value with `#` is kept"
    );
    // The `|-` blocks end in a comment with no line break after it: what follows still counts.
    assert!(
        expressions
            .iter()
            .any(|e| e.contains("sum(rate(checkout_total[5m]))) >= 0")),
        "the error-ratio query is closed and compared"
    );
}

#[test]
fn comments_in_sloth_queries_never_swallow_generated_code() {
    // `requests-availability` divides two sums of rates and is tested; `raw-availability`'s
    // `1 - (...)` is not.
    let expressions = builds_and_passes_promtool("tests/fixtures/comments/sloth.yaml", true);
    assert!(
        expressions.iter().any(|e| e.contains(")\n/\n(sum(")),
        "Sloth's error and total queries are divided"
    );
}

#[test]
fn comments_in_openslo_queries_never_swallow_generated_code() {
    let expressions = builds_and_passes_promtool("tests/fixtures/comments/openslo.yaml", true);
    for wrapped in ["sum_over_time(", "avg_over_time(", " bool 300"] {
        assert!(
            expressions.iter().any(|e| e.contains(wrapped)),
            "a query is wrapped with `{wrapped}`"
        );
    }
}
