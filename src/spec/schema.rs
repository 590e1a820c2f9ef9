//! The JSON Schema of the native language, generated from [`RawService`], and structural checks
//! against it that map every JSON-Schema error back to the YAML node it is about.

use super::raw::RawService;
use super::yaml_reader::{Document, escape_pointer};
use crate::diagnostics::{Code, Diagnostic, SourceFile, did_you_mean, quoted, typo_help};
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;
use std::sync::{Arc, OnceLock};

/// The schema as JSON, exactly as `slofile schema` prints it.
pub fn schema_json() -> Value {
    let schema = schemars::schema_for!(RawService);
    serde_json::to_value(&schema).unwrap_or(Value::Null)
}

/// The schema as pretty-printed text with a trailing newline.
pub fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&schema_json()).unwrap_or_default();
    text.push('\n');
    text
}

fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(schema_json)
}

fn validator() -> Option<&'static jsonschema::Validator> {
    static VALIDATOR: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| jsonschema::draft202012::new(schema()).ok())
        .as_ref()
}

/// The result of structural checks on one document.
#[derive(Debug)]
pub struct Checked {
    /// The typed spec, possibly with broken SLOs left out (see `slo_positions`).
    pub raw: Option<RawService>,
    /// For each SLO in `raw`, its index in the document, so diagnostics point at the right one.
    pub slo_positions: Vec<usize>,
    /// False when structural errors were found; `raw` then only serves to find more problems.
    pub complete: bool,
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks a document against the schema, then reads it as a [`RawService`]. Every structural
/// problem is reported. When the problems are confined to unknown keys and single SLOs, the rest
/// of the document is still returned, so that semantic checks can report their problems in the
/// same run.
pub fn check(file: &Arc<SourceFile>, document: &Document) -> Checked {
    let mut diagnostics = Vec::new();
    let Some(validator) = validator() else {
        diagnostics.push(Diagnostic::error(
            Code::InvalidValue,
            "internal error: the built-in schema does not compile",
        ));
        return Checked {
            raw: None,
            slo_positions: Vec::new(),
            complete: false,
            diagnostics,
        };
    };
    let mut pruned = document.json.clone();
    let mut broken_slos = std::collections::BTreeSet::new();
    let mut salvageable = true;
    for error in validator.iter_errors(&document.json) {
        explain_error(file, document, &error, &mut diagnostics);
        let pointer = error.instance_path().as_str();
        if let ValidationErrorKind::AdditionalProperties { unexpected } = error.kind()
            && let Some(Value::Object(map)) = pruned.pointer_mut(pointer)
        {
            for name in unexpected {
                map.remove(name);
            }
            continue;
        }
        match pointer
            .strip_prefix("/slos/")
            .and_then(|rest| rest.split('/').next())
        {
            Some(index) => match index.parse::<usize>() {
                Ok(index) => {
                    broken_slos.insert(index);
                }
                Err(_) => salvageable = false,
            },
            None => salvageable = false,
        }
    }
    let complete = diagnostics.is_empty();
    let count = pruned
        .get("slos")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let slo_positions: Vec<usize> = (0..count).filter(|i| !broken_slos.contains(i)).collect();
    if let Some(Value::Array(slos)) = pruned.get_mut("slos") {
        let mut index = 0;
        slos.retain(|_| {
            index += 1;
            !broken_slos.contains(&(index - 1))
        });
    }
    if !salvageable {
        return Checked {
            raw: None,
            slo_positions,
            complete,
            diagnostics,
        };
    }
    match serde_json::from_value::<RawService>(pruned) {
        Ok(raw) => Checked {
            raw: Some(raw),
            slo_positions,
            complete,
            diagnostics,
        },
        Err(error) => {
            // Numbers the YAML reader already refused explain this failure at their node.
            if complete && document.bad_keys.is_empty() {
                diagnostics.push(
                    Diagnostic::error(Code::WrongType, format!("cannot read the spec: {error}"))
                        .at(file, document.root)
                        .with_help(
                            "a value has a type or range the spec language does not allow; see docs/spec.md",
                        ),
                );
            }
            Checked {
                raw: None,
                slo_positions,
                complete: false,
                diagnostics,
            }
        }
    }
}

fn explain_error(
    file: &Arc<SourceFile>,
    document: &Document,
    error: &jsonschema::ValidationError<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let pointer = error.instance_path().as_str().to_owned();
    let at = |d: Diagnostic| d.at(file, document.span(&pointer));
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let allowed = allowed_properties(error.schema_path().as_str());
            for name in unexpected {
                let child = format!("{pointer}/{}", escape_pointer(name));
                let mut diagnostic = Diagnostic::error(
                    Code::UnknownField,
                    format!("unknown field `{name}`{}", context_name(&pointer)),
                )
                .at(file, document.key_span(&child))
                .with_label("unknown field");
                diagnostic = match did_you_mean(name, allowed.iter().map(String::as_str)) {
                    Some(suggestion) => {
                        diagnostic.with_help(format!("did you mean `{suggestion}`?"))
                    }
                    None if !allowed.is_empty() => {
                        diagnostic.with_help(format!("expected one of: {}", quote_list(&allowed)))
                    }
                    None => diagnostic,
                };
                out.push(diagnostic);
            }
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            out.push(
                at(Diagnostic::error(
                    Code::MissingField,
                    format!("missing field `{name}`{}", context_name(&pointer)),
                ))
                .with_label(format!("this needs `{name}`"))
                .with_help(required_help(name)),
            );
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                jsonschema::error::TypeKind::Single(t) => type_name(&t.to_string()),
                jsonschema::error::TypeKind::Multiple(types) => {
                    let names: Vec<String> = types
                        .into_iter()
                        .filter(|t| t.to_string() != "null")
                        .map(|t| type_name(&t.to_string()))
                        .collect();
                    names.join(" or ")
                }
            };
            out.push(
                at(Diagnostic::error(
                    Code::WrongType,
                    format!(
                        "expected {expected}, found {}",
                        describe(error.instance().as_ref())
                    ),
                ))
                .with_label(format!("should be {expected}"))
                .with_help(format!(
                    "`{}` takes {expected}",
                    last_segment(&pointer).unwrap_or("this value")
                )),
            );
        }
        ValidationErrorKind::Enum { options } => {
            let options: Vec<String> = options
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let found = error.instance().as_ref();
            let mut diagnostic = at(Diagnostic::error(
                Code::InvalidValue,
                format!("{} is not allowed here", describe_value(found)),
            ))
            .with_label("not allowed");
            let suggestion = found
                .as_str()
                .and_then(|s| did_you_mean(s, options.iter().map(String::as_str)));
            diagnostic = match suggestion {
                Some(s) => diagnostic.with_help(format!("did you mean `{s}`?")),
                None => diagnostic.with_help(format!("expected one of: {}", quote_list(&options))),
            };
            out.push(diagnostic);
        }
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            explain_choice(file, document, &pointer, error, context, out);
        }
        ValidationErrorKind::Minimum { .. } | ValidationErrorKind::ExclusiveMinimum { .. } => {
            out.push(
                at(Diagnostic::error(
                    Code::InvalidQuantity,
                    format!("{} is too small", describe_value(error.instance().as_ref())),
                ))
                .with_label("too small")
                .with_help("use a positive whole number"),
            );
        }
        _ => {
            out.push(
                at(Diagnostic::error(Code::InvalidValue, error.to_string()))
                    .with_label("invalid")
                    .with_help("see the spec reference in docs/spec.md"),
            );
        }
    }
}

/// A `oneOf` or `anyOf` failed. For an externally tagged enum (`sli: {ratio: ...}`), find the
/// branch the user meant by its key and report that branch's errors; otherwise say what was
/// expected. This is what keeps schema errors on tagged enums readable.
fn explain_choice(
    file: &Arc<SourceFile>,
    document: &Document,
    pointer: &str,
    error: &jsonschema::ValidationError<'_>,
    branches: &[Vec<jsonschema::ValidationError<'static>>],
    out: &mut Vec<Diagnostic>,
) {
    let instance = error.instance().as_ref();
    let meant: Vec<&Vec<jsonschema::ValidationError<'static>>> = branches
        .iter()
        .filter(|errors| {
            instance.is_object()
                && errors
                    .iter()
                    .all(|e| e.instance_path().as_str().len() > pointer.len())
        })
        .collect();
    if let Some(errors) = meant.iter().min_by_key(|errors| errors.len()) {
        for inner in *errors {
            explain_error(file, document, inner, out);
        }
        return;
    }
    let variants: Vec<String> = branches
        .iter()
        .flatten()
        .filter(|e| e.instance_path().as_str() == pointer)
        .filter_map(|e| match e.kind() {
            ValidationErrorKind::Required { property } => property.as_str().map(str::to_owned),
            _ => None,
        })
        .collect();
    let span = document.span(pointer);
    let constants: Vec<String> = branches
        .iter()
        .flatten()
        .filter(|e| e.instance_path().as_str() == pointer)
        .filter_map(|e| match e.kind() {
            ValidationErrorKind::Constant { expected_value } => {
                expected_value.as_str().map(str::to_owned)
            }
            _ => None,
        })
        .collect();
    if let (Some(found), false) = (instance.as_str(), constants.is_empty()) {
        let help = typo_help(found, constants.iter().map(String::as_str), || {
            format!("expected one of: {}", quote_list(&constants))
        });
        out.push(
            Diagnostic::error(Code::InvalidValue, format!("`{found}` is not allowed here"))
                .at(file, span)
                .with_label("not allowed")
                .with_help(help),
        );
        return;
    }
    if let (Value::Object(map), false) = (instance, variants.is_empty()) {
        let given: Vec<&String> = map.keys().collect();
        let is_sli = last_segment(pointer) == Some("sli");
        let code = if is_sli {
            Code::UnknownSliKind
        } else {
            Code::InvalidValue
        };
        let what = if is_sli { "SLI kind" } else { "kind" };
        if given.len() == 1 {
            let name = given[0];
            let child = format!("{pointer}/{}", escape_pointer(name));
            let help = typo_help(name, variants.iter().map(String::as_str), || {
                format!("expected one of: {}", quote_list(&variants))
            });
            out.push(
                Diagnostic::error(code, format!("unknown {what} `{name}`"))
                    .at(file, document.key_span(&child))
                    .with_label(format!("not a known {what}"))
                    .with_help(help),
            );
        } else {
            out.push(
                Diagnostic::error(
                    code,
                    format!("write exactly one {what}, found {}", given.len()),
                )
                .at(file, span)
                .with_label("one key expected".to_string())
                .with_help(format!("expected one of: {}", quote_list(&variants))),
            );
        }
        return;
    }
    let expected = if variants.is_empty() {
        "a number, or a string such as `99.5%` or `500ms`".to_owned()
    } else {
        format!("a mapping with one of: {}", quote_list(&variants))
    };
    out.push(
        Diagnostic::error(
            Code::WrongType,
            format!("expected {expected}, found {}", describe(instance)),
        )
        .at(file, span)
        .with_label("wrong type")
        .with_help(format!(
            "`{}` takes {expected}",
            last_segment(pointer).unwrap_or("this value")
        )),
    );
}

/// The property names allowed where `additionalProperties` failed, found by following the
/// error's schema path (through `$ref`s) to the object schema.
fn allowed_properties(schema_path: &str) -> Vec<String> {
    let segments: Vec<String> = schema_path
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let Some((_, parent)) = segments.split_last() else {
        return Vec::new();
    };
    let root = schema();
    let mut node = root;
    for segment in parent {
        node = if segment == "$ref" {
            match node
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|p| root.pointer(p))
            {
                Some(target) => target,
                None => return Vec::new(),
            }
        } else {
            let next = match node {
                Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => node.get(segment.as_str()),
            };
            match next {
                Some(next) => next,
                None => return Vec::new(),
            }
        };
    }
    node.get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

fn context_name(pointer: &str) -> String {
    let segments: Vec<&str> = pointer.split('/').skip(1).collect();
    let named = segments
        .iter()
        .rev()
        .find(|s| s.parse::<usize>().is_err())
        .copied();
    match named {
        Some(name) => format!(" in `{}`", name.replace("~1", "/").replace("~0", "~")),
        None => String::new(),
    }
}

fn last_segment(pointer: &str) -> Option<&str> {
    pointer
        .rsplit('/')
        .find(|s| !s.is_empty() && s.parse::<usize>().is_err())
}

fn required_help(name: &str) -> String {
    match name {
        "apiVersion" => "start the document with `apiVersion: slofile/v1`".to_owned(),
        "service" => "name the service, e.g. `service: checkout`".to_owned(),
        "slos" => "list the service's SLOs under `slos:`".to_owned(),
        "sli" => {
            "say how the SLO is measured, e.g. `sli: {ratio: {bad: ..., total: ...}}`".to_owned()
        }
        _ => format!("add `{name}:`"),
    }
}

fn type_name(json_type: &str) -> String {
    match json_type {
        "object" => "a mapping",
        "array" => "a list",
        "string" => "a string",
        "number" => "a number",
        "integer" => "a whole number",
        "boolean" => "`true` or `false`",
        "null" => "nothing",
        other => other,
    }
    .to_owned()
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing".to_owned(),
        Value::Bool(_) => "a boolean".to_owned(),
        Value::Number(n) if n.is_i64() || n.is_u64() => "a whole number".to_owned(),
        Value::Number(_) => "a number".to_owned(),
        Value::String(_) => "a string".to_owned(),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "a mapping".to_owned(),
    }
}

fn describe_value(value: &Value) -> String {
    match value {
        Value::String(s) => format!("`{s}`"),
        Value::Number(n) => format!("`{n}`"),
        Value::Bool(b) => format!("`{b}`"),
        other => describe(other),
    }
}

fn quote_list(items: &[String]) -> String {
    let mut sorted: Vec<&String> = items.iter().collect();
    sorted.sort();
    sorted.dedup();
    quoted(sorted.into_iter().map(String::as_str), ", ")
}
