//! Specs: the raw language ([`raw`]), loading ([`load`]), checks ([`schema`], [`validate`]), and
//! the validated types below, which the compile stage consumes.

pub(crate) mod collect;
mod exhaustion;
pub mod gather;
pub(crate) mod k6;
pub mod load;
pub mod openslo;
pub mod policy;
pub mod pyrra;
pub mod raw;
pub mod schema;
pub mod sloth;
pub mod validate;
pub(crate) mod walk;
pub mod yaml_reader;

use crate::diagnostics::Origin;
use crate::units::{Duration, Ratio};
pub use policy::{BudgetPolicy, BudgetRules, BurnLimit};
pub use raw::{
    AlertSignal, Channel, ChannelType, Command, DocumentMeta, GrafanaSettings, KeywordCase,
    MonitoringSystem, ProbeProvider,
};
use std::collections::BTreeMap;

/// A heartbeat through the alert path: Prometheus fires it always, Alertmanager delivers it
/// every `every`, and an outside monitor alerts `channels` when none came for `every + grace`.
#[derive(Debug, Clone, PartialEq)]
pub struct Heartbeat {
    pub every: Duration,
    pub grace: Duration,
    /// Channel ids, each with an UptimeRobot alert contact.
    pub channels: Vec<String>,
    pub origin: Origin,
}

/// A validated service: every reference resolves, every number is parsed and in range.
#[derive(Debug, Clone)]
pub struct Service {
    pub meta: ServiceMeta,
    pub slos: Vec<Slo>,
}

/// Everything about a service except its SLOs.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceMeta {
    pub id: String,
    /// Where the service id is written.
    pub origin: Origin,
    pub title: String,
    pub owner: Option<String>,
    pub description: Option<String>,
    /// The spec file, as the user named it.
    pub source: String,
    pub document: DocumentMeta,
    pub labels: BTreeMap<String, String>,
    /// Where the service's Grafana dashboard lives, when the spec says.
    pub grafana: Option<GrafanaSettings>,
    pub channels: Vec<Channel>,
    pub escalation: Vec<EscalationLevel>,
    pub monitoring: Vec<MonitoringSystem>,
    pub verify: Vec<Command>,
    pub alert_self_test: Vec<Command>,
    /// The heartbeat through the alert path, when the spec asks for one.
    pub heartbeat: Option<Heartbeat>,
    /// The service's error-budget policy; SLOs follow it unless they give their own.
    pub error_budget_policy: Option<BudgetPolicy>,
    pub candidates: Vec<String>,
    /// The release gate of the service's k6 test.
    pub k6_gate: Option<K6Gate>,
}

impl ServiceMeta {
    pub fn channel(&self, id: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id == id)
    }

    pub fn escalation_level(&self, severity: &str) -> Option<&EscalationLevel> {
        self.escalation.iter().find(|e| e.severity == severity)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EscalationLevel {
    pub severity: String,
    pub name: Option<String>,
    pub condition: String,
    pub response: String,
    pub response_time: Option<Duration>,
    pub runbook: Option<String>,
    pub channels: Vec<String>,
}

/// A validated SLO.
#[derive(Debug, Clone, PartialEq)]
pub struct Slo {
    pub id: String,
    /// Where the SLO is defined, for diagnostics of later stages.
    pub origin: Origin,
    pub title: String,
    pub group: Option<String>,
    pub journey: Option<String>,
    pub failure_signal: Option<String>,
    /// What one event is, in words and plural (`requests`), for documents.
    pub events: Option<String>,
    pub window: Duration,
    pub sli: Sli,
    /// One objective, or one per percentile for latency SLIs.
    pub objectives: Vec<Objective>,
    pub min_events: Option<u64>,
    pub group_by: Vec<String>,
    pub labels: BTreeMap<String, String>,
    /// The burn-rate tiers, resolved from the policy; empty when alerting is off.
    pub burn_policy: Option<String>,
    pub tiers: Vec<Tier>,
    pub missing_data: Option<MissingData>,
    /// The burn policy's budget-exhaustion alert, if it has one.
    pub budget_exhausted: Option<BudgetExhausted>,
    pub alert_labels: BTreeMap<String, String>,
    pub runbook_url: Option<String>,
    pub dashboard: Option<String>,
    pub alerts: Vec<StaticAlert>,
    pub measurement: Option<String>,
    pub verify: Vec<Command>,
    pub tests: Vec<String>,
    pub notes: Vec<String>,
    /// The k6 thresholds that enforce the SLO.
    pub k6: Option<K6Thresholds>,
    /// The SLO's own error-budget policy, when it does not follow the service's.
    pub error_budget_policy: Option<BudgetPolicy>,
    /// What a Sloth spec says that only Sloth-compatible rules use; `None` for other specs.
    pub sloth: Option<Box<SlothSource>>,
}

/// What a Sloth spec says of an SLO beyond slofile's model: the names as written, and the
/// alert name and annotations, which `build --compat sloth` renders as Sloth would.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlothSource {
    /// The service as written: Sloth's `sloth_service`.
    pub service: String,
    /// The SLO name as written: Sloth's `sloth_slo`.
    pub name: String,
    /// `prometheus/v1` or `sloth.slok.dev/v1`: Sloth's `sloth_spec`.
    pub spec: String,
    /// `alerting.name`: the name of both alerts.
    pub alert_name: Option<String>,
    /// `alerting.annotations`, on both alerts.
    pub annotations: BTreeMap<String, String>,
    /// `page_alert.annotations` and `ticket_alert.annotations`, over those of `alerting`.
    pub page_annotations: BTreeMap<String, String>,
    pub ticket_annotations: BTreeMap<String, String>,
    /// The labels Sloth puts on the page alert (`alerting.labels`, then `page_alert.labels`,
    /// `severity` included) and on the ticket alert.
    pub page_labels: BTreeMap<String, String>,
    pub ticket_labels: BTreeMap<String, String>,
    /// Whether each of the SLO's tiers, in order, belongs to the page alert (else the ticket).
    pub page_tiers: Vec<bool>,
    /// An `events` SLI's error and total queries, with `{{window}}`: they weigh compliance by
    /// traffic, where the ratio of the two alone could not.
    pub events: Option<(String, String)>,
}

/// k6 thresholds over the requests with `tags` (every request without).
#[derive(Debug, Clone, PartialEq)]
pub struct K6Thresholds {
    pub tags: BTreeMap<String, String>,
    /// Percentile and the duration it must stay below, on `http_req_duration`.
    pub latency: Vec<(Ratio, Duration)>,
    /// The share of failed requests must stay below this, on `http_req_failed`.
    pub error_rate: Option<Ratio>,
    pub abort_on_fail: bool,
}

/// A release gate over a k6 test, and the SLOs it guards.
#[derive(Debug, Clone, PartialEq)]
pub struct K6Gate {
    pub slos: Vec<String>,
    pub thresholds: K6Thresholds,
}

/// A target: the share of good events (or time slices) over the window.
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    /// `p95` for a percentile objective, `None` for the SLO's single objective.
    pub name: Option<String>,
    /// The percentile, for latency objectives.
    pub percentile: Option<Ratio>,
    /// Share of good events, strictly between 0 and 1.
    pub target: Ratio,
    /// Latency or lag threshold, for latency and freshness objectives.
    pub threshold: Option<Duration>,
    /// How the target was written, e.g. `99.5%`.
    pub written: String,
    /// Where the target is written.
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Sli {
    Ratio(RatioSli),
    Latency(HistogramSli),
    Freshness {
        from: String,
        to: String,
        histogram: Option<HistogramSli>,
    },
    Gauge(GaugeSli),
    Probe(ProbeSli),
    Sentry(SentrySli),
    Documentary {
        target: String,
        duration: Option<Duration>,
        measured_by: Option<String>,
        alert: Option<String>,
    },
}

impl Sli {
    /// The SLI kind as written in specs.
    pub fn kind(&self) -> &'static str {
        match self {
            Sli::Ratio(_) => "ratio",
            Sli::Latency(_) => "latency",
            Sli::Freshness { .. } => "freshness",
            Sli::Gauge(_) => "gauge",
            Sli::Probe(_) => "probe",
            Sli::Sentry(_) => "sentry",
            Sli::Documentary { .. } => "documentary",
        }
    }

    /// Whether Prometheus can compute this SLI, so that it gets recording rules and alerts.
    pub fn in_prometheus(&self) -> bool {
        match self {
            Sli::Ratio(_) | Sli::Latency(_) | Sli::Gauge(_) => true,
            Sli::Freshness { histogram, .. } => histogram.is_some(),
            Sli::Probe(probe) => probe.metric.is_some(),
            Sli::Sentry(_) | Sli::Documentary { .. } => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum RatioSli {
    /// `events` counts bad events (or good ones when `good` is set) out of `total`.
    Events {
        good: bool,
        events: String,
        total: String,
    },
    /// A full error-ratio expression with a `{{window}}` placeholder.
    Query(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSli {
    /// The bucket series selector, e.g. `http_request_duration_seconds_bucket{route="/"}`.
    pub histogram: String,
    /// The boundaries the spec lists, each threshold among them. Empty when the spec leaves them
    /// out: then each threshold is checked at run time (see `SloPlan::bucket_guards`).
    pub buckets: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GaugeSli {
    pub query: String,
    /// True: a slice is good while the gauge is below `threshold`; false: above it.
    pub good_below: bool,
    pub threshold: Ratio,
    pub slice: Duration,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProbeSli {
    pub url: String,
    pub interval: Duration,
    pub provider: ProbeProvider,
    pub metric: Option<String>,
    pub method: String,
    pub timeout: Option<Duration>,
    pub expected_status: Vec<String>,
    pub keyword: Option<String>,
    pub keyword_case: KeywordCase,
    /// Follow redirects and check the final answer.
    pub follow_redirects: bool,
    pub response_time_threshold: Option<Duration>,
    pub channels: Vec<String>,
    /// Where the Sentry uptime monitor lives, for `provider: sentry`.
    pub sentry: Option<SentryScope>,
}

/// The Sentry organization, project and environment of a Sentry monitor.
#[derive(Debug, Clone, PartialEq)]
pub struct SentryScope {
    pub organization: String,
    pub project: String,
    pub environment: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SentrySli {
    /// The SLI's organization, or the service's `sentry.organization`.
    pub organization: Option<String>,
    pub project: String,
    pub transaction: String,
    pub failure: String,
    /// One Sentry search filter for events left out of the SLI.
    pub exclude: Option<String>,
    /// The SLI's environment, or the service's `sentry.environment`.
    pub environment: Option<String>,
    pub channels: Vec<String>,
}

/// One multiwindow burn-rate tier, as the spec states it.
#[derive(Debug, Clone, PartialEq)]
pub struct Tier {
    pub severity: String,
    /// Either the share of budget spent in `long`, or a factor; compile derives the other.
    pub budget_share: Option<Ratio>,
    pub factor: Option<Ratio>,
    pub long: Duration,
    pub short: Duration,
    pub for_: Duration,
    pub escalation: Option<String>,
    /// Labels on this tier's alert only, over the SLO's alert labels: a page's routing key, say,
    /// that must not reach tickets.
    pub labels: BTreeMap<String, String>,
}

/// Its default, what a spec gets when it says nothing, is in [`validate::defaults`].
#[derive(Debug, Clone, PartialEq)]
pub struct MissingData {
    pub for_: Duration,
    pub severity: String,
}

/// When the error budget of the SLO window is spent: the alert's routing.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetExhausted {
    pub for_: Duration,
    pub severity: String,
}

/// What a static alert compares.
#[derive(Debug, Clone, PartialEq)]
pub enum AlertSource {
    Signal(AlertSignal),
    Expr(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct StaticAlert {
    pub id: String,
    pub summary: Option<String>,
    pub source: AlertSource,
    pub percentile: Option<Ratio>,
    /// True: fires above `threshold`; false: below.
    pub above: bool,
    pub threshold: Threshold,
    pub over: Duration,
    pub for_: Option<Duration>,
    pub severity: String,
    pub escalation: Option<String>,
    /// Documented, but evaluated by no system: slofile generates no rule for it.
    pub documentation_only: bool,
    /// The alert's node in the spec.
    pub origin: Origin,
}

/// A threshold as written: a plain number, a percentage, or a duration.
#[derive(Debug, Clone, PartialEq)]
pub enum Threshold {
    Number(Ratio),
    Percent(Ratio),
    Duration(Duration),
}

impl Threshold {
    /// The value a PromQL comparison uses: ratios for percentages, seconds for durations.
    pub fn value(&self) -> Ratio {
        match self {
            Threshold::Number(r) | Threshold::Percent(r) => *r,
            Threshold::Duration(d) => d.as_ratio_secs(),
        }
    }

    /// As people write it: `1%`, `50`, `500 ms`.
    pub fn human(&self) -> String {
        match self {
            Threshold::Number(r) => r.to_decimal(),
            Threshold::Percent(r) => r.percent(),
            Threshold::Duration(d) => d.human(),
        }
    }
}
