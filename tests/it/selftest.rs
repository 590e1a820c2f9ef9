//! `slofile selftest` against a real Alertmanager started with the generated configuration, its
//! Slack webhook URL file and webhook URLs pointing at a local receiver (as a deployment puts
//! the real ones in place): the receiver gets exactly the self-test message of each selected
//! channel and nothing for a skipped one; a receiver that answers 500 fails the run, named;
//! Alertmanager down exits 2.

use crate::common::alertmanager_server::AlertmanagerServer;
use crate::common::build::Build;
use crate::common::receiver::{Deliveries, receiver};
use crate::common::run;
use serde_json::Value;
use std::process::Output;

const SPEC: &str = "tests/fixtures/selftest/shop.yaml";

fn selftest(url: &str, extra: &[&str]) -> Output {
    let mut args = vec!["selftest", SPEC, "--alertmanager", url];
    args.extend(extra);
    run(&args)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The paths the receiver got requests on, in order.
fn paths(seen: &Deliveries) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|d| d.path.clone())
        .collect()
}

#[test]
fn every_selected_channel_gets_its_test_message_and_nothing_else() {
    let built = Build::of(&[SPEC]).ok();
    let generated = built.read("alertmanager/alertmanager.yml");
    let (base, seen) = receiver();
    let dir = tempfile::tempdir().unwrap();
    let slack_url = dir.path().join("chat-url");
    std::fs::write(&slack_url, format!("{base}/slack")).unwrap();
    let config = generated
        .replace(
            "/etc/alertmanager/secrets/shop/chat",
            slack_url.to_str().unwrap(),
        )
        .replace(
            "https://webhook-url-from-secret-file.invalid/shop/hook",
            &format!("{base}/hook"),
        )
        .replace(
            "https://webhook-url-from-secret-file.invalid/shop/broken-hook",
            &format!("{base}/fail"),
        );
    let path = dir.path().join("alertmanager.yml");
    std::fs::write(&path, &config).unwrap();
    let server = AlertmanagerServer::start(&path);
    let url = format!("http://127.0.0.1:{}", server.port);

    // A dry run posts nothing and says where each alert would go.
    let output = selftest(&url, &["--dry-run", "--format", "plain"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(
        text.contains(
            "WOULD REACH  shop/chat (slack): the test alert goes to receiver `shop-chat`"
        ),
        "{text}"
    );
    assert!(
        text.contains("SKIPPED      shop/pager (pagerduty): it pages a person"),
        "{text}"
    );
    assert!(text.contains("NOT TESTABLE shop/errors (sentry)"), "{text}");
    assert!(paths(&seen).is_empty());

    // Slack, skipping both webhooks: the Slack URL gets exactly the self-test message.
    let output = selftest(
        &url,
        &[
            "--skip",
            "hook",
            "--skip",
            "broken-hook",
            "--format",
            "json",
        ],
    );
    let results: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(output.status.code(), Some(0), "{results:#}");
    let outcome = |channel: &str| -> String {
        results
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["channel"] == channel)
            .map(|r| r["outcome"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(outcome("chat"), "reached");
    assert_eq!(outcome("hook"), "skipped");
    assert_eq!(outcome("broken-hook"), "skipped");
    // The SMTP relay is still a placeholder: e-mail cannot be tested, and says why.
    assert_eq!(outcome("mail"), "not_testable");
    assert_eq!(outcome("pager"), "skipped");
    assert_eq!(outcome("errors"), "not_testable");
    assert_eq!(paths(&seen), ["/slack"]);
    let message = seen.lock().unwrap()[0].body.clone();
    assert!(message.contains("self-test of channel chat"), "{message}");
    assert!(message.contains("no action needed"), "{message}");

    // The webhook alone, by name.
    let output = selftest(&url, &["--channel", "hook", "--format", "plain"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(
        stdout(&output)
            .contains("REACHED      shop/hook (webhook): reached through receiver `shop-hook`")
    );
    assert_eq!(paths(&seen), ["/slack", "/hook"]);
    let message: Value = serde_json::from_str(&seen.lock().unwrap()[1].body).unwrap();
    assert_eq!(message["receiver"], "shop-hook");
    assert_eq!(message["commonLabels"]["alertname"], "SlofileSelfTest");
    assert_eq!(message["commonLabels"]["channel"], "hook");

    // A receiver that answers 500 fails the run, named.
    let output = selftest(&url, &["--channel", "broken-hook", "--format", "plain"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("FAILED       shop/broken-hook (webhook): not reached: Alertmanager's"),
        "{text}"
    );
    assert!(paths(&seen).iter().skip(2).all(|p| p == "/fail"));

    // A named channel that cannot be tested fails the run too.
    let output = selftest(&url, &["--channel", "mail"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
}

#[test]
fn alertmanager_down_exits_2_with_one_line() {
    let down = crate::common::live_data::down_url();
    let output = selftest(&down, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot reach Alertmanager at"), "{stderr}");
    let output = run(&["selftest", SPEC]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--alertmanager"));
}
