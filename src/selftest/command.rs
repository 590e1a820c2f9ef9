//! The `selftest` command line: its options and the exit code.

use super::Request;
use super::render::{self, SelftestFormat};
use crate::compile::Plan;
use crate::live::args::{ALERTMANAGER_TOKEN_VARIABLE, EXIT_ERROR, parse_pair, server_connection};
use crate::live::client::Client;
use crate::units::Duration;
use std::path::PathBuf;

/// The Alertmanager's URL when `--alertmanager` is not given.
pub const URL_VARIABLE: &str = "SLOFILE_ALERTMANAGER_URL";

/// Exit codes of `selftest`; [`EXIT_ERROR`] when Alertmanager cannot answer.
pub const EXIT_REACHED: i32 = 0;
pub const EXIT_NOT_REACHED: i32 = 1;

#[derive(Debug, Clone, clap::Args)]
pub struct SelftestArgs {
    /// Spec files or directories (read recursively for *.yaml and *.yml).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The Alertmanager base URL; default $SLOFILE_ALERTMANAGER_URL, then `[alertmanager] url` in
    /// slofile.toml. A bearer token is read from $SLOFILE_ALERTMANAGER_TOKEN.
    #[arg(long, value_name = "URL")]
    pub alertmanager: Option<String>,
    /// Only this service; repeatable.
    #[arg(long = "service", value_name = "ID")]
    pub services: Vec<String>,
    /// Only this channel (its id, or `service/id`), even one that pages a person; repeatable.
    #[arg(long = "channel", value_name = "ID")]
    pub channels: Vec<String>,
    /// Leave this channel out (its id, or `service/id`); repeatable.
    #[arg(long = "skip", value_name = "ID")]
    pub skip: Vec<String>,
    /// Post nothing: say which receiver each test alert would reach.
    #[arg(long)]
    pub dry_run: bool,
    /// The most each request may take.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = Duration::parse)]
    pub timeout: Duration,
    /// An extra request header, e.g. `X-Scope-OrgID=tenant`; repeatable.
    #[arg(long = "header", value_name = "NAME=VALUE", value_parser = parse_pair)]
    pub headers: Vec<(String, String)>,
}

/// Runs the self-test for a compiled plan: prints a line per channel on stdout, a failure as one
/// line on stderr, and returns the exit code.
pub fn run(plan: &Plan, args: &SelftestArgs, format: SelftestFormat, color: bool) -> i32 {
    // A dry run asks nothing; any URL will do.
    let url = args
        .alertmanager
        .clone()
        .filter(|url| !url.trim().is_empty())
        .or_else(|| args.dry_run.then(|| "http://dry-run.invalid".to_owned()));
    let connection = match url {
        Some(url) => server_connection(
            url,
            "--alertmanager",
            ALERTMANAGER_TOKEN_VARIABLE,
            args.timeout,
            &args.headers,
        ),
        None => Err(format!(
            "selftest needs an Alertmanager URL: pass --alertmanager URL, set {URL_VARIABLE}, or set `[alertmanager] url` in slofile.toml"
        )),
    };
    let connection = match connection {
        Ok(connection) => connection,
        Err(message) => {
            eprintln!("slofile: {message}");
            return EXIT_ERROR;
        }
    };
    let request = Request {
        services: args.services.clone(),
        channels: args.channels.clone(),
        skip: args.skip.clone(),
        dry_run: args.dry_run,
    };
    match super::selftest(plan, &Client::alertmanager(connection), &request) {
        Ok(results) => {
            let text = render::render(&results, format, color);
            let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
            if super::failed(&results) {
                EXIT_NOT_REACHED
            } else {
                EXIT_REACHED
            }
        }
        Err(error) => {
            eprintln!("slofile: {error}");
            EXIT_ERROR
        }
    }
}
