//! The dashboard's template variables: the Prometheus data source, and one multi-select variable
//! per `group_by` label of the service's SLOs, so that a per-tenant SLO can be looked at tenant
//! by tenant. Queries of a grouped SLO match its labels with `=~"$label"`; "All" is `.*`.

use super::dashboard::datasource;
use super::queries::SloQueries;
use crate::compile::{ServicePlan, SloPlan};
use crate::emit::json::Json;
use crate::json_object;
use std::collections::BTreeSet;

/// The name of the data-source variable every panel reads through.
pub const DATASOURCE: &str = "datasource";

/// Every variable of the service's dashboard, the data source first, then labels by name.
pub fn variables(service: &ServicePlan, slos: &[(usize, &SloPlan)]) -> Vec<Json> {
    let mut list = vec![json_object! {
        "name": DATASOURCE,
        "label": "Data source",
        "type": "datasource",
        "query": "prometheus",
        "current": json_object! {},
        "hide": 0u32,
        "includeAll": false,
        "multi": false,
        "options": Vec::new(),
        "refresh": 1u32,
        "regex": "",
        "skipUrlSync": false,
    }];
    let groups: BTreeSet<&String> = slos
        .iter()
        .flat_map(|(_, plan)| plan.slo.group_by.iter())
        .collect();
    for group in groups {
        let query = SloQueries::label_values(service, group);
        list.push(json_object! {
            "name": group,
            "label": group,
            "type": "query",
            "datasource": datasource(),
            "query": json_object! {
                "query": &query,
                "refId": "PrometheusVariableQueryEditor-VariableQuery",
            },
            "definition": query,
            "current": json_object! {
                "selected": true,
                "text": vec![Json::from("All")],
                "value": vec![Json::from("$__all")],
            },
            "hide": 0u32,
            "includeAll": true,
            "allValue": ".*",
            "multi": true,
            "options": Vec::new(),
            "refresh": 2u32,
            "regex": "",
            "skipUrlSync": false,
            "sort": 1u32,
        });
    }
    list
}
