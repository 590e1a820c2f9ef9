//! Builds the PromQL text of the generated rules: selectors of recorded series and `on` clauses.
//! The user's own PromQL is shaped in the compile stage (`compile::promql_shape`); what the
//! backend needs of it is re-exported here, so the backend's files read expressions from one
//! place.

use crate::compile::promql_shape::push_string_literal;
pub(crate) use crate::compile::promql_shape::{
    ShapeError, by_clause, parse, parse_shared, selectors, string_literal, with_matcher,
};
pub(crate) use crate::promql::{le_prometheus2, le_prometheus3, le_regex};

/// A selector such as `name{service="a",slo="b"}`.
pub fn selector(name: &str, labels: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(name.len() + 2 + labels.len() * 24);
    out.push_str(name);
    out.push('{');
    for (i, (label, value)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(label);
        out.push('=');
        push_string_literal(&mut out, value);
    }
    out.push('}');
    out
}

/// `on (a, b)`, which may be empty: `on ()` matches series that have no labels in common.
pub fn on_clause(labels: &[String]) -> String {
    format!("on ({})", labels.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_escape_label_values() {
        let text = selector("m", &[("title", "x\"}\ny")]);
        assert_eq!(text, r#"m{title="x\"}\ny"}"#);
        parse(&text).unwrap();
    }
}
