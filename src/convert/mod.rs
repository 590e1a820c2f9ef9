//! `slofile convert`: the specs of a run, printed in another format.
//!
//! - `--to slofile` writes native specs, one document per service, from any input: the migration
//!   path from OpenSLO and Sloth.
//! - `--to openslo` writes OpenSLO v1 objects, for tools that speak the standard.
//!
//! Both work from the compiled [`Plan`], so what is written is what slofile understood, numbers
//! included. What the target format cannot express is never dropped silently: a YAML comment
//! above the document says what was left out and why.

mod native;
mod openslo;
mod openslo_alerting;

use crate::compile::Plan;
use crate::units::Ratio;
use serde_json::Value;

use native::native_service;
use openslo::openslo_documents;

/// The format `convert` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// slofile's own `apiVersion: slofile/v1`.
    Slofile,
    /// OpenSLO v1 objects.
    Openslo,
}

/// One YAML document of the output, with the comment lines above it.
pub(super) struct Document {
    pub(super) comments: Vec<String>,
    pub(super) value: Value,
}

/// Converts every service of the plan.
pub fn convert(plan: &Plan, target: Target) -> String {
    let documents = match target {
        Target::Slofile => plan.services.iter().map(native_service).collect(),
        Target::Openslo => openslo_documents(plan),
    };
    render(&documents)
}

pub(super) fn render(documents: &[Document]) -> String {
    let mut out = String::new();
    let mut pending: Vec<&str> = Vec::new();
    let mut first = true;
    for document in documents {
        pending.extend(document.comments.iter().flat_map(|c| c.lines()));
        // A document of comments only would read back as an empty spec: its comments go on the
        // next document instead.
        if document.value.is_null() {
            continue;
        }
        if !first {
            out.push_str("---\n");
        }
        first = false;
        write_comments(&mut out, &pending);
        pending.clear();
        let text = serde_saphyr::to_string(&document.value)
            .unwrap_or_else(|_| serde_json::to_string_pretty(&document.value).unwrap_or_default());
        out.push_str(&text);
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    write_comments(&mut out, &pending);
    out
}

pub(super) fn write_comments(out: &mut String, lines: &[&str]) {
    for line in lines {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
}

/// A YAML number for an exact decimal: an integer when it has no fraction.
pub(super) fn number(decimal: &str) -> Value {
    if let Ok(i) = decimal.parse::<i64>() {
        return Value::from(i);
    }
    decimal
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or_else(|| Value::String(decimal.to_owned()), Value::Number)
}

pub(super) fn ratio_number(ratio: Ratio) -> Value {
    number(&ratio.to_decimal())
}

/// `99.5%`, exactly.
pub(super) fn percent_text(ratio: Ratio) -> String {
    let hundred = ratio.checked_mul(Ratio::integer(100)).unwrap_or(ratio);
    format!("{}%", hundred.to_decimal())
}

/// Whether the decimal of `ratio` is exact, or rounded to 12 significant digits.
pub(super) fn is_exact(ratio: Ratio) -> bool {
    ratio.exact_decimal().is_some_and(|d| d.len() <= 24)
}
