//! Alertmanager's notification requests by integration, from its `/metrics`: the only place
//! Alertmanager 0.25 says whether a notification went out.

use crate::live::LiveError;
use crate::live::client::Client;
use crate::spec::ChannelType;

/// Requests of one integration so far.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Requests {
    pub(super) succeeded: u64,
    pub(super) failed: u64,
}

/// Alertmanager's name of the integration that notifies a channel of `kind`.
pub(super) fn integration(kind: ChannelType) -> &'static str {
    match kind {
        ChannelType::Slack => "slack",
        ChannelType::Email => "email",
        ChannelType::Pagerduty => "pagerduty",
        _ => "webhook",
    }
}

pub(super) fn requests(client: &Client, integration: &str) -> Result<Requests, LiveError> {
    Ok(parse(&client.get("metrics")?, integration))
}

/// `alertmanager_notification_requests_total` and `…_failed_total` of `integration`, summed
/// over any other labels.
fn parse(text: &str, integration: &str) -> Requests {
    let label = format!("integration=\"{integration}\"");
    let sum = |name: &str| -> u64 {
        text.lines()
            .filter(|line| line.starts_with(name) && line[name.len()..].starts_with('{'))
            .filter(|line| line.contains(&label))
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>() as u64
    };
    let total = sum("alertmanager_notification_requests_total");
    let failed = sum("alertmanager_notification_requests_failed_total");
    Requests {
        succeeded: total.saturating_sub(failed),
        failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_read_by_integration() {
        let text = "# HELP x\n\
            alertmanager_notification_requests_failed_total{integration=\"webhook\"} 5\n\
            alertmanager_notification_requests_total{integration=\"webhook\"} 7\n\
            alertmanager_notification_requests_total{integration=\"slack\"} 2\n\
            alertmanager_notifications_total{integration=\"webhook\"} 1\n";
        assert_eq!(
            parse(text, "webhook"),
            Requests {
                succeeded: 2,
                failed: 5
            }
        );
        assert_eq!(
            parse(text, "slack"),
            Requests {
                succeeded: 2,
                failed: 0
            }
        );
        assert_eq!(parse(text, "email"), Requests::default());
    }
}
