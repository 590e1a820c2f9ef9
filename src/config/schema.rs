//! The JSON Schema of `slofile.toml` (`slofile schema config`), made from the flags the keys set:
//! each key's description is its flag's help, its values the flag's possible values. Editors
//! with a TOML language server (Taplo, Even Better TOML) read it from a `#:schema` comment.

use super::{KEYS, sections};
use clap::Command;
use serde_json::{Map, Value, json};

/// The schema, for the command line `command`, as pretty JSON with a final newline.
pub fn schema_text(command: &Command) -> String {
    let mut text = serde_json::to_string_pretty(&schema(command)).unwrap_or_default();
    text.push('\n');
    text
}

fn schema(command: &Command) -> Value {
    let mut properties = Map::new();
    for section in sections() {
        let mut keys = Map::new();
        for key in KEYS.iter().filter(|k| k.section == section) {
            let Some((_, arg)) = super::flags::find_arg(command, key.arg) else {
                continue;
            };
            let mut one = Map::new();
            one.insert("type".into(), json!("string"));
            let possible: Vec<Value> = arg
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| json!(v.get_name()))
                .collect();
            if !possible.is_empty() {
                one.insert("enum".into(), Value::Array(possible));
            }
            let help = arg
                .get_long_help()
                .or_else(|| arg.get_help())
                .map(ToString::to_string)
                .unwrap_or_default();
            let description = format!(
                "{}. Sets `--{}`; the environment variable {} wins over it.",
                help.trim().trim_end_matches('.'),
                arg.get_long().unwrap_or(key.arg),
                key.variable()
            );
            let property = if super::flags::takes_several(arg) {
                json!({
                    "description": description,
                    "type": "array",
                    "items": Value::Object(one),
                    "uniqueItems": true,
                })
            } else {
                one.insert("description".into(), json!(description));
                Value::Object(one)
            };
            keys.insert(key.name.into(), property);
        }
        properties.insert(
            section.into(),
            json!({
                "type": "object",
                "additionalProperties": false,
                "properties": keys,
            }),
        );
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "slofile.toml",
        "description": "The project config file of slofile: defaults of its command-line flags. A flag on the command line wins, then its environment variable, then this file.",
        "type": "object",
        "additionalProperties": false,
        "properties": properties,
    })
}
