//! How a service's Sentry monitors are decided, for one API: which monitors exist, what each
//! watches, over which window, at which priority, and who hears of them.

use super::notes::{
    inexact_failure_note, interval_note, legacy_uptime, no_channel_note, recipient_note,
    unsupported_percentile, window_note,
};
use super::query::FailureMeasure;
use super::windows::{
    DEFAULT_WINDOW, LEGACY_WINDOWS, PERCENTILE_FUNCTIONS, Priority, SPAN_WINDOWS, nearest_window,
    uptime_interval,
};
use super::{ApiPlan, PlannedAlert, PlannedMonitor, PlannedStep, PlannedWatch, SentryApi};
use crate::compile::{ObjectivePlan, ServicePlan, SloPlan, TierPlan};
use crate::diagnostics::Diagnostic;
use crate::spec::{ProbeProvider, SentrySli, Sli};
use crate::units::{Duration, Ratio};
use std::collections::BTreeMap;

/// What planning one API found: the plan, and what it says, each diagnostic once.
pub(super) struct Planned {
    pub(super) plan: ApiPlan,
    pub(super) said: Vec<Diagnostic>,
}

/// Every monitor of a service for `api`, in spec order: per SLO, failure rate by window, then
/// latency, then uptime. The current API also gets its alerts.
pub(super) fn plan_api(service: &ServicePlan, api: SentryApi) -> Planned {
    let windows = match api {
        SentryApi::Current => SPAN_WINDOWS,
        SentryApi::Legacy => LEGACY_WINDOWS,
    };
    let mut said = Vec::new();
    let mut monitors = Vec::new();
    for (index, slo) in service.slos.iter().enumerate() {
        let before = monitors.len();
        match &slo.slo.sli {
            Sli::Sentry(sli) => {
                let measure = FailureMeasure::of(&sli.failure, api);
                for (at, objective) in slo.objectives.iter().enumerate() {
                    let place = Place {
                        slo,
                        index,
                        objective,
                        at,
                    };
                    match (
                        objective.objective.percentile,
                        objective.objective.threshold,
                    ) {
                        (Some(percentile), Some(threshold)) => monitors.extend(latency_monitor(
                            &place, percentile, threshold, windows, &mut said,
                        )),
                        _ => monitors
                            .extend(failure_rate_monitors(&place, measure, windows, &mut said)),
                    }
                }
                let measures_failures = monitors[before..]
                    .iter()
                    .any(|monitor| matches!(monitor.watch, PlannedWatch::FailureRate { .. }));
                if measures_failures && measure == FailureMeasure::FailureRate {
                    said.push(inexact_failure_note(slo, sli, api));
                }
            }
            Sli::Probe(probe) if probe.provider == ProbeProvider::Sentry => {
                if api == SentryApi::Legacy {
                    said.push(legacy_uptime(slo));
                } else if probe.sentry.is_some() {
                    let interval = uptime_interval(probe.interval);
                    if interval * 1000 != probe.interval.millis() {
                        said.push(interval_note(slo, probe.interval, interval));
                    }
                    monitors.push(PlannedMonitor {
                        key: format!("{}/uptime", slo.slo.id),
                        slo: index,
                        watch: PlannedWatch::Uptime { interval },
                        channels: Vec::new(),
                    });
                }
            }
            _ => {}
        }
        let channels = alert_channels(service, slo);
        for monitor in &mut monitors[before..] {
            monitor.channels.clone_from(&channels);
        }
    }
    let alerts = match api {
        SentryApi::Current => plan_alerts(service, &monitors, &mut said),
        SentryApi::Legacy => {
            legacy_recipient_notes(service, &monitors, &mut said);
            Vec::new()
        }
    };
    Planned {
        plan: ApiPlan {
            monitors,
            alerts,
            notes: Vec::new(),
        },
        said,
    }
}

/// The objective a monitor watches, by reference for planning and by index for the Plan.
struct Place<'p> {
    slo: &'p SloPlan,
    index: usize,
    objective: &'p ObjectivePlan,
    at: usize,
}

/// The tiers of an objective that become alerts, with their index among its tiers.
fn alerting_tiers(objective: &ObjectivePlan) -> impl Iterator<Item = (usize, &TierPlan)> {
    objective
        .tiers
        .iter()
        .enumerate()
        .filter(|(_, tier)| tier.can_fire)
}

/// One monitor per distinct Sentry window: the page tier with the lowest threshold at that window
/// raises a high-priority issue, the lowest other tier a medium-priority one.
fn failure_rate_monitors(
    place: &Place<'_>,
    measure: FailureMeasure,
    windows: &[u64],
    said: &mut Vec<Diagnostic>,
) -> Vec<PlannedMonitor> {
    let mut by_window: BTreeMap<u64, Vec<(usize, &TierPlan)>> = BTreeMap::new();
    for (at, tier) in alerting_tiers(place.objective) {
        let Some(window) = nearest_window(tier.long, windows) else {
            continue;
        };
        if window * 1000 != tier.long.millis() {
            let threshold = format!(
                "the tier's error ratio of {}",
                tier.error_threshold.percent()
            );
            said.push(window_note(
                place.slo,
                place.objective,
                tier,
                window,
                windows,
                &threshold,
            ));
        }
        by_window.entry(window).or_default().push((at, tier));
    }
    by_window
        .into_iter()
        .map(|(window, tiers)| {
            let lowest = |priority: Priority| {
                tiers
                    .iter()
                    .copied()
                    .filter(|(_, tier)| Priority::of(&tier.severity) == priority)
                    .min_by_key(|(_, tier)| tier.error_threshold)
            };
            let high = lowest(Priority::High);
            // A medium-priority threshold at or above the high one would never add anything.
            let medium = lowest(Priority::Medium).filter(|(_, medium)| {
                high.is_none_or(|(_, high)| medium.error_threshold < high.error_threshold)
            });
            let steps = [(Priority::High, high), (Priority::Medium, medium)]
                .into_iter()
                .filter_map(|(priority, tier)| tier.map(|(tier, _)| PlannedStep { priority, tier }))
                .collect();
            PlannedMonitor {
                key: format!(
                    "{}/failure-rate-{}",
                    place.slo.slo.id,
                    Duration::from_secs(window).prometheus()
                ),
                slo: place.index,
                watch: PlannedWatch::FailureRate {
                    objective: place.at,
                    measure,
                    window,
                    steps,
                },
                channels: Vec::new(),
            }
        })
        .collect()
}

/// The percentile monitor: above the threshold means more than the objective's budget of slow
/// requests, a burn rate above 1, so its window and priority come from the tier with the lowest
/// burn-rate factor. A percentile Sentry has no function for gets none; compile says so once,
/// whatever the API (see [`super::spec_problems`]).
fn latency_monitor(
    place: &Place<'_>,
    percentile: Ratio,
    threshold: Duration,
    windows: &[u64],
    said: &mut Vec<Diagnostic>,
) -> Option<PlannedMonitor> {
    let percentile = percentile.to_decimal();
    if !PERCENTILE_FUNCTIONS.contains(&percentile.as_str()) {
        return None;
    }
    let tier = alerting_tiers(place.objective).min_by_key(|(_, tier)| tier.factor);
    let window = match tier {
        Some((_, tier)) => {
            let window = nearest_window(tier.long, windows)?;
            if window * 1000 != tier.long.millis() {
                let threshold = format!("p{percentile} above {} ms", threshold.millis());
                said.push(window_note(
                    place.slo,
                    place.objective,
                    tier,
                    window,
                    windows,
                    &threshold,
                ));
            }
            window
        }
        None => DEFAULT_WINDOW,
    };
    Some(PlannedMonitor {
        key: format!("{}/p{percentile}-latency", place.slo.slo.id),
        slo: place.index,
        watch: PlannedWatch::Latency {
            objective: place.at,
            percentile,
            threshold,
            window,
            priority: tier.map_or(Priority::Medium, |(_, tier)| Priority::of(&tier.severity)),
            tier: tier.map(|(at, _)| at),
        },
        channels: Vec::new(),
    })
}

/// The percentiles of a service's Sentry SLIs that Sentry has no function for: a fact of the
/// spec, the same for either API.
pub(super) fn unsupported_percentiles(service: &ServicePlan) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for slo in &service.slos {
        if !matches!(slo.slo.sli, Sli::Sentry(_)) {
            continue;
        }
        for objective in &slo.objectives {
            if let (Some(percentile), Some(_)) = (
                objective.objective.percentile,
                objective.objective.threshold,
            ) {
                let percentile = percentile.to_decimal();
                if !PERCENTILE_FUNCTIONS.contains(&percentile.as_str()) {
                    problems.push(unsupported_percentile(slo, objective, &percentile));
                }
            }
        }
    }
    problems
}

/// The alerts of the current API, one per SLO with monitors and a channel Sentry can notify; the
/// others get a note.
fn plan_alerts(
    service: &ServicePlan,
    monitors: &[PlannedMonitor],
    said: &mut Vec<Diagnostic>,
) -> Vec<PlannedAlert> {
    let mut alerts = Vec::new();
    let mut noted = Vec::new();
    for (index, slo) in service.slos.iter().enumerate() {
        let own: Vec<usize> = (0..monitors.len())
            .filter(|&at| monitors[at].slo == index)
            .collect();
        let Some(&first) = own.first() else {
            continue;
        };
        let channels = &monitors[first].channels;
        if channels.is_empty() {
            said.push(no_channel_note(slo));
            continue;
        }
        for &channel in channels {
            let channel = &service.meta.channels[channel];
            if !noted.contains(&channel.id)
                && let Some(note) = recipient_note(service, channel, SentryApi::Current)
            {
                noted.push(channel.id.clone());
                said.push(note);
            }
        }
        alerts.push(PlannedAlert {
            slo: index,
            monitors: own,
            channels: channels.clone(),
            environment: environment(slo).map(str::to_owned),
        });
    }
    alerts
}

/// Legacy rules notify a channel's recipients directly: what they cannot notify, once per
/// channel. An SLO without a channel is the current API's note already.
fn legacy_recipient_notes(
    service: &ServicePlan,
    monitors: &[PlannedMonitor],
    said: &mut Vec<Diagnostic>,
) {
    let mut noted = Vec::new();
    for monitor in monitors {
        for &channel in &monitor.channels {
            let channel = &service.meta.channels[channel];
            if !noted.contains(&channel.id)
                && let Some(note) = recipient_note(service, channel, SentryApi::Legacy)
            {
                noted.push(channel.id.clone());
                said.push(note);
            }
        }
    }
}

/// The environment an SLO's Sentry monitors watch.
fn environment(slo: &SloPlan) -> Option<&str> {
    match &slo.slo.sli {
        Sli::Sentry(SentrySli { environment, .. }) => environment.as_deref(),
        Sli::Probe(probe) => probe.sentry.as_ref()?.environment.as_deref(),
        _ => None,
    }
}

/// The channels an SLO's Sentry alert notifies, as indexes into the service's channels: those
/// the spec names, else every channel Sentry can notify.
fn alert_channels(service: &ServicePlan, slo: &SloPlan) -> Vec<usize> {
    let named: &[String] = match &slo.slo.sli {
        Sli::Sentry(sli) => &sli.channels,
        Sli::Probe(probe) => &probe.channels,
        _ => &[],
    };
    let all = &service.meta.channels;
    let chosen: Vec<usize> = if named.is_empty() {
        (0..all.len()).collect()
    } else {
        named
            .iter()
            .filter_map(|id| all.iter().position(|channel| channel.id == *id))
            .collect()
    };
    chosen
        .into_iter()
        .filter(|&at| all[at].sentry_notifiable())
        .collect()
}
