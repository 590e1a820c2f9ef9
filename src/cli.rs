//! The command line. Exit codes: 0 ok; 1 invalid specs, stale output or (with `--exit-code`)
//! changes; 2 usage or I/O error.

use crate::diagnostics::{self, Diagnostic, Format, Report};
use crate::emit::{self, EmitOptions};
use crate::{UsageError, explain, spec, write};
use clap::{Parser, Subcommand};
use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;

pub const EXIT_OK: i32 = 0;
pub const EXIT_INVALID: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

#[derive(Debug, Parser)]
#[command(name = "slofile", version, about = "Compile SLO specs into Prometheus rules, alert routing, monitors and documents")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// How to print diagnostics.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Treat warnings as errors.
    #[arg(long, global = true)]
    pub deny_warnings: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check specs and report every problem; write nothing.
    Validate {
        /// Spec files or directories (read recursively for *.yaml and *.yml).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Generate every output into a directory.
    Build {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output directory.
        #[arg(short, long)]
        output: PathBuf,
        #[command(flatten)]
        emit: EmitArgs,
    },
    /// Exit 1 when the output directory differs from what `build` would write. Never writes.
    Check {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output directory to compare.
        #[arg(short, long)]
        output: PathBuf,
        #[command(flatten)]
        emit: EmitArgs,
    },
    /// Print each SLO's objective, budget and alert tiers in words and numbers.
    Explain {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Print the JSON Schema of the spec language.
    Schema,
}

/// Options that shape generated files.
#[derive(Debug, Clone, clap::Args)]
pub struct EmitArgs {
    /// Directory of templates overriding the built-in ones, file by file.
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// Write the Prometheus rules as a plain rule file, or as a prometheus-operator
    /// `PrometheusRule` object.
    #[arg(long, value_enum, default_value_t)]
    pub prometheus_format: emit::prometheus::PrometheusFormat,
}

impl EmitArgs {
    fn options(&self) -> EmitOptions {
        EmitOptions {
            templates: self.templates.clone(),
            prometheus_format: self.prometheus_format,
        }
    }
}

/// Parses the arguments, runs, and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        }
    };
    run(&cli)
}

pub fn run(cli: &Cli) -> i32 {
    let mut report = Report::default();
    let code = match execute(cli, &mut report) {
        Ok(code) => code,
        Err(UsageError(diagnostic)) => {
            report.push(diagnostic);
            EXIT_USAGE
        }
    };
    print_report(&report, cli.format);
    if code == EXIT_OK && report.fails(cli.deny_warnings) {
        EXIT_INVALID
    } else {
        code
    }
}

fn execute(cli: &Cli, report: &mut Report) -> Result<i32, UsageError> {
    match &cli.command {
        Command::Schema => {
            print!("{}", spec::schema::schema_text());
            Ok(EXIT_OK)
        }
        Command::Validate { paths } => {
            crate::plan(paths, report)?;
            Ok(exit_for(report, cli.deny_warnings))
        }
        Command::Explain { paths } => {
            if let Some(plan) = crate::plan(paths, report)? {
                print!("{}", explain::explain(&plan));
            }
            Ok(exit_for(report, cli.deny_warnings))
        }
        Command::Build {
            paths,
            output,
            emit: args,
        } => {
            let Some(plan) = crate::plan(paths, report)? else {
                return Ok(EXIT_INVALID);
            };
            let emitted = emit::emit_all(&plan, &args.options());
            let failed = emitted.diagnostics.iter().any(Diagnostic::is_error);
            report.extend(emitted.diagnostics);
            if failed || report.fails(cli.deny_warnings) {
                return Ok(EXIT_INVALID);
            }
            let summary = write::write_all(output, &emitted.files).map_err(UsageError)?;
            eprintln!(
                "slofile: {} files written, {} unchanged, {} removed in {}",
                summary.written.len(),
                summary.unchanged.len(),
                summary.removed.len(),
                spec::load::display_path(output)
            );
            Ok(EXIT_OK)
        }
        Command::Check {
            paths,
            output,
            emit: args,
        } => {
            let Some(plan) = crate::plan(paths, report)? else {
                return Ok(EXIT_INVALID);
            };
            let emitted = emit::emit_all(&plan, &args.options());
            let failed = emitted.diagnostics.iter().any(Diagnostic::is_error);
            report.extend(emitted.diagnostics);
            if failed {
                return Ok(EXIT_INVALID);
            }
            let differences = write::compare(output, &emitted.files).map_err(UsageError)?;
            if differences.is_empty() {
                return Ok(exit_for(report, cli.deny_warnings));
            }
            let mut out = std::io::stdout().lock();
            for (path, _, _) in &differences.changed {
                let _ = writeln!(out, "changed: {path}");
            }
            for path in &differences.missing {
                let _ = writeln!(out, "missing: {path}");
            }
            for path in &differences.extra {
                let _ = writeln!(out, "extra: {path}");
            }
            report.push(
                Diagnostic::error(
                    diagnostics::Code::StaleOutput,
                    format!(
                        "{} is out of date: {} changed, {} missing, {} extra",
                        spec::load::display_path(output),
                        differences.changed.len(),
                        differences.missing.len(),
                        differences.extra.len()
                    ),
                )
                .with_help("run `slofile build` with the same arguments and commit the result"),
            );
            Ok(EXIT_INVALID)
        }
    }
}

fn exit_for(report: &Report, deny_warnings: bool) -> i32 {
    if report.fails(deny_warnings) {
        EXIT_INVALID
    } else {
        EXIT_OK
    }
}

fn print_report(report: &Report, format: Format) {
    let sorted = report.sorted();
    if sorted.is_empty() {
        return;
    }
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let text = diagnostics::render(&sorted, format, color);
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    if matches!(format, Format::Human | Format::Plain) {
        let _ = writeln!(
            err,
            "slofile: {} error(s), {} warning(s)",
            report.error_count(),
            report.warning_count()
        );
    }
}
