//! The `report` command line: its options, where the pages go, and the exit code.

use super::{ReportRequest, html, markdown};
use crate::compile::Plan;
use crate::live::args::{EXIT_ERROR, LiveArgs};
use crate::live::calendar::{CalendarPeriod, time_zone};
use crate::live::client::Client;
use std::path::PathBuf;

/// Exit code of `report` once it is written, whatever the verdicts.
pub const EXIT_WRITTEN: i32 = 0;

#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// Spec files or directories (read recursively for *.yaml and *.yml).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub live: LiveArgs,
    /// The calendar period: last-month, this-month, last-quarter, this-quarter, last-week,
    /// this-week, YYYY-MM, YYYY-Qn or YYYY-Www (ISO week).
    #[arg(long, value_name = "PERIOD", default_value = "last-month")]
    pub period: String,
    /// The time zone whose local midnights start and end the period's days, e.g. Europe/Berlin.
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub timezone: String,
    /// The directory the HTML or Markdown pages are written to (JSON prints on stdout). Not
    /// `[build] output` of slofile.toml: a report never writes over a build.
    #[arg(
        short,
        long = "output",
        id = "report_output",
        value_name = "DIR",
        default_value = "report"
    )]
    pub output: PathBuf,
}

/// How `report` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Html,
    Markdown,
    Json,
}

/// Runs the report for a compiled plan: writes the pages (or prints the JSON), a failure as one
/// line on stderr, and returns the exit code.
pub fn run(plan: &Plan, args: &ReportArgs, format: ReportFormat) -> i32 {
    match report(plan, args, format) {
        Ok(said) => {
            if let Some(line) = said {
                eprintln!("{line}");
            }
            EXIT_WRITTEN
        }
        Err(message) => {
            eprintln!("slofile: {message}");
            EXIT_ERROR
        }
    }
}

fn report(plan: &Plan, args: &ReportArgs, format: ReportFormat) -> Result<Option<String>, String> {
    if format != ReportFormat::Json {
        refuse_a_build(&args.output)?;
    }
    let connection = args.live.connection("report")?;
    let zone = time_zone(&args.timezone)?;
    let at = args.live.at();
    let period = CalendarPeriod::parse(&args.period, at, &zone)?;
    let request = ReportRequest {
        selection: args.live.selection(),
        at,
        period,
        zone,
    };
    let report = super::report(plan, &Client::new(connection), &request)
        .map_err(|error| error.to_string())?;
    let files = match format {
        ReportFormat::Json => {
            let mut text =
                serde_json::to_string_pretty(&report.rows).unwrap_or_else(|_| "[]".to_owned());
            text.push('\n');
            let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
            return Ok(None);
        }
        ReportFormat::Html => html::pages(&report),
        ReportFormat::Markdown => markdown::pages(&report),
    };
    let summary =
        crate::write::write_all(&args.output, &files).map_err(|diagnostic| diagnostic.message)?;
    Ok(Some(format!(
        "slofile: report {} written to {} ({} files written, {} unchanged, {} removed)",
        report.period,
        crate::diagnostics::display_path(&args.output),
        summary.written.len(),
        summary.unchanged.len(),
        summary.removed.len()
    )))
}

/// A report replaces what it wrote before and removes the rest of what the directory's manifest
/// lists, so it must never be written into a build's output: that would remove the build.
fn refuse_a_build(dir: &std::path::Path) -> Result<(), String> {
    let is_report_file = |path: &str| {
        path.starts_with("charts/")
            || (!path.contains('/')
                && [".html", ".md"]
                    .iter()
                    .any(|extension| path.ends_with(extension)))
    };
    match crate::write::read_manifest(dir)
        .into_iter()
        .find(|path| !is_report_file(path))
    {
        Some(built) => Err(format!(
            "-o {}: the directory holds a build's output (`{built}`); write the report to a directory of its own",
            crate::diagnostics::display_path(dir)
        )),
        None => Ok(()),
    }
}
