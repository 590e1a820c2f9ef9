//! The self-test routes: `slofile selftest` posts `SlofileSelfTest` alerts labelled with a
//! channel, and each route sends the alert of its channel to that channel's receiver only.
//!
//! Alertmanager 0.25 reports a failed notification only when its retries end, at the route's
//! `group_interval`, so these routes wait and repeat briefly: `selftest` learns within seconds
//! whether a channel was reached.

use super::routing::{Matcher, Route};
use super::{notifies, receiver_name};
use crate::compile::{ServicePlan, series};
use crate::units::Duration;

/// How long a self-test alert waits before it is sent, and when its retries end.
pub const SELFTEST_GROUP_WAIT: &str = "1s";
pub const SELFTEST_GROUP_INTERVAL: Duration = Duration::from_millis(10_000);
/// A self-test alert resolves by itself within a minute: it is never sent twice.
const SELFTEST_REPEAT: &str = "1h";

/// One route per channel Alertmanager notifies, first in the service's subtree (which matches
/// the service), before its escalation routes.
pub(super) fn routes(service: &ServicePlan) -> Vec<Route> {
    let id = &service.meta.id;
    service
        .meta
        .channels
        .iter()
        .filter(|channel| notifies(channel.kind))
        .map(|channel| Route {
            matchers: vec![
                Matcher::equal("alertname", series::SELFTEST_ALERT),
                Matcher::equal(series::label::CHANNEL, &channel.id),
            ],
            receiver: Some(receiver_name(id, &channel.id)),
            group_by: vec!["alertname", "service", "channel"],
            group_wait: Some(SELFTEST_GROUP_WAIT),
            group_interval: Some(SELFTEST_GROUP_INTERVAL.prometheus()),
            repeat_interval: Some(SELFTEST_REPEAT.to_owned()),
            ..Route::default()
        })
        .collect()
}
