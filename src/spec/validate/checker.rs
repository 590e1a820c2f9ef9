//! [`Checker`]: checks of single values at YAML nodes (ids, durations, quantities, PromQL, label
//! names, references), shared by the readers of every spec format so that the same value gets
//! the same diagnostic whatever the format.

use super::defaults::RESERVED_LABELS;
use crate::diagnostics::{Code, Diagnostic, Origin, SourceFile, quoted, typo_help};
use crate::spec::Threshold;
use crate::spec::raw::Quantity;
use crate::spec::yaml_reader::Document;
use crate::units::{Duration, Ratio};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// An id made of `text` (the slug of ids, object and file names): lower-case ASCII letters and
/// digits, every run of other characters turned into one dash.
pub(crate) fn suggest_id(text: &str) -> String {
    let mut id = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            id.push(c);
        } else if !id.is_empty() && !id.ends_with('-') {
            id.push('-');
        }
    }
    id.trim_end_matches('-').to_owned()
}

/// Whether `id` is a valid id: lower-case letters, digits and dashes, at most 63, starting with a
/// letter or digit. Ids become file names and label values.
pub(crate) fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 63
        && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Checks of values at YAML nodes, each problem reported at its node. Shared with the readers of
/// other spec formats, so that the same value gets the same diagnostic whatever the format.
pub(crate) struct Checker<'a> {
    pub(crate) file: &'a Arc<SourceFile>,
    pub(crate) document: &'a Document,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    pub(crate) fn new(file: &'a Arc<SourceFile>, document: &'a Document) -> Self {
        Checker {
            file,
            document,
            diagnostics: Vec::new(),
        }
    }

    pub(super) fn push(
        &mut self,
        diagnostic: Diagnostic,
        span: crate::diagnostics::ByteSpan,
        help: String,
    ) {
        self.diagnostics
            .push(diagnostic.at(self.file, span).with_help(help));
    }

    pub(crate) fn error(
        &mut self,
        code: Code,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let span = self.document.span(pointer);
        self.push(Diagnostic::error(code, message), span, help.into());
    }

    /// An error about a key itself (a label name, say) rather than its value.
    pub(crate) fn error_at_key(
        &mut self,
        code: Code,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let span = self.document.key_span(pointer);
        self.push(Diagnostic::error(code, message), span, help.into());
    }

    pub(crate) fn warning(
        &mut self,
        code: Code,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let span = self.document.span(pointer);
        self.push(Diagnostic::warning(code, message), span, help.into());
    }

    pub(crate) fn info(
        &mut self,
        code: Code,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let span = self.document.span(pointer);
        self.push(Diagnostic::info(code, message), span, help.into());
    }

    pub(crate) fn origin(&self, pointer: &str) -> Origin {
        Origin {
            file: Arc::clone(self.file),
            span: self.document.span(pointer),
        }
    }

    pub(crate) fn id(&mut self, pointer: &str, id: &str, what: &str) {
        if !is_valid_id(id) {
            let suggestion = suggest_id(id);
            let help = if suggestion.is_empty() {
                "use lower-case letters, digits and dashes, starting with a letter or digit"
                    .to_owned()
            } else {
                format!(
                    "use lower-case letters, digits and dashes (at most 63), e.g. `{suggestion}`; ids become file names and label values"
                )
            };
            self.error(
                Code::InvalidId,
                pointer,
                format!("invalid {what} id `{id}`"),
                help,
            );
        }
    }

    pub(crate) fn unique<'s>(
        &mut self,
        items: impl IntoIterator<Item = (String, &'s str)>,
        what: &str,
    ) {
        let mut seen = HashSet::new();
        for (pointer, id) in items {
            if !seen.insert(id.to_owned()) {
                self.error(
                    Code::DuplicateId,
                    &pointer,
                    format!("{what} id `{id}` is used twice"),
                    format!("give every {what} its own id"),
                );
            }
        }
    }

    pub(crate) fn duration(&mut self, pointer: &str, text: &str) -> Option<Duration> {
        match Duration::parse(text) {
            Ok(d) => Some(d),
            Err(message) => {
                self.error(
                    Code::InvalidDuration,
                    pointer,
                    format!("invalid duration: {message}"),
                    "write a positive duration such as `30s`, `5m`, `1h30m` or `28d`",
                );
                None
            }
        }
    }

    /// A `for:` duration, where `0s` means "fire at once".
    pub(crate) fn hold_duration(&mut self, pointer: &str, text: &str) -> Option<Duration> {
        let zero = text.trim().trim_start_matches('0');
        if !text.trim().is_empty() && ["s", "m", "h", "ms", ""].contains(&zero) {
            return Some(Duration::default());
        }
        self.duration(pointer, text)
    }

    pub(super) fn optional_duration(
        &mut self,
        pointer: &str,
        text: Option<&str>,
    ) -> Option<Duration> {
        text.and_then(|t| self.duration(pointer, t))
    }

    pub(crate) fn quantity_text(quantity: &Quantity) -> String {
        match quantity {
            Quantity::Number(n) => n.to_string(),
            Quantity::Text(t) => t.trim().to_owned(),
        }
    }

    /// An objective: `99.5%`, or a bare number read as a percentage.
    pub(crate) fn objective(&mut self, pointer: &str, quantity: &Quantity) -> Option<Ratio> {
        let text = Self::quantity_text(quantity);
        let Some((value, is_percent)) = Ratio::parse_percent_or_number(&text) else {
            self.error(
                Code::InvalidQuantity,
                pointer,
                format!("objective `{text}` is not a percentage"),
                "write the objective as a percentage, e.g. `99.5%`",
            );
            return None;
        };
        let ratio = if is_percent {
            value
        } else if value < Ratio::ONE && !value.is_zero() {
            let as_percent = value.checked_mul(Ratio::integer(100)).ok()?;
            self.error(
                Code::ObjectiveLooksLikeRatio,
                pointer,
                format!("objective `{text}` would mean {text}%, which looks like a ratio"),
                format!("write it as a percentage: `{}%`", as_percent.to_decimal()),
            );
            return None;
        } else {
            value.checked_div(Ratio::integer(100)).ok()?
        };
        if ratio.is_zero() || ratio >= Ratio::ONE {
            let help = if ratio >= Ratio::ONE {
                "100% leaves no error budget, so no burn rate can be computed and every error breaks the SLO; use e.g. `99.9%`"
            } else {
                "an objective is the share of good events, strictly between 0% and 100%"
            };
            self.error(
                Code::ObjectiveRange,
                pointer,
                format!("objective `{text}` is not strictly between 0% and 100%"),
                help,
            );
            return None;
        }
        if ratio.denom() > 100_000_000_000 {
            self.error(
                Code::ArithmeticOverflow,
                pointer,
                format!("objective `{text}` has more precision than slofile computes with"),
                "use at most 9 decimal places in the percentage",
            );
            return None;
        }
        Some(ratio)
    }

    pub(crate) fn percentile(&mut self, pointer: &str, quantity: &Quantity) -> Option<Ratio> {
        let text = Self::quantity_text(quantity);
        let text = text.trim_start_matches(['p', 'P']);
        let value = Ratio::parse_percent_or_number(text).map(|(v, is_percent)| {
            if is_percent {
                v.checked_mul(Ratio::integer(100)).unwrap_or(v)
            } else {
                v
            }
        });
        match value {
            Some(v) if !v.is_zero() && v < Ratio::integer(100) && v.denom() <= 1_000_000 => Some(v),
            _ => {
                self.error(
                    Code::PercentileRange,
                    pointer,
                    format!("percentile `{text}` is not strictly between 0 and 100"),
                    "write a percentile such as `50`, `95` or `99.9`",
                );
                None
            }
        }
    }

    pub(super) fn threshold(&mut self, pointer: &str, quantity: &Quantity) -> Option<Threshold> {
        let text = Self::quantity_text(quantity);
        if let Some((value, is_percent)) = Ratio::parse_percent_or_number(&text) {
            return Some(if is_percent {
                Threshold::Percent(value)
            } else {
                Threshold::Number(value)
            });
        }
        if let Ok(duration) = Duration::parse(&text) {
            return Some(Threshold::Duration(duration));
        }
        self.error(
            Code::InvalidQuantity,
            pointer,
            format!("threshold `{text}` is not a non-negative number, percentage or duration"),
            "write e.g. `50`, `1%` or `500ms`",
        );
        None
    }

    pub(super) fn positive_factor(&mut self, pointer: &str, quantity: &Quantity) -> Option<Ratio> {
        let text = Self::quantity_text(quantity);
        match Ratio::parse_decimal(&text) {
            Some(v) if !v.is_zero() && v.denom() <= 1_000_000 => Some(v),
            _ => {
                self.error(
                    Code::InvalidQuantity,
                    pointer,
                    format!("burn-rate factor `{text}` is not a positive number"),
                    "write a factor such as `14.4` or `6`",
                );
                None
            }
        }
    }

    pub(super) fn budget_share(&mut self, pointer: &str, quantity: &Quantity) -> Option<Ratio> {
        let text = Self::quantity_text(quantity);
        match Ratio::parse_percent_or_number(&text) {
            Some((v, true)) if !v.is_zero() && v <= Ratio::ONE && v.denom() <= 1_000_000 => Some(v),
            _ => {
                self.error(
                    Code::InvalidQuantity,
                    pointer,
                    format!("budget share `{text}` is not a percentage in (0%, 100%]"),
                    "write the share of the window's budget spent when the tier fires, e.g. `2%`",
                );
                None
            }
        }
    }

    /// Parses PromQL and reports its syntax error at the expression's node.
    pub(crate) fn promql(&mut self, pointer: &str, query: &str) -> bool {
        if let Err(message) = crate::promql::within_budget(query) {
            self.error(
                Code::InputBudget,
                pointer,
                format!("PromQL too large to read: {message}"),
                "split the expression into recording rules, or simplify it",
            );
            return false;
        }
        match crate::promql::check(query) {
            Ok(()) => true,
            Err(message) => {
                let message = message.lines().next().unwrap_or("syntax error").to_owned();
                self.error(
                    Code::PromqlSyntax,
                    pointer,
                    format!("PromQL does not parse: {message}"),
                    "check brackets, quotes and label matchers; the expression must be an instant vector",
                );
                false
            }
        }
    }

    pub(crate) fn reference(&mut self, pointer: &str, name: &str, known: &[&str], what: &str) {
        if !known.contains(&name) {
            let help = typo_help(name, known.iter().copied(), || {
                if known.is_empty() {
                    format!("define the {what} first")
                } else {
                    format!("known {what}s: {}", quoted(known.iter().copied(), ", "))
                }
            });
            self.error(
                Code::UnknownReference,
                pointer,
                format!("unknown {what} `{name}`"),
                help,
            );
        }
    }

    pub(crate) fn labels(&mut self, pointer: &str, labels: &BTreeMap<String, String>) {
        for name in labels.keys() {
            let child = format!(
                "{pointer}/{}",
                crate::spec::yaml_reader::escape_pointer(name)
            );
            self.label_name(&child, name, true);
        }
    }

    pub(crate) fn label_name(&mut self, pointer: &str, name: &str, at_key: bool) {
        let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with("__");
        let (message, help) = if !valid {
            (
                format!("`{name}` is not a valid Prometheus label name"),
                "label names are letters, digits and underscores, not starting with a digit or `__`".to_owned(),
            )
        } else if RESERVED_LABELS.contains(&name) {
            (
                format!("label `{name}` is set by slofile itself"),
                format!(
                    "slofile sets {}; choose another name",
                    RESERVED_LABELS.join(", ")
                ),
            )
        } else {
            return;
        };
        if at_key {
            self.error_at_key(Code::InvalidValue, pointer, message, help);
        } else {
            self.error(Code::InvalidValue, pointer, message, help);
        }
    }
}
