//! `slofile.toml`, the project config file: the defaults of command-line flags, so that every
//! `build`, `check`, `diff` and `status` of a project need not repeat them.
//!
//! The file is found as cargo and rustfmt find theirs: in the working directory or the nearest
//! parent; `--config PATH` names another, `--no-config` ignores it. Each key of [`KEYS`] sets the
//! default of one flag, in every command that has that flag, and has an environment variable,
//! `SLOFILE_<SECTION>_<KEY>`. A flag on the command line wins, then the environment variable, then
//! the file, then the flag's own default: the file's values become clap defaults
//! ([`flags::apply`]), so that clap's own order of sources decides.
//!
//! Reading the file ([`load`]) checks its shape: sections and keys that exist, strings where a
//! flag takes one value, arrays of strings where it takes several. [`flags::apply`] then checks
//! each value as the flag itself would, with the flag's own parser. Every problem is reported at
//! its key or value, all at once.

pub mod flags;
pub mod schema;

use crate::diagnostics::{self, ByteSpan, Code, Diagnostic, SourceFile, display_path};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The file's name, looked for in the working directory and its parents.
pub const FILE_NAME: &str = "slofile.toml";

/// One key of `slofile.toml`: `[section] name` sets the default of the flag whose clap id is
/// `arg`, in every command that has that flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub section: &'static str,
    pub name: &'static str,
    /// The clap id of the flag: the field name of its `#[arg]`.
    pub arg: &'static str,
}

impl Key {
    /// The environment variable that sets the same flag: `SLOFILE_<SECTION>_<KEY>`.
    pub fn variable(&self) -> String {
        format!("SLOFILE_{}_{}", self.section, self.name).to_uppercase()
    }

    /// `[section] name`, as messages name the key.
    pub fn shown(&self) -> String {
        format!("[{}] {}", self.section, self.name)
    }
}

const fn key(section: &'static str, name: &'static str, arg: &'static str) -> Key {
    Key { section, name, arg }
}

/// Every key of `slofile.toml`, in the order of the documentation and the schema. A new flag
/// becomes a key with one line here; its environment variable, its check and its schema follow
/// from the flag.
pub const KEYS: &[Key] = &[
    // How specs are read: every command that reads specs.
    key("input", "sloth_period", "sloth_period"),
    // `build` and `check`.
    key("build", "output", "output"),
    key("build", "outputs", "outputs"),
    key("build", "templates", "templates"),
    key("build", "prometheus_format", "prometheus_format"),
    key("build", "grafana_format", "grafana_format"),
    key("build", "alertmanager_format", "alertmanager_format"),
    key("build", "sentry_api", "sentry_api"),
    key("build", "compat", "compat"),
    // The generated Alertmanager configuration (`build`, `check`), and the Alertmanager of
    // `selftest` and `verify`.
    key("alertmanager", "smtp_smarthost", "smtp_smarthost"),
    key("alertmanager", "smtp_from", "smtp_from"),
    key("alertmanager", "url", "alertmanager"),
    // The Prometheus of the live commands (`live::args`).
    key("prometheus", "url", "prometheus"),
];

/// The sections, in order, each once.
pub fn sections() -> Vec<&'static str> {
    let mut sections: Vec<&'static str> = Vec::new();
    for key in KEYS {
        if !sections.contains(&key.section) {
            sections.push(key.section);
        }
    }
    sections
}

/// Which file to read, from `--config PATH` and `--no-config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// `slofile.toml` in the working directory or the nearest parent, if any.
    Search,
    /// `--config PATH`: this file, which must exist.
    File(PathBuf),
    /// `--no-config`.
    Ignore,
}

impl Choice {
    /// The choice in the raw arguments (the program name first). The file must be read before
    /// clap parses the arguments, since its values are clap's defaults; clap parses `--config`
    /// and `--no-config` again, and rejects them together.
    pub fn from_args(args: &[OsString]) -> Choice {
        let mut choice = Choice::Search;
        let mut args = args.iter().skip(1);
        while let Some(arg) = args.next() {
            let Some(text) = arg.to_str() else {
                continue;
            };
            match text {
                "--" => break,
                "--no-config" => return Choice::Ignore,
                "--config" => {
                    if let Some(path) = args.next() {
                        choice = Choice::File(PathBuf::from(path));
                    }
                }
                _ => {
                    if let Some(path) = text.strip_prefix("--config=") {
                        choice = Choice::File(PathBuf::from(path));
                    }
                }
            }
        }
        choice
    }
}

/// A key of the file and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub key: Key,
    pub value: Value,
    /// Where the value is written.
    pub span: ByteSpan,
}

/// A value as written: flags take strings, one or several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    One(String),
    /// An array of strings, each with its place.
    Several(Vec<(String, ByteSpan)>),
    /// Any other TOML value, by the name of its type (`an integer`).
    Other(&'static str),
}

/// The file as read: where it is, its settings, and the keys it should not have.
#[derive(Debug, Clone)]
pub struct Config {
    pub file: Arc<SourceFile>,
    /// The file's directory, as a path from the working directory: relative paths in the file
    /// are read from here, as cargo reads its own.
    pub dir: PathBuf,
    /// The keys slofile has, with their values; [`flags::apply`] checks the values.
    pub settings: Vec<Setting>,
    /// Unknown sections and keys.
    pub problems: Vec<Diagnostic>,
}

/// The file `choice` names, read. `Ok(None)` when there is none to read; `Err` when it cannot be
/// read or is not TOML.
pub fn load(choice: &Choice, cwd: &Path) -> Result<Option<Config>, Vec<Diagnostic>> {
    let path = match choice {
        Choice::Ignore => return Ok(None),
        Choice::File(path) => path.clone(),
        Choice::Search => match find(cwd) {
            Some(path) => path,
            None => return Ok(None),
        },
    };
    let text = std::fs::read_to_string(cwd.join(&path)).map_err(|error| {
        vec![
            Diagnostic::error(
                Code::Io,
                format!("cannot read `{}`: {error}", display_path(&path)),
            )
            .with_help("`--config PATH` names an existing slofile.toml; `--no-config` reads none"),
        ]
    })?;
    let file = Arc::new(SourceFile {
        name: display_path(&path),
        text,
    });
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let (settings, problems) = read(&file).map_err(|problem| vec![problem])?;
    Ok(Some(Config {
        file,
        dir,
        settings,
        problems,
    }))
}

/// `slofile.toml` in `cwd` or its nearest parent, as a path from `cwd`: `slofile.toml`,
/// `../slofile.toml`, …, so that messages and output paths stay as short as the user's.
pub fn find(cwd: &Path) -> Option<PathBuf> {
    let mut relative = PathBuf::new();
    for dir in cwd.ancestors() {
        if dir.join(FILE_NAME).is_file() {
            return Some(relative.join(FILE_NAME));
        }
        relative.push("..");
    }
    None
}

/// The settings of a file, and its unknown sections and keys; `Err` when it is not TOML.
fn read(file: &Arc<SourceFile>) -> Result<(Vec<Setting>, Vec<Diagnostic>), Diagnostic> {
    let root = toml::de::DeTable::parse(&file.text).map_err(|error| {
        let span = error.span().map_or_else(ByteSpan::default, span_of);
        Diagnostic::error(
            Code::ConfigSyntax,
            format!(
                "`{}` is not valid TOML: {}",
                file.name,
                error.message().trim()
            ),
        )
        .at(file, span)
        .with_help("see https://toml.io for the syntax")
    })?;
    let mut settings = Vec::new();
    let mut problems = Vec::new();
    let sections = sections();
    for (name, value) in root.get_ref() {
        let name_span = span_of(name.span());
        let Some(table) = value.get_ref().as_table() else {
            problems.push(top_level_key(file, name.get_ref(), name_span));
            continue;
        };
        let Some(section) = sections.iter().find(|s| **s == name.get_ref().as_ref()) else {
            problems.push(
                Diagnostic::error(
                    Code::ConfigUnknownKey,
                    format!("`{}` has no section `[{}]`", file.name, name.get_ref()),
                )
                .at(file, name_span)
                .with_label("unknown section")
                .with_help(diagnostics::typo_help(
                    name.get_ref(),
                    sections.iter().copied(),
                    || format!("the sections are {}", section_list(&sections)),
                )),
            );
            continue;
        };
        for (key_name, value) in table {
            let Some(key) = KEYS
                .iter()
                .find(|k| k.section == *section && k.name == key_name.get_ref().as_ref())
            else {
                problems.push(unknown_key(
                    file,
                    section,
                    key_name.get_ref(),
                    span_of(key_name.span()),
                ));
                continue;
            };
            settings.push(Setting {
                key: *key,
                value: as_value(value.get_ref()),
                span: span_of(value.span()),
            });
        }
    }
    Ok((settings, problems))
}

fn as_value(value: &toml::de::DeValue<'_>) -> Value {
    match value {
        toml::de::DeValue::String(text) => Value::One(text.to_string()),
        toml::de::DeValue::Array(items) => items
            .iter()
            .map(|item| {
                let text = item.get_ref().as_str()?;
                Some((text.to_owned(), span_of(item.span())))
            })
            .collect::<Option<Vec<_>>>()
            .map_or(
                Value::Other("an array holding other than strings"),
                Value::Several,
            ),
        other => Value::Other(toml_type(other)),
    }
}

/// A TOML type as messages name it.
fn toml_type(value: &toml::de::DeValue<'_>) -> &'static str {
    match value {
        toml::de::DeValue::String(_) => "a string",
        toml::de::DeValue::Integer(_) => "an integer",
        toml::de::DeValue::Float(_) => "a float",
        toml::de::DeValue::Boolean(_) => "a boolean",
        toml::de::DeValue::Datetime(_) => "a date-time",
        toml::de::DeValue::Array(_) => "an array",
        toml::de::DeValue::Table(_) => "a table",
    }
}

fn span_of(range: std::ops::Range<usize>) -> ByteSpan {
    ByteSpan {
        offset: range.start,
        len: range.end.saturating_sub(range.start),
    }
}

fn section_list(sections: &[&str]) -> String {
    diagnostics::quoted(sections.iter().map(|s| s.trim()).collect::<Vec<_>>(), ", ")
}

fn unknown_key(file: &Arc<SourceFile>, section: &str, name: &str, span: ByteSpan) -> Diagnostic {
    let names: Vec<&str> = KEYS
        .iter()
        .filter(|k| k.section == section)
        .map(|k| k.name)
        .collect();
    let elsewhere: Vec<String> = KEYS
        .iter()
        .filter(|k| k.section != section && k.name == name)
        .map(Key::shown)
        .collect();
    Diagnostic::error(
        Code::ConfigUnknownKey,
        format!("`[{section}]` has no key `{name}`"),
    )
    .at(file, span)
    .with_label("unknown key")
    .with_help(if elsewhere.is_empty() {
        diagnostics::typo_help(name, names.iter().copied(), || {
            format!(
                "`[{section}]` takes {}",
                diagnostics::quoted(names.iter().copied(), ", ")
            )
        })
    } else {
        format!(
            "`{name}` belongs in another section: {}",
            diagnostics::quoted(elsewhere.iter().map(String::as_str), " or ")
        )
    })
}

/// A key outside any section: every key of the file belongs to one.
fn top_level_key(file: &Arc<SourceFile>, name: &str, span: ByteSpan) -> Diagnostic {
    let homes: Vec<String> = KEYS
        .iter()
        .filter(|k| k.name == name)
        .map(Key::shown)
        .collect();
    Diagnostic::error(
        Code::ConfigUnknownKey,
        format!("`{name}` is outside any section of `{}`", file.name),
    )
    .at(file, span)
    .with_label("not in a section")
    .with_help(if homes.is_empty() {
        format!("keys go under a section: {}", section_list(&sections()))
    } else {
        format!(
            "write it under its section: {}",
            diagnostics::quoted(homes.iter().map(String::as_str), " or ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_choice_comes_from_config_flags_before_a_double_dash() {
        assert_eq!(
            Choice::from_args(&args(&["slofile", "build", "x"])),
            Choice::Search
        );
        assert_eq!(
            Choice::from_args(&args(&["slofile", "--config", "a.toml", "build"])),
            Choice::File("a.toml".into())
        );
        assert_eq!(
            Choice::from_args(&args(&["slofile", "build", "--config=b.toml"])),
            Choice::File("b.toml".into())
        );
        assert_eq!(
            Choice::from_args(&args(&["slofile", "build", "--no-config"])),
            Choice::Ignore
        );
        assert_eq!(
            Choice::from_args(&args(&["slofile", "build", "--", "--no-config"])),
            Choice::Search
        );
    }

    #[test]
    fn every_key_has_its_own_variable() {
        let mut variables: Vec<String> = KEYS.iter().map(Key::variable).collect();
        assert!(variables.contains(&"SLOFILE_PROMETHEUS_URL".to_owned()));
        assert!(variables.contains(&"SLOFILE_BUILD_PROMETHEUS_FORMAT".to_owned()));
        variables.sort();
        variables.dedup();
        assert_eq!(variables.len(), KEYS.len());
    }

    #[test]
    fn the_live_commands_name_the_variables_of_their_keys() {
        let variable = |arg: &str| KEYS.iter().find(|k| k.arg == arg).map(Key::variable);
        assert_eq!(
            variable("prometheus").as_deref(),
            Some(crate::live::args::URL_VARIABLE)
        );
        assert_eq!(
            variable("alertmanager").as_deref(),
            Some(crate::selftest::command::URL_VARIABLE)
        );
    }

    #[test]
    fn every_key_sets_a_flag() {
        use clap::CommandFactory;
        let command = crate::cli::Cli::command();
        for key in KEYS {
            assert!(
                flags::find_arg(&command, key.arg).is_some(),
                "{} names no flag",
                key.shown()
            );
        }
    }

    fn settings(text: &str) -> Result<Vec<Setting>, Vec<String>> {
        let file = Arc::new(SourceFile {
            name: "slofile.toml".into(),
            text: text.into(),
        });
        let (settings, problems) = read(&file).map_err(|p| vec![p.message])?;
        if problems.is_empty() {
            return Ok(settings);
        }
        Err(problems
            .iter()
            .map(|p| {
                format!(
                    "{}: {} ({})",
                    p.code,
                    p.message,
                    p.help.clone().unwrap_or_default()
                )
            })
            .collect())
    }

    fn span(offset: usize, len: usize) -> ByteSpan {
        ByteSpan { offset, len }
    }

    #[test]
    fn strings_and_arrays_of_strings_are_read() {
        let read = settings(
            "[build]\noutput = \"gen\"\noutputs = [\"prometheus\", \"docs\"]\n[prometheus]\nurl = \"http://p:9090\"\n",
        )
        .unwrap();
        let found: Vec<(&str, Value)> =
            read.iter().map(|s| (s.key.name, s.value.clone())).collect();
        assert_eq!(
            found,
            [
                ("output", Value::One("gen".to_owned())),
                (
                    "outputs",
                    Value::Several(vec![
                        ("prometheus".to_owned(), span(34, 12)),
                        ("docs".to_owned(), span(48, 6))
                    ])
                ),
                ("url", Value::One("http://p:9090".to_owned())),
            ]
        );
    }

    #[test]
    fn every_problem_of_the_shape_is_reported() {
        let problems = settings(
            "output = \"gen\"\n[bild]\nx = 1\n[build]\noutptu = \"gen\"\nprometheus_format = 3\nurl = \"http://p\"\n",
        )
        .unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(
            problems
                .iter()
                .any(|p| p.contains("write it under its section: `[build] output`"))
        );
        assert!(problems.iter().any(|p| p.contains("did you mean `build`?")));
        assert!(
            problems
                .iter()
                .any(|p| p.contains("did you mean `output`?"))
        );
        assert!(problems.iter().any(|p| p.contains("`[prometheus] url`")));
    }

    #[test]
    fn the_nearest_file_is_found_as_a_relative_path() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        assert_eq!(find(&nested), None);
        std::fs::write(dir.path().join(FILE_NAME), "").unwrap();
        assert_eq!(find(&nested), Some(PathBuf::from("../../slofile.toml")));
        assert_eq!(find(dir.path()), Some(PathBuf::from("slofile.toml")));
    }
}
