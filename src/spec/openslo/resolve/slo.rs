//! Each OpenSLO SLO into slofile SLOs: ids, titles, objectives and the checks an SLI's
//! objective must pass.

use super::{Resolver, ServiceBuild, slug};
use crate::diagnostics::{Code, Diagnostic};
use crate::spec::openslo::{
    Budgeting, Kind, Object, ObjectiveSpec, RefOr, SliMetric, SliSpec, SloSpec, Version,
};
use crate::spec::raw::Quantity;
use crate::spec::{Objective, Slo};
use crate::units::Ratio;
use std::collections::BTreeMap;

impl<'c> Resolver<'c> {
    pub(super) fn slo(&mut self, slo: &'c SloSpec, services: &mut BTreeMap<String, ServiceBuild>) {
        let errors_before = self.error_count();
        let (service_id, service_loc) = &slo.service;
        self.check(service_loc, |c| {
            c.id(&service_loc.pointer, service_id, "service");
        });
        if let Some(calendar) = &slo.window.calendar {
            self.error_at_key(
                Code::UnsupportedFeature,
                calendar,
                "calendar-aligned time windows are not supported",
                "slofile's SLO windows roll: set `isRolling: true` and remove `calendar`. A rolling 30d \
                 window is close to a calendar month, and its budget never resets all at once",
            );
        }
        let (budgeting, budgeting_loc) = &slo.budgeting;
        if *budgeting == Budgeting::RatioTimeslices {
            self.error(
                Code::UnsupportedFeature,
                budgeting_loc,
                "`budgetingMethod: RatioTimeslices` is not supported",
                "slofile compiles `Occurrences` (good events over all events) and `Timeslices` of a \
                 `thresholdMetric`; use one of those",
            );
        }
        for objective in &slo.objectives {
            if let Some(at) = &objective.composite {
                self.error(
                    Code::UnsupportedFeature,
                    at,
                    "composite SLOs (an indicator per objective) are not supported",
                    "write one SLO per indicator; slofile alerts on each of them",
                );
            }
        }
        let sli = match &slo.indicator {
            Some(RefOr::Inline(sli)) => Some(sli),
            Some(RefOr::Ref(name, at)) => match self.find(Kind::Sli, name, at) {
                Some(Object::Sli(sli)) => Some(sli),
                _ => None,
            },
            None => None,
        };
        let alerting = self.alerting(slo);
        let mut slos = Vec::new();
        let several = slo.objectives.len() > 1;
        for (i, objective) in slo.objectives.iter().enumerate() {
            // A v1alpha objective measures its own ratio, named after its SLO in messages.
            let own_sli = objective.ratio.as_ref().map(|ratio| SliSpec {
                meta: slo.meta.clone(),
                description: None,
                metric: SliMetric::Ratio(ratio.clone()),
            });
            let Some(sli) = own_sli.as_ref().or(sli) else {
                continue;
            };
            if matches!(slo.indicator, Some(RefOr::Ref(..))) {
                self.objective_fits_sli(objective, sli);
            }
            let built_sli = self.sli(sli, *budgeting, budgeting_loc, objective);
            let target = self.target(objective);
            if let (Some(sli), Some(target)) = (built_sli, target) {
                let (id, title) = slo_id_and_title(slo, objective, i, several);
                slos.push(Slo {
                    events: None,
                    id,
                    origin: if several {
                        objective.loc.origin()
                    } else {
                        slo.meta.loc.key("name").origin()
                    },
                    title,
                    group: None,
                    journey: slo.description.clone().or_else(|| sli_description(slo)),
                    failure_signal: None,
                    window: slo.window.duration,
                    sli,
                    objectives: vec![target],
                    min_events: None,
                    group_by: Vec::new(),
                    labels: BTreeMap::new(),
                    burn_policy: (!alerting.tiers.is_empty()).then(|| alerting.policies.join(", ")),
                    tiers: alerting.tiers.clone(),
                    missing_data: alerting.missing_data.clone(),
                    budget_exhausted: None,
                    alert_labels: BTreeMap::new(),
                    runbook_url: None,
                    dashboard: None,
                    alerts: Vec::new(),
                    measurement: None,
                    verify: Vec::new(),
                    tests: Vec::new(),
                    notes: Vec::new(),
                    k6: None,
                    error_budget_policy: None,
                    sloth: None,
                });
            }
        }
        let failed = self.error_count() > errors_before;
        let build = services
            .entry(service_id.clone())
            .or_insert_with(|| ServiceBuild {
                origin: service_loc.origin(),
                source: service_loc.file.name.clone(),
                slos: Vec::new(),
                channels: Vec::new(),
                escalation: Vec::new(),
                failed: false,
            });
        build.failed |= failed;
        build.slos.extend(slos);
        build.channels.extend(alerting.channels);
        build.escalation.extend(alerting.escalation);
    }

    /// The OpenSLO rules on `op` and `value` that the SDK can only check for inline indicators.
    pub(super) fn objective_fits_sli(&mut self, objective: &ObjectiveSpec, sli: &SliSpec) {
        match &sli.metric {
            SliMetric::Ratio(_) => {
                for at in [
                    objective.op.as_ref().map(|o| &o.1),
                    objective.value.as_ref().map(|v| &v.1),
                ]
                .into_iter()
                .flatten()
                {
                    self.push(
                        Diagnostic::error(
                            Code::ConflictingFields,
                            format!(
                                "`{}` is forbidden here: SLI `{}` is a `ratioMetric`",
                                at.pointer.rsplit('/').next().unwrap_or("op"),
                                sli.meta.name
                            ),
                        )
                        .at_origin(&at.key_origin())
                        .with_help("`op` and `value` compare a `thresholdMetric`; a ratio objective needs only `target`"),
                    );
                }
            }
            SliMetric::Threshold(_) => {
                for (present, key) in [
                    (objective.op.is_some(), "op"),
                    (objective.value.is_some(), "value"),
                ] {
                    if !present {
                        self.error(
                            Code::MissingField,
                            &objective.loc,
                            format!("SLI `{}` is a `thresholdMetric`, so this objective needs `{key}`", sli.meta.name),
                            "e.g. `op: lte` and `value: 0.5`: a value is good while the metric is at or below 0.5",
                        );
                    }
                }
            }
        }
    }

    pub(super) fn target(&mut self, objective: &ObjectiveSpec) -> Option<Objective> {
        let (target, at) = &objective.target;
        // The objective checks of native specs, on the target as a percentage.
        let hundred = target.checked_mul(Ratio::integer(100)).ok()?;
        let written = format!("{}%", hundred.to_decimal());
        let quantity = Quantity::Text(written.clone());
        let target = self.check(at, |c| c.objective(&at.pointer, &quantity))?;
        Some(Objective {
            name: None,
            percentile: None,
            target,
            threshold: None,
            written,
            origin: at.origin(),
        })
    }
}

pub(super) fn sli_description(slo: &SloSpec) -> Option<String> {
    match &slo.indicator {
        Some(RefOr::Inline(sli)) => sli.description.clone(),
        _ => None,
    }
}

/// Ids and titles of the slofile SLOs one OpenSLO SLO becomes.
pub(super) fn slo_id_and_title(
    slo: &SloSpec,
    objective: &ObjectiveSpec,
    index: usize,
    several: bool,
) -> (String, String) {
    let title = slo
        .meta
        .display_name
        .clone()
        .unwrap_or_else(|| slo.meta.name.clone());
    // Sloth's `sloth_id`, so that v1alpha SLOs keep the ids Sloth gave them.
    let sloth_id = || format!("{}-{}-{index}", slo.service.0, slo.meta.name);
    if !several {
        let id = match slo.version {
            Version::V1 => slo.meta.name.clone(),
            Version::V1alpha => sloth_id(),
        };
        return (id, title);
    }
    let suffix = objective
        .display_name
        .as_deref()
        .map(slug)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| (index + 1).to_string());
    let room = 63usize.saturating_sub(slo.meta.name.len() + 1);
    let suffix: String = suffix
        .chars()
        .take(room)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned();
    let objective_title = objective
        .display_name
        .clone()
        .unwrap_or_else(|| format!("objective {}", index + 1));
    let id = match slo.version {
        Version::V1 => format!("{}-{suffix}", slo.meta.name),
        Version::V1alpha => sloth_id(),
    };
    (id, format!("{title}: {objective_title}"))
}
