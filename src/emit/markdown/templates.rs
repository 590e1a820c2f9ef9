//! Templates: loading, with the user's overrides; the filters templates use; template errors as
//! diagnostics.

use super::TEMPLATES;
use super::escape::{cell, fence, inline};
use crate::diagnostics::{ByteSpan, Code, Diagnostic, SourceFile};
use crate::spec::load::Overrides;
use crate::units::{Duration, Ratio};
use crate::wording::code;
use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior, Value};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

pub(super) struct Renderer {
    env: Environment<'static>,
    overrides: Arc<Overrides>,
    /// Names of the override templates the loader used.
    used: Arc<Mutex<BTreeSet<String>>>,
}

impl Renderer {
    pub(super) fn new(overrides: Overrides) -> Renderer {
        let used = Arc::new(Mutex::new(BTreeSet::new()));
        let overrides = Arc::new(overrides);
        let env = environment(Arc::clone(&overrides), Arc::clone(&used));
        Renderer {
            env,
            overrides,
            used,
        }
    }

    pub(super) fn render(&self, name: &str, context: Value) -> Result<String, Error> {
        let template = self.env.get_template(name)?;
        Ok(tidy(&template.render(context)?))
    }

    /// Where a template comes from, as the user would open it.
    fn path_of(&self, name: &str) -> String {
        self.overrides
            .path_of(name)
            .unwrap_or_else(|| format!("templates/{name}"))
    }

    /// A template error as a located `slofile::template` diagnostic.
    pub(super) fn diagnostic(&self, error: &Error) -> Diagnostic {
        // Errors raised inside an include carry the innermost template's position.
        let mut innermost = error;
        while let Some(cause) = std::error::Error::source(innermost)
            .and_then(|c| c.downcast_ref::<Error>())
            .filter(|c| c.name().is_some())
        {
            innermost = cause;
        }
        let name = innermost.name().unwrap_or("?");
        let what = match innermost.detail() {
            Some(detail) => format!("{}: {detail}", innermost.kind()),
            None => innermost.kind().to_string(),
        };
        let line = innermost
            .line()
            .map(|l| format!(", line {l}"))
            .unwrap_or_default();
        let path = self.path_of(name);
        let mut diagnostic =
            Diagnostic::error(Code::Template, format!("template `{path}`{line}: {what}"))
                .with_help(help_for(innermost.kind()));
        if let Some(source) = innermost.template_source() {
            let file = Arc::new(SourceFile {
                name: path,
                text: source.to_owned(),
            });
            let span = innermost
                .range()
                .map(|r| ByteSpan {
                    offset: r.start,
                    len: r.end.saturating_sub(r.start),
                })
                .or_else(|| innermost.line().map(|l| line_span(source, l)));
            diagnostic = match span {
                Some(span) => diagnostic.at(&file, span),
                None => diagnostic.in_file(&file),
            };
        }
        diagnostic
    }

    /// Templates directly in the override directory that no template loaded: most likely
    /// misspelt.
    pub(super) fn unused_overrides(&self) -> Vec<Diagnostic> {
        let Some(dir) = &self.overrides.dir else {
            return Vec::new();
        };
        let used = self.used.lock().map(|u| u.clone()).unwrap_or_default();
        self.overrides
            .files
            .keys()
            .filter(|n| !n.contains('/') && n.ends_with(".j2") && !used.contains(*n))
            .map(|name| {
                Diagnostic::warning(
                    Code::Template,
                    format!(
                        "template `{}` overrides nothing: no template uses it",
                        crate::diagnostics::display_path(&dir.join(name))
                    ),
                )
                .with_help(format!(
                    "an override must have the name of a built-in template ({}) or be included by one",
                    TEMPLATES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ))
            })
            .collect()
    }
}

pub(super) fn help_for(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::UndefinedError => {
            "templates are strict: every variable must exist in the view model; compare with the \
             built-in templates in `templates/` and the variables listed in `templates/README.md`"
        }
        ErrorKind::SyntaxError => {
            "fix the template syntax (minijinja, a Jinja2 dialect); the built-in templates in \
             `templates/` are working examples"
        }
        ErrorKind::TemplateNotFound => {
            "an included template exists neither in the override directory nor among the built-in \
             templates"
        }
        ErrorKind::UnknownFilter => {
            "the filters slofile adds are: percent, factor, decimal, duration, approx, rounded, \
             spoken, ms, adjective, cell, inline, code and fence"
        }
        _ => "check the template against the variables listed in `templates/README.md`",
    }
}

pub(super) fn line_span(source: &str, line: usize) -> ByteSpan {
    let offset: usize = source
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let len = source[offset.min(source.len())..]
        .find('\n')
        .unwrap_or(source.len().saturating_sub(offset));
    ByteSpan { offset, len }
}

/// The text of a template: the override of that name, else the built-in one.
pub(super) fn load_template(
    overrides: &Overrides,
    used: &Mutex<BTreeSet<String>>,
    name: &str,
) -> Option<String> {
    if let Some(text) = overrides.files.get(name) {
        if let Ok(mut used) = used.lock() {
            used.insert(name.to_owned());
        }
        return Some(text.clone());
    }
    TEMPLATES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| (*text).to_owned())
}

/// The template environment: strict undefined, no HTML escaping, and the filters templates need.
pub(super) fn environment(
    overrides: Arc<Overrides>,
    used: Arc<Mutex<BTreeSet<String>>>,
) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_debug(true);
    if let Ok(syntax) = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    // Loading cannot fail: a name that is neither overridden nor built in is simply not found.
    env.set_loader(move |name| Ok(load_template(&overrides, &used, name)));
    env.add_filter("percent", |v: &str| exact(v).map(Ratio::percent));
    env.add_filter("factor", |v: &str| exact(v).map(|r| r.significant(4)));
    env.add_filter("decimal", |v: &str| exact(v).map(Ratio::to_decimal));
    env.add_filter("duration", |ms: u64| Duration::from_millis(ms).human());
    env.add_filter("approx", |ms: u64| Duration::from_millis(ms).approx());
    env.add_filter("rounded", |ms: u64| Duration::from_millis(ms).rounded());
    env.add_filter("spoken", |ms: u64| Duration::from_millis(ms).spoken());
    env.add_filter("ms", |ms: u64| Duration::from_millis(ms).in_millis());
    env.add_filter("adjective", |ms: u64| Duration::from_millis(ms).adjective());
    env.add_filter("cell", |text: &str| cell(text));
    env.add_filter("inline", |text: &str| inline(text));
    env.add_filter("code", |text: &str| code(text));
    env.add_filter("fence", |text: &str| fence(text));
    env
}

/// Parses an exact ratio as the view model writes it (`199/200`), or a plain decimal.
pub(super) fn exact(text: &str) -> Result<Ratio, Error> {
    let parsed = match text.split_once('/') {
        Some((num, den)) => num
            .trim()
            .parse::<i128>()
            .ok()
            .zip(den.trim().parse::<i128>().ok())
            .and_then(|(n, d)| Ratio::new(n, d).ok()),
        None => Ratio::parse_decimal(text),
    };
    parsed.ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("`{text}` is not an exact ratio such as `199/200`"),
        )
    })
}

/// Collapses runs of blank lines outside code fences, so that templates may be written for
/// readability, and ends the file with exactly one newline.
pub(super) fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut fence: Option<String> = None;
    let mut blank_run = 0;
    for line in text.lines() {
        let trimmed = line.trim_start();
        match &fence {
            Some(open)
                if trimmed.starts_with(open.as_str())
                    && trimmed.trim_end().trim_start_matches('`').is_empty() =>
            {
                fence = None;
            }
            None if trimmed.starts_with("```") => {
                let ticks = trimmed.len() - trimmed.trim_start_matches('`').len();
                fence = Some("`".repeat(ticks));
            }
            None if line.trim().is_empty() => {
                blank_run += 1;
                continue;
            }
            // Any other line, inside a fence or out, is kept as it is.
            Some(_) | None => {}
        }
        if blank_run > 0 && !out.is_empty() {
            out.push('\n');
        }
        blank_run = 0;
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::markdown::view::Exact;

    #[test]
    fn exact_ratios_round_trip_through_templates() {
        let ratio = Ratio::new(28, 3000).unwrap();
        let text = serde_json::to_string(&Exact(ratio)).unwrap();
        assert_eq!(text, "\"7/750\"");
        assert_eq!(exact("7/750").unwrap(), ratio);
        assert_eq!(exact("0.5").unwrap(), Ratio::new(1, 2).unwrap());
        assert!(exact("1/0").is_err());
        assert!(exact("half").is_err());
    }

    #[test]
    fn tidy_collapses_blank_lines_but_not_inside_fences() {
        let text = "# T\n\n\n\npara\n```\na\n\n\nb\n```\n\n\n";
        assert_eq!(tidy(text), "# T\n\npara\n```\na\n\n\nb\n```\n");
    }

    #[test]
    fn line_spans_cover_one_line() {
        let source = "one\ntwo\nthree";
        assert_eq!(line_span(source, 2), ByteSpan { offset: 4, len: 3 });
        assert_eq!(line_span(source, 3), ByteSpan { offset: 8, len: 5 });
    }
}
