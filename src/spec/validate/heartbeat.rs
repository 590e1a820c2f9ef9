//! The heartbeat: its cadence in whole seconds, at least 30 s (UptimeRobot's shortest heartbeat
//! interval), a positive grace, and channels the outside monitor can notify.

use super::checker::Checker;
use crate::diagnostics::Code;
use crate::spec::raw::RawHeartbeat;
use crate::spec::{Channel, Heartbeat};
use crate::units::Duration;

/// The shortest cadence: UptimeRobot's shortest heartbeat interval.
const SHORTEST_EVERY_SECS: u64 = 30;
/// The grace when the spec gives none.
const DEFAULT_GRACE: Duration = Duration::from_millis(5 * 60 * 1000);

pub(super) fn check_heartbeat(
    c: &mut Checker,
    raw: &RawHeartbeat,
    channels: &[Channel],
    channel_ids: &[&str],
) -> Option<Heartbeat> {
    let every = c.duration("/heartbeat/every", &raw.every);
    if let Some(every) = every
        && (every.millis() % 1000 != 0 || every.millis() < SHORTEST_EVERY_SECS * 1000)
    {
        c.error(
            Code::ProbeInterval,
            "/heartbeat/every",
            format!("heartbeat every {every} is not whole seconds of at least {SHORTEST_EVERY_SECS}s"),
            "UptimeRobot's heartbeat monitors expect a ping at most every 30 seconds; e.g. `every: 1m`",
        );
    }
    let grace = match &raw.grace {
        Some(text) => c.duration("/heartbeat/grace", text),
        None => Some(DEFAULT_GRACE),
    };
    if let Some(grace) = grace
        && grace.millis() % 1000 != 0
    {
        c.error(
            Code::InvalidDuration,
            "/heartbeat/grace",
            format!("heartbeat grace {grace} is not whole seconds"),
            "write the grace in whole seconds, e.g. `grace: 5m`",
        );
    }
    let errors_before = c.diagnostics.iter().filter(|d| d.is_error()).count();
    for (i, id) in raw.channels.iter().enumerate() {
        let pointer = format!("/heartbeat/channels/{i}");
        c.reference(&pointer, id, channel_ids, "channel");
        if channels
            .iter()
            .any(|ch| ch.id == *id && ch.uptimerobot_contact_id.is_none())
        {
            c.error(
                Code::MissingField,
                &pointer,
                format!("channel `{id}` has no `uptimerobot_contact_id`, so the heartbeat monitor cannot notify it"),
                "add the channel's UptimeRobot alert contact id, or leave it out of the heartbeat's channels",
            );
        }
    }
    let errors_after = c.diagnostics.iter().filter(|d| d.is_error()).count();
    let (every, grace) = (every?, grace?);
    (errors_after == errors_before
        && every.millis() % 1000 == 0
        && every.millis() >= SHORTEST_EVERY_SECS * 1000
        && grace.millis() % 1000 == 0)
        .then(|| Heartbeat {
            every,
            grace,
            channels: raw.channels.clone(),
            origin: c.origin("/heartbeat"),
        })
}
