//! A local HTTP receiver for notifications: it records when each request came and its body, and
//! answers 200, or 500 for paths under `/fail`, as a broken receiver would. Its thread ends with
//! the test process.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a receiver got: when each request came, its path and its body.
pub type Deliveries = Arc<Mutex<Vec<Delivery>>>;

/// One request.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub at: Instant,
    pub path: String,
    pub body: String,
}

/// A local HTTP receiver: its base URL (`http://127.0.0.1:PORT`) and what it got.
pub fn receiver() -> (String, Deliveries) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut request = Vec::new();
            let mut buffer = [0u8; 8192];
            // Read the head and as much of the body as its Content-Length says.
            while let Ok(n) = stream.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buffer[..n]);
                let text = String::from_utf8_lossy(&request);
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if body.len() >= length {
                        break;
                    }
                }
            }
            let text = String::from_utf8_lossy(&request).into_owned();
            let body = text
                .split_once("\r\n\r\n")
                .map(|(_, b)| b.to_owned())
                .unwrap_or_default();
            let path = text
                .lines()
                .next()
                .and_then(|line| line.split(' ').nth(1))
                .unwrap_or_default()
                .to_owned();
            let status = if path.starts_with("/fail") {
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            record.lock().unwrap().push(Delivery {
                at: Instant::now(),
                path,
                body,
            });
            let answer =
                format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (url, seen)
}
