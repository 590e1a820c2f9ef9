//! Inhibition: one page, not a page and a ticket.
//!
//! When a page tier of an SLO fires, its lower burn-rate tiers for the same SLO and the same
//! group (`group_by` labels) describe the same incident more slowly: the ticket is noise. One
//! `inhibit_rules` entry per service says so:
//!
//! ```yaml
//! inhibit_rules:
//! - source_matchers: [service="nexus", alertname=~".+ErrorBudgetBurn", severity="page"]
//!   target_matchers: [service="nexus", alertname=~".+ErrorBudgetBurn", severity!="page"]
//!   equal: [service, slo, tenant]
//! ```
//!
//! Only burn-rate alerts take part: a missing-data alert, a missing-bucket alert or a static
//! threshold says something a burn page does not, so it is never inhibited. `equal` lists
//! `service`, `slo` and every `group_by` label of the service's SLOs: Alertmanager counts a label
//! absent on both alerts as equal, so an SLO without that label still matches itself, and a
//! page for one tenant never silences another tenant's ticket. Every severity other than `page`
//! (the built-in `ticket`, or one a spec names) is a lower tier. Objectives of one SLO (`p95`,
//! `p99`) are one incident: a page on one inhibits tickets on the others.

use super::routing::Matcher;
use crate::compile::ServicePlan;
use crate::compile::series::{BURN_ALERT, label};
use serde::Serialize;
use std::collections::BTreeSet;

/// The severity of the tier that inhibits the others.
const PAGE: &str = "page";

#[derive(Serialize)]
pub(super) struct InhibitRule {
    pub(super) source_matchers: Vec<Matcher>,
    pub(super) target_matchers: Vec<Matcher>,
    pub(super) equal: Vec<String>,
}

/// The service's inhibit rule, when one of its SLOs has a page tier and a lower one that alert.
pub(super) fn inhibit_rules(service: &ServicePlan) -> Vec<InhibitRule> {
    let mut group_labels = BTreeSet::new();
    let mut inhibits = false;
    for slo in &service.slos {
        let severities: BTreeSet<&str> = slo
            .objectives
            .iter()
            .flat_map(crate::compile::ObjectivePlan::alerting_tiers)
            .map(|t| t.severity.as_str())
            .collect();
        if severities.contains(PAGE) && severities.len() > 1 {
            inhibits = true;
            group_labels.extend(slo.slo.group_by.iter().cloned());
        }
    }
    if !inhibits {
        return Vec::new();
    }
    let burn = Matcher::with_op("alertname", "=~", &format!(".+{BURN_ALERT}"));
    let service_matcher = Matcher::equal(label::SERVICE, &service.meta.id);
    let mut equal = vec!["service".to_owned(), "slo".to_owned()];
    equal.extend(
        group_labels
            .into_iter()
            .filter(|l| l != "service" && l != "slo"),
    );
    vec![InhibitRule {
        source_matchers: vec![
            service_matcher.clone(),
            burn.clone(),
            Matcher::equal(label::SEVERITY, PAGE),
        ],
        target_matchers: vec![
            service_matcher,
            burn,
            Matcher::with_op(label::SEVERITY, "!=", PAGE),
        ],
        equal,
    }]
}

/// The header's lines about inhibition.
pub(super) fn describe(rules: &[InhibitRule]) -> Vec<String> {
    rules
        .iter()
        .filter_map(|rule| {
            let (last, first) = rule.equal.split_last()?;
            Some(format!(
                "A firing burn-rate page inhibits the lower burn-rate tiers with the same {} and {last}.",
                first.join(", ")
            ))
        })
        .collect()
}
