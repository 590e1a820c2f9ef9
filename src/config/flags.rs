//! The keys of `slofile.toml` and their environment variables on the command line's flags: each
//! becomes the flag's environment variable and default in clap, so that clap's own order (the
//! command line, then the environment, then the default) is the only one.

use super::{Config, KEYS, Key, Setting, Value};
use crate::diagnostics::{self, ByteSpan, Code, Diagnostic};
use clap::builder::{ArgAction, ValueHint};
use clap::{Arg, Command};
use std::collections::BTreeMap;

/// `command` with every key's environment variable on its flag, and, when a config file is
/// given, the file's values as the flags' defaults. A value that the flag would not take is an
/// error at the value, and the file's values then set nothing.
pub fn apply(command: Command, config: Option<&Config>) -> (Command, Vec<Diagnostic>) {
    let (defaults, problems) = match config {
        Some(config) => {
            let (defaults, mut problems) = defaults(&command, config);
            problems.splice(0..0, config.problems.iter().cloned());
            (defaults, problems)
        }
        None => (BTreeMap::new(), Vec::new()),
    };
    let defaults = if problems.is_empty() {
        defaults
    } else {
        BTreeMap::new()
    };
    (with_keys(command, &defaults), problems)
}

/// The environment variables alone, for the help, the man page and completions, which must not
/// depend on the directory they are made in.
pub fn with_variables(command: Command) -> Command {
    with_keys(command, &BTreeMap::new())
}

/// Sets the variable of every key and the given defaults (by clap id), in the command and its
/// subcommands.
fn with_keys(command: Command, defaults: &BTreeMap<&'static str, Vec<String>>) -> Command {
    command
        .mut_args(|arg| {
            let Some(key) = KEYS.iter().find(|k| arg.get_id() == k.arg) else {
                return arg;
            };
            let variable = key.variable();
            // An empty variable is an unset one, so that it hides neither the file nor the
            // flag's own default.
            let arg = if std::env::var_os(&variable).is_some_and(|v| v.is_empty()) {
                arg
            } else {
                arg.env(variable)
            };
            match defaults.get(key.arg) {
                Some(values) => arg.required(false).default_values(values.clone()),
                None => arg,
            }
        })
        .mut_subcommands(|sub| with_keys(sub, defaults))
}

/// Each setting's values, checked by the flag's own parser, by clap id.
fn defaults(
    command: &Command,
    config: &Config,
) -> (BTreeMap<&'static str, Vec<String>>, Vec<Diagnostic>) {
    let mut defaults = BTreeMap::new();
    let mut problems = Vec::new();
    for setting in &config.settings {
        let Some((_, arg)) = find_arg(command, setting.key.arg) else {
            // Every key names a flag; `config::tests` checks it.
            continue;
        };
        match check(arg, setting, config) {
            Ok(values) => {
                defaults.insert(setting.key.arg, values);
            }
            Err(((message, label, help), span)) => problems.push(
                Diagnostic::error(Code::ConfigInvalidValue, message)
                    .at(&config.file, span)
                    .with_label(label)
                    .with_help(help),
            ),
        }
    }
    (defaults, problems)
}

/// The first command (the root, then subcommands in order) that has the flag, and the flag.
pub fn find_arg<'a>(command: &'a Command, id: &str) -> Option<(&'a Command, &'a Arg)> {
    if let Some(arg) = command.get_arguments().find(|a| a.get_id() == id) {
        return Some((command, arg));
    }
    command.get_subcommands().find_map(|sub| find_arg(sub, id))
}

/// Whether the flag takes several values (`--outputs a,b`, or repeated).
pub fn takes_several(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Append) || arg.get_value_delimiter().is_some()
}

/// Whether the flag's values are paths, which the file gives relative to its own directory.
fn is_path(arg: &Arg) -> bool {
    matches!(
        arg.get_value_hint(),
        ValueHint::AnyPath | ValueHint::FilePath | ValueHint::DirPath
    )
}

/// What is wrong with a value: the message, the label and the help.
type Problem = (String, &'static str, String);

/// A setting's values as the flag takes them; else the problem and where it is.
fn check(
    arg: &Arg,
    setting: &Setting,
    config: &Config,
) -> Result<Vec<String>, (Problem, ByteSpan)> {
    let key = &setting.key;
    let several = takes_several(arg);
    let whole = |problem| (problem, setting.span);
    let values: Vec<(String, ByteSpan)> = match (&setting.value, several) {
        // `outputs = "prometheus,docs"`, as on the command line.
        (Value::One(value), true) => match arg.get_value_delimiter() {
            Some(d) => value
                .split(d)
                .map(|v| (v.to_owned(), setting.span))
                .collect(),
            None => vec![(value.clone(), setting.span)],
        },
        (Value::One(value), false) => vec![(value.clone(), setting.span)],
        (Value::Several(values), true) => values.clone(),
        (Value::Several(_), false) => return Err(whole(wrong_type(key, "an array", false))),
        (Value::Other(found), several) => return Err(whole(wrong_type(key, found, several))),
    };
    for (value, span) in &values {
        check_value(arg, key, value).map_err(|problem| (problem, *span))?;
    }
    let values = values.into_iter().map(|(value, _)| value);
    Ok(if is_path(arg) {
        values
            .map(|value| diagnostics::display_path(&config.dir.join(value)))
            .collect()
    } else {
        values.collect()
    })
}

fn wrong_type(key: &Key, found: &str, several: bool) -> Problem {
    let (takes, example) = if several {
        (
            "an array of strings",
            format!("{} = [\"…\", \"…\"]", key.name),
        )
    } else {
        ("a string", format!("{} = \"…\"", key.name))
    };
    (
        format!("`{}` takes {takes}, not {found}", key.shown()),
        "wrong type",
        format!("write it as on the command line, in quotes: `{example}`"),
    )
}

/// One value, by the flag's possible values or its parser.
fn check_value(arg: &Arg, key: &Key, value: &str) -> Result<(), Problem> {
    let possible: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_owned())
        .collect();
    if !possible.is_empty() {
        if possible.iter().any(|p| p == value) {
            return Ok(());
        }
        return Err((
            format!("`{}` cannot be `{value}`", key.shown()),
            "not a value of the flag",
            diagnostics::typo_help(value, possible.iter().map(String::as_str), || {
                format!(
                    "`{}` is one of {}",
                    key.name,
                    diagnostics::quoted(possible.iter().map(String::as_str), ", ")
                )
            }),
        ));
    }
    // The flag's parser, alone in a command of its own: clap parses only whole command lines.
    let probe = Command::new("slofile.toml").no_binary_name(true).arg(
        Arg::new("value")
            .long("value")
            .action(ArgAction::Set)
            .allow_hyphen_values(true)
            .value_parser(arg.get_value_parser().clone()),
    );
    match probe.try_get_matches_from([format!("--value={value}")]) {
        Ok(_) => Ok(()),
        Err(error) => {
            let reason = std::error::Error::source(&error).map_or_else(
                || error.kind().as_str().unwrap_or("invalid value").to_owned(),
                ToString::to_string,
            );
            let flag = arg.get_long().unwrap_or(key.arg);
            let value_name = arg
                .get_value_names()
                .and_then(|names| names.first())
                .map_or_else(|| key.name.to_uppercase(), ToString::to_string);
            Err((
                format!("`{}` cannot be `{value}`: {reason}", key.shown()),
                "not a value of the flag",
                format!("`{}` takes what `--{flag} <{value_name}>` takes", key.name),
            ))
        }
    }
}
