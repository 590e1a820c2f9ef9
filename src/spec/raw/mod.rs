//! The native spec language, `apiVersion: slofile/v1`, as written by users.
//!
//! These types are the single source of truth for the JSON Schema (`slofile schema`), so every doc
//! comment here becomes hover help in editors. They hold text exactly as written: durations,
//! percentages and PromQL are parsed and checked by `validate`, which turns a [`RawService`] into a
//! validated [`crate::spec::Service`].
//!
//! A type whose validated counterpart in [`crate::spec`] has the same name carries a `Raw` prefix
//! here ([`RawRatioSli`] for [`crate::spec::RatioSli`], and so on); the schema keeps the language's
//! own names (`RatioSli`), which `#[schemars(rename)]` restores.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod heartbeat;
mod policy;
pub use heartbeat::RawHeartbeat;
pub use policy::{RawBudgetPolicy, RawBudgetRules, RawBurnLimit};

/// A number or a string such as `99.5%`, `500ms`, `5s` or `10`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Quantity {
    /// A bare number.
    Number(f64),
    /// A number with a unit: `99.5%`, `500ms`, `2h`.
    Text(String),
}

/// Whole numbers are written as integers: `2`, as the user would write it, not the `2.0` of an
/// `f64`, so that `convert --to slofile` prints what a person would have typed.
impl Serialize for Quantity {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            // Below 2^53 every whole f64 is an exact i64.
            Quantity::Number(n) if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 => {
                serializer.serialize_i64(*n as i64)
            }
            Quantity::Number(n) => serializer.serialize_f64(*n),
            Quantity::Text(text) => serializer.serialize_str(text),
        }
    }
}

/// One service and its service level objectives. One per YAML document.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
#[schemars(title = "slofile service spec")]
pub struct RawService {
    /// Always `slofile/v1`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// Service id: lower-case letters, digits and dashes. Used in file names and as the `service`
    /// label on every generated rule.
    pub service: String,
    /// Human title of the service, used as the document title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Owning team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Introduction: why these SLOs, in prose. Markdown is allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Metadata of the SLO document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<DocumentMeta>,
    /// Labels added to every generated recording and alerting rule.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Defaults inherited by every SLO of this service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defaults: Option<Defaults>,
    /// Sentry settings shared by the service's Sentry monitors and alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentry: Option<SentrySettings>,
    /// k6 settings: the service's release gate over its whole load or smoke test.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k6: Option<K6Settings>,
    /// Where the generated Grafana dashboards live. With it, documents link each SLO to its
    /// dashboard row and every alert carries a `dashboard` annotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grafana: Option<GrafanaSettings>,
    /// Notification channels. Alerts and escalation levels name them by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
    /// Escalation matrix: severities (P1-P4) with condition, response and channels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub escalation: Vec<RawEscalationLevel>,
    /// Named burn-rate policies. `default` and `workbook` are built in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub burn_policies: Vec<BurnPolicy>,
    /// The service level objectives.
    pub slos: Vec<RawSlo>,
    /// The monitoring systems table: what watches the service, how often, and where it alerts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub monitoring: Vec<MonitoringSystem>,
    /// How to verify the service by hand.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verify: Vec<Command>,
    /// Commands that prove the alerting path is alive without a real incident.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alert_self_test: Vec<Command>,
    /// A heartbeat through the whole alert path: Prometheus, Alertmanager, an outside monitor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat: Option<RawHeartbeat>,
    /// The error-budget policy: what the team does when budget burns. Prose (Markdown), or
    /// rules that `slofile gate` checks before a deploy, with the prose as their `text`. Every
    /// SLO follows it unless it gives its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_budget_policy: Option<RawBudgetPolicy>,
    /// Candidate SLOs the team intends to add next.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
}

/// Metadata of the SLO document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentMeta {
    /// Title of the generated document, its only H1. Default: the service's `title`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Document version, e.g. `1.0.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Date the document takes effect, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective: Option<String>,
    /// Review cadence, e.g. `Monthly, or after any incident`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<String>,
}

/// Defaults inherited by every SLO of the service.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// SLO window, e.g. `28d` or `30d`. Built-in default: `28d`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    /// Burn-rate policy id. Built-in default: `default`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burn_policy: Option<String>,
    /// Minimum number of events in an alert's long window before a burn-rate alert may fire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_events: Option<u64>,
}

/// k6 settings of a service.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct K6Settings {
    /// Thresholds over every request of the test, e.g. a smoke test's `p95 < 500 ms` and `< 1%`
    /// errors, with the SLOs they guard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<RawK6Gate>,
}

/// A release gate: thresholds over every request of a k6 test (or those with `tags`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "K6Gate")]
pub struct RawK6Gate {
    /// Ids of the SLOs this gate guards, for the documents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slos: Vec<String>,
    /// k6 tags that select the gated requests. None: every request of the test.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Latency thresholds on `http_req_duration`, e.g. `[{percentile: 95, threshold: 500ms}]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub latency: Vec<PercentileObjective>,
    /// Error-rate threshold on `http_req_failed`, e.g. `1%`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_rate: Option<Quantity>,
    /// Stop the test as soon as one of these thresholds fails. Default `false`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[schemars(!skip_serializing_if)]
    pub abort_on_fail: bool,
}

/// The k6 requests that measure an SLO and the thresholds that enforce it. Latency SLIs default
/// to their percentile objectives, ratio and Sentry SLIs to an error rate below their error
/// budget.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct K6Mapping {
    /// k6 tags that select the requests, e.g. `{category: health}`: the thresholds apply to the
    /// sub-metric `http_req_duration{category:health}`. None: every request.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Latency thresholds on `http_req_duration`, e.g. `[{percentile: 95, threshold: 500ms}]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub latency: Vec<PercentileObjective>,
    /// Error-rate threshold on `http_req_failed`: the share of failed requests must stay below
    /// it, e.g. `1%`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_rate: Option<Quantity>,
    /// Stop the test as soon as one of these thresholds fails (k6's `abortOnFail`). Default
    /// `false`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[schemars(!skip_serializing_if)]
    pub abort_on_fail: bool,
}

/// Sentry settings shared by the service's Sentry monitors and alerts.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SentrySettings {
    /// Sentry organization slug: the `{org}` of Sentry's API paths. Used by every Sentry SLI that
    /// names none, and by probes with `provider: sentry`. One service has one organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// Sentry project slug of the uptime monitors of probes with `provider: sentry`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Sentry environment the monitors and alerts evaluate, e.g. `production`. Default: every
    /// environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

/// Where the service's generated Grafana dashboard is provisioned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GrafanaSettings {
    /// Base URL of Grafana, e.g. `https://grafana.example.com`.
    pub url: String,
    /// Dashboard folder the provisioning file puts the dashboard in. Default: `SLOs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
}

/// The kind of a notification channel.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ChannelType {
    /// A Slack channel; `target` is the channel, e.g. `#alerts`.
    Slack,
    /// E-mail; `target` is the address.
    Email,
    /// Text message; `target` names the rota or number alias (never a secret).
    Sms,
    /// PagerDuty; `target` is the PagerDuty service name or id.
    Pagerduty,
    /// Sentry's own notifications (e-mail and app): `target` is `team:<id>` or `user:<id>`; without
    /// a target, Sentry notifies the issue owners.
    Sentry,
    /// UptimeRobot alert contacts.
    Uptimerobot,
    /// A generic webhook; the URL comes from `secret_file`.
    Webhook,
    /// The application log.
    Log,
    /// A dashboard somebody looks at; `target` is its URL or name.
    Dashboard,
}

impl ChannelType {
    /// The kind of channel in words, as documents, explanations and diffs name it.
    pub fn display_name(self) -> &'static str {
        match self {
            ChannelType::Slack => "Slack",
            ChannelType::Email => "Email",
            ChannelType::Sms => "SMS",
            ChannelType::Pagerduty => "PagerDuty",
            ChannelType::Sentry => "Sentry",
            ChannelType::Uptimerobot => "UptimeRobot",
            ChannelType::Webhook => "Webhook",
            ChannelType::Log => "Log",
            ChannelType::Dashboard => "Dashboard",
        }
    }
}

/// A notification channel. It carries the identifiers backends need, never secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    /// Channel id, referenced from escalation levels, alerts and the monitoring table.
    pub id: String,
    /// What kind of channel this is.
    #[serde(rename = "type")]
    pub kind: ChannelType,
    /// Display name, e.g. `On-call SMS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where it goes: Slack channel, e-mail address, PagerDuty service, dashboard URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// UptimeRobot alert contact id (digits), for probe monitors that notify this channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptimerobot_contact_id: Option<String>,
    /// How long a probe must be down before UptimeRobot notifies this contact, in whole minutes,
    /// e.g. `5m`. Default: at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptimerobot_threshold: Option<String>,
    /// How often UptimeRobot repeats the notification while the probe stays down, in whole
    /// minutes, e.g. `30m`. Default: no repeats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptimerobot_recurrence: Option<String>,
    /// Sentry integration id (digits) of the Slack or PagerDuty integration through which Sentry
    /// alerts notify this channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentry_integration_id: Option<String>,
    /// Path of a file holding the secret (webhook URL, routing key, API URL). Alertmanager reads it
    /// at run time; the secret itself never appears in a spec or in generated output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_file: Option<String>,
    /// Optional: no alert depends on this channel being reachable.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[schemars(!skip_serializing_if)]
    pub optional: bool,
}

impl Channel {
    /// Whether a Sentry alert can notify this channel: Sentry's own notifications, or Slack and
    /// PagerDuty through a Sentry integration.
    pub fn sentry_notifiable(&self) -> bool {
        match self.kind {
            ChannelType::Sentry => true,
            ChannelType::Slack | ChannelType::Pagerduty => self.sentry_integration_id.is_some(),
            _ => false,
        }
    }
}

/// One row of the escalation matrix.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "EscalationLevel")]
pub struct RawEscalationLevel {
    /// Severity id, e.g. `P1`.
    pub severity: String,
    /// Name of the level, e.g. `Critical`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// When this level applies, e.g. `Service down > 5 min`.
    pub condition: String,
    /// Expected response, as people say it: `Immediate`, `Within 1 hour`, `Next business day`.
    pub response: String,
    /// The response time as a duration, e.g. `1h`. Drives Alertmanager repeat intervals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_time: Option<String>,
    /// Runbook reference or URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook: Option<String>,
    /// Channel ids notified at this level.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
}

/// A named set of burn-rate alert tiers.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BurnPolicy {
    /// Policy id, referenced from `defaults.burn_policy` or an SLO's `alerting.burn_policy`.
    pub id: String,
    /// The tiers. Each becomes one alerting rule.
    pub tiers: Vec<BurnTier>,
    /// An alert when the error budget of the SLO window is spent: compliance below the objective,
    /// with at least `min_events` events in the window. Off unless given; the built-in policies
    /// leave it off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_exhausted: Option<BudgetExhaustedAlert>,
}

/// The budget-exhaustion alert of a burn policy.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetExhaustedAlert {
    /// The `severity` label. Default `ticket`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// How long the budget must stay spent before the alert fires. Default `10m`.
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<String>,
}

/// One multiwindow burn-rate alert tier. Give exactly one of `budget` and `factor`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BurnTier {
    /// The `severity` label: `page`, `ticket`, or a name of your own.
    pub severity: String,
    /// Share of the whole SLO window's budget spent within `long` when the alert fires, e.g. `2%`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<Quantity>,
    /// Burn-rate factor (multiple of the rate that spends the budget exactly over the window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<Quantity>,
    /// Long window, e.g. `1h`.
    pub long: String,
    /// Short window, e.g. `5m`; it resets the alert quickly once the burn stops.
    pub short: String,
    /// How long the condition must hold before the alert fires. Default `2m` for page tiers and
    /// `15m` for others... unless given.
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<String>,
    /// Escalation severity (`P1`-`P4`) this tier routes to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<String>,
    /// Labels on this tier's alert only, added to the SLO's alert labels (and replacing one of the
    /// same name), e.g. a routing key that only pages should carry.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// One service level objective.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    /// SLO id, unique within the service: lower-case letters, digits and dashes.
    pub id: String,
    /// Human title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Table or section this SLO is listed under in the document, e.g. `API Latency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The user journey this SLO protects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journey: Option<String>,
    /// What counts as failure, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_signal: Option<String>,
    /// What one event of the SLI is, in words and plural, e.g. `requests` or `logins`. Documents
    /// then say `< 0.5% of requests` rather than `of events`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<String>,
    /// Target share of good events, e.g. `99.5%`. Latency SLIs give one per percentile instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<Quantity>,
    /// SLO window, e.g. `28d`. Defaults to the service's `defaults.window`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    /// How the SLI is measured.
    pub sli: RawSli,
    /// No burn-rate alert fires while the long window holds fewer events than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_events: Option<u64>,
    /// Labels that split the SLO into one series per value, e.g. `[tenant]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_by: Vec<String>,
    /// Extra labels on this SLO's rules.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Burn-rate alerting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerting: Option<Alerting>,
    /// Static threshold alerts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<RawStaticAlert>,
    /// How the SLI is measured in words: the wired command, the query, the caveats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measurement: Option<String>,
    /// Commands that check this SLO by hand.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verify: Vec<Command>,
    /// Where the regression tests for this SLO live.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<String>,
    /// Further notes. Markdown is allowed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// How a k6 test measures this SLO, for the `k6` thresholds that enforce it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k6: Option<K6Mapping>,
    /// This SLO's own error-budget policy, instead of the service's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_budget_policy: Option<RawBudgetPolicy>,
}

/// The SLI, one of the kinds below. Write exactly one key.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RawSli {
    /// Good or bad events over total events, from Prometheus counters.
    Ratio(RawRatioSli),
    /// Share of requests faster than a threshold, from a Prometheus histogram. One objective per
    /// percentile.
    Latency(LatencySli),
    /// Share of events whose lag between two steps stays below a threshold, from a lag histogram.
    Freshness(FreshnessSli),
    /// Share of time slices in which a gauge meets a threshold.
    Gauge(RawGaugeSli),
    /// An HTTP endpoint checked from outside by a probe.
    Probe(RawProbeSli),
    /// Failure rate or latency of a Sentry transaction.
    Sentry(RawSentrySli),
    /// An objective measured outside slofile (RPO, RTO, MTTR...). Produces documentation only.
    Documentary(DocumentarySli),
}

/// Events: bad (or good) over total, from counters.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "RatioSli")]
pub struct RawRatioSli {
    /// Bad events. A selector or aggregation over counters; `rate()` is added for every window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bad: Option<String>,
    /// Good events. Give `good` or `bad`, not both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub good: Option<String>,
    /// All events. A selector or aggregation over counters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<String>,
    /// A complete error-ratio expression with a `{{window}}` placeholder, instead of bad/good and
    /// total. For experts: it is used as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_ratio_query: Option<String>,
}

/// A latency SLI on a classic Prometheus histogram.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LatencySli {
    /// The histogram's bucket series, e.g. `http_request_duration_seconds_bucket{route="/health"}`.
    pub histogram: String,
    /// The histogram's bucket boundaries in seconds. When given, every threshold must be one of
    /// them (checked at build time). When left out, slofile generates an alert that fires at run
    /// time when the histogram has no bucket at a threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buckets: Option<Vec<f64>>,
    /// One objective per percentile: `{percentile: 95, threshold: 500ms}` means 95% of requests
    /// take at most 500 ms.
    pub percentiles: Vec<PercentileObjective>,
}

/// A percentile objective: `percentile`% of events at or under `threshold`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PercentileObjective {
    /// The percentile, strictly between 0 and 100, e.g. `95`.
    pub percentile: Quantity,
    /// The latency threshold, e.g. `500ms` or `2s`.
    pub threshold: String,
}

/// A freshness SLI: lag between two events, from a histogram of lags.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FreshnessSli {
    /// From which event, in words: `Lead capture`.
    pub from: String,
    /// To which event, in words: `PostHog event`.
    pub to: String,
    /// The lag histogram's bucket series, e.g. `lead_capture_lag_seconds_bucket`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub histogram: Option<String>,
    /// The histogram's bucket boundaries in seconds. When given, the threshold must be one of
    /// them; when left out, a run-time alert checks that the histogram has that bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buckets: Option<Vec<f64>>,
    /// Maximum lag, e.g. `5s`.
    pub threshold: String,
}

/// A gauge compared with a threshold in every time slice.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GaugeSli")]
pub struct RawGaugeSli {
    /// The gauge, e.g. `dlq_depth`. An instant-vector PromQL expression.
    pub query: String,
    /// A slice is good while the gauge is below this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<Quantity>,
    /// A slice is good while the gauge is above this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above: Option<Quantity>,
    /// Length of a time slice, e.g. `1m`. Default `1m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slice: Option<String>,
    /// Unit of the gauge in words, e.g. `entries`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// Who runs a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProbeProvider {
    /// UptimeRobot monitors.
    Uptimerobot,
    /// Prometheus blackbox exporter (`probe_success`).
    Blackbox,
    /// Sentry uptime monitors.
    Sentry,
}

impl ProbeProvider {
    /// The provider in words, as documents and explanations name it.
    pub fn display_name(self) -> &'static str {
        match self {
            ProbeProvider::Uptimerobot => "UptimeRobot",
            ProbeProvider::Blackbox => "Prometheus blackbox exporter",
            ProbeProvider::Sentry => "Sentry uptime monitor",
        }
    }
}

/// Whether a probe's keyword must match in case.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum KeywordCase {
    /// `Health` matches `health` and `HEALTH`.
    #[default]
    Insensitive,
    /// `Health` matches `Health` only.
    Sensitive,
}

/// An HTTP endpoint checked from outside.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ProbeSli")]
pub struct RawProbeSli {
    /// Absolute http(s) URL.
    pub url: String,
    /// Check interval, e.g. `5m`.
    pub interval: String,
    /// Who runs the probe.
    pub provider: ProbeProvider,
    /// A Prometheus success metric for the probe, e.g. `probe_success{instance="..."}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// HTTP method. Default `GET`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Request timeout from 1 s to 60 s, e.g. `10s`. Default: `30s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Status codes that count as up. Default `2xx` and `3xx`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expected_status: Vec<String>,
    /// A keyword the response body must contain (UptimeRobot only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    /// Whether `keyword` must match in case: `insensitive` (the default) or `sensitive`
    /// (UptimeRobot only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword_case: Option<KeywordCase>,
    /// Whether the probe follows redirects and checks the final answer's status. Default `true`,
    /// so that a redirecting health URL with `expected_status: ["2xx"]` is not reported down
    /// (UptimeRobot only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_redirects: Option<bool>,
    /// Response time above which the probe counts as slow, e.g. `2s` (UptimeRobot only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_time_threshold: Option<String>,
    /// Channel ids the probe alerts. Default: every channel with an UptimeRobot contact id, or for
    /// `provider: sentry` every channel Sentry can notify.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
}

/// A Sentry transaction SLI.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SentrySli")]
pub struct RawSentrySli {
    /// Sentry organization slug. Default: the service's `sentry.organization`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// Sentry project slug.
    pub project: String,
    /// Transaction name, e.g. `POST /api/v2/auth/login`.
    pub transaction: String,
    /// Search query for failed events, e.g. `http.status_code:5*`.
    pub failure: String,
    /// Events left out of the SLI altogether, as one Sentry search filter, e.g.
    /// `http.status_code:401` or `http.status_code:[401,403]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude: Option<String>,
    /// Sentry environment, e.g. `production`. Default: the service's `sentry.environment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Optional latency objective measured by the same transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<PercentileObjective>,
    /// Channel ids the Sentry alerts notify. Default: every channel Sentry can notify (channels
    /// with a `sentry_integration_id`, and channels of type `sentry`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
}

/// An objective measured elsewhere. Produces documentation only.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentarySli {
    /// The target as people say it, e.g. `24 hours` or `< 5 minutes`.
    pub target: String,
    /// The target as a duration, where it is one, e.g. `24h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// How it is measured or assured, e.g. `daily DB backup`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_by: Option<String>,
    /// When it alerts, in words, e.g. `> 500ms p95`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
}

/// Burn-rate alerting for one SLO.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alerting {
    /// Burn-rate policy id, or `none` for no burn-rate alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burn_policy: Option<String>,
    /// Alert when the SLI's metrics are absent. Default on, after `10m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_data: Option<RawMissingData>,
    /// Extra labels on this SLO's alerts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Runbook URL for the alerts' `runbook_url` annotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook_url: Option<String>,
    /// Dashboard URL for the alerts' `dashboard` annotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dashboard: Option<String>,
}

/// The missing-data alert.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "MissingData")]
pub struct RawMissingData {
    /// Off with `false`.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    #[schemars(!skip_serializing_if)]
    pub enabled: bool,
    /// How long the metrics must be absent. Default `10m`.
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<String>,
    /// The `severity` label. Default `ticket`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
}

fn yes() -> bool {
    true
}

// serde hands `skip_serializing_if` a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_true(flag: &bool) -> bool {
    *flag
}

/// What a static threshold alert watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertSignal {
    /// The SLI's error ratio over `over` (ratio SLIs).
    ErrorRatio,
    /// The SLI's gauge value (gauge SLIs).
    Value,
    /// A percentile of the SLI's histogram (latency and freshness SLIs); give `percentile`.
    Percentile,
    /// Compliance over the whole SLO window.
    Compliance,
}

/// A static threshold alert, e.g. "5xx rate > 1% for 5 min". Give exactly one of `above` and
/// `below`, and either `signal` or `expr`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "StaticAlert")]
pub struct RawStaticAlert {
    /// Alert id, unique within the SLO.
    pub id: String,
    /// One line saying what fired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// What it watches. Default: `error_ratio` for ratio SLIs, `value` for gauges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<AlertSignal>,
    /// A PromQL expression to compare instead of a signal of the SLI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expr: Option<String>,
    /// Percentile, with `signal: percentile`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentile: Option<Quantity>,
    /// Fires when the signal is above this value: `1%`, `50`, `500ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above: Option<Quantity>,
    /// Fires when the signal is below this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<Quantity>,
    /// Rate window for `error_ratio` and `percentile`. Default `5m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over: Option<String>,
    /// How long the condition must hold, e.g. `5m`.
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<String>,
    /// The `severity` label. Default `page`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// Escalation severity (`P1`-`P4`) this alert routes to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<String>,
    /// True for an alert that another system evaluates, or none yet: the documents carry it,
    /// and slofile generates no rule for it and does not warn that nothing evaluates it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub documentation_only: bool,
}

/// A row of the monitoring systems table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitoringSystem {
    /// The system, e.g. `UptimeRobot` or `DLQ depth`.
    pub system: String,
    /// Check interval as people say it: `5 minutes`, `Real-time`, `On admin request`.
    pub interval: String,
    /// Channel ids it alerts.
    pub channels: Vec<String>,
}

/// A command to run, with what it shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Command {
    /// What the command checks, e.g. `Health latency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The command line.
    pub run: String,
    /// When or why to run it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_are_written_as_integers() {
        let text = |q: Quantity| serde_json::to_string(&q).unwrap();
        assert_eq!(text(Quantity::Number(2.0)), "2");
        assert_eq!(text(Quantity::Number(-3.0)), "-3");
        assert_eq!(text(Quantity::Number(99.5)), "99.5");
        assert_eq!(text(Quantity::Number(0.001)), "0.001");
        assert_eq!(text(Quantity::Text("500ms".into())), "\"500ms\"");
    }

    #[test]
    fn an_explicit_false_is_written_and_defaults_are_not() {
        let alerting = Alerting {
            missing_data: Some(RawMissingData {
                enabled: false,
                for_: None,
                severity: None,
            }),
            ..Alerting::default()
        };
        assert_eq!(
            serde_json::to_string(&alerting).unwrap(),
            r#"{"missing_data":{"enabled":false}}"#
        );
    }
}
