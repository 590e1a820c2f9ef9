//! JSON files for the monitoring APIs and dashboards: keys sorted at every level, numbers printed
//! from exact values, two-space indentation and a trailing newline, byte for byte the layout of
//! `serde_json::to_string_pretty`.
//!
//! Large documents (Grafana dashboards) are built as [`Json`] trees, whose object keys are static
//! strings: no allocation or hashing per key, as `serde_json::Value` needs. Both kinds of tree are
//! written by the same printer, which sorts each object's keys as it writes them.

use crate::units::Ratio;
use serde_json::{Number, Value};
use std::borrow::Cow;
use std::fmt::Write as _;

/// Pretty-printed JSON with every object's keys sorted, ending in a newline.
pub fn file_text(value: &Value) -> String {
    let mut text = String::new();
    write_value(&mut text, value, 0);
    text.push('\n');
    text
}

/// A document built to be written: the output-side twin of `serde_json::Value`, with static keys.
/// Build objects with [`object!`](crate::json_object) and arrays with `Json::Array`.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Number(Number),
    String(Cow<'static, str>),
    Array(Vec<Json>),
    /// Written with its keys sorted, whatever order they were given in.
    Object(Vec<(&'static str, Json)>),
}

impl Json {
    /// Pretty-printed with every object's keys sorted, ending in a newline.
    pub fn file_text(&self) -> String {
        let mut text = String::with_capacity(4096);
        write_json(&mut text, self, 0);
        text.push('\n');
        text
    }
}

/// An object of [`Json`]: `json_object! { "id": 1, "title": title }`, each value anything
/// `Json::from` takes.
#[macro_export]
macro_rules! json_object {
    ($($key:literal : $value:expr),* $(,)?) => {
        $crate::emit::json::Json::Object(vec![$(($key, $crate::emit::json::Json::from($value))),*])
    };
}

impl From<bool> for Json {
    fn from(value: bool) -> Json {
        Json::Bool(value)
    }
}

impl From<u32> for Json {
    fn from(value: u32) -> Json {
        Json::Int(i64::from(value))
    }
}

impl From<i32> for Json {
    fn from(value: i32) -> Json {
        Json::Int(i64::from(value))
    }
}

impl From<f64> for Json {
    /// A float that is not finite has no JSON form and is written as `null`, as serde_json does.
    fn from(value: f64) -> Json {
        Number::from_f64(value).map_or(Json::Null, Json::Number)
    }
}

impl From<i64> for Json {
    fn from(value: i64) -> Json {
        Json::Int(value)
    }
}

impl From<&'static str> for Json {
    fn from(value: &'static str) -> Json {
        Json::String(Cow::Borrowed(value))
    }
}

impl From<String> for Json {
    fn from(value: String) -> Json {
        Json::String(Cow::Owned(value))
    }
}

impl From<&String> for Json {
    fn from(value: &String) -> Json {
        Json::String(Cow::Owned(value.clone()))
    }
}

impl From<Vec<Json>> for Json {
    fn from(value: Vec<Json>) -> Json {
        Json::Array(value)
    }
}

impl<T: Into<Json>> From<Option<T>> for Json {
    fn from(value: Option<T>) -> Json {
        value.map_or(Json::Null, Into::into)
    }
}

impl From<Ratio> for Json {
    /// An exact ratio as a JSON number, as [`number`] prints it.
    fn from(value: Ratio) -> Json {
        match number(value) {
            Value::Number(number) => Json::Number(number),
            _ => Json::Null,
        }
    }
}

/// Two spaces a level; deeper levels are written in several pieces.
const INDENT: &str = "                                                                ";

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    let mut spaces = depth * 2;
    while spaces > 0 {
        let piece = spaces.min(INDENT.len());
        out.push_str(&INDENT[..piece]);
        spaces -= piece;
    }
}

/// Writes the items of an array or object between `open` and `close`, one a line, as
/// serde_json's pretty printer does: `[]` and `{}` when empty.
fn write_items<T>(
    out: &mut String,
    (open, close): (char, char),
    items: impl ExactSizeIterator<Item = T>,
    depth: usize,
    mut write_item: impl FnMut(&mut String, T),
) {
    out.push(open);
    let empty = items.len() == 0;
    for (index, item) in items.enumerate() {
        if index > 0 {
            out.push(',');
        }
        newline(out, depth + 1);
        write_item(out, item);
    }
    if !empty {
        newline(out, depth);
    }
    out.push(close);
}

fn write_json(out: &mut String, json: &Json, depth: usize) {
    match json {
        Json::Null => out.push_str("null"),
        Json::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
        Json::Int(value) => {
            let _ = write!(out, "{value}");
        }
        Json::Number(number) => {
            let _ = write!(out, "{number}");
        }
        Json::String(text) => write_string(out, text),
        Json::Array(items) => write_items(out, ('[', ']'), items.iter(), depth, |out, item| {
            write_json(out, item, depth + 1);
        }),
        Json::Object(entries) => {
            let mut sorted: Vec<&(&str, Json)> = entries.iter().collect();
            sorted.sort_by_key(|(key, _)| *key);
            write_items(
                out,
                ('{', '}'),
                sorted.into_iter(),
                depth,
                |out, (key, value)| {
                    write_string(out, key);
                    out.push_str(": ");
                    write_json(out, value, depth + 1);
                },
            );
        }
    }
}

fn write_value(out: &mut String, value: &Value, depth: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
        Value::Number(number) => {
            let _ = write!(out, "{number}");
        }
        Value::String(text) => write_string(out, text),
        Value::Array(items) => write_items(out, ('[', ']'), items.iter(), depth, |out, item| {
            write_value(out, item, depth + 1);
        }),
        Value::Object(map) => {
            let mut sorted: Vec<(&String, &Value)> = map.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(b.0));
            write_items(
                out,
                ('{', '}'),
                sorted.into_iter(),
                depth,
                |out, (key, value)| {
                    write_string(out, key);
                    out.push_str(": ");
                    write_value(out, value, depth + 1);
                },
            );
        }
    }
}

/// A JSON string, escaped as serde_json escapes it: quotes, backslashes and control characters;
/// the short forms where JSON has them, else `\u00xx`.
fn write_string(out: &mut String, text: &str) {
    out.push('"');
    // Most strings need no escape; this test has no early exit, so it runs on whole words.
    let escapes = text.bytes().fold(0u8, |found, b| {
        found | u8::from(b < 0x20) | u8::from(b == b'"') | u8::from(b == b'\\')
    });
    if escapes == 0 {
        out.push_str(text);
        out.push('"');
        return;
    }
    let mut start = 0;
    for (index, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[start..index]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.push_str(escape);
        }
        start = index + 1;
    }
    out.push_str(&text[start..]);
    out.push('"');
}

/// An exact ratio as a JSON number: an integer when it is one, else its shortest decimal. A
/// decimal of up to 15 significant digits survives the trip through `f64` digit for digit, so
/// longer ones are rounded to 15 first.
pub fn number(value: Ratio) -> Value {
    if value.denom() == 1
        && let Ok(integer) = i64::try_from(value.numer())
    {
        return Value::from(integer);
    }
    let mut text = value.to_decimal();
    let significant = text
        .chars()
        .filter(char::is_ascii_digit)
        .skip_while(|&digit| digit == '0')
        .count();
    if significant > 15 {
        text = value.significant(15);
    }
    text.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

/// At most `limit` characters of `text`, for API fields with a maximum length.
pub fn clip(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_at_every_level() {
        let value = json!({"b": 1, "a": [{"z": 1, "y": 2}]});
        assert_eq!(
            file_text(&value),
            "{\n  \"a\": [\n    {\n      \"y\": 2,\n      \"z\": 1\n    }\n  ],\n  \"b\": 1\n}\n"
        );
    }

    #[test]
    fn the_layout_is_serde_jsons_pretty_printer() {
        let value = json!({
            "text": "quote \" backslash \\ newline \n tab \t bell \u{7} del \u{7f} é ≤",
            "empty": {}, "none": [], "numbers": [1, -2, 0.5, 1e-7, 12_345_678.9],
            "nested": [{"b": null, "a": true}, [false]],
        });
        // Deeper than one piece of indentation.
        let deep = (0..40).fold(json!(1), |inner, _| json!({"k": [inner]}));
        let value = json!({"fields": value, "deep": deep});
        let mut sorted = serde_json::to_value(&value).unwrap();
        sort_keys(&mut sorted);
        let expected = serde_json::to_string_pretty(&sorted).unwrap() + "\n";
        assert_eq!(file_text(&value), expected);
    }

    /// serde_json keeps insertion order in this crate; rebuilds `value` with sorted keys.
    fn sort_keys(value: &mut Value) {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                for (key, mut item) in entries {
                    sort_keys(&mut item);
                    map.insert(key, item);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(sort_keys),
            _ => {}
        }
    }

    #[test]
    fn built_documents_print_like_values() {
        let built = crate::json_object! {
            "b": 1u32,
            "a": vec![crate::json_object! {"z": "x", "y": Option::<u32>::None}],
            "c": Ratio::new(7, 1500).unwrap(),
        };
        let value = json!({"b": 1, "a": [{"z": "x", "y": null}], "c": 0.004_666_666_666_67});
        assert_eq!(built.file_text(), file_text(&value));
    }

    #[test]
    fn names_are_clipped_on_characters() {
        assert_eq!(clip("ééé", 2), "éé");
        assert_eq!(clip("ab", 5), "ab");
    }

    #[test]
    fn numbers_are_exact_decimals() {
        let ratio = |n, d| Ratio::new(n, d).unwrap();
        assert_eq!(number(ratio(672, 100)).to_string(), "6.72");
        assert_eq!(number(ratio(1000, 1)).to_string(), "1000");
        assert_eq!(number(ratio(7, 1500)).to_string(), "0.00466666666667");
        assert_eq!(number(ratio(28, 1000)).to_string(), "0.028");
    }
}
