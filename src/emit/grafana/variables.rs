//! The dashboard's template variables: the Prometheus data source, and one multi-select variable
//! per `group_by` label of the service's SLOs, so that a per-tenant SLO can be looked at tenant
//! by tenant. Queries of a grouped SLO match its labels with `=~"$label"`; "All" is `.*`.

use super::dashboard::datasource;
use super::queries::SloQueries;
use crate::compile::{ServicePlan, SloPlan};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The name of the data-source variable every panel reads through.
pub const DATASOURCE: &str = "datasource";

/// Every variable of the service's dashboard, the data source first, then labels by name.
pub fn variables(service: &ServicePlan, slos: &[(usize, &SloPlan)]) -> Vec<Value> {
    let mut list = vec![json!({
        "name": DATASOURCE,
        "label": "Data source",
        "type": "datasource",
        "query": "prometheus",
        "current": {},
        "hide": 0,
        "includeAll": false,
        "multi": false,
        "options": [],
        "refresh": 1,
        "regex": "",
        "skipUrlSync": false,
    })];
    let groups: BTreeSet<&String> = slos
        .iter()
        .flat_map(|(_, plan)| plan.slo.group_by.iter())
        .collect();
    for group in groups {
        let query = SloQueries::label_values(service, group);
        list.push(json!({
            "name": group,
            "label": group,
            "type": "query",
            "datasource": datasource(),
            "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
            "definition": query,
            "current": {"selected": true, "text": ["All"], "value": ["$__all"]},
            "hide": 0,
            "includeAll": true,
            "allValue": ".*",
            "multi": true,
            "options": [],
            "refresh": 2,
            "regex": "",
            "skipUrlSync": false,
            "sort": 1,
        }));
    }
    list
}
