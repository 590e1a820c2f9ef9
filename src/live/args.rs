//! The command-line options every live command shares: where the server is and how to ask it,
//! which SLOs and groups to look at, and when.

use super::Selection;
use super::client::{Connection, shown_url};
use super::period;
use crate::units::Duration;

/// The server's URL when `--prometheus` is not given.
pub const URL_VARIABLE: &str = "SLOFILE_PROMETHEUS_URL";
/// A bearer token for the server. Read from the environment only, so that it never shows in a
/// process list, and never printed.
pub const TOKEN_VARIABLE: &str = "SLOFILE_PROMETHEUS_TOKEN";

/// Exit code of a live command whose server cannot answer, or whose request makes no sense.
pub const EXIT_ERROR: i32 = 2;

#[derive(Debug, Clone, clap::Args)]
pub struct LiveArgs {
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
    /// The most each query may take.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = Duration::parse)]
    pub timeout: Duration,
    /// An extra request header, e.g. `X-Scope-OrgID=tenant` for Mimir; repeatable.
    #[arg(long = "header", value_name = "NAME=VALUE", value_parser = parse_pair)]
    pub headers: Vec<(String, String)>,
}

/// How a server's URL and token are given.
#[derive(Debug, Clone, Copy)]
pub struct Server {
    /// `--prometheus`
    pub flag: &'static str,
    /// The URL's environment variable.
    pub variable: &'static str,
    /// The bearer token's environment variable.
    pub token_variable: &'static str,
    /// `a Prometheus URL`, for the message when none is given.
    pub what: &'static str,
}

/// The connection to a server: its URL from the flag or the environment (http or https), the
/// token from the environment only, the headers and the timeout.
pub fn connection(
    server: Server,
    flag: Option<&str>,
    command: &str,
    headers: &[(String, String)],
    timeout: Duration,
) -> Result<Connection, String> {
    let url = flag
        .map(str::to_owned)
        .or_else(|| std::env::var(server.variable).ok())
        .filter(|url| !url.trim().is_empty())
        .ok_or_else(|| {
            format!(
                "{command} needs {}: pass {} URL or set {}",
                server.what, server.flag, server.variable
            )
        })?;
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(format!(
            "{} `{}`: the URL must start with http:// or https://",
            server.flag,
            shown_url(&url)
        ));
    }
    Ok(Connection {
        url,
        token: std::env::var(server.token_variable)
            .ok()
            .filter(|token| !token.is_empty()),
        headers: headers.to_vec(),
        timeout: std::time::Duration::from_millis(timeout.millis()),
    })
}

/// `NAME=VALUE`, the name trimmed and not empty.
pub fn parse_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("`{text}` is not NAME=VALUE")),
    }
}

impl LiveArgs {
    /// The connection, from the flags and the environment; `command` names the command in the
    /// message when no URL is given.
    pub fn connection(&self, command: &str) -> Result<Connection, String> {
        connection(
            Server {
                flag: "--prometheus",
                variable: URL_VARIABLE,
                token_variable: TOKEN_VARIABLE,
                what: "a Prometheus URL",
            },
            self.prometheus.as_deref(),
            command,
            &self.headers,
            self.timeout,
        )
    }

    pub fn selection(&self) -> Selection {
        Selection {
            slos: self.slos.clone(),
            filters: self.filters.clone(),
        }
    }

    /// `--at`, else now, in Unix seconds.
    pub fn at(&self) -> i64 {
        self.at.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|elapsed| elapsed.as_secs() as i64)
                .unwrap_or_default()
        })
    }
}
