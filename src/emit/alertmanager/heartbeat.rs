//! The heartbeat's route: `SlofileHeartbeat` of the service goes to its heartbeat
//! URL only, once every `every`.
//!
//! Alertmanager notifies only on a route's `group_interval` ticks, and sends a firing alert again
//! once `repeat_interval` has passed at such a tick; with the two equal, Alertmanager 0.25 sends
//! every second tick. So the route sets `group_interval` to the cadence and `repeat_interval` a
//! second below it: every tick sends. The URL is the outside monitor's secret, which Alertmanager
//! 0.25 cannot read from a file: the configuration holds a `.invalid` placeholder to replace on
//! deploy, and the operator's `AlertmanagerConfig` reads it from the service's Secret.

use super::routing::{Matcher, Route};
use crate::compile::{ServicePlan, series};
use crate::units::Duration;

/// How long the heartbeat waits before its first notification.
const HEARTBEAT_GROUP_WAIT: &str = "5s";

/// The heartbeat receiver's name: `<service>-heartbeat`.
pub(super) fn receiver_name(service: &str) -> String {
    format!("{service}-heartbeat")
}

/// The placeholder of the heartbeat URL.
pub(super) fn url_placeholder(service: &str) -> String {
    format!("https://heartbeat-url-of-the-monitor.invalid/{service}")
}

/// The route, first in the service's subtree (which matches the service), so that the
/// heartbeat reaches nobody else.
pub(super) fn route(service: &ServicePlan) -> Option<Route> {
    let heartbeat = service.meta.heartbeat.as_ref()?;
    let id = &service.meta.id;
    let every = heartbeat.every;
    Some(Route {
        matchers: vec![Matcher::equal("alertname", series::HEARTBEAT_ALERT)],
        receiver: Some(receiver_name(id)),
        group_by: vec!["alertname", "service"],
        group_wait: Some(HEARTBEAT_GROUP_WAIT),
        group_interval: Some(every.prometheus()),
        repeat_interval: Some(Duration::from_millis(every.millis() - 1000).prometheus()),
        ..Route::default()
    })
}
