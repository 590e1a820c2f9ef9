//! A real Prometheus for the tests: Debian's `prometheus` on 127.0.0.1 at a free port, over a TSDB
//! backfilled with `promtool tsdb create-blocks-from openmetrics` from text the test writes, so
//! that the truth of every query is known by construction.
//!
//! Backfilled samples may lie anywhere in the past: time-based retention counts back from the
//! newest block, not from the wall clock, and retention is set far out anyway. Query at a time
//! inside the backfilled range.

use super::require_tool;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the server may take to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one query may take.
const QUERY_TIMEOUT: Duration = Duration::from_secs(30);

/// What the configuration says beyond the rule files. By default rules are evaluated every minute
/// and alerts go nowhere.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `global.evaluation_interval`, e.g. `1s`; `1m` when `None`.
    pub evaluation_interval: Option<&'static str>,
    /// `host:port` of the Alertmanagers that alerts go to.
    pub alertmanagers: Vec<String>,
}

/// A running Prometheus. Dropping it kills the server and waits for it.
pub struct PrometheusServer {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub url: String,
    child: Child,
    /// Holds the TSDB, the configuration and the server's log until the server is gone.
    dir: tempfile::TempDir,
}

impl PrometheusServer {
    /// Turns `openmetrics` (OpenMetrics text ending in `# EOF`) into TSDB blocks with
    /// `promtool tsdb create-blocks-from openmetrics`, starts `prometheus` on 127.0.0.1 at a free
    /// port over them with `rule_files` loaded, and waits (at most 30 s) for `/-/ready`.
    /// Panics loudly when promtool or prometheus is missing.
    pub fn start(openmetrics: &str, rule_files: &[PathBuf]) -> PrometheusServer {
        PrometheusServer::start_with(openmetrics, rule_files, &Options::default())
    }

    /// [`PrometheusServer::start`] with more configuration.
    pub fn start_with(
        openmetrics: &str,
        rule_files: &[PathBuf],
        options: &Options,
    ) -> PrometheusServer {
        let promtool = require_tool("promtool");
        let prometheus = require_tool("prometheus");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let data = dir.path().join("data");
        // promtool reads its whole input once for every 2-hour block it writes, so weeks of samples
        // in one file take minutes; one file per day takes seconds.
        for (day, text) in daily_chunks(openmetrics) {
            let input = dir.path().join(format!("input-{day}.om"));
            std::fs::write(&input, text).unwrap();
            let output = Command::new(&promtool)
                .args(["tsdb", "create-blocks-from", "openmetrics", "--quiet"])
                .arg(&input)
                .arg(&data)
                .output()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", promtool.display()));
            assert!(
                output.status.success(),
                "promtool tsdb create-blocks-from openmetrics failed ({}):\n{}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            std::fs::remove_file(&input).unwrap();
        }
        let config = dir.path().join("prometheus.yml");
        std::fs::write(&config, config_text(rule_files, options)).unwrap();
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
        let child = Command::new(&prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg("--storage.tsdb.retention.time=100y")
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", prometheus.display()));
        let mut server = PrometheusServer {
            url: format!("http://127.0.0.1:{port}"),
            child,
            dir,
        };
        server.wait_ready();
        server
    }

    /// Instant query at Unix time `at`: the `data` object of the answer; panics with the
    /// server's error text on failure.
    pub fn query(&self, expr: &str, at: i64) -> serde_json::Value {
        let path = format!(
            "/api/v1/query?query={}&time={at}",
            percent_encode(expr.as_bytes())
        );
        let (status, body) = get(&self.url, &path)
            .unwrap_or_else(|e| panic!("query {expr:?} at {at} against {}: {e}", self.url));
        let answer: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|e| {
            panic!("query {expr:?} at {at}: HTTP {status}, not JSON ({e}):\n{body}")
        });
        assert!(
            !(status != 200 || answer["status"] != "success"),
            "query {expr:?} at {at} failed with HTTP {status}: {} {}",
            answer["errorType"],
            answer["error"]
        );
        answer["data"].clone()
    }

    /// The queries the server has answered so far, instant and range together, from its own
    /// `prometheus_http_requests_total`.
    pub fn queries_answered(&self) -> u64 {
        let (_, body) = get(&self.url, "/metrics")
            .unwrap_or_else(|e| panic!("GET /metrics of {}: {e}", self.url));
        body.lines()
            .filter(|line| {
                line.starts_with("prometheus_http_requests_total{")
                    && (line.contains("handler=\"/api/v1/query\"")
                        || line.contains("handler=\"/api/v1/query_range\""))
            })
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>() as u64
    }

    /// `GET path` of the API, e.g. `/api/v1/rules`: the `data` object of the answer; panics on
    /// failure.
    pub fn api(&self, path: &str) -> serde_json::Value {
        let (status, body) =
            get(&self.url, path).unwrap_or_else(|e| panic!("GET {path} of {}: {e}", self.url));
        let answer: serde_json::Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("GET {path}: HTTP {status}, not JSON ({e}):\n{body}"));
        assert!(
            status == 200 && answer["status"] == "success",
            "GET {path} failed with HTTP {status}: {body}"
        );
        answer["data"].clone()
    }

    /// Waits (at most 30 s) until `ready` holds of the server, asking every 200 ms; panics with
    /// `what` and the log when it does not.
    pub fn wait_until(&self, what: &str, ready: impl Fn(&PrometheusServer) -> bool) {
        let deadline = Instant::now() + READY_TIMEOUT;
        while !ready(self) {
            assert!(
                Instant::now() <= deadline,
                "prometheus at {}: {what} did not happen within {READY_TIMEOUT:?}:\n{}",
                self.url,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The server's log so far, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "prometheus exited before it was ready ({status}):\n{}",
                    self.log()
                );
            }
            if let Ok((200, _)) = get(&self.url, "/-/ready") {
                return;
            }
            assert!(
                Instant::now() <= deadline,
                "prometheus at {} was not ready within {READY_TIMEOUT:?}:\n{}",
                self.url,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for PrometheusServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The samples of `openmetrics`, one OpenMetrics text per UTC day of their timestamps, each with
/// every metadata line (`# TYPE`, `# HELP`) in its place and its own `# EOF`.
fn daily_chunks(openmetrics: &str) -> Vec<(i64, String)> {
    let day_of = |line: &str| -> i64 {
        let timestamp: f64 = line
            .split_whitespace()
            .last()
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("a backfilled sample needs a timestamp: {line:?}"));
        (timestamp / 86_400.0).floor() as i64
    };
    let samples = |line: &&str| !line.trim().is_empty() && !line.starts_with('#');
    let mut chunks: std::collections::BTreeMap<i64, String> = openmetrics
        .lines()
        .filter(samples)
        .map(|line| (day_of(line), String::new()))
        .collect();
    for line in openmetrics.lines() {
        if line.trim() == "# EOF" || line.trim().is_empty() {
            continue;
        }
        if line.starts_with('#') {
            for chunk in chunks.values_mut() {
                chunk.push_str(line);
                chunk.push('\n');
            }
        } else if let Some(chunk) = chunks.get_mut(&day_of(line)) {
            chunk.push_str(line);
            chunk.push('\n');
        }
    }
    chunks
        .into_iter()
        .map(|(day, mut text)| {
            text.push_str("# EOF\n");
            (day, text)
        })
        .collect()
}

fn config_text(rule_files: &[PathBuf], options: &Options) -> String {
    let mut text = format!(
        "global:\n  evaluation_interval: {}\n",
        options.evaluation_interval.unwrap_or("1m")
    );
    if !options.alertmanagers.is_empty() {
        text.push_str("alerting:\n  alertmanagers:\n    - static_configs:\n        - targets:\n");
        for target in &options.alertmanagers {
            text.push_str(&format!(
                "            - {}\n",
                serde_json::to_string(target).unwrap()
            ));
        }
    }
    text.push_str("rule_files:");
    if rule_files.is_empty() {
        text.push_str(" []");
    }
    text.push('\n');
    for file in rule_files {
        let absolute = std::fs::canonicalize(file)
            .unwrap_or_else(|e| panic!("rule file {}: {e}", file.display()));
        text.push_str(&format!("  - {}\n", yaml_quoted(&absolute)));
    }
    text
}

fn yaml_quoted(path: &Path) -> String {
    serde_json::to_string(&path.display().to_string()).unwrap()
}

/// A port that was free a moment ago. Another process could take it before the server binds it;
/// the server then exits and `wait_ready` says so.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port on 127.0.0.1")
}

/// A plain HTTP/1.0 GET, so that the answer is neither chunked nor kept alive: the status code and
/// the body.
fn get(base: &str, path: &str) -> std::io::Result<(u16, String)> {
    let address = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(QUERY_TIMEOUT))?;
    stream.set_write_timeout(Some(QUERY_TIMEOUT))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n")?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {head:?}")))?;
    Ok((status, body.to_owned()))
}

/// Percent-encodes everything but unreserved characters, for a query string.
fn percent_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &byte in bytes {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
