//! The error-budget policy's alerts, `<Slo>ErrorBudgetPolicy`: one per objective and rule of a
//! policy with rules, labelled `policy: warn` or `policy: freeze` and with the `rule` it checks,
//! routed as tickets.
//!
//! Each reads the recorded error ratio over its rule's window (the SLO window for `warn_below`
//! and `freeze_below`, `freeze_if_burned.within` for a recent burn) against the error ratio at
//! which the rule trips ([`crate::compile::policy`]), with the `min_events` guard of the
//! budget-exhaustion alert: the gate never freezes on too little data, and neither do these.

use super::SloRules;
use super::alerts::{Alert, AlertKind};
use super::template::Template;
use crate::compile::policy::PolicyRule;
use crate::compile::{ObjectivePlan, series};
use crate::units::Duration;
use std::collections::BTreeMap;

/// How long a rule's condition must hold before its alert fires.
const POLICY_FOR: Duration = Duration::from_millis(10 * 60 * 1000);
/// The severity of the policy's alerts: tickets, as the gate acts at deploy time.
const POLICY_SEVERITY: &str = "ticket";

impl SloRules<'_> {
    pub(super) fn budget_policy_alerts(&self) -> Vec<Alert> {
        let mut alerts = Vec::new();
        for (index, objective) in self.plan.objectives.iter().enumerate() {
            for rule in self.plan.policy_numbers(objective) {
                alerts.push(self.policy_alert(index, objective, &rule));
            }
        }
        alerts
    }

    fn policy_alert(&self, index: usize, objective: &ObjectivePlan, rule: &PolicyRule) -> Alert {
        let ratio = self.objective_series(&series::error_ratio(rule.window), objective);
        let mut expr = format!("{ratio} > {}", rule.error_ratio.to_decimal());
        if let Some((guard, _)) = self.events_guard(rule.window) {
            expr.push_str(&guard);
        }
        let mut labels = self.alert_labels(POLICY_SEVERITY, None);
        labels.insert(
            series::label::POLICY.to_owned(),
            rule.level.label().to_owned(),
        );
        labels.insert(series::label::RULE.to_owned(), rule.key.to_owned());
        if let Some(name) = &objective.objective.name {
            labels.insert(series::label::OBJECTIVE.to_owned(), name.clone());
        }
        let window = self.plan.slo.window;
        let time = if rule.time.millis() == 0 {
            "none".to_owned()
        } else {
            rule.time.human()
        };
        let (what, condition) = if rule.on_budget_left() {
            (
                format!(
                    "less than {} of the {} error budget left",
                    rule.share.percent(),
                    window.adjective()
                ),
                format!(
                    "Compliance over the last {} leaves less than {} of the error budget ({time} of {}).",
                    window.human(),
                    rule.share.percent(),
                    objective.budget_time.human()
                ),
            )
        } else {
            (
                format!(
                    "{} of the {} error budget burned within {}",
                    rule.share.percent(),
                    window.adjective(),
                    rule.window.human()
                ),
                format!(
                    "More than {} of the error budget of {} ({}) burned within the last {}: the error ratio over it is above {}.",
                    rule.share.percent(),
                    window.human(),
                    rule.time.human(),
                    rule.window.human(),
                    rule.error_ratio.percent()
                ),
            )
        };
        let action = match rule.level {
            crate::compile::policy::PolicyLevel::Freeze => {
                "The error-budget policy freezes feature deploys (`slofile gate`)."
            }
            crate::compile::policy::PolicyLevel::Warn => "The error-budget policy warns.",
        };
        let mut summary = Template::text(&format!(
            "{}: {what} (policy {}: {})",
            self.title(objective),
            rule.key,
            rule.level.label()
        ));
        self.group_suffix(&mut summary);
        let mut annotations = BTreeMap::new();
        annotations.insert("summary".to_owned(), summary);
        annotations.insert(
            "description".to_owned(),
            Template::text(&format!("{condition} {action}")),
        );
        self.links(&mut annotations);
        Alert {
            name: self.alert_name(series::POLICY_ALERT),
            expr,
            for_: POLICY_FOR,
            labels,
            annotations,
            kind: AlertKind::BudgetPolicy {
                objective: index,
                rule: rule.key,
                threshold: rule.error_ratio,
            },
        }
    }
}
