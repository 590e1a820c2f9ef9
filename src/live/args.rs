//! The command-line options every live command shares: where the server is and how to ask it,
//! which SLOs and groups to look at, and when.

use super::Selection;
use super::client::{Connection, shown_url};
use super::period;
use crate::units::Duration;

/// The server's URL when `--prometheus` is not given: the variable of `[prometheus] url` in
/// `slofile.toml` (`config::KEYS`), which clap reads into the flag.
pub const URL_VARIABLE: &str = "SLOFILE_PROMETHEUS_URL";
/// A bearer token for the server. Read from the environment only, so that it never shows in a
/// process list, and never printed.
pub const TOKEN_VARIABLE: &str = "SLOFILE_PROMETHEUS_TOKEN";

/// A bearer token for Alertmanager (`verify --alertmanager`), read from the environment only and
/// never printed. The Prometheus token is not sent to Alertmanager.
pub const ALERTMANAGER_TOKEN_VARIABLE: &str = "SLOFILE_ALERTMANAGER_TOKEN";

/// Exit code of a live command whose server cannot answer, or whose request makes no sense.
pub const EXIT_ERROR: i32 = 2;

#[derive(Debug, Clone, clap::Args)]
pub struct LiveArgs {
    /// The Prometheus (or Thanos, Mimir, VictoriaMetrics) base URL; default $SLOFILE_PROMETHEUS_URL,
    /// then `[prometheus] url` in slofile.toml. A bearer token is read from
    /// $SLOFILE_PROMETHEUS_TOKEN.
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
        prometheus_connection(
            self.prometheus.as_deref(),
            command,
            self.timeout,
            &self.headers,
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

/// The Prometheus connection of every live command, with $SLOFILE_PROMETHEUS_TOKEN. `prometheus`
/// is the `--prometheus` flag as parsed, which holds the flag, else $SLOFILE_PROMETHEUS_URL, else
/// `[prometheus] url` of slofile.toml (clap reads the last two, `config::flags`). `command` names
/// the command in the message when there is no URL.
pub fn prometheus_connection(
    prometheus: Option<&str>,
    command: &str,
    timeout: Duration,
    headers: &[(String, String)],
) -> Result<Connection, String> {
    let url = prometheus
        .map(str::to_owned)
        .filter(|url| !url.trim().is_empty())
        .ok_or_else(|| {
            format!(
                "{command} needs a Prometheus URL: pass --prometheus URL, set {URL_VARIABLE}, or set `[prometheus] url` in slofile.toml"
            )
        })?;
    server_connection(url, "--prometheus", TOKEN_VARIABLE, timeout, headers)
}

/// The connection to `url`, given as `flag`, with the bearer token of `token_variable` if set.
pub fn server_connection(
    url: String,
    flag: &str,
    token_variable: &str,
    timeout: Duration,
    headers: &[(String, String)],
) -> Result<Connection, String> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(format!(
            "{flag} `{}`: the URL must start with http:// or https://",
            shown_url(&url)
        ));
    }
    Ok(Connection {
        url,
        token: std::env::var(token_variable)
            .ok()
            .filter(|token| !token.is_empty()),
        headers: headers.to_vec(),
        timeout: std::time::Duration::from_millis(timeout.millis()),
    })
}
