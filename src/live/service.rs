//! Measuring many SLOs with few queries. Where a service's recorded 5m series cover a span, every
//! SLO of the service is measured at once: two queries tell which SLOs the recording covers, two
//! more measure them all, whatever their number ([`service_queries`]). The SLOs the recording
//! does not cover, and those without event counts (an `error_ratio_query`), are measured one by
//! one from raw data, as [`super::measure_window`] does.
//!
//! Burn rates and firing alerts are asked once per service too: the recorded error ratio of each
//! tier window (what the alerts themselves evaluate), and `ALERTS` of the service.

use super::client::{Client, Sample, Series};
use super::figures::{Measurement, Source};
use super::period::Span;
use super::{
    Group, LiveError, Target, Window, by_labels_of, from_rates, group_present, measure_window,
    measure_window_from,
};
use crate::compile::series::label;
use crate::compile::{ServicePlan, SloPlan};
use crate::emit::prometheus::WindowQueries;
use crate::emit::prometheus::{
    MEASURE_LABEL, Measured, service_error_ratios as ratio_query, service_firing_alerts,
    service_queries, window_queries,
};
use crate::units::Duration;
use std::collections::{BTreeMap, BTreeSet};

/// Every target's window over its span (`span_of`; `None` leaves it out), in target order.
pub fn measure_windows(
    targets: &[Target<'_>],
    client: &Client,
    span_of: impl Fn(&Target<'_>) -> Option<Span>,
) -> Result<Vec<Option<Window>>, LiveError> {
    let mut windows: Vec<Option<Window>> = targets.iter().map(|_| None).collect();
    // Targets measured together: same service, spans ending at the same instant, counted events.
    let mut batches: BTreeMap<(&str, i64), Vec<Batched>> = BTreeMap::new();
    for (index, target) in targets.iter().enumerate() {
        let Some(span) = span_of(target) else {
            continue;
        };
        // The queries are shaped once, here, and handed on to the batch.
        let Some(queries) = window_queries(target.service, target.slo, span.window()) else {
            continue;
        };
        if matches!(queries.raw, Measured::Rates { .. }) {
            batches
                .entry((target.service.meta.id.as_str(), span.end))
                .or_default()
                .push((index, span, queries));
        } else {
            windows[index] = measure_window(target, client, &span)?;
        }
    }
    for members in batches.into_values() {
        let batch: Vec<Member<'_, '_>> = members
            .iter()
            .map(|(index, span, queries)| Member {
                target: &targets[*index],
                span: *span,
                queries,
            })
            .collect();
        let measured = measure_batch(&batch, client)?;
        for ((index, _, _), window) in members.iter().zip(measured) {
            windows[*index] = window;
        }
    }
    Ok(windows)
}

/// The union of the targets' `group_by` labels, sorted.
pub(crate) fn group_labels<'t>(targets: impl IntoIterator<Item = &'t Target<'t>>) -> Vec<String> {
    let labels: BTreeSet<&String> = targets
        .into_iter()
        .flat_map(|target| &target.slo.slo.group_by)
        .collect();
    labels.into_iter().cloned().collect()
}

/// A target's index, span and queries, waiting for its batch.
type Batched = (usize, Span, WindowQueries);

/// One SLO of a batch: its span and the queries shaped for it.
struct Member<'t, 'p> {
    target: &'t Target<'p>,
    span: Span,
    queries: &'t WindowQueries,
}

/// The SLOs of one service over spans that end at the same instant.
fn measure_batch(
    batch: &[Member<'_, '_>],
    client: &Client,
) -> Result<Vec<Option<Window>>, LiveError> {
    let service = batch[0].target.service;
    let end = batch[0].span.end;
    // The SLOs of each span: by id when the spans differ, all of the service's when they agree.
    let mut by_span: BTreeMap<(i64, i64), Vec<&str>> = BTreeMap::new();
    for member in batch {
        by_span
            .entry((member.span.start, member.span.budget_period))
            .or_default()
            .push(member.target.slo.slo.id.as_str());
    }
    let single = by_span.len() == 1;
    let windows: Vec<(Vec<&str>, Duration)> = by_span
        .iter()
        .map(|(&(start, _), ids)| {
            let ids = if single { Vec::new() } else { ids.clone() };
            (ids, Duration::from_secs((end - start).unsigned_abs()))
        })
        .collect();
    let queries = service_queries(
        service,
        &group_labels(batch.iter().map(|member| member.target)),
        &windows,
    );
    let at_end = groups_by_slo(client.query(&queries.groups_at_end, end)?, service);
    let at_start = if at_end.is_empty() {
        BTreeMap::new()
    } else {
        groups_by_slo(client.query(&queries.groups_at_start, end)?, service)
    };
    let covered = |target: &Target<'_>| {
        at_end.get(target.slo.slo.id.as_str()).is_some_and(|end| {
            at_start
                .get(target.slo.slo.id.as_str())
                .is_some_and(|start| end.is_subset(start))
        })
    };
    let (events, errors) = if batch.iter().any(|member| covered(member.target)) {
        split_measures(client.query(&queries.both(), end)?)
    } else {
        (Vec::new(), Vec::new())
    };
    let mut measured = Vec::with_capacity(batch.len());
    for Member {
        target,
        span,
        queries,
    } in batch
    {
        if !covered(target) {
            measured.push(measure_window_from(
                target,
                client,
                span,
                queries,
                Source::Raw,
            )?);
            continue;
        }
        let seconds = (span.end - span.start) as f64;
        let events = of_slo(&events, target.slo, None);
        let per_objective = (0..target.slo.objectives.len())
            .map(|index| from_rates(&events, &of_slo(&errors, target.slo, Some(index)), seconds))
            .collect();
        measured.push(Some(Window {
            source: Source::Recorded,
            per_objective,
        }));
    }
    Ok(measured)
}

/// The samples of [`ServiceQueries::both`]: events, and failed events.
fn split_measures(samples: Vec<Sample>) -> (Vec<Sample>, Vec<Sample>) {
    samples
        .into_iter()
        .partition(|sample| sample.labels.get(MEASURE_LABEL).map(String::as_str) == Some("events"))
}

/// The groups each SLO of the service has in `samples`.
fn groups_by_slo(samples: Vec<Sample>, service: &ServicePlan) -> BTreeMap<&str, BTreeSet<Group>> {
    let mut groups: BTreeMap<&str, BTreeSet<Group>> = BTreeMap::new();
    for sample in samples {
        let Some(slo) = sample
            .labels
            .get(label::SLO)
            .and_then(|id| service.slos.iter().find(|slo| slo.slo.id == *id))
        else {
            continue;
        };
        groups
            .entry(slo.slo.id.as_str())
            .or_default()
            .insert(group_present(&sample.labels, &slo.slo.group_by));
    }
    groups
}

/// Whether a sample with these labels belongs to the SLO and, when given, to its objective (by
/// index): its `objective` label names the objective, or the objective is unnamed and the label
/// absent.
pub(crate) fn is_own(
    labels: &BTreeMap<String, String>,
    slo: &SloPlan,
    objective: Option<usize>,
) -> bool {
    labels.get(label::SLO) == Some(&slo.slo.id)
        && objective.is_none_or(|index| {
            slo.objectives
                .get(index)
                .and_then(|o| o.objective.name.as_ref())
                == labels.get(label::OBJECTIVE)
        })
}

/// The values of `samples` of one SLO (and objective, when given), by group.
fn of_slo(samples: &[Sample], slo: &SloPlan, objective: Option<usize>) -> BTreeMap<Group, f64> {
    by_labels_of(
        samples
            .iter()
            .filter(|sample| is_own(&sample.labels, slo, objective)),
        &slo.slo.group_by,
    )
}

/// The recorded error ratio of every SLO of each service over each of its windows, one query per
/// service at `at`: the samples by service id and window.
pub fn service_error_ratios(
    windows: &[(&ServicePlan, BTreeSet<Duration>)],
    client: &Client,
    at: i64,
) -> Result<BTreeMap<(String, Duration), Vec<Sample>>, LiveError> {
    let mut ratios: BTreeMap<(String, Duration), Vec<Sample>> = BTreeMap::new();
    for (service, windows) in windows {
        if windows.is_empty() {
            continue;
        }
        let windows: Vec<Duration> = windows.iter().copied().collect();
        let names: BTreeMap<String, Duration> = windows
            .iter()
            .map(|&window| (crate::compile::series::error_ratio(window), window))
            .collect();
        for sample in client.query(&ratio_query(service, &windows), at)? {
            let Some(&window) = sample
                .labels
                .get("__name__")
                .and_then(|name| names.get(name))
            else {
                continue;
            };
            ratios
                .entry((service.meta.id.clone(), window))
                .or_default()
                .push(sample);
        }
    }
    Ok(ratios)
}

/// The distinct services of `targets`, in order.
pub fn services_of<'p>(targets: &[Target<'p>]) -> Vec<&'p ServicePlan> {
    let mut services: Vec<&ServicePlan> = Vec::new();
    for target in targets {
        if !services
            .iter()
            .any(|service| service.meta.id == target.service.meta.id)
        {
            services.push(target.service);
        }
    }
    services
}

/// One SLO objective's recorded error ratio by group, from a service's samples; `None` when the
/// recording has no series of the SLO (its rules are not loaded).
pub fn recorded_ratio(
    samples: &[Sample],
    slo: &SloPlan,
    objective: usize,
) -> Option<BTreeMap<Group, Measurement>> {
    let ratios = of_slo(samples, slo, Some(objective));
    (!ratios.is_empty()).then(|| {
        ratios
            .into_iter()
            .map(|(group, ratio)| (group, Measurement::from_ratio(Some(ratio))))
            .collect()
    })
}

/// Each service's firing alerts at `at`, one query per service.
pub fn firing_alerts<'p>(
    services: impl IntoIterator<Item = &'p ServicePlan>,
    client: &Client,
    at: i64,
) -> Result<BTreeMap<String, Vec<Sample>>, LiveError> {
    let mut alerts = BTreeMap::new();
    for service in services {
        let samples = client.query(&service_firing_alerts(service), at)?;
        alerts.insert(service.meta.id.clone(), samples);
    }
    Ok(alerts)
}

/// Each service's firing alerts at every `step` over `(start, end]`, one range query per service.
pub fn firing_alert_history<'p>(
    services: impl IntoIterator<Item = &'p ServicePlan>,
    client: &Client,
    (start, end, step): (i64, i64, i64),
) -> Result<BTreeMap<String, Vec<Series>>, LiveError> {
    let mut alerts = BTreeMap::new();
    for service in services {
        let series =
            client.query_range(&service_firing_alerts(service), start + step, end, step)?;
        alerts.insert(service.meta.id.clone(), series);
    }
    Ok(alerts)
}

/// The samples of one SLO among a service's.
pub fn of_one_slo<'s>(samples: &'s [Sample], slo: &SloPlan) -> Vec<&'s Sample> {
    samples
        .iter()
        .filter(|sample| sample.labels.get(label::SLO) == Some(&slo.slo.id))
        .collect()
}
