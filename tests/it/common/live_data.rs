//! Data for the live commands' tests: series backfilled into a real Prometheus, built so that
//! every figure is known by construction, and a fake server that answers badly.
//!
//! The data: 45 days from 2026-01-01 in 5-minute steps. Counters grow by a fixed amount per step,
//! so the truth over any window is a sum of steps. Amounts are binary fractions, so the counters
//! are exact in floating point. Windows end on a step, and Prometheus 2's ranges include both
//! ends, so `rate` never extrapolates.

use std::io::{Read, Write};
use std::net::TcpListener;

pub const DAY: i64 = 86_400;
pub const STEP: i64 = 300;
/// 2026-01-01T00:00:00Z
pub const DATA_START: i64 = 1_767_225_600;
pub const DATA_END: i64 = DATA_START + 45 * DAY;

pub type Shape = Box<dyn Fn(i64) -> f64 + Send + Sync>;

/// A backfilled series: a counter that grows by `shape(t)` at each step after the first, or a
/// gauge whose value at `t` is `shape(t)`.
pub struct Series {
    pub name: &'static str,
    pub labels: &'static str,
    pub counter: bool,
    pub shape: Shape,
    /// The first sample's time.
    pub from: i64,
}

pub fn counter(
    name: &'static str,
    labels: &'static str,
    step: impl Fn(i64) -> f64 + Send + Sync + 'static,
) -> Series {
    Series {
        name,
        labels,
        counter: true,
        shape: Box::new(step),
        from: DATA_START,
    }
}

pub fn gauge(
    name: &'static str,
    labels: &'static str,
    value: impl Fn(i64) -> f64 + Send + Sync + 'static,
) -> Series {
    Series {
        name,
        labels,
        counter: false,
        shape: Box::new(value),
        from: DATA_START,
    }
}

pub fn steps() -> impl Iterator<Item = i64> {
    (DATA_START..=DATA_END).step_by(STEP as usize)
}

impl Series {
    /// The counter's increase over `(start, end]`.
    pub fn increase(&self, start: i64, end: i64) -> f64 {
        assert!(self.counter);
        steps()
            .filter(|&t| t > DATA_START && t > start && t <= end)
            .map(|t| (self.shape)(t))
            .sum()
    }

    /// The gauge's samples in `[start, end]`.
    pub fn samples(&self, start: i64, end: i64) -> Vec<f64> {
        assert!(!self.counter);
        steps()
            .filter(|&t| t >= start && t <= end)
            .map(|t| (self.shape)(t))
            .collect()
    }
}

pub fn openmetrics(series: &[Series]) -> String {
    openmetrics_over(series, DATA_START, DATA_END)
}

/// The series as OpenMetrics, sampled every step from `start` to `end`: the counters start at 0
/// at `start` (or at their `from`).
pub fn openmetrics_over(series: &[Series], start: i64, end: i64) -> String {
    let mut sorted: Vec<&Series> = series.iter().collect();
    // A metric family's samples must be contiguous.
    sorted.sort_by_key(|s| (s.name, s.labels));
    let mut text = String::new();
    for series in sorted {
        let mut value = 0.0;
        for t in (start..=end)
            .step_by(STEP as usize)
            .filter(|&t| t >= series.from)
        {
            if series.counter {
                if t > start {
                    value += (series.shape)(t);
                }
            } else {
                value = (series.shape)(t);
            }
            text.push_str(&format!(
                "{}{{{}}} {value} {t}\n",
                series.name, series.labels
            ));
        }
    }
    text.push_str("# EOF\n");
    text
}

/// The URL of a port on 127.0.0.1 that nothing listens on: a server that is down.
pub fn down_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

/// A fake server on 127.0.0.1 that answers every connection with `status` and `body` after
/// `delay`. Its thread ends with the test process.
pub fn fake_server(status: &'static str, body: &'static str, delay: std::time::Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = [0u8; 4096];
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(2)));
            let _ = stream.read(&mut request);
            std::thread::sleep(delay);
            let answer = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    url
}
