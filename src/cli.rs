//! The command line. Exit codes: 0 ok; 1 invalid specs, stale output or (with `--exit-code`)
//! changes; 2 usage or I/O error.

use crate::compile::sentry::SentryApi;
use crate::diagnostics::{self, ByteSpan, Code, Diagnostic, Format, Report, SourceFile};
use crate::driver::{self, Built};
use crate::emit::{self, EmitOptions};
use crate::units::Duration;
use crate::{Inputs, LoadOptions, UsageError, config, convert, explain, spec, write};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

pub const EXIT_OK: i32 = 0;
pub const EXIT_INVALID: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "slofile",
    version,
    about = "Compile SLO specs into Prometheus rules, alert routing, monitors and documents"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// How to print diagnostics (human, plain, json, github); for `status`, how to print the
    /// report (table, json, markdown); for `gate`, its verdicts (human, plain, json, github,
    /// markdown); for `verify`, its findings (human, plain, json, github).
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// Treat warnings as errors.
    #[arg(long, global = true)]
    pub deny_warnings: bool,
    /// SLO window of Sloth specs, which do not state one (Sloth's own default is 30d).
    #[arg(long, global = true, value_name = "DURATION", default_value = spec::sloth::DEFAULT_PERIOD, value_parser = Duration::parse)]
    pub sloth_period: Duration,
    /// Read the defaults of these flags from this file instead of the `slofile.toml` of the
    /// working directory or its nearest parent.
    #[arg(long, global = true, value_name = "PATH", value_hint = clap::ValueHint::FilePath)]
    pub config: Option<PathBuf>,
    /// Read no `slofile.toml`.
    #[arg(long, global = true, conflicts_with = "config")]
    pub no_config: bool,
}

/// `--format`: diagnostics take `human`, `plain`, `json` or `github`; the `status` report takes
/// `table` (the default), `json` or `markdown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Human,
    /// Pages for a browser: the format of `report`.
    Html,
    Plain,
    Json,
    Github,
    Table,
    Markdown,
}

impl FormatArg {
    /// How diagnostics print; the report formats print them for people.
    fn diagnostics(self) -> Format {
        match self {
            FormatArg::Human | FormatArg::Table | FormatArg::Markdown | FormatArg::Html => {
                Format::Human
            }
            FormatArg::Plain => Format::Plain,
            FormatArg::Json => Format::Json,
            FormatArg::Github => Format::Github,
        }
    }
}

impl Cli {
    fn load_options(&self) -> LoadOptions {
        LoadOptions {
            sloth_period: self.sloth_period,
        }
    }
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
        #[arg(short, long, value_hint = clap::ValueHint::DirPath)]
        output: PathBuf,
        #[command(flatten)]
        emit: EmitArgs,
    },
    /// Exit 1 when the output directory differs from what `build` would write. Never writes.
    Check {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output directory to compare.
        #[arg(short, long, value_hint = clap::ValueHint::DirPath)]
        output: PathBuf,
        #[command(flatten)]
        emit: EmitArgs,
    },
    /// Print each SLO's objective, budget and alert tiers in words and numbers.
    Explain {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Summarise what a change does to objectives, budgets and alerts, as Markdown for a PR comment.
    ///
    /// `slofile diff OLD NEW` compares two spec files or directories; `slofile diff --base REV
    /// PATH...` compares PATH... with the same paths at a git revision.
    Diff {
        /// OLD and NEW; with `--base`, the paths to compare with their state at REV.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Read the old side from this git revision, e.g. `origin/main`.
        #[arg(long, value_name = "REV")]
        base: Option<String>,
        /// Exit 1 when anything changed.
        #[arg(long)]
        exit_code: bool,
    },
    /// Print the JSON Schema of the spec language, or with `config` of `slofile.toml`.
    Schema {
        /// Whose schema: the spec language (the default) or the config file.
        #[arg(value_enum, default_value_t)]
        of: SchemaOf,
    },
    /// Print a shell completion script, e.g. `slofile completions bash > /etc/bash_completion.d/slofile`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `slofile man > slofile.1`.
    Man,
    /// Print the specs in another format: native specs from OpenSLO or Sloth, or OpenSLO objects.
    Convert {
        /// The format to write.
        #[arg(long, value_enum)]
        to: convert::Target,
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Where every SLO stands, from a live Prometheus: compliance, error budget, events, burn
    /// rates and firing alerts. Exit 0 when every judged objective is met, 1 when one is
    /// breached, 2 when Prometheus cannot answer.
    Status(crate::status::command::StatusArgs),
    /// The error-budget policy as a deploy gate: for every SLO whose policy has rules, the
    /// budget remaining and the budget burned since the last deploy, from a live Prometheus.
    /// Exit 0 ship (warnings allowed), 1 when a freeze applies, 2 when Prometheus cannot answer.
    Gate(crate::gate::command::GateArgs),
    /// Prove every channel is reached without a real incident: post a self-test alert per
    /// channel through Alertmanager and confirm it was sent. Exit 0 every selected channel
    /// reached, 1 one was not, 2 when Alertmanager cannot answer.
    Selftest(crate::selftest::command::SelftestArgs),
    /// Check that what runs is what the specs build: the rule groups Prometheus evaluates (none
    /// missing, stale, removed, failing or late), that it sends alerts to an Alertmanager (and,
    /// with `--alertmanager`, that its configuration routes each service as generated), and
    /// that every SLI's selectors still match series. Exit 0 when everything matches, 1 with
    /// one line per finding, 2 when a server cannot answer.
    Verify(crate::verify::command::VerifyArgs),
    /// How a calendar period went, for the monthly review: per SLO and group, compliance,
    /// budget spent, a burn-down and daily chart, the worst days, the incidents from `ALERTS`,
    /// the previous period and the policy verdict. Writes HTML pages (or Markdown, or JSON on
    /// stdout). Exit 0 when written, 2 when Prometheus cannot answer.
    Report(crate::report::command::ReportArgs),
}

impl Command {
    /// Where `--format json` prints its JSON Lines: on stdout, so that `slofile validate
    /// --format json specs | jq` works, for the commands whose stdout carries nothing else. The
    /// commands whose stdout is a document (`explain`, `convert`, `diff`, `schema`, …) keep
    /// their diagnostics on stderr, so that the document stays readable. Every other format
    /// goes to stderr.
    pub fn diagnostics_on_stdout(&self, format: Format) -> bool {
        format == Format::Json
            && matches!(
                self,
                Command::Validate { .. } | Command::Build { .. } | Command::Check { .. }
            )
    }
}

/// `slofile schema [spec|config]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaOf {
    /// The spec language.
    #[default]
    Spec,
    /// `slofile.toml`.
    Config,
}

/// Options that shape generated files.
#[derive(Debug, Clone, clap::Args)]
pub struct EmitArgs {
    /// The outputs to write, by backend, e.g. `prometheus,docs`; default every one. The files of
    /// the others are removed from the output directory, as a removed service's are.
    #[arg(long, value_name = "NAME,...", value_delimiter = ',', value_parser = output_names())]
    pub outputs: Vec<String>,
    /// Directory of templates overriding the built-in ones, file by file.
    #[arg(long, value_hint = clap::ValueHint::DirPath)]
    pub templates: Option<PathBuf>,
    /// Sentry API to write bodies for: monitors and alerts (`current`), or metric alert rules
    /// for self-hosted Sentry that predates monitors (`legacy`).
    #[arg(long, value_enum, default_value_t = SentryApi::Current)]
    pub sentry_api: SentryApi,
    /// Write the Prometheus rules as a plain rule file, or as a prometheus-operator
    /// `PrometheusRule` object.
    #[arg(long, value_enum, default_value_t)]
    pub prometheus_format: emit::prometheus::PrometheusFormat,
    /// Write the Grafana dashboards as JSON files with a provisioning file, or as ConfigMaps
    /// labelled `grafana_dashboard: "1"` for the Grafana sidecar.
    #[arg(long, value_enum, default_value_t)]
    pub grafana_format: emit::grafana::GrafanaFormat,
    /// Write the Alertmanager routing as one configuration for every service, or as one
    /// prometheus-operator `AlertmanagerConfig` per service.
    #[arg(long, value_enum, default_value_t)]
    pub alertmanager_format: emit::alertmanager::AlertmanagerFormat,
    /// Whose conventions the Prometheus rules follow: slofile's own, or Sloth v0.16's series,
    /// labels, groups and alerts, for dashboards, routes and tests built on Sloth's output.
    #[arg(long, value_enum, default_value_t)]
    pub compat: emit::sloth_compat::Compat,
    /// The SMTP relay (`host:port`) of the generated Alertmanager configuration, for e-mail
    /// channels; default a placeholder under `.invalid`.
    #[arg(long, value_name = "HOST:PORT", value_parser = emit::alertmanager::parse_smarthost)]
    pub smtp_smarthost: Option<String>,
    /// The sender address of the generated Alertmanager configuration's e-mail; default a
    /// placeholder under `.invalid`.
    #[arg(long, value_name = "ADDRESS", value_parser = emit::alertmanager::parse_from)]
    pub smtp_from: Option<String>,
}

/// The names `--outputs` takes: the backends'.
fn output_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(emit::backends().iter().map(|backend| backend.name()))
}

impl EmitArgs {
    /// The options of the backends, with the template overrides read from disk: the backends
    /// themselves do no I/O.
    fn options(&self) -> Result<EmitOptions, Diagnostic> {
        Ok(EmitOptions {
            templates: match &self.templates {
                Some(dir) => spec::load::template_overrides(dir)?,
                None => spec::load::Overrides::default(),
            },
            sentry_api: self.sentry_api,
            prometheus_format: self.prometheus_format,
            grafana_format: self.grafana_format,
            alertmanager_format: self.alertmanager_format,
            compat: self.compat,
            outputs: (!self.outputs.is_empty()).then(|| self.outputs.iter().cloned().collect()),
            smtp: emit::alertmanager::Smtp {
                smarthost: self.smtp_smarthost.clone(),
                from: self.smtp_from.clone(),
            },
        })
    }
}

/// Reads `slofile.toml`, parses the arguments, runs, and returns the exit code.
pub fn main() -> i32 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cwd = std::env::current_dir().unwrap_or_default();
    let (command, problems) = match config::load(&config::Choice::from_args(&args), &cwd) {
        Ok(file) => config::flags::apply(Cli::command(), file.as_ref()),
        Err(problems) => (config::flags::with_variables(Cli::command()), problems),
    };
    let parsed = command
        .try_get_matches_from(&args)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(error) => {
            // A broken config file can be why the arguments fall short (`-o` from the file).
            if !problems.is_empty() {
                print_report(
                    &Report {
                        diagnostics: problems,
                    },
                    Format::Human,
                    false,
                );
                return EXIT_USAGE;
            }
            let _ = error.print();
            return if error.use_stderr() {
                EXIT_USAGE
            } else {
                EXIT_OK
            };
        }
    };
    if !problems.is_empty() {
        let format = cli.format.diagnostics();
        print_report(
            &Report {
                diagnostics: problems,
            },
            format,
            cli.command.diagnostics_on_stdout(format),
        );
        return EXIT_USAGE;
    }
    run(&cli)
}

pub fn run(cli: &Cli) -> i32 {
    let mut report = Report::default();
    let mut closing = None;
    let code = match execute(cli, &mut report, &mut closing) {
        Ok(code) => code,
        Err(UsageError(diagnostic)) => {
            report.push(diagnostic);
            EXIT_USAGE
        }
    };
    let format = cli.format.diagnostics();
    print_report(&report, format, cli.command.diagnostics_on_stdout(format));
    // The summary of what was done is the last thing said, after every note.
    if let Some(line) = closing {
        eprintln!("{line}");
    }
    if code == EXIT_OK && report.fails(cli.deny_warnings) {
        EXIT_INVALID
    } else {
        code
    }
}

/// Runs the command. `closing` receives a summary line to print after the diagnostics.
fn execute(
    cli: &Cli,
    report: &mut Report,
    closing: &mut Option<String>,
) -> Result<i32, UsageError> {
    let report_format = match (&cli.command, cli.format) {
        (Command::Status(_), FormatArg::Html) => false,
        // `report` says itself which formats it takes.
        (Command::Report(_) | Command::Status(_), _) | (Command::Gate(_), FormatArg::Markdown) => {
            true
        }
        (_, FormatArg::Table | FormatArg::Markdown | FormatArg::Html) => false,
        _ => true,
    };
    if !report_format {
        return Err(UsageError(Diagnostic::error(
            Code::Io,
            "--format table, markdown and html are formats of the `status`, `gate` and `report` reports; diagnostics print as human, plain, json or github",
        )));
    }
    match &cli.command {
        Command::Status(args) => status(cli, args, report),
        Command::Gate(args) => gate(cli, args, report),
        Command::Selftest(args) => selftest(cli, args, report),
        Command::Verify(args) => verify(cli, args, report),
        Command::Report(args) => report_command(cli, args, report),
        Command::Schema { of } => {
            print_stdout(&match of {
                SchemaOf::Spec => spec::schema::schema_text(),
                SchemaOf::Config => config::schema::schema_text(&Cli::command()),
            });
            Ok(EXIT_OK)
        }
        Command::Convert { to, paths } => {
            let Some(plan) = crate::plan_with(paths, &cli.load_options(), report)? else {
                return Ok(EXIT_INVALID);
            };
            print_stdout(&convert::convert(&plan, *to));
            Ok(exit_for(report, cli.deny_warnings))
        }
        Command::Validate { paths } => {
            // Every problem of the specs is found by the time the Plan exists; no backend runs.
            crate::plan_with(paths, &cli.load_options(), report)?;
            Ok(exit_for(report, cli.deny_warnings))
        }
        Command::Explain { paths } => {
            if let Some(plan) = crate::plan_with(paths, &cli.load_options(), report)? {
                print_stdout(&explain::explain(&plan));
            }
            Ok(exit_for(report, cli.deny_warnings))
        }
        Command::Build {
            paths,
            output,
            emit: args,
        } => build(cli, paths, output, args, report, closing),
        Command::Check {
            paths,
            output,
            emit: args,
        } => check(cli, paths, output, args, report),
        Command::Diff {
            paths,
            base,
            exit_code,
        } => diff(
            paths,
            base.as_deref(),
            *exit_code,
            &cli.load_options(),
            report,
        ),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            let mut command = config::flags::with_variables(Cli::command());
            clap_complete::generate(*shell, &mut command, "slofile", &mut script);
            print_stdout(&String::from_utf8_lossy(&script));
            Ok(EXIT_OK)
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(config::flags::with_variables(Cli::command()))
                .render(&mut page)
                .map_err(|e| {
                    UsageError(Diagnostic::error(
                        Code::Io,
                        format!("cannot render the man page: {e}"),
                    ))
                })?;
            print_stdout(&String::from_utf8_lossy(&page));
            Ok(EXIT_OK)
        }
    }
}

/// `status`: compiles, then asks Prometheus. Specs that do not compile exit 2, not 1, which
/// means a breached objective here.
fn status(
    cli: &Cli,
    args: &crate::status::command::StatusArgs,
    report: &mut Report,
) -> Result<i32, UsageError> {
    use crate::status::render::ReportFormat;
    let format = match cli.format {
        FormatArg::Human | FormatArg::Plain | FormatArg::Table => ReportFormat::Table,
        FormatArg::Json => ReportFormat::Json,
        FormatArg::Markdown => ReportFormat::Markdown,
        FormatArg::Github | FormatArg::Html => {
            return Err(UsageError(Diagnostic::error(
                Code::Io,
                "`status --format` takes table, json or markdown",
            )));
        }
    };
    let Some(plan) = crate::plan_with(&args.paths, &cli.load_options(), report)? else {
        return Ok(EXIT_USAGE);
    };
    let color = cli.format != FormatArg::Plain
        && use_color(
            std::io::stdout().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        );
    Ok(crate::status::command::run(&plan, args, format, color))
}

/// `build`: files are staged as they are generated; a failure, or a problem a backend finds,
/// drops the staging, which leaves the output directory as it was.
fn build(
    cli: &Cli,
    paths: &[PathBuf],
    output: &Path,
    args: &EmitArgs,
    report: &mut Report,
    closing: &mut Option<String>,
) -> Result<i32, UsageError> {
    let staging = write::Staging::new(output);
    let failure = Mutex::new(None);
    let built = driver::build(
        Inputs::Paths(paths.to_vec()),
        &cli.load_options(),
        || args.options(),
        &|file| {
            let failed = || failure.lock().unwrap_or_else(PoisonError::into_inner);
            if failed().is_none()
                && let Err(error) = staging.add(&file)
            {
                failed().get_or_insert(error);
            }
        },
        report,
    )?;
    if built == Built::Invalid || report.fails(cli.deny_warnings) {
        return Ok(EXIT_INVALID);
    }
    if let Some(error) = failure.into_inner().unwrap_or_else(PoisonError::into_inner) {
        return Err(UsageError(error));
    }
    let summary = staging.finish().map_err(UsageError)?;
    *closing = Some(format!(
        "slofile: {} files written, {} unchanged, {} removed in {}",
        summary.written.len(),
        summary.unchanged.len(),
        summary.removed.len(),
        diagnostics::display_path(output)
    ));
    Ok(EXIT_OK)
}

/// `report`: compiles, then asks Prometheus. Specs that do not compile exit 2.
fn report_command(
    cli: &Cli,
    args: &crate::report::command::ReportArgs,
    report: &mut Report,
) -> Result<i32, UsageError> {
    use crate::report::command::ReportFormat;
    let format = match cli.format {
        FormatArg::Human | FormatArg::Html => ReportFormat::Html,
        FormatArg::Markdown => ReportFormat::Markdown,
        FormatArg::Json => ReportFormat::Json,
        FormatArg::Plain | FormatArg::Github | FormatArg::Table => {
            return Err(UsageError(Diagnostic::error(
                Code::Io,
                "`report --format` takes html, markdown or json",
            )));
        }
    };
    let Some(plan) = crate::plan_with(&args.paths, &cli.load_options(), report)? else {
        return Ok(crate::live::args::EXIT_ERROR);
    };
    Ok(crate::report::command::run(&plan, args, format))
}

/// `gate`: compiles, then asks Prometheus. Specs that do not compile exit 2, not 1, which means
/// a freeze here.
fn gate(
    cli: &Cli,
    args: &crate::gate::command::GateArgs,
    report: &mut Report,
) -> Result<i32, UsageError> {
    use crate::gate::render::GateFormat;
    let format = match cli.format {
        FormatArg::Human => GateFormat::Human,
        FormatArg::Plain => GateFormat::Plain,
        FormatArg::Json => GateFormat::Json,
        FormatArg::Github => GateFormat::Github,
        FormatArg::Markdown => GateFormat::Markdown,
        FormatArg::Table | FormatArg::Html => {
            return Err(UsageError(Diagnostic::error(
                Code::Io,
                "`gate --format` takes human, plain, json, github or markdown",
            )));
        }
    };
    let Some(plan) = crate::plan_with(&args.paths, &cli.load_options(), report)? else {
        return Ok(crate::live::args::EXIT_ERROR);
    };
    let color = report_color(cli);
    Ok(crate::gate::command::run(&plan, args, format, color))
}

/// `selftest`: compiles, then asks Alertmanager. Specs that do not compile exit 2.
fn selftest(
    cli: &Cli,
    args: &crate::selftest::command::SelftestArgs,
    report: &mut Report,
) -> Result<i32, UsageError> {
    use crate::selftest::render::SelftestFormat;
    let format = match cli.format {
        FormatArg::Human => SelftestFormat::Human,
        FormatArg::Plain => SelftestFormat::Plain,
        FormatArg::Json => SelftestFormat::Json,
        _ => {
            return Err(UsageError(Diagnostic::error(
                Code::Io,
                "`selftest --format` takes human, plain or json",
            )));
        }
    };
    let Some(plan) = crate::plan_with(&args.paths, &cli.load_options(), report)? else {
        return Ok(crate::live::args::EXIT_ERROR);
    };
    let color = report_color(cli);
    Ok(crate::selftest::command::run(&plan, args, format, color))
}

/// `verify`: compiles, builds the Prometheus rules and Alertmanager routing in memory with the
/// default options, then asks the servers. Specs that do not compile exit 2, not 1, which means
/// a finding here.
fn verify(
    cli: &Cli,
    args: &crate::verify::command::VerifyArgs,
    report: &mut Report,
) -> Result<i32, UsageError> {
    use crate::verify::render::VerifyFormat;
    let format = match cli.format {
        FormatArg::Human => VerifyFormat::Human,
        FormatArg::Plain => VerifyFormat::Plain,
        FormatArg::Json => VerifyFormat::Json,
        FormatArg::Github => VerifyFormat::Github,
        FormatArg::Table | FormatArg::Markdown | FormatArg::Html => {
            return Err(UsageError(Diagnostic::error(
                Code::Io,
                "`verify --format` takes human, plain, json or github",
            )));
        }
    };
    let Some(plan) = crate::plan_with(&args.paths, &cli.load_options(), report)? else {
        return Ok(crate::live::args::EXIT_ERROR);
    };
    let Some(files) = driver::backend_files(
        &plan,
        &EmitOptions::default(),
        &["prometheus", "alertmanager"],
        report,
    ) else {
        return Ok(crate::live::args::EXIT_ERROR);
    };
    let color = report_color(cli);
    Ok(crate::verify::command::run(
        &plan, &files, args, format, color,
    ))
}

/// `check`: builds in memory, compares with the output directory, and never writes.
fn check(
    cli: &Cli,
    paths: &[PathBuf],
    output: &Path,
    args: &EmitArgs,
    report: &mut Report,
) -> Result<i32, UsageError> {
    let (built, files) = driver::build_files(
        Inputs::Paths(paths.to_vec()),
        &cli.load_options(),
        || args.options(),
        report,
    )?;
    if built == Built::Invalid {
        return Ok(EXIT_INVALID);
    }
    let differences = write::compare(output, &files).map_err(UsageError)?;
    if differences.is_empty() {
        return Ok(exit_for(report, cli.deny_warnings));
    }
    // With `--format json` stdout carries the JSON Lines, which report every stale file.
    if cli.format.diagnostics() != Format::Json {
        print_stdout(&stale_report(output, &differences));
    }
    report.extend(stale_diagnostics(output, &differences));
    Ok(EXIT_INVALID)
}

/// A unified diff of every changed file (on disk → what `build` writes), then the lists of
/// missing and extra files.
fn stale_report(output: &Path, differences: &write::Differences) -> String {
    let shown = |path: &str| diagnostics::display_path(&output.join(path));
    let mut out = String::new();
    for changed in &differences.changed {
        let name = shown(&changed.path);
        let diff = similar::TextDiff::from_lines(&changed.on_disk, &changed.expected);
        let _ = write!(
            out,
            "{}",
            diff.unified_diff().context_radius(3).header(
                &format!("{name} (on disk)"),
                &format!("{name} (as `slofile build` writes it)")
            )
        );
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    for (title, list) in [
        ("missing (build would write)", &differences.missing),
        ("extra (build would remove)", &differences.extra),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "{title}:");
            for path in list {
                let _ = writeln!(out, "  {}", shown(path));
            }
        }
    }
    out
}

/// One `stale_output` error per file, located at the first line that differs, so that
/// `--format github` annotates the stale file itself.
fn stale_diagnostics(output: &Path, differences: &write::Differences) -> Vec<Diagnostic> {
    let shown = |path: &str| diagnostics::display_path(&output.join(path));
    let help = "run `slofile build` with the same arguments and commit the result; never edit generated files";
    let mut diagnostics = Vec::new();
    for changed in &differences.changed {
        let file = Arc::new(SourceFile {
            name: shown(&changed.path),
            text: changed.on_disk.clone(),
        });
        let span = first_difference(&changed.on_disk, &changed.expected);
        diagnostics.push(
            Diagnostic::error(
                Code::StaleOutput,
                format!(
                    "`{}` differs from what `slofile build` writes",
                    shown(&changed.path)
                ),
            )
            .at(&file, span)
            .with_label("differs from here")
            .with_help(help),
        );
    }
    for path in &differences.missing {
        diagnostics.push(
            Diagnostic::error(Code::StaleOutput, format!("`{}` is missing", shown(path)))
                .with_help(help),
        );
    }
    for path in &differences.extra {
        diagnostics.push(
            Diagnostic::error(
                Code::StaleOutput,
                format!("`{}` is no longer generated", shown(path)),
            )
            .with_help(help),
        );
    }
    diagnostics
}

/// The first line of `on_disk` that differs from `expected`, as a byte span.
fn first_difference(on_disk: &str, expected: &str) -> ByteSpan {
    let mut offset = 0;
    let mut expected_lines = expected.split_inclusive('\n');
    for line in on_disk.split_inclusive('\n') {
        if expected_lines.next() != Some(line) {
            return ByteSpan {
                offset,
                len: line.trim_end_matches(['\n', '\r']).len(),
            };
        }
        offset += line.len();
    }
    ByteSpan { offset, len: 0 }
}

/// `diff`: compiles both sides and prints the changes as Markdown.
fn diff(
    paths: &[PathBuf],
    base: Option<&str>,
    exit_code: bool,
    options: &LoadOptions,
    report: &mut Report,
) -> Result<i32, UsageError> {
    // The old side's warnings are the base's business; only its errors stop the comparison.
    let mut old_report = Report::default();
    let (old, new) = match (base, paths) {
        (Some(rev), paths) => (
            crate::diff::plan_at_revision(rev, paths, options, &mut old_report)?,
            crate::plan_with(paths, options, report)?,
        ),
        (None, [old, new]) => (
            crate::plan_with(std::slice::from_ref(old), options, &mut old_report)?,
            crate::plan_with(std::slice::from_ref(new), options, report)?,
        ),
        (None, _) => {
            return Err(UsageError(
                Diagnostic::error(
                    Code::Io,
                    format!(
                        "`diff` takes OLD and NEW, or `--base REV` and paths; got {} path(s)",
                        paths.len()
                    ),
                )
                .with_help(
                    "e.g. `slofile diff old/specs specs` or `slofile diff --base origin/main specs`",
                ),
            ));
        }
    };
    report.extend(
        old_report
            .diagnostics
            .into_iter()
            .filter(Diagnostic::is_error),
    );
    let (Some(old), Some(new)) = (old, new) else {
        return Ok(EXIT_INVALID);
    };
    let changes = crate::diff::diff(&old, &new);
    print_stdout(&changes.markdown());
    Ok(if exit_code && !changes.is_empty() {
        EXIT_INVALID
    } else {
        EXIT_OK
    })
}

/// Prints to stdout, ignoring a closed pipe (`slofile man | head`).
fn print_stdout(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn exit_for(report: &Report, deny_warnings: bool) -> i32 {
    if report.fails(deny_warnings) {
        EXIT_INVALID
    } else {
        EXIT_OK
    }
}

/// Prints the diagnostics: on stderr, or on stdout where JSON Lines go there (see
/// [`Command::diagnostics_on_stdout`]).
fn print_report(report: &Report, format: Format, on_stdout: bool) {
    let sorted = report.sorted();
    if sorted.is_empty() {
        return;
    }
    if on_stdout {
        print_stdout(&diagnostics::render(&sorted, format, false));
        return;
    }
    let color = use_color(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
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

/// Whether a live command's report on stdout is coloured: `--format human` on a terminal.
fn report_color(cli: &Cli) -> bool {
    cli.format == FormatArg::Human
        && use_color(
            std::io::stdout().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        )
}

/// Colour only on a terminal, and never when `NO_COLOR` is set to anything but the empty string
/// (<https://no-color.org>).
fn use_color(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(std::ffi::OsStr::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_needs_a_terminal_and_no_no_color() {
        let set = Some(std::ffi::OsStr::new("1"));
        let empty = Some(std::ffi::OsStr::new(""));
        assert!(use_color(true, None));
        assert!(use_color(true, empty));
        assert!(!use_color(true, set));
        assert!(!use_color(false, None));
    }

    #[test]
    fn first_difference_points_at_the_first_changed_line() {
        let span = first_difference("a\nb\nc\n", "a\nB\nc\n");
        assert_eq!((span.offset, span.len), (2, 1));
        let span = first_difference("a\n", "a\nb\n");
        assert_eq!((span.offset, span.len), (2, 0));
    }
}
