//! One service's routing, whatever file it goes into: the subtree of routes under
//! `service="<id>"`, the receivers it notifies, and its inhibit rules. `config.rs` writes every
//! service's into one Alertmanager configuration; `operator.rs` writes each into an
//! `AlertmanagerConfig`.
//!
//! The subtree matches `service`, then the `escalation` label (P1–P4) that the Prometheus rules
//! put on alerts mapped to an escalation level, then `severity` for alerts without one: `page`
//! goes to the most urgent level (the first of the matrix that notifies a channel Alertmanager can
//! reach), `ticket` and anything else to the least urgent one. Each level's `response_time`
//! becomes its `repeat_interval`. A level with several channels notifies each through child
//! routes with `continue: true`. A service without a matrix sends every alert to every channel
//! Alertmanager notifies. The heartbeat's and the self-test's routes come first in the subtree.

use super::{heartbeat, inhibit, notifies, receiver_name, selftest};
use crate::compile::ServicePlan;
use crate::compile::series::label;
use crate::spec::{Channel, EscalationLevel};
use crate::units::Duration;
use serde::{Serialize, Serializer};
use std::fmt;

/// How long the first alert of a group waits, how often a group is notified again of changes,
/// and how often of alerts still firing.
pub(super) const GROUP_WAIT: &str = "30s";
pub(super) const GROUP_INTERVAL_MINUTES: u64 = 5;
pub(super) const DEFAULT_REPEAT: &str = "4h";
/// The labels alerts are grouped by.
pub(super) const GROUP_BY: [&str; 3] = ["alertname", label::SERVICE, label::SLO];

/// A label matcher: `name`, an operator (`=`, `!=`, `=~`, `!~`) and a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Matcher {
    pub(super) name: String,
    pub(super) op: &'static str,
    pub(super) value: String,
}

impl Matcher {
    /// `name="value"`.
    pub(super) fn equal(name: &str, value: &str) -> Matcher {
        Matcher {
            name: name.to_owned(),
            op: "=",
            value: value.to_owned(),
        }
    }

    pub(super) fn with_op(name: &str, op: &'static str, value: &str) -> Matcher {
        Matcher {
            op,
            ..Matcher::equal(name, value)
        }
    }
}

/// As Alertmanager parses a matcher: the value quoted, with `\`, `"` and newlines escaped.
impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let escaped = self
            .value
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n");
        write!(f, "{}{}\"{escaped}\"", self.name, self.op)
    }
}

impl Serialize for Matcher {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A route, as Alertmanager's configuration spells it.
#[derive(Debug, Serialize, Default)]
pub(super) struct Route {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) matchers: Vec<Matcher>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) receiver: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) group_by: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) group_wait: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) group_interval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) repeat_interval: Option<String>,
    #[serde(rename = "continue", skip_serializing_if = "std::ops::Not::not")]
    pub(super) continue_: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) routes: Vec<Route>,
}

/// A receiver the service's routes name, and what it notifies.
#[derive(Debug)]
pub(super) struct Receiver<'a> {
    pub(super) name: String,
    pub(super) kind: ReceiverKind<'a>,
}

#[derive(Debug)]
pub(super) enum ReceiverKind<'a> {
    /// Notifies nobody: alerts of a level without a channel Alertmanager reaches.
    Silent,
    /// The heartbeat URL.
    Heartbeat,
    /// A Slack, e-mail, PagerDuty or webhook channel.
    Channel(&'a Channel),
}

/// One service's routing.
pub(super) struct ServiceRouting<'a> {
    pub(super) service: &'a ServicePlan,
    /// The most and the least urgent levels that notify somebody, when there is a matrix.
    pub(super) levels: Option<(&'a EscalationLevel, &'a EscalationLevel)>,
    /// The subtree: matches `service="<id>"`.
    pub(super) route: Route,
    pub(super) receivers: Vec<Receiver<'a>>,
    pub(super) inhibit_rules: Vec<inhibit::InhibitRule>,
}

/// The receiver of a service's alerts that reach nobody: `<service>-no-notification`.
pub(super) fn silent_receiver(service: &str) -> String {
    format!("{service}-no-notification")
}

/// The service's routing: its subtree, receivers and inhibit rules.
pub(super) fn service_routing(service: &ServicePlan) -> ServiceRouting<'_> {
    let meta = &service.meta;
    let id = &meta.id;
    let levels = page_and_ticket_levels(service);
    let service_matcher = vec![Matcher::equal(label::SERVICE, id)];
    let mut route = match levels {
        Some(levels) => Route {
            matchers: service_matcher,
            routes: escalation_routes(service, levels),
            ..Route::default()
        },
        // Without a matrix, every alert of the service goes to every channel.
        None => fan_out(
            id,
            meta.channels
                .iter()
                .filter(|c| notifies(c.kind))
                .map(|c| receiver_name(id, &c.id))
                .collect(),
            service_matcher,
            None,
        ),
    };
    let first: Vec<Route> = heartbeat::route(service)
        .into_iter()
        .chain(selftest::routes(service))
        .collect();
    route.routes.splice(0..0, first);

    let mut receivers = vec![Receiver {
        name: silent_receiver(id),
        kind: ReceiverKind::Silent,
    }];
    if meta.heartbeat.is_some() {
        receivers.push(Receiver {
            name: heartbeat::receiver_name(id),
            kind: ReceiverKind::Heartbeat,
        });
    }
    receivers.extend(
        meta.channels
            .iter()
            .filter(|c| notifies(c.kind))
            .map(|c| Receiver {
                name: receiver_name(id, &c.id),
                kind: ReceiverKind::Channel(c),
            }),
    );
    ServiceRouting {
        service,
        levels,
        route,
        receivers,
        inhibit_rules: inhibit::inhibit_rules(service),
    }
}

/// A level's repeat interval: its response time, but no shorter than the group interval,
/// since Alertmanager only notifies on group-interval ticks anyway.
fn repeat_interval(level: &EscalationLevel) -> Option<String> {
    level.response_time.map(|time| {
        Duration::from_millis(time.millis().max(GROUP_INTERVAL_MINUTES * 60_000)).prometheus()
    })
}

/// A route that notifies every one of `receivers`: directly when there is one, through child
/// routes with `continue: true` when there are several, and the silent receiver when none.
fn fan_out(
    service: &str,
    receivers: Vec<String>,
    matchers: Vec<Matcher>,
    repeat_interval: Option<String>,
) -> Route {
    let mut route = Route {
        matchers,
        repeat_interval,
        ..Route::default()
    };
    let count = receivers.len();
    match count {
        0 => route.receiver = Some(silent_receiver(service)),
        1 => route.receiver = receivers.into_iter().next(),
        _ => {
            route.routes = receivers
                .into_iter()
                .enumerate()
                .map(|(i, name)| Route {
                    receiver: Some(name),
                    continue_: i + 1 < count,
                    ..Route::default()
                })
                .collect();
        }
    }
    route
}

/// The route that notifies every Alertmanager channel of `level`.
fn level_route(service: &ServicePlan, level: &EscalationLevel, matchers: Vec<Matcher>) -> Route {
    let id = &service.meta.id;
    let receivers = level
        .channels
        .iter()
        .filter_map(|c| service.meta.channel(c))
        .filter(|c| notifies(c.kind))
        .map(|c| receiver_name(id, &c.id))
        .collect();
    fan_out(id, receivers, matchers, repeat_interval(level))
}

/// Whether any channel of `level` is one Alertmanager notifies.
fn reaches_somebody(service: &ServicePlan, level: &EscalationLevel) -> bool {
    level
        .channels
        .iter()
        .filter_map(|c| service.meta.channel(c))
        .any(|c| notifies(c.kind))
}

/// The most and the least urgent levels of the matrix, counting only levels that notify somebody
/// through Alertmanager (a level that only shows on a dashboard would swallow pages and tickets).
fn page_and_ticket_levels(service: &ServicePlan) -> Option<(&EscalationLevel, &EscalationLevel)> {
    let escalation = &service.meta.escalation;
    let mut notifying = escalation.iter().filter(|l| reaches_somebody(service, l));
    let first = notifying.next().or(escalation.first())?;
    let last = notifying.next_back().unwrap_or(first);
    Some((first, last))
}

/// Routes by `escalation`, then by `severity` for alerts without one.
fn escalation_routes(
    service: &ServicePlan,
    (first, last): (&EscalationLevel, &EscalationLevel),
) -> Vec<Route> {
    let mut routes: Vec<Route> = service
        .meta
        .escalation
        .iter()
        .map(|level| {
            level_route(
                service,
                level,
                vec![Matcher::equal(label::ESCALATION, &level.severity)],
            )
        })
        .collect();
    routes.push(level_route(
        service,
        first,
        vec![Matcher::equal(label::SEVERITY, "page")],
    ));
    routes.push(level_route(
        service,
        last,
        vec![Matcher::equal(label::SEVERITY, "ticket")],
    ));
    // Any other severity, such as one a spec names itself, still reaches somebody.
    routes.push(level_route(service, last, Vec::new()));
    routes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matchers_print_as_alertmanager_parses_them() {
        assert_eq!(
            Matcher::equal("service", "a\"b\\c\nd").to_string(),
            r#"service="a\"b\\c\nd""#
        );
        assert_eq!(
            Matcher::with_op("severity", "!=", "page").to_string(),
            r#"severity!="page""#
        );
    }
}
