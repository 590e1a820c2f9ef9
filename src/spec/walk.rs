//! A typed walk over a spanned YAML document, for the formats slofile reads without a JSON Schema
//! of its own (OpenSLO and Sloth). Every accessor reports what is wrong at the node it reads, so a
//! reader written with it reports all problems of a file at once, each at its exact place.

use super::validate::Checker;
use super::yaml_reader::{Document, escape_pointer};
use crate::diagnostics::{Code, Diagnostic, Origin, SourceFile, quoted, typo_help};
use crate::units::{Duration, Ratio};
use serde_json::Value;
use std::sync::Arc;

/// The meta of a service read from another format: its id, where it comes from, and none of the
/// documentation only native specs carry. Callers fill in what their format has.
pub(crate) fn bare_service_meta(
    id: String,
    origin: Origin,
    source: String,
) -> crate::spec::ServiceMeta {
    crate::spec::ServiceMeta {
        origin,
        title: id.clone(),
        owner: None,
        description: None,
        source,
        document: crate::spec::DocumentMeta {
            title: None,
            version: None,
            effective: None,
            review: None,
        },
        labels: std::collections::BTreeMap::default(),
        grafana: None,
        channels: Vec::new(),
        escalation: Vec::new(),
        monitoring: Vec::new(),
        verify: Vec::new(),
        alert_self_test: Vec::new(),
        heartbeat: None,
        error_budget_policy: None,
        candidates: Vec::new(),
        k6_gate: None,
        id,
    }
}

/// A node of a document that outlives the walk: later stages locate diagnostics with it.
#[derive(Debug, Clone)]
pub(crate) struct Loc {
    pub(crate) file: Arc<SourceFile>,
    pub(crate) document: Arc<Document>,
    pub(crate) pointer: String,
}

impl Loc {
    /// The node at `path` below this one, e.g. `/spec/query`.
    pub(crate) fn at(&self, path: &str) -> Loc {
        Loc {
            file: Arc::clone(&self.file),
            document: Arc::clone(&self.document),
            pointer: format!("{}{path}", self.pointer),
        }
    }

    /// The child node named `key`.
    pub(crate) fn key(&self, key: &str) -> Loc {
        self.at(&format!("/{}", escape_pointer(key)))
    }

    pub(crate) fn origin(&self) -> Origin {
        Origin {
            file: Arc::clone(&self.file),
            span: self.document.span(&self.pointer),
        }
    }

    /// Where the key that introduced this node is written.
    pub(crate) fn key_origin(&self) -> Origin {
        Origin {
            file: Arc::clone(&self.file),
            span: self.document.key_span(&self.pointer),
        }
    }

    /// A checker over this node's document, for the shared value checks of [`Checker`].
    pub(crate) fn checker(&self) -> Checker<'_> {
        Checker::new(&self.file, &self.document)
    }
}

/// A mapping being read, at a JSON pointer of the walked document.
#[derive(Debug, Clone)]
pub(crate) struct Map<'v> {
    pub(crate) map: &'v serde_json::Map<String, Value>,
    pub(crate) pointer: String,
}

/// Reads typed values out of one document and collects diagnostics.
pub(crate) struct Walk<'a> {
    pub(crate) checker: Checker<'a>,
    pub(crate) loc_base: Loc,
}

impl<'a> Walk<'a> {
    pub(crate) fn new(file: &'a Arc<SourceFile>, document: &'a Arc<Document>) -> Self {
        Walk {
            checker: Checker::new(file, document),
            loc_base: Loc {
                file: Arc::clone(file),
                document: Arc::clone(document),
                pointer: String::new(),
            },
        }
    }

    pub(crate) fn loc(&self, pointer: &str) -> Loc {
        self.loc_base.at(pointer)
    }

    pub(crate) fn error_count(&self) -> usize {
        self.checker
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .count()
    }

    pub(crate) fn push(&mut self, diagnostic: Diagnostic) {
        self.checker.diagnostics.push(diagnostic);
    }

    pub(crate) fn error(
        &mut self,
        code: Code,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        // What is missing from a mapping is shown at the key that opens it.
        if code == Code::MissingField
            && self
                .checker
                .document
                .exact_span(pointer)
                .is_some_and(|s| s.key.is_some())
        {
            self.checker.error_at_key(code, pointer, message, help);
        } else {
            self.checker.error(code, pointer, message, help);
        }
    }

    pub(crate) fn error_at_key(
        &mut self,
        code: Code,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.checker.error_at_key(code, pointer, message, help);
    }

    pub(crate) fn warning(
        &mut self,
        code: Code,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.checker.warning(code, pointer, message, help);
    }

    pub(crate) fn info(
        &mut self,
        code: Code,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.checker.info(code, pointer, message, help);
    }

    /// The node at `pointer` as a mapping; a wrong type is reported.
    pub(crate) fn mapping<'v>(
        &mut self,
        pointer: &str,
        value: &'v Value,
        what: &str,
    ) -> Option<Map<'v>> {
        match value {
            Value::Object(map) => Some(Map {
                map,
                pointer: pointer.to_owned(),
            }),
            other => {
                self.error(
                    Code::WrongType,
                    pointer,
                    format!("{what} must be a mapping, not {}", type_name(other)),
                    format!("write {what} as `key: value` lines"),
                );
                None
            }
        }
    }

    /// Reports every key of `map` that is not in `allowed`. Errors, or warnings for formats whose
    /// own tools ignore unknown keys.
    pub(crate) fn only_keys(&mut self, map: &Map, allowed: &[&str], what: &str, as_error: bool) {
        for key in map.map.keys() {
            if allowed.contains(&key.as_str()) {
                continue;
            }
            let help = typo_help(key, allowed.iter().copied(), || {
                format!("{what} takes {}", quoted(allowed.iter().copied(), ", "))
            });
            let pointer = map.child(key);
            if as_error {
                self.error_at_key(
                    Code::UnknownField,
                    &pointer,
                    format!("unknown key `{key}` in {what}"),
                    help,
                );
            } else {
                let diagnostic = Diagnostic::warning(
                    Code::UnknownField,
                    format!("unknown key `{key}` in {what} is ignored"),
                )
                .at(self.checker.file, self.checker.document.key_span(&pointer))
                .with_help(help);
                self.push(diagnostic);
            }
        }
    }

    fn wrong_type(&mut self, pointer: &str, key: &str, expected: &str, found: &Value) {
        self.error(
            Code::WrongType,
            pointer,
            format!("`{key}` must be {expected}, not {}", type_name(found)),
            format!("write `{key}` as {expected}"),
        );
    }

    /// An optional string. `null` counts as absent.
    pub(crate) fn string<'v>(&mut self, map: &Map<'v>, key: &str) -> Option<&'v str> {
        match map.map.get(key)? {
            Value::String(s) => Some(s),
            Value::Null => None,
            other => {
                let pointer = map.child(key);
                self.wrong_type(&pointer, key, "a string", other);
                None
            }
        }
    }

    /// A scalar read as text: strings as they are, numbers and booleans as written. For label
    /// values, which YAML types by their looks.
    pub(crate) fn scalar_text(
        &mut self,
        pointer: &str,
        key: &str,
        value: &Value,
    ) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(number_text(n)),
            Value::Bool(b) => Some(b.to_string()),
            other => {
                self.wrong_type(pointer, key, "a string", other);
                None
            }
        }
    }

    /// A required string; absence and emptiness are reported at the mapping.
    pub(crate) fn required_string<'v>(
        &mut self,
        map: &Map<'v>,
        key: &str,
        what: &str,
        help: &str,
    ) -> Option<&'v str> {
        let value = self.string(map, key);
        match value {
            Some(s) if !s.trim().is_empty() => Some(s),
            Some(_) => {
                self.error(
                    Code::MissingField,
                    &map.child(key),
                    format!("`{key}` of {what} is empty"),
                    help,
                );
                None
            }
            None if map.map.get(key).is_some_and(|v| !v.is_null()) => None,
            None => {
                self.error(
                    Code::MissingField,
                    &map.pointer,
                    format!("{what} needs `{key}`"),
                    help,
                );
                None
            }
        }
    }

    pub(crate) fn boolean(&mut self, map: &Map, key: &str) -> Option<bool> {
        match map.map.get(key)? {
            Value::Bool(b) => Some(*b),
            Value::Null => None,
            other => {
                let pointer = map.child(key);
                self.wrong_type(&pointer, key, "`true` or `false`", other);
                None
            }
        }
    }

    /// An optional number, exactly as written. A number written as a string (`target: "0.99"`),
    /// which other tools let through, is read as the number, with a warning.
    pub(crate) fn number(&mut self, map: &Map, key: &str) -> Option<Ratio> {
        let pointer = map.child(key);
        match map.map.get(key)? {
            Value::String(text) if decimal(text).is_some() => {
                let number = text.trim();
                self.checker.warning(
                    Code::QuotedNumber,
                    &pointer,
                    format!("`{key}` is the string \"{text}\"; read as the number {number}"),
                    format!("write the number without quotes: `{key}: {number}`"),
                );
                decimal(text)
            }
            Value::Number(n) => {
                if let Some(r) = exact_number(n) {
                    Some(r)
                } else {
                    self.error(
                        Code::InvalidQuantity,
                        &pointer,
                        format!(
                            "`{key}` {} is too large or too precise to compute with exactly",
                            number_text(n)
                        ),
                        "use at most 18 digits before and after the decimal point",
                    );
                    None
                }
            }
            Value::Null => None,
            other => {
                self.wrong_type(&pointer, key, "a number", other);
                None
            }
        }
    }

    /// An optional mapping under `key`.
    pub(crate) fn map_at<'v>(&mut self, map: &Map<'v>, key: &str, what: &str) -> Option<Map<'v>> {
        let value = map.get(key)?;
        self.mapping(&map.child(key), value, what)
    }

    /// The items of an optional list, each with its pointer.
    pub(crate) fn list<'v>(
        &mut self,
        map: &Map<'v>,
        key: &str,
    ) -> Option<Vec<(String, &'v Value)>> {
        let pointer = map.child(key);
        match map.map.get(key)? {
            Value::Array(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| (format!("{pointer}/{i}"), item))
                    .collect(),
            ),
            Value::Null => None,
            other => {
                self.wrong_type(&pointer, key, "a list", other);
                None
            }
        }
    }

    /// An OpenSLO duration shorthand: a positive integer and one of `m h d w M Q Y`.
    pub(crate) fn shorthand(
        &mut self,
        pointer: &str,
        key: &str,
        value: &Value,
    ) -> Option<Duration> {
        let Value::String(text) = value else {
            self.wrong_type(
                pointer,
                key,
                "a duration such as `5m`, `1h` or `28d`",
                value,
            );
            return None;
        };
        match crate::spec::openslo::shorthand::parse(text) {
            Ok((duration, approximate)) => {
                if approximate {
                    self.info(
                        Code::ApproximateDuration,
                        pointer,
                        format!("`{text}` is read as {}", duration.human()),
                        "months, quarters and years have no fixed length; slofile reads them as 30, 90 \
                         and 365 days, as the OpenSLO Go SDK does. Write days to say exactly what you mean",
                    );
                }
                Some(duration)
            }
            Err(message) => {
                self.error(
                    Code::InvalidDuration,
                    pointer,
                    message,
                    "OpenSLO durations are a positive whole number and one unit: m, h, d, w, M, Q or Y, e.g. `5m`, `1h`, `28d`",
                );
                None
            }
        }
    }
}

impl<'v> Map<'v> {
    pub(crate) fn child(&self, key: &str) -> String {
        format!("{}/{}", self.pointer, escape_pointer(key))
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The value under `key`; `null` counts as absent.
    pub(crate) fn get(&self, key: &str) -> Option<&'v Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }
}

/// How a JSON value is named in messages.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// A number as people wrote it: integers as integers, floats in their shortest exact form.
pub(crate) fn number_text(n: &serde_json::Number) -> String {
    match (n.as_i64(), n.as_f64()) {
        (Some(i), _) => i.to_string(),
        // Rust prints the shortest decimal that reads back as the same float, never an exponent.
        (None, Some(f)) => format!("{f}"),
        (None, None) => n.to_string(),
    }
}

/// A YAML number as an exact ratio. YAML floats are read as the decimal that was written (the
/// shortest decimal of the float), so `0.999` is exactly 999/1000.
pub(crate) fn exact_number(n: &serde_json::Number) -> Option<Ratio> {
    decimal(&number_text(n))
}

/// A decimal number, `-0.5` or `99.9`, as an exact ratio; surrounding spaces are allowed.
fn decimal(text: &str) -> Option<Ratio> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let value = Ratio::parse_decimal(digits)?;
    if negative {
        Ratio::new(-value.numer(), value.denom()).ok()
    } else {
        Some(value)
    }
}

/// Replaces Go-template window placeholders (`{{.window}}`, `{{ .window }}`) with slofile's
/// `{{window}}`. Returns `None` when the query has none.
pub(crate) fn window_placeholder(query: &str) -> Option<String> {
    let mut out = String::with_capacity(query.len());
    let mut rest = query;
    let mut found = false;
    while let Some(start) = rest.find("{{") {
        let Some(end) = rest[start..].find("}}") else {
            break;
        };
        let inner = rest[start + 2..start + end].trim();
        out.push_str(&rest[..start]);
        if inner == ".window" {
            out.push_str("{{window}}");
            found = true;
        } else {
            out.push_str(&rest[start..start + end + 2]);
        }
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    found.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_exact() {
        let n = |v: serde_json::Value| match v {
            Value::Number(n) => exact_number(&n),
            _ => None,
        };
        assert_eq!(n(serde_json::json!(0.999)), Ratio::new(999, 1000).ok());
        assert_eq!(n(serde_json::json!(14.4)), Ratio::new(144, 10).ok());
        assert_eq!(n(serde_json::json!(0.00001)), Ratio::new(1, 100_000).ok());
        assert_eq!(
            n(serde_json::json!(-2)).map(crate::units::Ratio::numer),
            Some(-2)
        );
    }

    #[test]
    fn window_placeholders() {
        assert_eq!(
            window_placeholder("rate(x[{{.window}}]) / rate(y[{{ .window }}])").as_deref(),
            Some("rate(x[{{window}}]) / rate(y[{{window}}])")
        );
        assert_eq!(window_placeholder("rate(x[5m])"), None);
        assert_eq!(window_placeholder("{{.other}}"), None);
    }
}
