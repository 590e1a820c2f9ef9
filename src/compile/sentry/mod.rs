//! Sentry's monitors and alerts, planned once per service for both of Sentry's APIs.
//!
//! A Sentry monitor evaluates one window from a fixed set, so every burn-rate tier's long window
//! becomes the nearest window Sentry allows ([`windows`]); the threshold stays the tier's exact
//! error ratio. The current API (the default) gets metric and uptime monitors and one alert per
//! SLO; `--sentry-api legacy` gets metric alert rules, over the legacy windows and with
//! `failure_rate()` only.
//!
//! The [`SentryPlan`] holds the monitors by index into the service's SLOs, objectives, tiers and
//! channels; [`ServicePlan::sentry_monitors`] and [`ServicePlan::sentry_alerts`] give them back
//! with references for the renderers (the Sentry JSON of either API, Terraform and `explain`).
//!
//! What Sentry cannot express of a spec (a percentile it has no function for, an SLO without a
//! channel it can notify, a recipient it cannot reach) is a problem of the spec with the default
//! API, so compile reports it and `validate` shows it. What each API's rendering adds (windows
//! moved to the nearest allowed one, what the legacy API leaves out) is kept in that API's
//! [`ApiPlan::notes`], which the Sentry backend reports for the API it renders.

mod monitors;
mod notes;
pub mod query;
pub mod windows;

use crate::compile::{ObjectivePlan, ServicePlan, SloPlan, TierPlan};
use crate::diagnostics::{Diagnostic, Severity};
use crate::spec::{Channel, ProbeSli, SentryScope, SentrySli, Sli};
use crate::units::Duration;
pub use query::{FailureMeasure, is_pager, search_query, sentry_recipient, status_class};
pub use windows::{
    LEGACY_WINDOWS, Priority, SPAN_WINDOWS, UPTIME_DOWNTIME_THRESHOLD, UPTIME_INTERVALS,
    UPTIME_RECOVERY_THRESHOLD, nearest_window, seconds, uptime_interval,
};

/// Which Sentry API the bodies are for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SentryApi {
    /// Monitors (`detectors`) and alerts (`workflows`).
    #[default]
    Current,
    /// Metric alert rules (`alert-rules`), for self-hosted Sentry that predates monitors.
    Legacy,
}

/// A service's Sentry monitors for each API.
#[derive(Debug, Clone, Default)]
pub struct SentryPlan {
    /// The organization the monitors live in: that of the first monitor.
    pub organization: Option<String>,
    pub current: ApiPlan,
    pub legacy: ApiPlan,
}

impl SentryPlan {
    pub fn api(&self, api: SentryApi) -> &ApiPlan {
        match api {
            SentryApi::Current => &self.current,
            SentryApi::Legacy => &self.legacy,
        }
    }
}

/// The monitors and alerts of one API.
#[derive(Debug, Clone, Default)]
pub struct ApiPlan {
    /// In spec order: per SLO, failure rate by window, then latency, then uptime.
    pub monitors: Vec<PlannedMonitor>,
    /// The current API's alerts, one per SLO with monitors and a channel Sentry can notify.
    pub alerts: Vec<PlannedAlert>,
    /// What rendering for this API says beyond the problems compile reported.
    pub notes: Vec<Diagnostic>,
}

/// One monitor, by index into its service.
#[derive(Debug, Clone)]
pub struct PlannedMonitor {
    /// Stable id within the file, `<slo>/<what>`: alerts name their monitors by it.
    pub key: String,
    /// The SLO's index in [`ServicePlan::slos`].
    pub slo: usize,
    pub watch: PlannedWatch,
    /// Who hears of it: indexes into the service's channels, those Sentry can notify.
    pub channels: Vec<usize>,
}

/// What a monitor watches; `objective` and `tier` are indexes into the SLO's objectives and
/// that objective's tiers.
#[derive(Debug, Clone)]
pub enum PlannedWatch {
    /// The failure ratio of the SLI's transaction above tier thresholds.
    FailureRate {
        objective: usize,
        measure: FailureMeasure,
        /// In seconds.
        window: u64,
        /// Highest priority first.
        steps: Vec<PlannedStep>,
    },
    /// A duration percentile above the objective's threshold.
    Latency {
        objective: usize,
        /// `95` for `p95(...)`.
        percentile: String,
        threshold: Duration,
        window: u64,
        priority: Priority,
        /// The tier the window and priority come from.
        tier: Option<usize>,
    },
    /// An uptime check of a probe's URL, every `interval` seconds.
    Uptime { interval: u64 },
}

/// One condition of a failure-rate monitor, set by one burn-rate tier.
#[derive(Debug, Clone, Copy)]
pub struct PlannedStep {
    pub priority: Priority,
    pub tier: usize,
}

/// One alert (a Sentry workflow) of the current API.
#[derive(Debug, Clone)]
pub struct PlannedAlert {
    pub slo: usize,
    /// Indexes of the SLO's monitors in [`ApiPlan::monitors`], in plan order.
    pub monitors: Vec<usize>,
    pub channels: Vec<usize>,
    pub environment: Option<String>,
}

/// Plans a service's monitors for both APIs. The problems of the spec (errors and warnings with
/// the default API) come back for compile to report; each API's notes stay in its plan.
pub(crate) fn plan(service: &ServicePlan) -> (SentryPlan, Vec<Diagnostic>) {
    let mut problems = monitors::unsupported_percentiles(service);
    let mut current = monitors::plan_api(service, SentryApi::Current);
    let (infos, warnings): (Vec<Diagnostic>, Vec<Diagnostic>) = current
        .said
        .into_iter()
        .partition(|d| d.severity == Severity::Info);
    problems.extend(warnings);
    current.plan.notes = infos;
    let mut legacy = monitors::plan_api(service, SentryApi::Legacy);
    legacy.plan.notes = legacy.said;
    let organization = current
        .plan
        .monitors
        .iter()
        .find_map(|monitor| organization(&service.slos[monitor.slo]));
    if organization.is_none() && !current.plan.monitors.is_empty() {
        problems.push(notes::no_organization(service));
    }
    let plan = SentryPlan {
        organization: organization.map(str::to_owned),
        current: current.plan,
        legacy: legacy.plan,
    };
    (plan, problems)
}

fn organization(slo: &SloPlan) -> Option<&str> {
    match &slo.slo.sli {
        Sli::Sentry(sli) => sli.organization.as_deref(),
        Sli::Probe(probe) => probe
            .sentry
            .as_ref()
            .map(|scope| scope.organization.as_str()),
        _ => None,
    }
}

/// A planned monitor with references, as the renderers read it.
pub struct Monitor<'p> {
    pub key: &'p str,
    /// The SLO's index in [`ServicePlan::slos`].
    pub slo_index: usize,
    pub slo: &'p SloPlan,
    pub watch: Watch<'p>,
    pub channels: Vec<&'p Channel>,
}

/// What a monitor watches, with references.
pub enum Watch<'p> {
    FailureRate {
        sli: &'p SentrySli,
        objective: &'p ObjectivePlan,
        measure: FailureMeasure,
        window: u64,
        /// Highest priority first.
        steps: Vec<Step<'p>>,
    },
    Latency {
        sli: &'p SentrySli,
        objective: &'p ObjectivePlan,
        percentile: &'p str,
        threshold: Duration,
        window: u64,
        priority: Priority,
        tier: Option<&'p TierPlan>,
    },
    Uptime {
        probe: &'p ProbeSli,
        scope: &'p SentryScope,
        interval: u64,
        /// How long a check waits, the spec's or the default.
        timeout: Duration,
    },
}

/// One condition of a failure-rate monitor, with its tier.
pub struct Step<'p> {
    pub priority: Priority,
    pub tier: &'p TierPlan,
}

/// A planned alert with references.
pub struct Alert<'p> {
    pub slo: &'p SloPlan,
    /// Keys of the SLO's monitors, in plan order.
    pub monitors: Vec<&'p str>,
    pub channels: Vec<&'p Channel>,
    pub environment: Option<&'p str>,
}

impl Monitor<'_> {
    pub fn project(&self) -> &str {
        match &self.watch {
            Watch::FailureRate { sli, .. } | Watch::Latency { sli, .. } => &sli.project,
            Watch::Uptime { scope, .. } => &scope.project,
        }
    }

    pub fn environment(&self) -> Option<&str> {
        match &self.watch {
            Watch::FailureRate { sli, .. } | Watch::Latency { sli, .. } => {
                sli.environment.as_deref()
            }
            Watch::Uptime { scope, .. } => scope.environment.as_deref(),
        }
    }
}

impl ServicePlan {
    /// The Sentry monitors of `api`, in plan order.
    pub fn sentry_monitors(&self, api: SentryApi) -> Vec<Monitor<'_>> {
        self.sentry
            .api(api)
            .monitors
            .iter()
            .filter_map(|planned| self.resolve_monitor(planned))
            .collect()
    }

    /// The alerts of Sentry's current API, in plan order.
    pub fn sentry_alerts(&self) -> Vec<Alert<'_>> {
        let monitors = &self.sentry.current.monitors;
        self.sentry
            .current
            .alerts
            .iter()
            .map(|alert| Alert {
                slo: &self.slos[alert.slo],
                monitors: alert
                    .monitors
                    .iter()
                    .map(|&at| monitors[at].key.as_str())
                    .collect(),
                channels: self.channels_at(&alert.channels),
                environment: alert.environment.as_deref(),
            })
            .collect()
    }

    fn channels_at(&self, indexes: &[usize]) -> Vec<&Channel> {
        indexes.iter().map(|&at| &self.meta.channels[at]).collect()
    }

    /// The monitor with references; `None` only if the plan and the SLO disagree on the SLI,
    /// which planning never makes.
    fn resolve_monitor<'p>(&'p self, planned: &'p PlannedMonitor) -> Option<Monitor<'p>> {
        let slo = self.slos.get(planned.slo)?;
        let watch = match (&planned.watch, &slo.slo.sli) {
            (
                PlannedWatch::FailureRate {
                    objective,
                    measure,
                    window,
                    steps,
                },
                Sli::Sentry(sli),
            ) => {
                let objective = slo.objectives.get(*objective)?;
                Watch::FailureRate {
                    sli,
                    objective,
                    measure: *measure,
                    window: *window,
                    steps: steps
                        .iter()
                        .map(|step| {
                            Some(Step {
                                priority: step.priority,
                                tier: objective.tiers.get(step.tier)?,
                            })
                        })
                        .collect::<Option<_>>()?,
                }
            }
            (
                PlannedWatch::Latency {
                    objective,
                    percentile,
                    threshold,
                    window,
                    priority,
                    tier,
                },
                Sli::Sentry(sli),
            ) => {
                let objective = slo.objectives.get(*objective)?;
                Watch::Latency {
                    sli,
                    objective,
                    percentile,
                    threshold: *threshold,
                    window: *window,
                    priority: *priority,
                    tier: tier.and_then(|at| objective.tiers.get(at)),
                }
            }
            (PlannedWatch::Uptime { interval }, Sli::Probe(probe)) => Watch::Uptime {
                probe,
                scope: probe.sentry.as_ref()?,
                interval: *interval,
                timeout: slo.probe_timeout?,
            },
            _ => return None,
        };
        Some(Monitor {
            key: &planned.key,
            slo_index: planned.slo,
            slo,
            watch,
            channels: self.channels_at(&planned.channels),
        })
    }
}
