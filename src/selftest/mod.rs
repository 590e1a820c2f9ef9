//! `slofile selftest`: prove that every channel is reached, without a real incident.
//!
//! For each selected channel Alertmanager notifies, the self-test posts a `SlofileSelfTest` alert
//! through Alertmanager's v2 API, labelled with the channel, so that the generated self-test
//! route sends it to that channel's receiver only. Its summary says it is a test that needs no
//! action, and it ends a minute later by itself. The self-test then waits, boundedly, until
//! Alertmanager routed the alert to the expected receiver and a notification request of the
//! channel's integration succeeded; Alertmanager 0.25 counts requests by integration only, so
//! channels are tested one after another.
//!
//! Channels Alertmanager does not notify (Sentry, UptimeRobot, a log), and channels whose live
//! configuration still holds a `.invalid` placeholder, cannot be tested: they are listed with
//! what to do instead. Channels that page a person are tested only when named with `--channel`.

pub mod command;
mod metrics;
pub mod render;

use crate::compile::{Plan, ServicePlan, series};
use crate::emit::alertmanager::{notifies, receiver_name, selftest::SELFTEST_GROUP_INTERVAL};
use crate::live::LiveError;
use crate::live::client::Client;
use crate::live::period::format_instant;
use crate::spec::{Channel, ChannelType};
use serde::Serialize;
use std::time::Instant;

/// What to test.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Only these services; all when empty.
    pub services: Vec<String>,
    /// These channels (`id` or `service/id`), even those that page a person.
    pub channels: Vec<String>,
    /// Channels left out (`id` or `service/id`).
    pub skip: Vec<String>,
    /// Post nothing; say where each alert would go.
    pub dry_run: bool,
}

/// What became of one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The test alert reached the channel's receiver and was sent.
    Reached,
    /// It did not: the message says what Alertmanager reports.
    Failed,
    /// `--dry-run`: where it would go.
    WouldReach,
    /// Alertmanager cannot test it; the message says what to do instead.
    NotTestable,
    /// Left out by `--skip`, or because it pages a person and was not named.
    Skipped,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Reached => "reached",
            Outcome::Failed => "failed",
            Outcome::WouldReach => "would_reach",
            Outcome::NotTestable => "not_testable",
            Outcome::Skipped => "skipped",
        }
    }
}

/// One channel's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelResult {
    pub service: String,
    pub channel: String,
    /// The channel's type as specs write it: `slack`, `email`, …
    pub kind: String,
    pub receiver: Option<String>,
    pub outcome: Outcome,
    /// Whether `--channel` named it: then a channel that is not testable fails the run too.
    pub named: bool,
    pub message: String,
}

/// Whether the run failed: a channel that was not reached, or a named one that cannot be tested.
pub fn failed(results: &[ChannelResult]) -> bool {
    results
        .iter()
        .any(|r| r.outcome == Outcome::Failed || (r.named && r.outcome == Outcome::NotTestable))
}

/// Every channel of the selected services, tested (or, with `dry_run`, planned) in order.
pub fn selftest(
    plan: &Plan,
    client: &Client,
    request: &Request,
) -> Result<Vec<ChannelResult>, LiveError> {
    for wanted in &request.services {
        if !plan.services.iter().any(|s| s.meta.id == *wanted) {
            return Err(LiveError::Usage(format!(
                "--service {wanted}: no service with this id in the specs"
            )));
        }
    }
    let services: Vec<&ServicePlan> = plan
        .services
        .iter()
        .filter(|s| request.services.is_empty() || request.services.contains(&s.meta.id))
        .collect();
    for wanted in request.channels.iter().chain(&request.skip) {
        let known = services.iter().any(|s| {
            s.meta
                .channels
                .iter()
                .any(|c| names(wanted, &s.meta.id, &c.id))
        });
        if !known {
            return Err(LiveError::Usage(format!(
                "{wanted}: no channel with this id in the selected services"
            )));
        }
    }
    let live_config = if request.dry_run {
        None
    } else {
        Some(live_config(client)?)
    };
    let mut results = Vec::new();
    for service in services {
        for channel in &service.meta.channels {
            let mut result = plan_channel(service, channel, request);
            if result.outcome == Outcome::WouldReach
                && let Some(live) = &live_config
            {
                check_live(&mut result, live);
                if result.outcome == Outcome::WouldReach {
                    test_channel(client, service, channel, &mut result)?;
                }
            }
            results.push(result);
        }
    }
    Ok(results)
}

/// Whether `wanted` (`id` or `service/id`) names this channel.
fn names(wanted: &str, service: &str, channel: &str) -> bool {
    wanted == channel || wanted == format!("{service}/{channel}")
}

/// What the self-test does with a channel before asking anything.
fn plan_channel(service: &ServicePlan, channel: &Channel, request: &Request) -> ChannelResult {
    let id = &service.meta.id;
    let named = request.channels.iter().any(|w| names(w, id, &channel.id));
    let skipped = request.skip.iter().any(|w| names(w, id, &channel.id));
    let mut result = ChannelResult {
        service: id.clone(),
        channel: channel.id.clone(),
        kind: format!("{:?}", channel.kind).to_lowercase(),
        receiver: None,
        outcome: Outcome::WouldReach,
        named,
        message: String::new(),
    };
    let selected = request.channels.is_empty() || named;
    if !notifies(channel.kind) {
        result.outcome = Outcome::NotTestable;
        result.message = format!(
            "Alertmanager does not notify {} channels: {}",
            result.kind,
            elsewhere(channel.kind)
        );
    } else if skipped || !selected {
        result.outcome = Outcome::Skipped;
        "left out".clone_into(&mut result.message);
    } else if pages_a_person(channel) && !named {
        result.outcome = Outcome::Skipped;
        result.message = format!(
            "it pages a person: name it with `--channel {}` to test it",
            channel.id
        );
    } else {
        let receiver = receiver_name(id, &channel.id);
        result.message = format!("the test alert goes to receiver `{receiver}`");
        result.receiver = Some(receiver);
    }
    result
}

/// PagerDuty pages whoever is on call.
fn pages_a_person(channel: &Channel) -> bool {
    channel.kind == ChannelType::Pagerduty
}

/// How to prove a channel that Alertmanager does not notify.
fn elsewhere(kind: ChannelType) -> &'static str {
    match kind {
        ChannelType::Sentry => {
            "Sentry's alerts reach it; send a test notification from the alert in Sentry"
        }
        ChannelType::Sms => {
            "UptimeRobot or the pager service reaches it; use its test notification"
        }
        _ => "check it where it is configured, with that system's own test",
    }
}

/// The live configuration, from `/api/v2/status`: each receiver with its text, and the text of
/// the global settings (where an e-mail receiver's SMTP relay is).
struct LiveConfig {
    receivers: Vec<(String, String)>,
    global: String,
}

fn live_config(client: &Client) -> Result<LiveConfig, LiveError> {
    let status = client.get_json("api/v2/status")?;
    let original = status["config"]["original"].as_str().unwrap_or_default();
    let config: serde_json::Value = serde_saphyr::from_str(original).unwrap_or_default();
    let receivers = config["receivers"]
        .as_array()
        .map(|receivers| {
            receivers
                .iter()
                .filter_map(|r| Some((r["name"].as_str()?.to_owned(), r.to_string())))
                .collect()
        })
        .unwrap_or_default();
    Ok(LiveConfig {
        receivers,
        global: config["global"].to_string(),
    })
}

/// A channel whose receiver the live configuration lacks fails; one whose receiver (or, for
/// e-mail, the SMTP relay) still holds a placeholder cannot be tested.
fn check_live(result: &mut ChannelResult, live: &LiveConfig) {
    let Some(receiver) = &result.receiver else {
        return;
    };
    let email = result.kind == "email";
    match live.receivers.iter().find(|(name, _)| name == receiver) {
        None => {
            result.outcome = Outcome::Failed;
            result.message = format!(
                "Alertmanager has no receiver `{receiver}`: deploy the generated configuration"
            );
        }
        Some((_, text))
            if text.contains(".invalid") || (email && live.global.contains(".invalid")) =>
        {
            result.outcome = Outcome::NotTestable;
            result.message = format!(
                "receiver `{receiver}` still holds a placeholder (*.invalid): replace it as the configuration's header says, then test again"
            );
        }
        Some(_) => {}
    }
}

/// The receivers Alertmanager routed the channel's test alert to.
fn routed_to(client: &Client, service: &str, channel: &str) -> Result<Vec<String>, LiveError> {
    let alerts = client.get_json("api/v2/alerts")?;
    let ours = alerts.as_array().into_iter().flatten().find(|alert| {
        let labels = &alert["labels"];
        labels["alertname"] == series::SELFTEST_ALERT
            && labels[series::label::SERVICE] == service
            && labels[series::label::CHANNEL] == channel
    });
    Ok(ours
        .and_then(|alert| alert["receivers"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|r| r["name"].as_str().map(str::to_owned))
        .collect())
}

/// How long after posting a channel may take to be reached: the route's wait, its group
/// interval (when Alertmanager gives up retrying), and a margin.
const REACH_DEADLINE: std::time::Duration =
    std::time::Duration::from_millis(SELFTEST_GROUP_INTERVAL.millis() + 6_000);

/// Posts the channel's test alert and waits until a notification request of its integration
/// succeeds, or its retries fail.
fn test_channel(
    client: &Client,
    service: &ServicePlan,
    channel: &Channel,
    result: &mut ChannelResult,
) -> Result<(), LiveError> {
    let integration = metrics::integration(channel.kind);
    let before = metrics::requests(client, integration)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let alert = serde_json::json!([{
        "labels": {
            "alertname": series::SELFTEST_ALERT,
            series::label::SERVICE: service.meta.id,
            series::label::CHANNEL: channel.id,
            series::label::SEVERITY: "selftest",
        },
        "annotations": {
            "summary": format!(
                "slofile self-test of channel {} of {}: a test, no action needed",
                channel.id, service.meta.title
            ),
            "description": "Posted by `slofile selftest` to prove that this channel is reached. It resolves by itself within a minute.",
        },
        "startsAt": format_instant(now),
        "endsAt": format_instant(now + 60),
    }]);
    client.post_json("api/v2/alerts", &alert.to_string())?;
    let started = Instant::now();
    let expected = result.receiver.clone().unwrap_or_default();
    let routed = routed_to(client, &service.meta.id, &channel.id)?;
    if routed != [expected.as_str()] {
        result.outcome = Outcome::Failed;
        result.message = format!(
            "Alertmanager routed the test alert to {}, not to `{expected}` alone: deploy the generated configuration",
            if routed.is_empty() {
                "no receiver".to_owned()
            } else {
                routed
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
        return Ok(());
    }
    let deadline = started + REACH_DEADLINE;
    loop {
        let after = metrics::requests(client, integration)?;
        if after.succeeded > before.succeeded {
            result.outcome = Outcome::Reached;
            result.message = format!(
                "reached through receiver `{}` ({integration}) in {:.1} s",
                result.receiver.as_deref().unwrap_or_default(),
                started.elapsed().as_secs_f64()
            );
            return Ok(());
        }
        if Instant::now() > deadline {
            result.outcome = Outcome::Failed;
            result.message = if after.failed > before.failed {
                format!(
                    "not reached: Alertmanager's {} notification request(s) through {integration} failed (see its log for the receiver's answer)",
                    after.failed - before.failed
                )
            } else {
                format!(
                    "not reached: Alertmanager sent nothing through {integration} within {} s; is the alert routed to `{}`?",
                    REACH_DEADLINE.as_secs(),
                    result.receiver.as_deref().unwrap_or_default()
                )
            };
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}
