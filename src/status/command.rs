//! The `status` command line: its options, where the connection comes from, and the exit code.

use super::Request;
use super::client::{Client, Connection};
use super::period::{self, Period};
use super::render::{self, ReportFormat};
use crate::compile::Plan;
use crate::units::Duration;
use std::path::PathBuf;

/// The server's URL when `--prometheus` is not given.
pub const URL_VARIABLE: &str = "SLOFILE_PROMETHEUS_URL";
/// A bearer token for the server. Read from the environment only, so that it never shows in a
/// process list, and never printed.
pub const TOKEN_VARIABLE: &str = "SLOFILE_PROMETHEUS_TOKEN";

/// Exit codes of `status`.
pub const EXIT_MET: i32 = 0;
pub const EXIT_BREACHED: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// Spec files or directories (read recursively for *.yaml and *.yml).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The Prometheus (or Thanos, Mimir, VictoriaMetrics) base URL; default $SLOFILE_PROMETHEUS_URL.
    /// A bearer token is read from $SLOFILE_PROMETHEUS_TOKEN.
    #[arg(long, value_name = "URL")]
    pub prometheus: Option<String>,
    /// Only this SLO (its id, or `service/id`); repeatable.
    #[arg(long = "slo", value_name = "ID")]
    pub slos: Vec<String>,
    /// Only groups whose `group_by` label has this value, e.g. `tenant=2`; repeatable.
    #[arg(long = "where", value_name = "LABEL=VALUE", value_parser = parse_pair)]
    pub filters: Vec<(String, String)>,
    /// Evaluate at this instant instead of now: RFC 3339 or Unix seconds.
    #[arg(long, value_name = "TIME", value_parser = period::parse_instant)]
    pub at: Option<i64>,
    /// The window of compliance and budget: the SLO's rolling window, or a calendar period in
    /// UTC. Burn rates always use the alert tiers' rolling windows.
    #[arg(long, value_enum, default_value_t)]
    pub period: Period,
    /// The most each query may take.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = Duration::parse)]
    pub timeout: Duration,
    /// An extra request header, e.g. `X-Scope-OrgID=tenant` for Mimir; repeatable.
    #[arg(long = "header", value_name = "NAME=VALUE", value_parser = parse_pair)]
    pub headers: Vec<(String, String)>,
}

fn parse_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("`{text}` is not NAME=VALUE")),
    }
}

impl StatusArgs {
    /// The connection, from the flags and the environment.
    pub fn connection(&self) -> Result<Connection, String> {
        let url = self
            .prometheus
            .clone()
            .or_else(|| std::env::var(URL_VARIABLE).ok())
            .filter(|url| !url.trim().is_empty())
            .ok_or_else(|| {
                format!(
                    "status needs a Prometheus URL: pass --prometheus URL or set {URL_VARIABLE}"
                )
            })?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "--prometheus `{}`: the URL must start with http:// or https://",
                super::client::shown_url(&url)
            ));
        }
        Ok(Connection {
            url,
            token: std::env::var(TOKEN_VARIABLE)
                .ok()
                .filter(|token| !token.is_empty()),
            headers: self.headers.clone(),
            timeout: std::time::Duration::from_millis(self.timeout.millis()),
        })
    }

    fn request(&self) -> Request {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_secs() as i64)
            .unwrap_or_default();
        Request {
            slos: self.slos.clone(),
            filters: self.filters.clone(),
            at: self.at.unwrap_or(now),
            period: self.period,
        }
    }
}

/// Runs the report for a compiled plan: prints it on stdout, a failure as one line on stderr, and
/// returns the exit code.
pub fn run(plan: &Plan, args: &StatusArgs, format: ReportFormat, color: bool) -> i32 {
    let connection = match args.connection() {
        Ok(connection) => connection,
        Err(message) => {
            eprintln!("slofile: {message}");
            return EXIT_ERROR;
        }
    };
    let client = Client::new(connection);
    match super::status(plan, &client, &args.request()) {
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
