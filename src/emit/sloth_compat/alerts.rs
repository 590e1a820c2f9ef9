//! Sloth's alerts: one per side (page, ticket), firing when any of its tiers does, each tier
//! needing both of its windows above the tier's threshold:
//!
//! ```text
//! (
//!     max(slo:sli_error:ratio_rate5m{…} > 0.0144) without (sloth_window)
//!     and
//!     max(slo:sli_error:ratio_rate1h{…} > 0.0144) without (sloth_window)
//! )
//! or
//! ( … the side's next tier … )
//! ```
//!
//! The Plan decides the tiers and thresholds; a tier left out of the Plan is left out here.
//!
//! - **Names.** A Sloth spec's `alerting.name`; otherwise slofile's own burn alert name
//!   (`CheckoutAvailabilityErrorBudgetBurn`), so that Alertmanager's inhibition of tickets by
//!   pages, which matches it, keeps working.
//! - **Sides.** A Sloth spec says which tiers page; in other specs the tiers with severity `page`
//!   page and the others are tickets. Tiers that differ in severity, escalation or labels become
//!   alerts of their own, so that each alert routes as slofile's would.
//! - **Labels.** Sloth's: `alerting.labels`, the side's labels and `sloth_severity`; a Sloth
//!   spec's alerts carry exactly these, so that promtool tests written for Sloth's alerts, which
//!   compare every label, pass. Other specs' alerts (and a Sloth spec's, were its service routed
//!   by slofile's Alertmanager configuration) also carry the labels that configuration routes
//!   on: `service`, `slo`, `severity` (the tier's) and `escalation`.
//! - **Annotations.** Sloth's default `title` and `summary`, then the spec's annotations,
//!   written as they are: Prometheus expands the `{{$labels.…}}` templates Sloth users write.
//!   Other specs keep their `runbook_url` and `dashboard`.
//! - **`for`.** Sloth's alerts have none; slofile's tiers may, and an alert ORing several waits
//!   the shortest.

use super::identity::{SlothIds, error_ratio, label};
use crate::compile::{ObjectivePlan, SloPlan, TierPlan, series};
use crate::emit::prometheus::{Rule, SlothAlert, Text};
use crate::units::Duration;
use std::collections::BTreeMap;

const PAGE: &str = "page";
const TICKET: &str = "ticket";

/// The tiers that make one alert, and what they share.
struct SideAlert<'a> {
    page: bool,
    severity: &'a str,
    escalation: Option<&'a String>,
    labels: &'a BTreeMap<String, String>,
    tiers: Vec<&'a TierPlan>,
}

/// The sides of one objective's alerts, page first.
fn sides<'a>(slo: &'a SloPlan, objective: &'a ObjectivePlan) -> Vec<SideAlert<'a>> {
    let page_tiers = slo.slo.sloth.as_ref().map(|s| &s.page_tiers);
    let mut sides: Vec<SideAlert> = Vec::new();
    for (index, tier) in objective.tiers.iter().enumerate() {
        if tier.left_out.is_some() {
            continue;
        }
        let page = match page_tiers {
            Some(pages) => pages.get(index).copied().unwrap_or(false),
            None => tier.severity == PAGE,
        };
        let same = |side: &&mut SideAlert| {
            side.page == page
                && side.severity == tier.severity
                && side.escalation == tier.escalation.as_ref()
                && *side.labels == tier.labels
        };
        match sides.iter_mut().find(same) {
            Some(side) => side.tiers.push(tier),
            None => sides.push(SideAlert {
                page,
                severity: &tier.severity,
                escalation: tier.escalation.as_ref(),
                labels: &tier.labels,
                tiers: vec![tier],
            }),
        }
    }
    // Sloth writes the page alert first.
    sides.sort_by_key(|side| !side.page);
    sides
}

/// The alerting rules of one objective, page first.
pub fn alert_rules(ids: &SlothIds, slo: &SloPlan, objective: &ObjectivePlan) -> Vec<Rule> {
    sides(slo, objective)
        .iter()
        .map(|side| rule(ids, slo, objective, side))
        .collect()
}

/// What the test file needs of one objective's alerts: name, `sloth_severity`, tiers and `for`.
pub fn alert_shapes<'a>(
    ids: &SlothIds,
    slo: &'a SloPlan,
    objective: &'a ObjectivePlan,
    index: usize,
) -> Vec<SlothAlert<'a>> {
    sides(slo, objective)
        .into_iter()
        .map(|side| SlothAlert {
            slo: &slo.slo.id,
            objective: index,
            name: slo
                .slo
                .sloth
                .as_ref()
                .and_then(|s| s.alert_name.clone())
                .unwrap_or_else(|| series::alert_name(&slo.slo.id, series::BURN_ALERT)),
            id: ids.id.clone(),
            severity: if side.page { PAGE } else { TICKET },
            for_: side.tiers.iter().map(|t| t.for_).min().unwrap_or_default(),
            matchers: if ids.routing_labels {
                let mut matchers = vec![(series::label::SEVERITY, side.severity.to_owned())];
                matchers.extend(
                    side.escalation
                        .map(|e| (series::label::ESCALATION, e.clone())),
                );
                matchers
            } else {
                Vec::new()
            },
            tiers: side.tiers,
        })
        .collect()
}

fn rule(ids: &SlothIds, slo: &SloPlan, objective: &ObjectivePlan, side: &SideAlert) -> Rule {
    let spec = &slo.slo;
    let ratio = |window: Duration, threshold: &str| {
        format!(
            "max({} > {threshold}) without ({})",
            ids.selector(&error_ratio(window)),
            label::WINDOW
        )
    };
    let expr = side
        .tiers
        .iter()
        .map(|tier| {
            let threshold = tier.error_threshold.to_decimal();
            format!(
                "(\n    {}\n    and\n    {}\n)",
                ratio(tier.short, &threshold),
                ratio(tier.long, &threshold)
            )
        })
        .collect::<Vec<_>>()
        .join("\nor\n");
    let sloth_severity = if side.page { PAGE } else { TICKET };

    let mut labels = match &spec.sloth {
        Some(source) if side.page => source.page_labels.clone(),
        Some(source) => source.ticket_labels.clone(),
        None => {
            let mut labels = spec.alert_labels.clone();
            labels.extend(side.labels.clone());
            labels
        }
    };
    labels.insert(label::SEVERITY.to_owned(), sloth_severity.to_owned());
    if ids.routing_labels {
        labels.insert(series::label::SERVICE.to_owned(), ids.service_id.clone());
        labels.insert(series::label::SLO.to_owned(), spec.id.clone());
        labels.insert(series::label::SEVERITY.to_owned(), side.severity.to_owned());
        if let Some(escalation) = side.escalation {
            labels.insert(series::label::ESCALATION.to_owned(), escalation.clone());
        }
    }
    if let (Some(name), true) = (&objective.objective.name, slo.objectives.len() > 1) {
        labels.insert(series::label::OBJECTIVE.to_owned(), name.clone());
    }

    let mut annotations = BTreeMap::new();
    annotations.insert(
        "title".to_owned(),
        format!(
            "({sloth_severity}) {{{{$labels.{}}}}} {{{{$labels.{}}}}} SLO error budget burn rate is too fast.",
            label::SERVICE,
            label::SLO
        ),
    );
    annotations.insert(
        "summary".to_owned(),
        format!(
            "{{{{$labels.{}}}}} {{{{$labels.{}}}}} SLO error budget burn rate is over expected.",
            label::SERVICE,
            label::SLO
        ),
    );
    let name = if let Some(source) = &spec.sloth {
        annotations.extend(source.annotations.clone());
        annotations.extend(if side.page {
            source.page_annotations.clone()
        } else {
            source.ticket_annotations.clone()
        });
        source.alert_name.clone()
    } else {
        if let Some(url) = &spec.runbook_url {
            annotations.insert("runbook_url".to_owned(), url.clone());
        }
        if let Some(url) = &spec.dashboard {
            annotations.insert("dashboard".to_owned(), url.clone());
        }
        None
    };
    let for_ = side
        .tiers
        .iter()
        .map(|tier| tier.for_)
        .min()
        .filter(|d| d.millis() > 0);
    Rule::Alerting {
        alert: name.unwrap_or_else(|| series::alert_name(&spec.id, series::BURN_ALERT)),
        expr: Text(expr),
        for_: for_.map(Duration::prometheus),
        labels,
        annotations,
    }
}
