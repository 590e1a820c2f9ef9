//! Changes to a service's escalation matrix and channels.

use super::pair_by;
use crate::spec::{Channel, EscalationLevel};

use super::slo::list_or_none;
use crate::wording::code;

pub(super) fn channel(channel: &Channel) -> String {
    let kind = channel.kind.display_name();
    match &channel.target {
        Some(target) => format!("{kind} {}", code(target)),
        None => kind.to_owned(),
    }
}

pub(super) fn level_name(level: &EscalationLevel) -> String {
    match &level.name {
        Some(name) => format!("{} ({name})", level.severity),
        None => level.severity.clone(),
    }
}

pub(super) fn response(level: &EscalationLevel) -> String {
    match level.response_time {
        Some(time) => format!("{} ({})", level.response, time.human()),
        None => level.response.clone(),
    }
}

pub(super) fn routing_changes(
    old_levels: &[EscalationLevel],
    new_levels: &[EscalationLevel],
    old_channels: &[Channel],
    new_channels: &[Channel],
) -> Vec<String> {
    let mut lines = Vec::new();
    for pair in pair_by(old_levels, new_levels, |l| l.severity.as_str()) {
        match pair {
            (None, Some(added)) => lines.push(format!(
                "escalation {} added: {}, response {}, notifies {}",
                level_name(added),
                added.condition,
                response(added),
                list_or_none(&added.channels)
            )),
            (Some(removed), None) => {
                lines.push(format!("escalation {} removed", level_name(removed)));
            }
            (Some(b), Some(a)) => {
                let mut parts = Vec::new();
                if b.name != a.name {
                    parts.push(format!("name {} → {}", level_name(b), level_name(a)));
                }
                if b.condition != a.condition {
                    parts.push(format!("condition “{}” → “{}”", b.condition, a.condition));
                }
                if b.response != a.response || b.response_time != a.response_time {
                    parts.push(format!("response {} → {}", response(b), response(a)));
                }
                if b.channels != a.channels {
                    parts.push(format!(
                        "notifies {} → {}",
                        list_or_none(&b.channels),
                        list_or_none(&a.channels)
                    ));
                }
                if !parts.is_empty() {
                    lines.push(format!("escalation {}: {}", a.severity, parts.join("; ")));
                }
            }
            (None, None) => {}
        }
    }
    for pair in pair_by(old_channels, new_channels, |c| c.id.as_str()) {
        match pair {
            (None, Some(added)) => {
                lines.push(format!("channel `{}` added: {}", added.id, channel(added)));
            }
            (Some(removed), None) => {
                lines.push(format!(
                    "channel `{}` removed (was {})",
                    removed.id,
                    channel(removed)
                ));
            }
            (Some(b), Some(a)) => {
                let (before, after) = (channel(b), channel(a));
                if before != after {
                    lines.push(format!("channel `{}`: {before} → {after}", a.id));
                }
                if b.secret_file != a.secret_file {
                    let show = |s: &Option<String>| s.as_deref().map_or("none".to_owned(), code);
                    lines.push(format!(
                        "channel `{}`: secret file {} → {}",
                        a.id,
                        show(&b.secret_file),
                        show(&a.secret_file)
                    ));
                }
            }
            (None, None) => {}
        }
    }
    lines
}
