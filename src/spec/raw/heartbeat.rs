//! The heartbeat as written: proof that the alert path is alive, from Prometheus through
//! Alertmanager to an outside monitor.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A heartbeat through the whole alert path: an always-firing `SlofileHeartbeat` alert in the
/// Prometheus rules, an Alertmanager route that delivers it to a heartbeat URL every `every`, and
/// an UptimeRobot heartbeat monitor that alerts `channels` when no ping came for `every` plus
/// `grace`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawHeartbeat {
    /// How often Alertmanager delivers the heartbeat, e.g. `1m`: whole seconds, at least 30s.
    pub every: String,
    /// How long after a missed heartbeat the outside monitor alerts, e.g. `5m`. Default `5m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace: Option<String>,
    /// Channels the outside monitor alerts when the heartbeat stops; each needs an
    /// `uptimerobot_contact_id`. Default: every channel with one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
}
