//! The `status` command line: its options and the exit code.

use super::Request;
use super::render::{self, ReportFormat};
use crate::compile::Plan;
use crate::live::args::{EXIT_ERROR, LiveArgs};
use crate::live::client::Client;
use crate::live::period::Period;
use std::path::PathBuf;

/// Exit codes of `status`; [`EXIT_ERROR`] when the server cannot answer.
pub const EXIT_MET: i32 = 0;
pub const EXIT_BREACHED: i32 = 1;

#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// Spec files or directories (read recursively for *.yaml and *.yml).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub live: LiveArgs,
    /// The window of compliance and budget: the SLO's rolling window, or a calendar period in
    /// UTC. Burn rates always use the alert tiers' rolling windows.
    #[arg(long, value_enum, default_value_t)]
    pub period: Period,
}

/// Runs the report for a compiled plan: prints it on stdout, a failure as one line on stderr, and
/// returns the exit code.
pub fn run(plan: &Plan, args: &StatusArgs, format: ReportFormat, color: bool) -> i32 {
    let connection = match args.live.connection("status") {
        Ok(connection) => connection,
        Err(message) => {
            eprintln!("slofile: {message}");
            return EXIT_ERROR;
        }
    };
    let client = Client::new(connection);
    let request = Request {
        selection: args.live.selection(),
        at: args.live.at(),
        period: args.period,
    };
    match super::status(plan, &client, &request) {
        Ok(rows) => {
            let text = render::render(&rows, format, color);
            let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
            if super::breached(&rows) {
                EXIT_BREACHED
            } else {
                EXIT_MET
            }
        }
        Err(error) => {
            eprintln!("slofile: {error}");
            EXIT_ERROR
        }
    }
}
