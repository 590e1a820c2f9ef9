//! The `verify` command line: its options and the exit code.

use super::Servers;
use super::render::{self, VerifyFormat};
use crate::compile::Plan;
use crate::emit::OutputFile;
use crate::live::args::{
    ALERTMANAGER_TOKEN_VARIABLE, EXIT_ERROR, parse_pair, prometheus_connection, server_connection,
};
use crate::live::client::Client;
use crate::units::Duration;
use std::path::PathBuf;

/// Exit codes of `verify`; [`EXIT_ERROR`] when a server cannot answer.
pub const EXIT_MATCHES: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;

#[derive(Debug, Clone, clap::Args)]
pub struct VerifyArgs {
    /// Spec files or directories (read recursively for *.yaml and *.yml).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The server that evaluates the rules (Prometheus, vmalert, Thanos Ruler); default
    /// $SLOFILE_PROMETHEUS_URL, then `[prometheus] url` in slofile.toml. A bearer token is read
    /// from $SLOFILE_PROMETHEUS_TOKEN.
    #[arg(long, value_name = "URL")]
    pub prometheus: Option<String>,
    /// Also check that this Alertmanager's configuration has the generated receivers and routes;
    /// default $SLOFILE_ALERTMANAGER_URL, then `[alertmanager] url` in slofile.toml. A bearer
    /// token is read from $SLOFILE_ALERTMANAGER_TOKEN.
    #[arg(long, value_name = "URL")]
    pub alertmanager: Option<String>,
    /// The most each request may take.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = Duration::parse)]
    pub timeout: Duration,
    /// An extra request header, e.g. `X-Scope-OrgID=tenant` for Mimir; repeatable. Sent to both
    /// servers.
    #[arg(long = "header", value_name = "NAME=VALUE", value_parser = parse_pair)]
    pub headers: Vec<(String, String)>,
}

/// Verifies the servers against the build of a compiled plan: prints the findings on stdout, a
/// failure as one line on stderr, and returns the exit code.
pub fn run(
    plan: &Plan,
    files: &[OutputFile],
    args: &VerifyArgs,
    format: VerifyFormat,
    color: bool,
) -> i32 {
    let prometheus = prometheus_connection(
        args.prometheus.as_deref(),
        "verify",
        args.timeout,
        &args.headers,
    );
    let alertmanager = args
        .alertmanager
        .clone()
        .map(|url| {
            server_connection(
                url,
                "--alertmanager",
                ALERTMANAGER_TOKEN_VARIABLE,
                args.timeout,
                &args.headers,
            )
        })
        .transpose();
    let (prometheus, alertmanager) = match (prometheus, alertmanager) {
        (Ok(prometheus), Ok(alertmanager)) => (prometheus, alertmanager),
        (Err(message), _) | (_, Err(message)) => {
            eprintln!("slofile: {message}");
            return EXIT_ERROR;
        }
    };
    let prometheus = Client::new(prometheus);
    let alertmanager = alertmanager.map(|connection| Client::of("Alertmanager", connection));
    let servers = Servers {
        prometheus: &prometheus,
        alertmanager: alertmanager.as_ref(),
        now: now(),
    };
    match super::verify(plan, files, &servers) {
        Ok(verified) => {
            let text = render::render(&verified, format, color);
            let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
            if verified.findings.is_empty() {
                EXIT_MATCHES
            } else {
                EXIT_FINDINGS
            }
        }
        Err(error) => {
            eprintln!("slofile: {error}");
            EXIT_ERROR
        }
    }
}

/// Now, in Unix seconds.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or_default()
}
