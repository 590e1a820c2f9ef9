//! A real Prometheus for tests: backfilled from OpenMetrics text with `promtool tsdb
//! create-blocks-from openmetrics`, started on 127.0.0.1 at a free port with the given rule files,
//! and killed when dropped (also when a test panics). Every wait is bounded.

use super::require_tool;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the server may take to become ready.
const READY_WITHIN: Duration = Duration::from_secs(30);

pub struct PrometheusServer {
    pub url: String,
    child: Child,
    dir: tempfile::TempDir,
}

impl PrometheusServer {
    /// Turns `openmetrics` (OpenMetrics text ending in `# EOF`) into TSDB blocks with
    /// `promtool tsdb create-blocks-from openmetrics`, starts `prometheus` on 127.0.0.1 at a free
    /// port over them with `rule_files` loaded, and waits (at most 30 s) for `/-/ready`.
    /// Panics loudly when promtool or prometheus is missing.
    pub fn start(openmetrics: &str, rule_files: &[PathBuf]) -> PrometheusServer {
        let promtool = require_tool("promtool");
        let prometheus = require_tool("prometheus");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let has_samples = openmetrics
            .lines()
            .any(|line| !line.starts_with('#') && !line.trim().is_empty());
        if has_samples {
            let input = dir.path().join("input.om");
            std::fs::write(&input, openmetrics).unwrap();
            let output = Command::new(&promtool)
                .args(["tsdb", "create-blocks-from", "openmetrics"])
                .arg(&input)
                .arg(&data)
                .output()
                .expect("promtool runs");
            assert!(
                output.status.success(),
                "promtool tsdb create-blocks-from openmetrics failed:\n{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let rules: Vec<String> = rule_files
            .iter()
            .map(|path| format!("  - {}\n", yaml_string(&absolute(path))))
            .collect();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(&config, format!("rule_files:\n{}", rules.concat())).unwrap();
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
        let child = Command::new(&prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            // Backfilled samples may be old; they must not be deleted at start.
            .arg("--storage.tsdb.retention.time=100y")
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("prometheus starts");
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
    pub fn query(&self, expr: &str, at: i64) -> Value {
        let path = format!("/api/v1/query?query={}&time={at}", url_encode(expr));
        let (status, body) = self
            .get(&path)
            .unwrap_or_else(|e| panic!("cannot reach Prometheus at {}: {e}", self.url));
        let answer: Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("Prometheus answered {status} with no JSON ({e}): {body}"));
        if answer["status"] != "success" {
            panic!(
                "Prometheus refused `{expr}` ({status}): {} {}",
                answer["errorType"], answer["error"]
            );
        }
        answer["data"].clone()
    }

    fn wait_ready(&mut self) {
        let started = Instant::now();
        while started.elapsed() < READY_WITHIN {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "prometheus exited ({status}) before it was ready:\n{}",
                    self.log()
                );
            }
            if let Ok((200, _)) = self.get("/-/ready") {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "prometheus was not ready within {READY_WITHIN:?}:\n{}",
            self.log()
        );
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }

    /// One HTTP/1.0 GET: the server closes the connection after an unchunked body.
    fn get(&self, path: &str) -> std::io::Result<(u16, String)> {
        let address = self.url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        write!(stream, "GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n")?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0);
        Ok((status, body.to_owned()))
    }
}

impl Drop for PrometheusServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port on 127.0.0.1")
}

fn absolute(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|e| panic!("rule file {}: {e}", path.display()))
        .display()
        .to_string()
}

/// A double-quoted YAML string.
fn yaml_string(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

/// Percent-encodes everything but unreserved characters.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
