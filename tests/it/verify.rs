//! `slofile verify` against a real Prometheus and Alertmanager started with what `slofile build`
//! writes for `tests/fixtures/verify/shop.yaml`, over series backfilled up to the present, and
//! against the specs as they might have changed since that deploy, derived from the fixture here.
//!
//! The deployed Prometheus evaluates every second, so that each group has been evaluated once
//! within moments of starting; the tests wait (boundedly) for that and for its Alertmanager to be
//! active before asking.

use crate::common::alertmanager_server::AlertmanagerServer;
use crate::common::build::Build;
use crate::common::live_data::fake_server;
use crate::common::prometheus_server::{Options, PrometheusServer};
use crate::common::{run, slofile};
use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Output;

const SHOP: &str = "tests/fixtures/verify/shop.yaml";
/// The scrape interval of the backfilled series, in seconds.
const STEP: i64 = 15;

/// A group of an SLO since removed, left loaded, whose one rule fails at every evaluation: its
/// two series differ only in the label the rule overwrites.
const RETIRED: &str = r#"groups:
  - name: slofile:legacy:retired
    rules:
      - record: verify:duplicated
        expr: label_replace(vector(1), "copy", "a", "", "") or label_replace(vector(2), "copy", "b", "", "")
        labels:
          copy: same
"#;

/// An Alertmanager configuration that routes the service to one of its two receivers only.
const PARTIAL_ALERTMANAGER: &str = r#"route:
  receiver: default
  routes:
    - matchers: ['service="shop"']
      receiver: shop-hook
receivers:
  - name: default
  - name: shop-hook
"#;

/// The last twenty minutes of the fixture's series, up to now: checkout traffic with a few
/// errors, search requests that exist but never move, a latency histogram and a queue gauge.
fn recent_data() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let end = now - now % STEP;
    let start = end - 20 * 60;
    // name, labels, start value, increase per step
    let series: [(&str, &str, f64, f64); 7] = [
        ("verify_checkout_requests_total", r#"code="200""#, 0.0, 10.0),
        (
            "verify_checkout_requests_total",
            r#"code="500""#,
            0.0,
            0.0625,
        ),
        ("verify_queue_depth", "", 3.0, 0.0),
        (
            "verify_request_duration_seconds_bucket",
            r#"le="+Inf",route="checkout""#,
            0.0,
            10.0,
        ),
        (
            "verify_request_duration_seconds_bucket",
            r#"le="0.25",route="checkout""#,
            0.0,
            8.0,
        ),
        (
            "verify_request_duration_seconds_bucket",
            r#"le="0.5",route="checkout""#,
            0.0,
            9.5,
        ),
        ("verify_search_requests_total", r#"code="200""#, 42.0, 0.0),
    ];
    let mut text = String::new();
    for (name, labels, first, step) in series {
        let labels = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        for (k, t) in (start..=end).step_by(STEP as usize).enumerate() {
            text.push_str(&format!("{name}{labels} {} {t}\n", first + step * k as f64));
        }
    }
    text.push_str("# EOF\n");
    text
}

/// Starts Prometheus with `rule_files` over [`recent_data`], evaluating every second, and waits
/// until every group has been evaluated (and, given Alertmanagers, one is active).
fn deployed(rule_files: &[PathBuf], alertmanagers: Vec<String>) -> PrometheusServer {
    let expect_alertmanager = !alertmanagers.is_empty();
    let server = PrometheusServer::start_with(
        &recent_data(),
        rule_files,
        &Options {
            evaluation_interval: Some("1s"),
            alertmanagers,
        },
    );
    server.wait_until("every rule group evaluated once", |server| {
        let rules = server.api("/api/v1/rules");
        rules["groups"].as_array().unwrap().iter().all(|group| {
            group["lastEvaluation"]
                .as_str()
                .is_some_and(|at| !at.starts_with("0001"))
        })
    });
    if expect_alertmanager {
        server.wait_until("an active Alertmanager", |server| {
            let answer = server.api("/api/v1/alertmanagers");
            !answer["activeAlertmanagers"].as_array().unwrap().is_empty()
        });
    }
    server
}

fn verify(spec: &Path, prometheus: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "verify",
        spec.to_str().unwrap(),
        "--prometheus",
        prometheus,
        "--timeout",
        "10s",
    ];
    args.extend(extra);
    run(&args)
}

/// The exit code and stdout of a run, which must print nothing on stderr.
fn code_and_stdout(output: &Output) -> (i32, String) {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.stderr.is_empty(),
        "stderr: {}\nstdout: {stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap(), stdout)
}

/// The fixture with `from` replaced by `to`, written to `dir/name`.
fn changed_spec(dir: &Path, name: &str, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(crate::common::root().join(SHOP)).unwrap();
    assert!(text.contains(from), "the fixture has `{from}`");
    let path = dir.join(name);
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    path
}

/// `text` with each of `(value, placeholder)` replaced, for snapshots.
fn redacted(text: &str, replacements: &[(&str, &str)]) -> String {
    replacements
        .iter()
        .fold(text.to_owned(), |text, (value, placeholder)| {
            text.replace(value, placeholder)
        })
}

#[test]
fn a_deploy_as_built_passes_and_every_drift_is_named() {
    let built = Build::of(&[SHOP]).ok();
    let dir = tempfile::tempdir().unwrap();
    let dir_path = std::fs::canonicalize(dir.path()).unwrap();
    let built_path = std::fs::canonicalize(built.path()).unwrap();
    let retired = dir_path.join("retired.rules.yml");
    std::fs::write(&retired, RETIRED).unwrap();
    let alertmanager =
        AlertmanagerServer::start(&built.path().join("alertmanager/alertmanager.yml"));
    let alertmanager_url = format!("http://127.0.0.1:{}", alertmanager.port);
    let prometheus = deployed(
        &[built.path().join("prometheus/shop.rules.yml"), retired],
        vec![format!("127.0.0.1:{}", alertmanager.port)],
    );
    let url = prometheus.url.as_str();
    let redactions = [
        (url, "http://127.0.0.1:PORT"),
        (alertmanager_url.as_str(), "http://127.0.0.1:AM_PORT"),
        (built_path.to_str().unwrap(), "BUILT"),
        (dir_path.to_str().unwrap(), "DIR"),
    ];

    // As built: every group loaded and healthy, alerts sent to the Alertmanager, which routes
    // as generated, and every SLI sees its series; search has no traffic, which is no fault.
    let output = verify(
        Path::new(SHOP),
        url,
        &["--alertmanager", &alertmanager_url, "--format", "plain"],
    );
    let (code, stdout) = code_and_stdout(&output);
    assert_eq!(code, 0, "{stdout}\n{}", prometheus.log());
    insta::assert_snapshot!("verify_as_built", stdout);

    // The objective raised in the specs but not deployed: the rules that hold it are stale.
    let raised = changed_spec(
        dir.path(),
        "raised.yaml",
        "objective: 99.5%",
        "objective: 99.9%",
    );
    let (code, stdout) = code_and_stdout(&verify(&raised, url, &["--format", "plain"]));
    assert_eq!(code, 1, "{stdout}");
    insta::assert_snapshot!("verify_stale", stdout);
    let output = verify(&raised, url, &["--format", "json"]);
    let (_, stdout) = code_and_stdout(&output);
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(
        findings
            .iter()
            .all(|f| f["service"] == "shop" && f["slo"] == "checkout" && f["kind"] == "stale_rule"),
        "{stdout}"
    );
    assert_eq!(json["notes"][0]["kind"], "no_traffic", "{stdout}");
    let output = verify(&raised, url, &["--format", "github"]);
    let (_, stdout) = code_and_stdout(&output);
    assert!(
        stdout
            .lines()
            .filter(|line| line
                .starts_with("::error title=slofile verify%3A shop/checkout::stale rule: "))
            .count()
            == findings.len(),
        "{stdout}"
    );

    // An SLO added to the specs but not deployed, over a metric nothing exports: its groups
    // are missing and its SLI is blind.
    let added = changed_spec(
        dir.path(),
        "added.yaml",
        "  - id: queue\n",
        "  - id: refunds\n    objective: 99%\n    sli:\n      ratio:\n        bad: verify_refunds_total{code=\"500\"}\n        total: verify_refunds_total\n  - id: queue\n",
    );
    let (code, stdout) = code_and_stdout(&verify(&added, url, &["--format", "plain"]));
    assert_eq!(code, 1, "{stdout}");
    insta::assert_snapshot!("verify_added", stdout);

    // An SLO removed from the specs whose groups are still loaded.
    let removed = changed_spec(
        dir.path(),
        "removed.yaml",
        "  - id: queue\n    objective: 99%\n    sli:\n      gauge:\n        query: max(verify_queue_depth)\n        below: 10\n        slice: 1m\n",
        "",
    );
    let (code, stdout) = code_and_stdout(&verify(&removed, url, &["--format", "plain"]));
    assert_eq!(code, 1, "{stdout}");
    insta::assert_snapshot!("verify_removed", redacted(&stdout, &redactions));

    // Another service's specs: its SLO's groups are not loaded, and the loaded group of its
    // retired SLO fails at every evaluation.
    let legacy = dir.path().join("legacy.yaml");
    std::fs::write(
        &legacy,
        "apiVersion: slofile/v1\nservice: legacy\nslos:\n  - id: current\n    objective: 99%\n    sli:\n      ratio:\n        bad: verify_checkout_requests_total{code=\"500\"}\n        total: verify_checkout_requests_total\n",
    )
    .unwrap();
    let (code, stdout) = code_and_stdout(&verify(&legacy, url, &["--format", "plain"]));
    assert_eq!(code, 1, "{stdout}");
    insta::assert_snapshot!("verify_failing", redacted(&stdout, &redactions));

    // An Alertmanager whose configuration lacks one of the service's receivers and its routes.
    let partial_config = dir.path().join("partial.yml");
    std::fs::write(&partial_config, PARTIAL_ALERTMANAGER).unwrap();
    let partial = AlertmanagerServer::start(&partial_config);
    let partial_url = format!("http://127.0.0.1:{}", partial.port);
    let output = verify(
        Path::new(SHOP),
        url,
        &["--alertmanager", &partial_url, "--format", "plain"],
    );
    let (code, stdout) = code_and_stdout(&output);
    assert_eq!(code, 1, "{stdout}");
    insta::assert_snapshot!(
        "verify_partial_alertmanager",
        redacted(
            &stdout,
            &[(partial_url.as_str(), "http://127.0.0.1:AM_PORT")]
        )
    );
}

#[test]
fn a_prometheus_without_an_alertmanager_is_a_finding() {
    let built = Build::of(&[SHOP]).ok();
    let prometheus = deployed(
        &[built.path().join("prometheus/shop.rules.yml")],
        Vec::new(),
    );
    let output = verify(Path::new(SHOP), &prometheus.url, &["--format", "json"]);
    let (code, stdout) = code_and_stdout(&output);
    assert_eq!(code, 1, "{stdout}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{stdout}");
    assert_eq!(findings[0]["kind"], "no_alertmanager");
    assert_eq!(findings[0]["service"], Value::Null);
}

/// A fake server on 127.0.0.1 that answers each request with the body of the first
/// `(path prefix, body)` its path starts with (HTTP 404 for none), after reading the whole
/// request. Its thread ends with the test process.
fn fake_prometheus(answers: &'static [(&'static str, &'static str)]) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(2)));
            let request = read_request(&mut stream);
            let path = request.split_whitespace().nth(1).unwrap_or_default();
            let (status, body) = answers
                .iter()
                .find(|(prefix, _)| path.starts_with(prefix))
                .map_or(("404 Not Found", "404 page not found"), |(_, body)| {
                    ("200 OK", *body)
                });
            let answer = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    url
}

/// The head and body of a request, read up to its `Content-Length`.
fn read_request(stream: &mut std::net::TcpStream) -> String {
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    while let Ok(read) = stream.read(&mut buffer) {
        if read == 0 {
            break;
        }
        request.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&request);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if body.len() >= length {
                break;
            }
        }
    }
    String::from_utf8_lossy(&request).into_owned()
}

/// The answers of a Prometheus that evaluates no rules but has every series (each query finds
/// one that moves).
const NO_RULES: &[(&str, &str)] = &[
    (
        "/api/v1/rules",
        r#"{"status":"success","data":{"groups":[]}}"#,
    ),
    (
        "/api/v1/query",
        r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[0,"1"]}]}}"#,
    ),
];

#[test]
fn a_server_without_rules_is_one_finding() {
    let url = fake_prometheus(NO_RULES);
    let (code, stdout) = code_and_stdout(&verify(Path::new(SHOP), &url, &["--format", "plain"]));
    assert_eq!(code, 1, "{stdout}");
    insta::assert_snapshot!(
        "verify_no_rules",
        redacted(&stdout, &[(url.as_str(), "http://127.0.0.1:PORT")])
    );
}

#[test]
fn servers_that_cannot_answer_give_one_line_and_exit_2() {
    let down = crate::common::live_data::down_url();
    let broken = fake_server(
        "500 Internal Server Error",
        "storage is unavailable",
        std::time::Duration::ZERO,
    );
    let no_rules = fake_prometheus(NO_RULES);
    for (prometheus, alertmanager, named) in [
        (down.as_str(), None, "cannot reach Prometheus at"),
        (broken.as_str(), None, "Prometheus at"),
        (
            no_rules.as_str(),
            Some(down.as_str()),
            "cannot reach Alertmanager at",
        ),
    ] {
        let mut extra = Vec::new();
        if let Some(alertmanager) = alertmanager {
            extra.extend(["--alertmanager", alertmanager]);
        }
        let output = verify(Path::new(SHOP), prometheus, &extra);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(stderr.contains(named), "{stderr}");
        assert!(
            stderr.contains(alertmanager.unwrap_or(prometheus)),
            "names the server: {stderr}"
        );
        assert!(output.stdout.is_empty());
    }
    // Specs that do not compile, a missing URL and a report format exit 2 too: 1 means findings.
    let output = verify(
        Path::new("tests/invalid/window-zero.yaml"),
        "http://127.0.0.1:9",
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    let output = slofile()
        .args(["verify", SHOP])
        .env_remove("SLOFILE_PROMETHEUS_URL")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("verify needs a Prometheus URL"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = verify(Path::new(SHOP), &no_rules, &["--format", "table"]);
    assert_eq!(output.status.code(), Some(2));
}
