//! A real Alertmanager for tests: started on 127.0.0.1 at a free port with a given configuration,
//! clustering off, and killed when dropped (also when a test panics).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the server may take to become ready, and how long any one request may take.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

pub struct AlertmanagerServer {
    pub port: u16,
    child: Child,
    _storage: tempfile::TempDir,
}

/// Debian installs Alertmanager as `prometheus-alertmanager`; upstream calls it `alertmanager`.
fn binary() -> std::path::PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .flat_map(|dir| ["prometheus-alertmanager", "alertmanager"].map(|n| dir.join(n)))
            .find(|candidate| candidate.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "`prometheus-alertmanager` (or `alertmanager`) is required by this test and was not \
             found on PATH. Run ./scripts/test.sh, which installs Debian's `prometheus-alertmanager`."
        )
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

impl AlertmanagerServer {
    /// Starts Alertmanager with `config` and waits (at most 30 s) for `/-/ready`.
    pub fn start(config: &Path) -> AlertmanagerServer {
        let storage = tempfile::tempdir().unwrap();
        let port = free_port();
        let child = Command::new(binary())
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.path={}", storage.path().display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            // An empty address switches clustering (and its port) off.
            .arg("--cluster.listen-address=")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("Alertmanager starts");
        let mut server = AlertmanagerServer {
            port,
            child,
            _storage: storage,
        };
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                let mut stderr = String::new();
                if let Some(mut pipe) = server.child.stderr.take() {
                    let _ = pipe.read_to_string(&mut stderr);
                }
                panic!("Alertmanager exited ({status}) before it was ready:\n{stderr}");
            }
            if matches!(server.try_request("GET", "/-/ready", None), Ok((200, _))) {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "Alertmanager was not ready within {READY_TIMEOUT:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A request to the server: status code and body. HTTP/1.0, so the body is never chunked.
    fn try_request(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> std::io::Result<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
        stream.set_write_timeout(Some(REQUEST_TIMEOUT))?;
        let body = body.unwrap_or("");
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )?;
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

    /// A request that must succeed: the body, or a panic with the server's answer.
    pub fn request(&self, method: &str, path: &str, body: Option<&str>) -> String {
        match self.try_request(method, path, body) {
            Ok((200, body)) => body,
            Ok((status, body)) => panic!("{method} {path}: HTTP {status}: {body}"),
            Err(error) => panic!("{method} {path}: {error}"),
        }
    }
}

impl Drop for AlertmanagerServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
