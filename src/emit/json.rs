//! JSON files for the monitoring APIs: keys sorted at every level, numbers printed from exact
//! values, and a trailing newline.

use crate::units::Ratio;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Number, Value};

/// Pretty-printed JSON with every object's keys sorted, ending in a newline.
pub fn file_text(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(&Sorted(value)).unwrap_or_default();
    text.push('\n');
    text
}

/// A value that serialises with its objects' keys sorted. serde_json keeps insertion order in
/// this crate (`preserve_order`), so sorting is explicit; doing it while writing spares a copy of
/// every document.
struct Sorted<'a>(&'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let mut out = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    out.serialize_entry(key, &Sorted(value))?;
                }
                out.end()
            }
            Value::Array(items) => {
                let mut out = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    out.serialize_element(&Sorted(item))?;
                }
                out.end()
            }
            other => other.serialize(serializer),
        }
    }
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
