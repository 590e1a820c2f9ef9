//! Diagnostics: stable codes, source spans, help text, and rendering.
//!
//! Every problem slofile finds in its input becomes a [`Diagnostic`]. Stages collect them rather
//! than stop at the first, so a user fixes a whole file in one round trip.

use std::fmt::{self, Write as _};
use std::sync::Arc;

/// A byte range in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ByteSpan {
    pub offset: usize,
    pub len: usize,
}

/// One input file, kept whole so diagnostics can quote it.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user gave it, with `/` separators ([`display_path`]).
    pub name: String,
    pub text: String,
}

impl SourceFile {
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A path as shown to users, in diagnostics and messages: as given, with `/` separators.
pub fn display_path(path: &std::path::Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Where a validated value was written, so that later stages can point at it.
#[derive(Debug, Clone)]
pub struct Origin {
    pub file: Arc<SourceFile>,
    pub span: ByteSpan,
}

// Origins locate values; they are not part of a value's meaning, so equal specs compare equal
// wherever they were written.
impl PartialEq for Origin {
    fn eq(&self, _: &Origin) -> bool {
        true
    }
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

macro_rules! codes {
    ($($variant:ident => $name:literal, $summary:literal;)*) => {
        /// A stable diagnostic code. Codes are part of the public interface: never rename one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// Every code with a one-line summary, in documentation order.
            pub const ALL: &'static [(Code, &'static str)] = &[$((Code::$variant, $summary),)*];

            /// The code as printed, e.g. `slofile::unknown_field`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => concat!("slofile::", $name),)* }
            }
        }
    };
}

codes! {
    Io => "io", "A file or directory could not be read or written.";
    NotUtf8 => "not_utf8", "A spec file is not valid UTF-8.";
    YamlSyntax => "yaml_syntax", "The file is not well-formed YAML, or repeats a key.";
    InputBudget => "input_budget", "The input is too large, too deep, or expands too many aliases.";
    EmptyDocument => "empty_document", "A file or a YAML document holds no spec.";
    UnknownFormat => "unknown_format", "A document's `apiVersion` (or `version`) is not one slofile reads.";
    UnknownField => "unknown_field", "A key the spec language does not have; often a typo.";
    MissingField => "missing_field", "A required key is absent.";
    WrongType => "wrong_type", "A value has the wrong type, e.g. a list where a string belongs.";
    InvalidValue => "invalid_value", "A value is not one of the allowed ones.";
    UnknownSliKind => "unknown_sli_kind", "The `sli` names a kind slofile does not know.";
    ObjectiveRange => "objective_range", "An objective is not strictly between 0% and 100%.";
    ObjectiveLooksLikeRatio => "objective_ratio_like", "A bare objective below 1 that was probably meant as a ratio.";
    MissingObjective => "missing_objective", "An SLO needs an objective and has none, or has one it cannot use.";
    InvalidDuration => "invalid_duration", "A duration does not parse, or is zero or negative.";
    InvalidQuantity => "invalid_quantity", "A number, percentage or threshold does not parse or is out of range.";
    InvalidId => "invalid_id", "An id is not lower-case letters, digits and dashes, or a Sloth name is one Sloth rejects.";
    DuplicateId => "duplicate_id", "Two SLOs, channels, policies or alerts share an id.";
    DuplicateService => "duplicate_service", "Two inputs define the same service.";
    UnknownReference => "unknown_reference", "A channel, severity or policy reference names nothing.";
    PercentileRange => "percentile_range", "A percentile is not strictly between 0 and 100.";
    LatencyThreshold => "latency_threshold", "A latency threshold is not positive or is not a bucket boundary.";
    PromqlSyntax => "promql_syntax", "A PromQL expression does not parse.";
    ConflictingFields => "conflicting_fields", "Two keys that exclude each other are both given, or neither.";
    WindowOrder => "window_order", "A tier's short window is not shorter than its long window, or longer than the SLO window.";
    InvalidUrl => "invalid_url", "A URL is not an absolute http(s) URL.";
    ProbeInterval => "probe_interval", "A probe interval is too short for its provider, or not whole seconds.";
    ProbeTimeout => "probe_timeout", "A probe timeout is not whole seconds from 1 s to 60 s, what UptimeRobot and Sentry accept.";
    TierCannotFire => "tier_cannot_fire", "A burn-rate tier that can never fire: its threshold is at or above 100% errors, or its long window never holds `min_events` samples.";
    NoPrometheusRules => "no_prometheus_rules", "An SLO measured outside Prometheus produces no Prometheus rules.";
    PromqlShape => "promql_shape", "User PromQL has a shape slofile cannot build an SLI from, e.g. it already applies `rate()`.";
    MinEventsIgnored => "min_events_ignored", "`min_events` cannot be enforced because the SLI gives no event counts, or because `--compat sloth` rules have no place for it.";
    TimeWeightedCompliance => "time_weighted_compliance", "Compliance is averaged over time, not weighted by traffic, because the SLI gives no event counts.";
    ArithmeticOverflow => "arithmetic_overflow", "Numbers too precise or too large to compute with exactly.";
    SentryWindow => "sentry_window", "A burn-rate window or probe interval was mapped to the nearest one Sentry allows.";
    SentryUnsupported => "sentry_unsupported", "Something the spec asks for that the Sentry API cannot express; it is left out of the Sentry output.";
    Template => "template", "A documentation template failed to load or render.";
    StaleOutput => "stale_output", "`check` found generated files that differ from what `build` would write.";
    UnsupportedSource => "unsupported_source", "An OpenSLO SLI reads from a data source other than Prometheus.";
    UnsupportedFeature => "unsupported_feature", "An OpenSLO or Sloth feature slofile cannot compile faithfully, such as calendar windows or plugins.";
    NoAlertPolicy => "no_alert_policy", "An OpenSLO SLO without alert policies gets no burn-rate alerts.";
    NotCarried => "not_carried", "A field of an OpenSLO or Sloth spec that has no equivalent in slofile's output.";
    ApproximateDuration => "approximate_duration", "An OpenSLO duration in months, quarters or years, read as 30, 90 or 365 days.";
    AlertNotEvaluated => "alert_not_evaluated", "A static alert that no system evaluates; give its SLI a Prometheus measure, or mark it `documentation_only`. With `--compat sloth`, also the static and missing-data alerts Sloth-shaped rules leave out.";
    DefaultPeriod => "default_period", "An OpenSLO v1alpha SLO without `timeWindows`, read with Sloth's default period of 30 days.";
    ForeignObject => "foreign_object", "A Kubernetes object that is no SLO (a ConfigMap, a Route) in a file of manifests; it is skipped.";
    BudgetPolicy => "budget_policy", "An error-budget policy whose warning does not come before its freeze, or whose recent-burn window is longer than an SLO window that follows it.";
    LatencyUnit => "latency_unit", "A latency threshold in one unit compared with a histogram in another, such as a milliseconds histogram and a threshold in seconds.";
    QuotedNumber => "quoted_number", "A number written as a string, such as an OpenSLO `target: \"0.99\"`; it is read as the number.";
    UpperCaseName => "upper_case_name", "An OpenSLO name or reference with upper-case letters, which OpenSLO forbids; it is read in lower case.";
    ConfigSyntax => "config_syntax", "`slofile.toml` is not valid TOML.";
    ConfigUnknownKey => "config_unknown_key", "A section or key of `slofile.toml` that slofile does not have; often a typo.";
    ConfigInvalidValue => "config_invalid_value", "A value of `slofile.toml` of the wrong type, or one its flag does not take.";
}

impl Code {
    /// The default text under the marked node.
    pub fn label(self) -> &'static str {
        match self {
            Code::ObjectiveRange | Code::PercentileRange => "out of range",
            Code::ObjectiveLooksLikeRatio => "a ratio?",
            Code::InvalidDuration => "not a valid duration",
            Code::InvalidQuantity => "not a valid number",
            Code::InvalidId => "invalid id",
            Code::DuplicateId | Code::DuplicateService => "used before",
            Code::UnknownReference => "names nothing",
            Code::LatencyThreshold => "not a bucket boundary",
            Code::PromqlSyntax => "does not parse",
            Code::WindowOrder => "window out of order",
            Code::BudgetPolicy => "inconsistent policy",
            Code::InvalidUrl => "not an http(s) URL",
            Code::ProbeInterval => "interval too short",
            Code::ProbeTimeout => "timeout out of range",
            Code::MissingField | Code::MissingObjective => "incomplete",
            Code::UnsupportedSource => "not Prometheus",
            Code::UnsupportedFeature => "not supported",
            Code::NoAlertPolicy => "no alerts",
            Code::NotCarried => "not carried",
            Code::ApproximateDuration => "approximate",
            Code::DefaultPeriod => "no window",
            Code::QuotedNumber => "a number in quotes",
            Code::UpperCaseName => "upper-case letters",
            // The message says it all (two conflicting fields, a wrong type, a bad file).
            _ => "here",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem (or note) about the input.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub file: Option<Arc<SourceFile>>,
    pub span: Option<ByteSpan>,
    /// Text next to the underlined node; defaults to a short form of the message.
    pub label: Option<String>,
}

impl Diagnostic {
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            help: None,
            file: None,
            span: None,
            label: None,
        }
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn info(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Info,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn at(mut self, file: &Arc<SourceFile>, span: ByteSpan) -> Self {
        self.file = Some(Arc::clone(file));
        self.span = Some(span);
        self
    }

    pub fn at_origin(self, origin: &Origin) -> Self {
        self.at(&origin.file, origin.span)
    }

    pub fn in_file(mut self, file: &Arc<SourceFile>) -> Self {
        self.file = Some(Arc::clone(file));
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// `file:line:col`, or as much of it as is known.
    pub fn location(&self) -> Option<(String, usize, usize)> {
        let file = self.file.as_ref()?;
        let (line, col) = self.span.map_or((1, 1), |s| file.line_col(s.offset));
        Some((file.name.clone(), line, col))
    }

    /// Whether the source snippet is small enough to show: a few thousand bytes on lines of
    /// reasonable length. Machine-written specs can hold a whole document on one line.
    fn snippet_fits(&self) -> bool {
        const MAX_LINE: usize = 1000;
        const MAX_SPAN: usize = 4000;
        let (Some(file), Some(span)) = (&self.file, self.span) else {
            return true;
        };
        // Bytes, not characters: an offset may fall inside a character of a file that was not
        // UTF-8, and only the sizes matter here.
        let bytes = file.text.as_bytes();
        let start = span.offset.min(bytes.len());
        let end = span.offset.saturating_add(span.len).min(bytes.len());
        let line_start = bytes[..start]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line_end = bytes[end..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| end + i);
        span.len <= MAX_SPAN
            && bytes[line_start..line_end]
                .split(|&b| b == b'\n')
                .all(|line| line.len() <= MAX_LINE)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// A diagnostic rendered without its source snippet: for spans on lines too long to show (the
/// renderer cannot pad past 65,535 columns) or spans too large to print.
#[derive(Debug)]
struct WithoutSnippet<'a>(&'a Diagnostic);

impl fmt::Display for WithoutSnippet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for WithoutSnippet<'_> {}

impl miette::Diagnostic for WithoutSnippet<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        miette::Diagnostic::code(self.0)
    }

    fn severity(&self) -> Option<miette::Severity> {
        miette::Diagnostic::severity(self.0)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        miette::Diagnostic::help(self.0)
    }
}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.file
            .as_ref()
            .map(|f| &f.text as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let span = self.span?;
        let label = self
            .label
            .clone()
            .unwrap_or_else(|| self.code.label().to_owned());
        Some(Box::new(std::iter::once(miette::LabeledSpan::new(
            Some(label),
            span.offset,
            span.len,
        ))))
    }
}

/// Diagnostics collected over a run.
#[derive(Debug, Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub fn extend(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        self.diagnostics.extend(diagnostics);
    }

    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    /// Whether the run fails: any error, or any warning under `--deny-warnings`.
    pub fn fails(&self, deny_warnings: bool) -> bool {
        self.error_count() > 0 || (deny_warnings && self.warning_count() > 0)
    }

    /// Diagnostics in a stable order: by file, position, then code.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut sorted: Vec<&Diagnostic> = self.diagnostics.iter().collect();
        sorted.sort_by(|a, b| {
            let key = |d: &Diagnostic| {
                (
                    d.file.as_ref().map(|f| f.name.clone()),
                    d.span.map(|s| s.offset),
                    d.code,
                    d.message.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
        sorted.dedup_by(|a, b| {
            a.code == b.code && a.span == b.span && a.message == b.message && same_file(a, b)
        });
        sorted
    }
}

fn same_file(a: &Diagnostic, b: &Diagnostic) -> bool {
    a.file.as_ref().map(|f| &f.name) == b.file.as_ref().map(|f| &f.name)
}

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// miette's graphical report; colour only on a terminal, never with `NO_COLOR`.
    Human,
    /// The same report without colour or Unicode art, for logs and snapshots.
    Plain,
    /// One JSON object per line: code, severity, message, file, line, column, help.
    Json,
    /// GitHub Actions workflow commands (`::error file=...`), shown as annotations on the PR.
    Github,
}

/// Renders diagnostics in the given format. `color` applies to `human` only.
pub fn render(diagnostics: &[&Diagnostic], format: Format, color: bool) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        match format {
            // Notes are many in a large build (one per SLO a backend skips, say) and need no
            // snippet: one line each, and the help.
            Format::Human | Format::Plain if diagnostic.severity == Severity::Info => {
                if let Some((file, line, col)) = diagnostic.location() {
                    let _ = write!(out, "{file}:{line}:{col}: ");
                }
                let _ = writeln!(
                    out,
                    "note[{}]: {}",
                    diagnostic.code.as_str(),
                    diagnostic.message
                );
                if let Some(help) = &diagnostic.help {
                    let _ = writeln!(out, "  help: {help}");
                }
            }
            Format::Human | Format::Plain => {
                let theme = match (format, color) {
                    (Format::Human, true) => miette::GraphicalTheme::unicode(),
                    (Format::Human, false) => miette::GraphicalTheme::unicode_nocolor(),
                    _ => miette::GraphicalTheme::none(),
                };
                let handler = miette::GraphicalReportHandler::new_themed(theme)
                    .with_width(100)
                    .with_links(false);
                let mut text = String::new();
                if let Some((file, line, col)) = diagnostic.location() {
                    text.push_str(&format!("{file}:{line}:{col}\n"));
                }
                if diagnostic.snippet_fits() {
                    let _ = handler.render_report(&mut text, *diagnostic);
                } else {
                    let _ = handler.render_report(&mut text, &WithoutSnippet(diagnostic));
                }
                out.push_str(&text);
                if !out.ends_with('\n') {
                    out.push('\n');
                }
            }
            Format::Json => {
                let (file, line, column) = diagnostic
                    .location()
                    .map_or((None, None, None), |(f, l, c)| (Some(f), Some(l), Some(c)));
                let severity = match diagnostic.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Info => "info",
                };
                let value = serde_json::json!({
                    "code": diagnostic.code.as_str(),
                    "severity": severity,
                    "message": diagnostic.message,
                    "file": file,
                    "line": line,
                    "column": column,
                    "help": diagnostic.help,
                });
                out.push_str(&value.to_string());
                out.push('\n');
            }
            Format::Github => {
                let command = match diagnostic.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Info => "notice",
                };
                let mut properties = Vec::new();
                if let Some((file, line, col)) = diagnostic.location() {
                    properties.push(format!("file={}", github_property(&file)));
                    properties.push(format!("line={line}"));
                    properties.push(format!("col={col}"));
                }
                // The code contains `::`, which would end the properties: it must be escaped.
                properties.push(format!(
                    "title={}",
                    github_property(diagnostic.code.as_str())
                ));
                let mut message = diagnostic.message.clone();
                if let Some(help) = &diagnostic.help {
                    message.push_str("\nhelp: ");
                    message.push_str(help);
                }
                out.push_str(&format!(
                    "::{command} {}::{}\n",
                    properties.join(","),
                    github_data(&message)
                ));
            }
        }
    }
    out
}

// Escaping rules of GitHub workflow commands: data escapes %, CR and LF; properties also , and :.
/// A GitHub workflow command's message, escaped.
pub fn github_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A GitHub workflow command's property value (`title=…`), escaped.
pub fn github_property(text: &str) -> String {
    github_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Levenshtein distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

/// Names in backticks, joined by `separator`: `` `a`, `b` `` or `` `a` or `b` ``.
pub fn quoted<'a>(names: impl IntoIterator<Item = &'a str>, separator: &str) -> String {
    names
        .into_iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(separator)
}

/// The help for `word`, which is none of `candidates`: "did you mean `x`?" when one of them is a
/// likely typo of it, else `otherwise()`.
pub fn typo_help<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    otherwise: impl FnOnce() -> String,
) -> String {
    match did_you_mean(word, candidates) {
        Some(suggestion) => format!("did you mean `{suggestion}`?"),
        None => otherwise(),
    }
}

/// The closest candidate to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(distance, c)| *distance <= (c.len().max(word.len()) / 3).max(1))
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let file = SourceFile {
            name: "x.yaml".into(),
            text: "a: 1\nbé: 2\n".into(),
        };
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(5), (2, 1));
        // "é" is two bytes; the ':' after it is the third character.
        assert_eq!(file.line_col(8), (2, 3));
    }

    #[test]
    fn typos_get_suggestions() {
        assert_eq!(did_you_mean("servce", ["service", "slos"]), Some("service"));
        assert_eq!(
            did_you_mean("objectve", ["objective", "window"]),
            Some("objective")
        );
        assert_eq!(did_you_mean("zzz", ["service", "slos"]), None);
    }

    #[test]
    fn codes_are_unique_and_prefixed() {
        let mut seen = std::collections::HashSet::new();
        for (code, _) in Code::ALL {
            assert!(code.as_str().starts_with("slofile::"));
            assert!(seen.insert(code.as_str()), "{code} twice");
        }
    }

    #[test]
    fn github_escapes_newlines_and_commas() {
        assert_eq!(github_data("a\nb%"), "a%0Ab%25");
        assert_eq!(github_property("a,b:c"), "a%2Cb%3Ac");
    }
}
