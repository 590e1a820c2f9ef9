//! The alerting rules of one SLO: burn rate per tier, static thresholds, missing data, with
//! their labels and annotations.

use super::format::{Rule, Text};
use super::template::{Template, escape_template};
use super::{SloRules, expr};
use crate::compile::measure::Measure;
use crate::compile::series::{
    BUCKET_ALERT, BURN_ALERT, EXHAUSTED_ALERT, MISSING_ALERT, POLICY_ALERT, alert_name, camel_case,
};
use crate::compile::{BASE_WINDOW, ObjectivePlan, TierPlan, series};
use crate::spec::{AlertSignal, AlertSource, Sli, StaticAlert};
use crate::units::{Duration, Ratio};
use std::collections::BTreeMap;

impl SloRules<'_> {
    pub(super) fn alert(&mut self) {
        let mut alerts = Vec::new();
        for (index, objective) in self.plan.objectives.iter().enumerate() {
            for tier in objective.alerting_tiers() {
                alerts.push(self.burn_alert(index, objective, tier));
            }
        }
        alerts.extend(self.budget_exhausted_alerts());
        alerts.extend(self.budget_policy_alerts());
        // The Plan says which static alerts Prometheus evaluates; their expressions take shape.
        alerts.extend(
            self.plan
                .prometheus_alerts()
                .filter_map(|alert| self.static_alert(alert).ok()),
        );
        if let Some(missing) = self.missing_data_alert() {
            alerts.push(missing);
        }
        // Compile shaped the histogram's selector with the same `le` matchers (see
        // `Measure::errors_expr`), so the guards always take shape here.
        alerts.extend(self.bucket_guard_alerts().unwrap_or_default());
        self.alerts = alerts;
    }

    pub(super) fn alert_name(&self, suffix: &str) -> String {
        alert_name(self.slo_id(), suffix)
    }

    /// `{Slo}{Alert}`, kept apart from the names of the generated alerts, which tests and routes
    /// select by name.
    pub(super) fn static_alert_name(&self, id: &str) -> String {
        let name = camel_case(id);
        if [
            BURN_ALERT,
            MISSING_ALERT,
            BUCKET_ALERT,
            EXHAUSTED_ALERT,
            POLICY_ALERT,
        ]
        .contains(&name.as_str())
        {
            self.alert_name(&format!("{name}Static"))
        } else {
            self.alert_name(&name)
        }
    }

    /// Labels every alert of this SLO carries, before its own.
    pub(super) fn alert_labels(
        &self,
        severity: &str,
        escalation: Option<&String>,
    ) -> BTreeMap<String, String> {
        let mut labels = self.labels.clone();
        labels.extend(self.plan.slo.alert_labels.clone());
        labels.insert(series::label::SEVERITY.to_owned(), severity.to_owned());
        if let Some(escalation) = escalation {
            labels.insert(series::label::ESCALATION.to_owned(), escalation.clone());
        }
        labels
    }

    pub(super) fn links(&self, annotations: &mut BTreeMap<String, Template>) {
        let slo = &self.plan.slo;
        if let Some(url) = &slo.runbook_url {
            annotations.insert("runbook_url".to_owned(), Template::text(url));
        }
        if let Some(url) = &slo.dashboard {
            annotations.insert("dashboard".to_owned(), Template::text(url));
        }
    }

    /// `title (p95)` for objectives with names.
    pub(super) fn title(&self, objective: &ObjectivePlan) -> String {
        match &objective.objective.name {
            Some(name) => format!("{} ({name})", self.plan.slo.title),
            None => self.plan.slo.title.clone(),
        }
    }

    /// ` for tenant={{ $labels.tenant }}` on grouped SLOs.
    pub(super) fn group_suffix(&self, template: &mut Template) {
        for (i, label) in self.group_by().iter().enumerate() {
            template.push_text(if i == 0 { " for " } else { ", " });
            template.push_text(&format!("{label}="));
            template.push_label(label);
        }
    }

    /// `99.5%`, or `95% of events within 500 ms`, and the window.
    pub(super) fn describe_objective(&self, objective: &ObjectivePlan) -> String {
        let target = objective.objective.target.percent();
        let window = self.plan.slo.window.human();
        match objective.objective.threshold {
            Some(threshold) => format!(
                "{target} of {} within {} over {window}",
                self.measure.noun(),
                threshold.human()
            ),
            None => format!("{target} over {window}"),
        }
    }

    /// What a failed event is: `failed`, `took longer than 500 ms`.
    pub(super) fn failing(&self, objective: &ObjectivePlan) -> String {
        match (&self.measure, objective.objective.threshold) {
            (Measure::Histogram { .. }, Some(threshold)) => {
                format!("took longer than {}", threshold.human())
            }
            (
                Measure::Gauge {
                    good_below,
                    threshold,
                    ..
                },
                _,
            ) => {
                let unit = match &self.plan.slo.sli {
                    Sli::Gauge(gauge) => gauge
                        .unit
                        .clone()
                        .map(|u| format!(" {u}"))
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                let side = if *good_below {
                    "at or above"
                } else {
                    "at or below"
                };
                format!("had the gauge {side} {threshold}{unit}")
            }
            _ => "failed".to_owned(),
        }
    }

    pub(super) fn burn_alert(
        &self,
        index: usize,
        objective: &ObjectivePlan,
        tier: &TierPlan,
    ) -> Alert {
        let slo = &self.plan.slo;
        let threshold = tier.error_threshold.to_decimal();
        let ratio = |w: Duration| self.objective_series(&series::error_ratio(w), objective);
        let mut expr = format!(
            "{} > {threshold}\nand\n{} > {threshold}",
            ratio(tier.long),
            ratio(tier.short)
        );
        if let (Some(min), false) = (
            slo.min_events,
            matches!(self.measure, Measure::ErrorRatioQuery(_)),
        ) {
            let matching = if self.has_objective_label() {
                " ignoring (objective)"
            } else {
                ""
            };
            expr.push_str(&format!(
                "\nand{matching}\n{} >= {min}",
                self.events_in(tier.long)
            ));
        }
        let mut labels = self.alert_labels(&tier.severity, tier.escalation.as_ref());
        // Validation keeps slofile's own label names out of a tier's labels.
        labels.extend(tier.labels.clone());
        labels.insert(
            series::label::LONG_WINDOW.to_owned(),
            tier.long.prometheus(),
        );
        labels.insert(
            series::label::SHORT_WINDOW.to_owned(),
            tier.short.prometheus(),
        );
        if let Some(name) = &objective.objective.name {
            labels.insert(series::label::OBJECTIVE.to_owned(), name.clone());
        }

        let mut summary = Template::text(&format!(
            "{}: error budget burn rate above {} over {} and {}",
            self.title(objective),
            tier.factor,
            tier.long,
            tier.short
        ));
        self.group_suffix(&mut summary);
        let description = Template::text(&format!(
            "More than {} of {} {} over both the last {} and {}, against an objective of {}. At this burn rate {} of the error budget ({}) is spent within {}, and all of it within {}.",
            tier.error_threshold.percent(),
            self.measure.noun(),
            self.failing(objective),
            tier.long.human(),
            tier.short.human(),
            self.describe_objective(objective),
            tier.budget_share.percent(),
            objective.budget_time.human(),
            tier.long.human(),
            tier.exhaustion.human(),
        ));
        let mut annotations = BTreeMap::new();
        annotations.insert("summary".to_owned(), summary);
        annotations.insert("description".to_owned(), description);
        self.links(&mut annotations);
        Alert {
            name: self.alert_name(BURN_ALERT),
            expr,
            for_: tier.for_,
            labels,
            annotations,
            kind: AlertKind::Burn {
                objective: index,
                tier: Box::new(tier.clone()),
            },
        }
    }

    pub(super) fn static_alert(&self, alert: &StaticAlert) -> Result<Alert, String> {
        let slo = &self.plan.slo;
        let compare = if alert.above { ">" } else { "<" };
        let side = if alert.above { "above" } else { "below" };
        let value = alert.threshold.value().to_decimal();
        // Signals of the SLI keep its `group_by` labels; other expressions may not.
        let grouped = matches!(
            alert.source,
            AlertSource::Signal(
                AlertSignal::ErrorRatio | AlertSignal::Compliance | AlertSignal::Percentile
            )
        );
        let (expr, what) = match (&alert.source, &self.measure) {
            (AlertSource::Expr(expr), _) => {
                expr::parse(expr).map_err(|e| e.clone())?;
                (format!("({expr}) {compare} {value}"), format!("`{expr}`"))
            }
            (
                AlertSource::Signal(AlertSignal::ErrorRatio),
                Measure::Counters { .. } | Measure::ErrorRatioQuery(_),
            ) => (
                format!(
                    "{} {compare} {value}",
                    self.slo_series(&series::error_ratio(alert.over))
                ),
                format!("the error ratio over {}", alert.over.human()),
            ),
            (AlertSource::Signal(AlertSignal::Value), Measure::Gauge { query, .. }) => (
                format!("({query}) {compare} {value}"),
                "the gauge".to_owned(),
            ),
            (AlertSource::Signal(AlertSignal::Percentile), Measure::Histogram { buckets, .. }) => {
                let percentile = alert
                    .percentile
                    .ok_or_else(|| "a percentile alert needs `percentile`".to_owned())?;
                let quantile = percentile
                    .checked_div(Ratio::integer(100))
                    .map_err(|_| "percentile out of range".to_owned())?;
                let mut by = vec!["le".to_owned()];
                by.extend(self.group_by().iter().cloned());
                (
                    format!(
                        "histogram_quantile({quantile}, sum{}(rate({buckets}[{}]))) {compare} {value}",
                        expr::by_clause(&by),
                        alert.over
                    ),
                    format!("p{} over {}", percentile.to_decimal(), alert.over.human()),
                )
            }
            (AlertSource::Signal(AlertSignal::Compliance), _) => {
                let selector = match alert.percentile.and_then(|p| {
                    self.plan
                        .objectives
                        .iter()
                        .find(|o| o.objective.percentile == Some(p))
                }) {
                    Some(objective) => {
                        self.objective_series(&series::error_ratio(slo.window), objective)
                    }
                    None => self.slo_series(&series::error_ratio(slo.window)),
                };
                (
                    format!("1 - {selector} {compare} {value}"),
                    format!("compliance over {}", slo.window.human()),
                )
            }
            (AlertSource::Signal(signal), _) => {
                return Err(format!(
                    "the `{}` signal of a {} SLI is not in Prometheus",
                    crate::spec::validate::signal_name(*signal),
                    slo.sli.kind()
                ));
            }
        };
        let threshold = alert.threshold.human();
        let summary = match &alert.summary {
            Some(summary) => format!("{}: {summary}", slo.title),
            None => format!("{}: {what} is {side} {threshold}", slo.title),
        };
        let held = alert
            .for_
            .filter(|d| d.millis() > 0)
            .map(|d| format!(" for {}", d.human()))
            .unwrap_or_default();
        let mut annotations = BTreeMap::new();
        let mut summary = Template::text(&summary);
        if grouped {
            self.group_suffix(&mut summary);
        }
        annotations.insert("summary".to_owned(), summary);
        annotations.insert(
            "description".to_owned(),
            Template::text(&format!(
                "Static alert `{}` of {}: {what} has been {side} {threshold}{held}.",
                alert.id, slo.title
            )),
        );
        self.links(&mut annotations);
        Ok(Alert {
            name: self.static_alert_name(&alert.id),
            expr,
            for_: alert.for_.unwrap_or_default(),
            labels: self.alert_labels(&alert.severity, alert.escalation.as_ref()),
            annotations,
            kind: AlertKind::Static {
                spec: Box::new(alert.clone()),
            },
        })
    }

    pub(super) fn missing_data_alert(&self) -> Option<Alert> {
        let slo = &self.plan.slo;
        let missing = slo.missing_data.as_ref()?;
        let expr = match &self.measure {
            // Error counters may be absent for good reasons; only when every series the query
            // reads is gone is the SLI missing.
            Measure::ErrorRatioQuery(query) => {
                let parsed = expr::parse_shared(&query.replace("{{window}}", "5m")).ok()?;
                let mut absents: Vec<String> = Vec::new();
                for selector in expr::selectors(&parsed) {
                    let absent = format!("absent({selector})");
                    if !absents.contains(&absent) {
                        absents.push(absent);
                    }
                }
                absents.join(" and on ()\n")
            }
            _ => format!(
                "absent({})",
                self.slo_series(&series::events_rate(BASE_WINDOW))
            ),
        };
        let mut annotations = BTreeMap::new();
        annotations.insert(
            "summary".to_owned(),
            Template::text(&format!("{}: no SLI data", slo.title)),
        );
        annotations.insert(
            "description".to_owned(),
            Template::text(&format!(
                "The series that measure {} have been absent for {}, so its burn-rate alerts cannot fire. Check that they are still scraped and that their names and labels match the spec.",
                slo.title,
                missing.for_.human()
            )),
        );
        self.links(&mut annotations);
        Some(Alert {
            name: self.alert_name(MISSING_ALERT),
            expr,
            for_: missing.for_,
            labels: self.alert_labels(&missing.severity, None),
            annotations,
            kind: AlertKind::MissingData,
        })
    }
}

/// What kind of alert, for the test generator.
#[derive(Debug, Clone)]
pub(crate) enum AlertKind {
    Burn {
        objective: usize,
        tier: Box<TierPlan>,
    },
    /// The error budget of the SLO window is spent (see `exhaustion.rs`).
    BudgetExhausted {
        objective: usize,
    },
    /// A rule of the error-budget policy trips (see `policy.rs`): the error ratio over its
    /// window is above `threshold`.
    BudgetPolicy {
        objective: usize,
        rule: &'static str,
        threshold: Ratio,
    },
    /// A static alert of the spec (`alerts:`), as written.
    Static {
        spec: Box<StaticAlert>,
    },
    MissingData,
    /// A histogram without a bucket at `threshold` (see `bucket_guard.rs`).
    BucketMissing {
        threshold: Duration,
    },
}

/// One alerting rule, with its label values and annotations as they appear once fired.
#[derive(Debug, Clone)]
pub(crate) struct Alert {
    pub name: String,
    pub expr: String,
    pub for_: Duration,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, Template>,
    pub kind: AlertKind,
}

impl Alert {
    pub(super) fn rule(&self) -> Rule {
        Rule::Alerting {
            alert: self.name.clone(),
            expr: Text(self.expr.clone()),
            for_: (self.for_.millis() > 0).then(|| self.for_.prometheus()),
            // Prometheus expands templates in alert labels too.
            labels: self
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), escape_template(v)))
                .collect(),
            annotations: self
                .annotations
                .iter()
                .map(|(k, v)| (k.clone(), v.source()))
                .collect(),
        }
    }
}
