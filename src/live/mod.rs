//! What the live commands (`status`, `gate`, `verify`) share: one client ([`client`]), instants
//! and calendar windows ([`period`]), one set of figures ([`figures`]), the command-line options
//! of a connection ([`args`]), and how an SLO's window is measured (this module).
//!
//! **Exact from raw data.** A window's figures come from the SLI's own series, shaped by the
//! Prometheus backend ([`window_queries`]), so that they are right even when the recording rules
//! were deployed yesterday. The recorded 5m series are used instead, being far cheaper, only
//! when every group's recorded series already existed at the window's start; each measurement
//! says which in its [`Source`]. The queries sum by the SLO's `group_by` labels, so one query
//! answers for every group.

pub mod args;
pub mod calendar;
pub mod client;
pub mod figures;
pub mod period;
pub mod service;
pub mod tiles;

use crate::compile::{Plan, ServicePlan, SloPlan};
use crate::emit::prometheus::{Measured, WindowQueries, window_queries};
use client::{Client, QueryError, Sample};
use figures::{Measurement, Source};
use period::Span;
use std::collections::{BTreeMap, BTreeSet};

/// Which SLOs and groups a live command looks at.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only these SLO ids (or `service/slo`); all when empty.
    pub slos: Vec<String>,
    /// Only groups whose labels have these values; SLOs without such a `group_by` label are left
    /// out.
    pub filters: Vec<(String, String)>,
}

/// A labelled group of an SLO: the values of its `group_by` labels.
pub type Group = BTreeMap<String, String>;

/// Why a live command has no answer.
#[derive(Debug)]
pub enum LiveError {
    /// The server could not answer.
    Query(QueryError),
    /// The request makes no sense for these specs.
    Usage(String),
}

impl std::fmt::Display for LiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LiveError::Query(error) => write!(f, "{error}"),
            LiveError::Usage(message) => f.write_str(message),
        }
    }
}

impl From<QueryError> for LiveError {
    fn from(error: QueryError) -> Self {
        LiveError::Query(error)
    }
}

/// One SLO to measure.
pub struct Target<'a> {
    pub service: &'a ServicePlan,
    pub slo: &'a SloPlan,
}

impl Selection {
    /// Whether `--slo` names this SLO (or names none).
    fn names(&self, service: &ServicePlan, slo: &SloPlan) -> bool {
        self.slos.is_empty()
            || self
                .slos
                .iter()
                .any(|wanted| is_named(wanted, service, slo))
    }

    /// The SLOs that Prometheus measures, narrowed by `--slo` and `--where`, in plan order. A
    /// `--slo` that names no SLO of the plan is a usage error.
    pub fn targets<'a>(&self, plan: &'a Plan) -> Result<Vec<Target<'a>>, LiveError> {
        for wanted in &self.slos {
            let known = plan.services.iter().any(|service| {
                service
                    .slos
                    .iter()
                    .any(|slo| is_named(wanted, service, slo))
            });
            if !known {
                return Err(LiveError::Usage(format!(
                    "--slo {wanted}: no SLO with this id in the specs"
                )));
            }
        }
        let mut targets = Vec::new();
        for service in &plan.services {
            for slo in &service.slos {
                let grouped_by_filters = self
                    .filters
                    .iter()
                    .all(|(label, _)| slo.slo.group_by.contains(label));
                if self.names(service, slo)
                    && grouped_by_filters
                    && window_queries(service, slo, slo.slo.window).is_some()
                {
                    targets.push(Target { service, slo });
                }
            }
        }
        Ok(targets)
    }

    /// The groups to report of those measured: those the filters select; a group the filters
    /// name in full even without data, as an SLO without any gets its one group.
    pub fn groups<'m>(
        &self,
        slo: &SloPlan,
        measured: impl IntoIterator<Item = &'m BTreeMap<Group, Measurement>>,
    ) -> BTreeSet<Group> {
        let mut groups: BTreeSet<Group> = measured
            .into_iter()
            .flat_map(|per_group| per_group.keys().cloned())
            .collect();
        groups.retain(|group| matches_filters(group, &self.filters));
        if groups.is_empty() {
            let named: Group = self.filters.iter().cloned().collect();
            if slo
                .slo
                .group_by
                .iter()
                .all(|label| named.contains_key(label))
            {
                groups.insert(named);
            } else if slo.slo.group_by.is_empty() || self.filters.is_empty() {
                groups.insert(Group::new());
            }
        }
        groups
    }
}

fn is_named(wanted: &str, service: &ServicePlan, slo: &SloPlan) -> bool {
    *wanted == slo.slo.id || *wanted == format!("{}/{}", service.meta.id, slo.slo.id)
}

/// An SLO's window, measured: per objective, each group's measurement.
pub struct Window {
    pub source: Source,
    pub per_objective: Vec<BTreeMap<Group, Measurement>>,
}

/// Measures `span` of the SLO, from the recorded series when they cover it, else from raw data.
/// `None` when Prometheus does not measure the SLO.
pub fn measure_window(
    target: &Target<'_>,
    client: &Client,
    span: &Span,
) -> Result<Option<Window>, LiveError> {
    let Some(queries) = window_queries(target.service, target.slo, span.window()) else {
        return Ok(None);
    };
    let source = recorded_source(client, &queries, span, &target.slo.slo.group_by)?;
    measure_window_from(target, client, span, &queries, source)
}

/// Measures `span` of the SLO from `source`, whose coverage is known.
pub(crate) fn measure_window_from(
    target: &Target<'_>,
    client: &Client,
    span: &Span,
    queries: &WindowQueries,
    source: Source,
) -> Result<Option<Window>, LiveError> {
    let measured = match source {
        Source::Raw => &queries.raw,
        Source::Recorded => &queries.recorded,
    };
    let seconds = (span.end - span.start) as f64;
    let per_objective = measure(
        client,
        measured,
        span.end,
        seconds,
        target.slo.objectives.len(),
    )?;
    Ok(Some(Window {
        source,
        per_objective,
    }))
}

/// Measures the `seconds` before `at` from raw data, per objective and group; empty when
/// Prometheus does not measure the SLO.
pub fn measure_raw(
    target: &Target<'_>,
    client: &Client,
    at: i64,
    seconds: i64,
) -> Result<Vec<BTreeMap<Group, Measurement>>, LiveError> {
    let length = crate::units::Duration::from_secs(seconds.max(1) as u64);
    let Some(queries) = window_queries(target.service, target.slo, length) else {
        return Ok(Vec::new());
    };
    measure(
        client,
        &queries.raw,
        at,
        seconds.max(1) as f64,
        target.slo.objectives.len(),
    )
}

/// `Recorded` when the recorded 5m series of every group present at the window's end were
/// already there at its start; otherwise `Raw`.
fn recorded_source(
    client: &Client,
    queries: &WindowQueries,
    span: &Span,
    group_by: &[String],
) -> Result<Source, LiveError> {
    let at_end = groups_of(client.query(&queries.recorded_groups, span.end)?, group_by);
    if at_end.is_empty() {
        return Ok(Source::Raw);
    }
    let at_start = groups_of(
        client.query(&queries.recorded_groups, span.start)?,
        group_by,
    );
    Ok(if at_end.is_subset(&at_start) {
        Source::Recorded
    } else {
        Source::Raw
    })
}

fn groups_of(samples: Vec<Sample>, group_by: &[String]) -> BTreeSet<Group> {
    samples
        .into_iter()
        .map(|sample| group_of(&sample.labels, group_by))
        .collect()
}

pub(crate) fn group_of(labels: &BTreeMap<String, String>, group_by: &[String]) -> Group {
    group_by
        .iter()
        .map(|label| {
            (
                label.clone(),
                labels.get(label).cloned().unwrap_or_default(),
            )
        })
        .collect()
}

/// Per objective, the measurement of each group over a window ending at `at`.
pub(crate) fn measure(
    client: &Client,
    measured: &Measured,
    at: i64,
    seconds: f64,
    objectives: usize,
) -> Result<Vec<BTreeMap<Group, Measurement>>, LiveError> {
    let mut per_objective = Vec::with_capacity(objectives);
    match measured {
        Measured::Rates { events, errors } => {
            let events = by_labels(client.query(events, at)?);
            for errors in errors {
                let errors = by_labels(client.query(errors, at)?);
                per_objective.push(from_rates(&events, &errors, seconds));
            }
        }
        Measured::Ratio { error_ratio } => {
            for query in error_ratio {
                per_objective.push(
                    by_labels(client.query(query, at)?)
                        .into_iter()
                        .map(|(group, ratio)| (group, Measurement::from_ratio(Some(ratio))))
                        .collect(),
                );
            }
        }
    }
    Ok(per_objective)
}

/// Each group's measurement from its events and failed events per second over `seconds`.
pub(crate) fn from_rates(
    events: &BTreeMap<Group, f64>,
    errors: &BTreeMap<Group, f64>,
    seconds: f64,
) -> BTreeMap<Group, Measurement> {
    let groups: BTreeSet<&Group> = events.keys().chain(errors.keys()).collect();
    groups
        .into_iter()
        .map(|group| {
            let measurement = Measurement::from_rates(
                events.get(group).copied(),
                errors.get(group).copied(),
                seconds,
            );
            (group.clone(), measurement)
        })
        .collect()
}

/// The values of `samples`, summed by their group: the `group_by` labels they carry. A label a
/// sample lacks is absent from its group, as in an answer summed by the `group_by` labels.
pub(crate) fn by_labels_of<'s>(
    samples: impl IntoIterator<Item = &'s Sample>,
    group_by: &[String],
) -> BTreeMap<Group, f64> {
    let mut values = BTreeMap::new();
    for sample in samples {
        *values
            .entry(group_present(&sample.labels, group_by))
            .or_insert(0.0) += sample.value;
    }
    values
}

/// The `group_by` labels that `labels` carry.
pub(crate) fn group_present(labels: &BTreeMap<String, String>, group_by: &[String]) -> Group {
    group_by
        .iter()
        .filter_map(|label| Some((label.clone(), labels.get(label)?.clone())))
        .collect()
}

/// Samples by their labels. The queries sum by the `group_by` labels, so the labels are the group.
fn by_labels(samples: Vec<Sample>) -> BTreeMap<Group, f64> {
    samples
        .into_iter()
        .map(|sample| (sample.labels, sample.value))
        .collect()
}

/// Whether an alert with these labels concerns this objective of this group: its `group_by`
/// labels match, and it carries the objective's name or none.
pub fn alert_concerns(
    labels: &BTreeMap<String, String>,
    objective: &crate::compile::ObjectivePlan,
    group: &Group,
) -> bool {
    group
        .iter()
        .all(|(label, value)| labels.get(label) == Some(value))
        && match (
            &objective.objective.name,
            labels.get(crate::compile::series::label::OBJECTIVE),
        ) {
            (Some(name), Some(theirs)) => name == theirs,
            _ => true,
        }
}

/// Whether the group has every value the filters ask for.
pub fn matches_filters(group: &Group, filters: &[(String, String)]) -> bool {
    filters
        .iter()
        .all(|(label, value)| group.get(label) == Some(value))
}
