//! The heartbeat through the whole path: the rules fire it always (promtool, in the generated
//! test file), amtool accepts the routing, and a real Alertmanager started with the generated
//! file delivers it again and again at the promised cadence (shortened here) to the heartbeat URL
//! (a local receiver in place of the placeholder, as a deployment step would put the monitor's),
//! and to nobody else.

use crate::common::alertmanager_server::AlertmanagerServer;
use crate::common::build::Build;
use crate::common::receiver::receiver;
use crate::common::{require_tool, run_tool_ok};
use serde_json::Value;
use std::time::{Duration, Instant};

const SPEC: &str = "examples/heartbeat.yaml";
const PLACEHOLDER: &str = "https://heartbeat-url-of-the-monitor.invalid/example-heartbeat";

#[test]
fn the_heartbeat_reaches_its_url_at_the_promised_cadence() {
    let built = Build::of(&[SPEC]).ok();
    // The rules fire it always: the generated test file says so, and promtool agrees.
    let rules = built.read("prometheus/example-heartbeat.rules.yml");
    assert!(
        rules.contains("alert: SlofileHeartbeat\n    expr: vector(1)"),
        "{rules}"
    );
    assert!(rules.contains("severity: heartbeat"), "{rules}");
    let tests = built.read("prometheus/example-heartbeat.test.yml");
    assert!(tests.contains("the heartbeat always fires"), "{tests}");
    let promtool = require_tool("promtool");
    run_tool_ok(
        &promtool,
        &["test", "rules", "example-heartbeat.test.yml"],
        &built.path().join("prometheus"),
    );
    // The UptimeRobot monitor waits for the same cadence and alerts the heartbeat's channel.
    let monitors: Value =
        serde_json::from_str(&built.read("uptimerobot/example-heartbeat.json")).unwrap();
    let heartbeat = monitors["monitors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["type"] == "HEARTBEAT")
        .expect("a HEARTBEAT monitor");
    assert_eq!(heartbeat["interval"], 60);
    assert_eq!(heartbeat["gracePeriod"], 300);
    assert_eq!(
        heartbeat["assignedAlertContacts"][0]["alertContactId"],
        7_001_001
    );
    assert_eq!(
        heartbeat["assignedAlertContacts"].as_array().unwrap().len(),
        1
    );

    let config_path = built.path().join("alertmanager/alertmanager.yml");
    let amtool = require_tool("amtool");
    run_tool_ok(
        &amtool,
        &["check-config", config_path.to_str().unwrap()],
        built.path(),
    );
    let generated = std::fs::read_to_string(&config_path).unwrap();
    for promised in [
        "group_interval: 1m\n",
        "repeat_interval: 59s\n",
        PLACEHOLDER,
    ] {
        assert!(generated.contains(promised), "{promised}: {generated}");
    }
    // A deployment step puts the monitor's URL in place of the placeholder; the test also
    // shortens the cadence from 1m (repeat 59s) to 2s (repeat 1s), keeping their relation.
    let (base, seen) = receiver();
    let url = format!("{base}/heartbeat");
    let config = generated.replace(PLACEHOLDER, &url).replace(
        "group_wait: 5s\n      group_interval: 1m\n      repeat_interval: 59s",
        "group_wait: 1s\n      group_interval: 2s\n      repeat_interval: 1s",
    );
    assert_ne!(
        config,
        generated.replace(PLACEHOLDER, &url),
        "the cadence was shortened"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alertmanager.yml");
    std::fs::write(&path, &config).unwrap();
    let server = AlertmanagerServer::start(&path);

    // The alert as Prometheus sends it: firing, and resent before it would end.
    let alert = serde_json::json!([{
        "labels": {"alertname": "SlofileHeartbeat", "service": "example-heartbeat", "severity": "heartbeat"},
        "annotations": {"summary": "Heartbeat of example-heartbeat: the alert path is alive"},
        "endsAt": "2100-01-01T00:00:00Z",
    }]);
    server.request("POST", "/api/v2/alerts", Some(&alert.to_string()));
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen.lock().unwrap().len() < 4 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let deliveries = seen.lock().unwrap().clone();
    assert!(
        deliveries.len() >= 4,
        "{} deliveries in 20 s",
        deliveries.len()
    );
    // Every delivery is the heartbeat, and they come once every group interval (2 s): not every
    // second tick, as they would with repeat_interval equal to group_interval.
    for delivery in &deliveries {
        assert_eq!(delivery.path, "/heartbeat");
        let message: Value = serde_json::from_str(&delivery.body).unwrap();
        assert_eq!(message["receiver"], "example-heartbeat-heartbeat");
        assert_eq!(message["commonLabels"]["alertname"], "SlofileHeartbeat");
    }
    for pair in deliveries.windows(2).skip(1) {
        let gap = pair[1].at - pair[0].at;
        assert!(
            gap > Duration::from_secs_f64(1.5) && gap < Duration::from_secs(3),
            "deliveries {gap:?} apart, not every 2 s"
        );
    }
    // Nothing else of the service reached the heartbeat URL, and the heartbeat reached no one
    // else: Alertmanager routed it to the heartbeat receiver only.
    let alerts: Value =
        serde_json::from_str(&server.request("GET", "/api/v2/alerts", None)).unwrap();
    let receivers: Vec<&str> = alerts[0]["receivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(receivers, ["example-heartbeat-heartbeat"]);
}
