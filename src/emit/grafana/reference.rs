//! The panel reference of `docs/outputs.md`: every panel of a plan's dashboards, its queries and
//! how to read it, written by the code that builds the panels, so the documentation cannot drift
//! from the dashboards (a test compares the two).

use super::dashboard::row_title;
use super::dashboard_slos;
use super::panels::slo_panels;
use super::queries::SloQueries;
use crate::compile::Plan;

/// Markdown: per SLO a heading with the row title, then each panel with its type, description
/// and queries (reference lines marked as such).
pub fn markdown(plan: &Plan) -> String {
    let mut out = String::new();
    for service in &plan.services {
        for (_, slo) in dashboard_slos(service) {
            let queries = SloQueries::new(service, slo);
            out.push_str(&format!(
                "#### `{}` row: {}\n\n",
                slo.slo.id,
                row_title(&queries)
            ));
            for panel in slo_panels(&queries) {
                out.push_str(&format!(
                    "- **{}** ({}): {}\n\n",
                    panel.title,
                    panel.kind.grafana_type(),
                    panel.description
                ));
                out.push_str("  ```promql\n");
                for target in &panel.targets {
                    let kind = if target.reference { "line" } else { "legend" };
                    out.push_str(&format!(
                        "  # {kind}: {}\n  {}\n",
                        target.legend, target.expr
                    ));
                }
                out.push_str("  ```\n\n");
            }
        }
    }
    out
}
