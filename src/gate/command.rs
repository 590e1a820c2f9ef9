//! The `gate` command line: its options and the exit code.

use super::GateRequest;
use super::render::{self, GateFormat};
use crate::compile::Plan;
use crate::live::args::{EXIT_ERROR, LiveArgs};
use crate::live::client::Client;
use crate::live::period;
use std::path::PathBuf;

/// Exit codes of `gate`; [`EXIT_ERROR`] when the server cannot answer.
pub const EXIT_SHIP: i32 = 0;
pub const EXIT_FREEZE: i32 = 1;

#[derive(Debug, Clone, clap::Args)]
pub struct GateArgs {
    /// Spec files or directories (read recursively for *.yaml and *.yml).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub live: LiveArgs,
    /// The last deploy, RFC 3339 or Unix seconds: the burn is measured since then. Without it,
    /// over the policy's `freeze_if_burned.within`.
    #[arg(long, value_name = "TIME", value_parser = period::parse_instant)]
    pub since: Option<i64>,
    /// Why this deploy ships, e.g. `hotfix`: a reason the policy exempts passes a freeze.
    #[arg(long, value_name = "NAME")]
    pub reason: Option<String>,
}

/// Runs the gate for a compiled plan: prints the verdicts on stdout, a failure as one line on
/// stderr, and returns the exit code.
pub fn run(plan: &Plan, args: &GateArgs, format: GateFormat, color: bool) -> i32 {
    let connection = match args.live.connection("gate") {
        Ok(connection) => connection,
        Err(message) => {
            eprintln!("slofile: {message}");
            return EXIT_ERROR;
        }
    };
    let at = args.live.at();
    if let Some(since) = args.since
        && since > at
    {
        eprintln!(
            "slofile: --since {} is after the time the gate evaluates, {}",
            period::format_instant(since),
            period::format_instant(at)
        );
        return EXIT_ERROR;
    }
    let request = GateRequest {
        selection: args.live.selection(),
        at,
        since: args.since,
        reason: args.reason.clone(),
    };
    match super::gate(plan, &Client::new(connection), &request) {
        Ok(gated) => {
            if matches!(format, GateFormat::Human | GateFormat::Plain) {
                for slo in &gated.unmeasured {
                    eprintln!(
                        "slofile: {slo} has a budget policy but is measured outside Prometheus; the gate cannot check it"
                    );
                }
            }
            let text = render::render(&gated.rows, format, color);
            let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
            if super::frozen(&gated.rows) {
                EXIT_FREEZE
            } else {
                EXIT_SHIP
            }
        }
        Err(error) => {
            eprintln!("slofile: {error}");
            EXIT_ERROR
        }
    }
}
