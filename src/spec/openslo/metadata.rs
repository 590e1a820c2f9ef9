//! `metadata` and the rules OpenSLO sets on names, labels and annotations.

use super::Metadata;
use crate::diagnostics::Code;
use crate::spec::walk::{Map, Walk, type_name};
use serde_json::Value;

/// RFC 1123 label names, which OpenSLO requires of every `metadata.name` and reference.
pub(crate) fn is_dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// The name to use for `name`, given at `pointer`: itself when it is an RFC 1123 label, as OpenSLO
/// requires. A name that is one but for its upper-case letters (`OnCallPagerdutyUrgent`), which
/// other tools let through, is read in lower case with a warning, as Sloth names are; a reference
/// to it is read the same way, so that the two still meet. Anything else is an error.
pub(super) fn dns_label(w: &mut Walk, pointer: &str, name: &str, what: &str) -> Option<String> {
    if is_dns_label(name) {
        return Some(name.to_owned());
    }
    let lower = name.to_ascii_lowercase();
    if is_dns_label(&lower) {
        w.warning(
            Code::UpperCaseName,
            pointer,
            format!("{what} `{name}` has upper-case letters, which OpenSLO names cannot; read as `{lower}`"),
            format!("write it in lower case, `{lower}`, here and where it is referenced"),
        );
        return Some(lower);
    }
    let suggestion: String = crate::spec::validate::suggest_id(name)
        .chars()
        .take(63)
        .collect();
    let help = if suggestion.is_empty() {
        "an RFC 1123 label: at most 63 lower-case letters, digits and `-`, starting and ending with a letter or digit".to_owned()
    } else {
        format!(
            "an RFC 1123 label: at most 63 lower-case letters, digits and `-`, starting and ending with a letter or digit, e.g. `{}`",
            suggestion.trim_end_matches('-')
        )
    };
    w.error(
        Code::InvalidId,
        pointer,
        format!("{what} `{name}` is not a valid OpenSLO name"),
        help,
    );
    None
}

pub(super) fn required_metadata(w: &mut Walk, obj: &Map, what: &str) -> Option<Metadata> {
    required_metadata_with(w, obj, what, false)
}

/// The keys of a Kubernetes object's `metadata` besides those OpenSLO defines.
const KUBERNETES_METADATA: &[&str] = &[
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generateName",
    "finalizers",
    "ownerReferences",
    "managedFields",
    "selfLink",
];

/// The `metadata` of an object; that of a Kubernetes resource (`openslo.com/v1`) may also hold
/// what Kubernetes keeps there, read for nothing, and label keys with a prefix as Kubernetes
/// allows them (`app.kubernetes.io/part-of`).
pub(super) fn required_metadata_with(
    w: &mut Walk,
    obj: &Map,
    what: &str,
    kubernetes: bool,
) -> Option<Metadata> {
    if let Some(value) = obj.get("metadata") {
        read_metadata(w, &obj.child("metadata"), value, kubernetes)
    } else {
        w.error(
            Code::MissingField,
            &obj.pointer,
            format!("{what} needs `metadata` with a `name`"),
            "add `metadata: {name: my-name}`",
        );
        None
    }
}

fn read_metadata(w: &mut Walk, pointer: &str, value: &Value, kubernetes: bool) -> Option<Metadata> {
    let meta = w.mapping(pointer, value, "`metadata`")?;
    let mut keys = vec!["name", "displayName", "labels", "annotations"];
    if kubernetes {
        keys.extend_from_slice(KUBERNETES_METADATA);
    }
    w.only_keys(&meta, &keys, "`metadata`", true);
    let name = w.required_string(
        &meta,
        "name",
        "`metadata`",
        "name the object, e.g. `name: checkout-availability`",
    );
    let display_name = w.string(&meta, "displayName").map(str::to_owned);
    if let Some(display) = &display_name
        && display.chars().count() > 63
    {
        w.error(
            Code::InvalidValue,
            &meta.child("displayName"),
            format!(
                "`displayName` has {} characters; OpenSLO allows at most 63",
                display.chars().count()
            ),
            "shorten the display name; longer text belongs in `spec.description`",
        );
    }
    if let Some(labels) = w.map_at(&meta, "labels", "`labels`") {
        for (key, value) in labels.map {
            let at = labels.child(key);
            // Kubernetes label keys are qualified names, like annotation keys.
            let valid = if kubernetes {
                is_annotation_key(key)
            } else {
                is_label_key(key)
            };
            if !valid {
                w.error_at_key(
                    Code::InvalidValue,
                    &at,
                    format!("label key `{key}` is not a valid OpenSLO label key"),
                    "at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit",
                );
            }
            match value {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if !matches!(item, Value::String(_) | Value::Number(_) | Value::Bool(_)) {
                            w.error(
                                Code::WrongType,
                                &format!("{at}/{i}"),
                                format!("label values must be strings, not {}", type_name(item)),
                                "write each value as a string",
                            );
                        }
                    }
                }
                Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => {}
                other @ Value::Object(_) => w.error(
                    Code::WrongType,
                    &at,
                    format!(
                        "a label value must be a string or a list of strings, not {}",
                        type_name(other)
                    ),
                    "write `team: payments` or `team: [payments, checkout]`",
                ),
            }
        }
    }
    if let Some(annotations) = w.map_at(&meta, "annotations", "`annotations`") {
        for (key, value) in annotations.map {
            let at = annotations.child(key);
            if !is_annotation_key(key) {
                w.error_at_key(
                    Code::InvalidValue,
                    &at,
                    format!("annotation key `{key}` is not a valid OpenSLO annotation key"),
                    "an optional DNS-subdomain prefix and `/`, then a name of at most 63 letters, digits, `-`, `_` and `.`, e.g. `example.com/owner`",
                );
            }
            if !matches!(value, Value::String(_) | Value::Null) {
                w.error(
                    Code::WrongType,
                    &at,
                    format!(
                        "annotation values must be strings, not {}",
                        type_name(value)
                    ),
                    "quote the value",
                );
            }
        }
    }
    let name = dns_label(w, &meta.child("name"), name?, "`metadata.name`")?;
    Some(Metadata {
        name,
        display_name,
        loc: w.loc(pointer),
    })
}

pub(super) fn is_name_segment(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    !chars.is_empty()
        && chars.len() <= 63
        && chars[0].is_ascii_alphanumeric()
        && chars[chars.len() - 1].is_ascii_alphanumeric()
        && chars
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

pub(super) fn is_label_key(key: &str) -> bool {
    is_name_segment(key)
}

pub(super) fn is_annotation_key(key: &str) -> bool {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let prefix_ok = prefix.is_none_or(|p| {
        p.len() <= 253
            && p.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            })
    });
    prefix_ok && is_name_segment(name)
}

pub(super) fn description(w: &mut Walk, spec: &Map) -> Option<String> {
    let text = w.string(spec, "description")?;
    let length = text.chars().count();
    if length > 1050 {
        w.error(
            Code::InvalidValue,
            &spec.child("description"),
            format!("`description` has {length} characters; OpenSLO allows at most 1050"),
            "shorten the description",
        );
    }
    Some(text.to_owned())
}
