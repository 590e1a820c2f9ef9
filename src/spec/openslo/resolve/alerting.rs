//! Alert policies, burn-rate conditions and notification targets into tiers, the missing-data
//! alert, channels and escalation levels.

use super::{Alerting, Resolver};
use crate::diagnostics::{Code, Diagnostic};
use crate::spec::openslo::{
    ConditionSpec, Kind, Object, Op, PolicySpec, RefOr, SloSpec, TargetSpec, Version,
};
use crate::spec::raw::{Channel, ChannelType};
use crate::spec::walk::Loc;
use crate::spec::{EscalationLevel, MissingData, Tier};
use crate::units::Duration;
use std::collections::BTreeMap;

/// The missing-data alert's hold when the condition has no `alertAfter`.
fn default_no_data_for() -> Duration {
    Duration::from_secs(600)
}

impl Resolver<'_> {
    pub(super) fn alerting(&mut self, slo: &SloSpec) -> Alerting {
        let mut alerting = Alerting::default();
        if slo.policies.is_empty() {
            let (message, help) = match slo.version {
                Version::V1 => (
                    format!(
                        "SLO `{}` has no alert policies, so it gets no burn-rate alerts",
                        slo.meta.name
                    ),
                    "add `alertPolicies` with burn-rate AlertConditions, e.g. `threshold: 14.4` over \
                     `lookbackWindow: 1h` to page on fast burns and `threshold: 1` over `3d` for tickets",
                ),
                Version::V1alpha => (
                    format!(
                        "SLO `{}` is OpenSLO v1alpha, which has no alert policies, so it gets no burn-rate \
                         alerts (Sloth generates none for it either)",
                        slo.meta.name
                    ),
                    "to be alerted, turn it into openslo/v1 with `slofile convert --to openslo` and add \
                     `alertPolicies`, or write it as a Sloth or slofile spec, which alert by default",
                ),
            };
            self.push(
                Diagnostic::info(Code::NoAlertPolicy, message)
                    .at_origin(&slo.meta.loc.key("name").origin())
                    .with_help(help),
            );
        }
        for policy in &slo.policies {
            let policy = match policy {
                RefOr::Inline(p) => p,
                RefOr::Ref(name, at) => match self.find(Kind::AlertPolicy, name, at) {
                    Some(Object::AlertPolicy(p)) => p,
                    _ => continue,
                },
            };
            self.policy(policy, slo.window.duration, &mut alerting);
        }
        alerting
    }

    pub(super) fn policy(
        &mut self,
        policy: &PolicySpec,
        window: Duration,
        alerting: &mut Alerting,
    ) {
        let Some(condition) = policy.conditions.first().and_then(|c| match c {
            RefOr::Inline(c) => Some(c),
            RefOr::Ref(name, at) => match self.find(Kind::AlertCondition, name, at) {
                Some(Object::AlertCondition(c)) => Some(c),
                _ => None,
            },
        }) else {
            return;
        };
        let targets: Vec<&TargetSpec> = policy
            .targets
            .iter()
            .filter_map(|t| match t {
                RefOr::Inline(t) => Some(t),
                RefOr::Ref(name, at) => match self.find(Kind::AlertNotificationTarget, name, at) {
                    Some(Object::AlertNotificationTarget(t)) => Some(t),
                    _ => None,
                },
            })
            .collect();
        let channels: Vec<(Channel, Loc)> =
            targets.iter().filter_map(|t| self.channel(t)).collect();
        let escalation = (!channels.is_empty()).then(|| policy.meta.name.clone());
        if let Some(severity) = &escalation {
            alerting.escalation.push((
                EscalationLevel {
                    severity: severity.clone(),
                    name: policy.meta.display_name.clone(),
                    condition: condition
                        .description
                        .clone()
                        .unwrap_or_else(|| burn_words(condition)),
                    response: policy.description.clone().unwrap_or_else(|| {
                        let names: Vec<String> = channels
                            .iter()
                            .map(|(c, _)| format!("`{}`", c.id))
                            .collect();
                        format!("Notify {}", names.join(", "))
                    }),
                    response_time: None,
                    runbook: None,
                    channels: channels.iter().map(|(c, _)| c.id.clone()).collect(),
                },
                policy.meta.loc.key("name"),
            ));
        }
        alerting.channels.extend(channels);
        if policy.when_resolved {
            self.push(
                Diagnostic::info(Code::NotCarried, format!("`alertWhenResolved` of policy `{}` is Alertmanager's to honour", policy.meta.name))
                    .at_origin(&policy.loc.key("alertWhenResolved").key_origin())
                    .with_help("resolved notifications are Alertmanager's `send_resolved` setting of each receiver"),
            );
        }
        if policy.when_no_data {
            let missing = MissingData {
                for_: condition.alert_after.unwrap_or_else(default_no_data_for),
                severity: condition.severity.clone(),
            };
            alerting.missing_data = Some(match alerting.missing_data.take() {
                Some(earlier) if earlier.for_ <= missing.for_ => earlier,
                _ => missing,
            });
        }
        if !policy.when_breaching {
            self.push(
                Diagnostic::warning(
                    Code::NotCarried,
                    format!("policy `{}` does not set `alertWhenBreaching: true`, so its burn-rate condition raises no alert", policy.meta.name),
                )
                .at_origin(&policy.meta.loc.key("name").origin())
                .with_help("set `alertWhenBreaching: true` to be alerted while the burn rate is above the threshold"),
            );
            return;
        }
        if let Some(tier) = self.tier(condition, window, escalation) {
            alerting.policies.push(policy.meta.name.clone());
            alerting.tiers.push(tier);
        }
    }

    pub(super) fn tier(
        &mut self,
        condition: &ConditionSpec,
        window: Duration,
        escalation: Option<String>,
    ) -> Option<Tier> {
        let errors_before = self.error_count();
        let (op, op_at) = &condition.op;
        if matches!(op, Op::Lt | Op::Lte) {
            self.error(
                Code::UnsupportedFeature,
                op_at,
                format!("a burn-rate condition with `op: {}` would alert while the budget is safe", op.name()),
                "use `op: gt`: alert while the budget burns faster than `threshold` times the rate that spends it exactly over the window",
            );
        }
        let (factor, threshold_at) = &condition.threshold;
        if factor.numer() <= 0 {
            self.error(
                Code::InvalidQuantity,
                threshold_at,
                format!("burn-rate threshold {factor} is not positive"),
                "a threshold is a multiple of the sustainable burn rate, e.g. `14.4`",
            );
        } else if factor.denom() > 1_000_000_000_000 {
            // Twelve places: enough for the rounded factors of `slofile convert --to openslo`.
            self.error(
                Code::InvalidQuantity,
                threshold_at,
                format!("burn-rate threshold {factor} has more than 12 decimal places"),
                "round the threshold; a burn rate is never known that precisely",
            );
        }
        let (long, lookback_at) = &condition.lookback;
        if *long > window {
            self.error(
                Code::WindowOrder,
                lookback_at,
                format!("`lookbackWindow` {long} is longer than the SLO window {window}"),
                "look back over at most the SLO window",
            );
        }
        // Exact: every OpenSLO duration is whole minutes, and a minute is 12 × 5 s.
        let short = Duration::from_millis(long.millis() / 12);
        if short < Duration::from_secs(60) {
            self.push(
                Diagnostic::warning(
                    Code::WindowOrder,
                    format!("the short window {short} (a twelfth of `lookbackWindow` {long}) is shorter than a minute"),
                )
                .at_origin(&lookback_at.origin())
                .with_help("a rate over less than a few scrape intervals is usually empty, and the alert never fires; use a lookback of at least 12m"),
            );
        }
        (self.error_count() == errors_before).then(|| Tier {
            severity: condition.severity.clone(),
            budget_share: None,
            factor: Some(*factor),
            long: *long,
            short,
            for_: condition.alert_after.unwrap_or_default(),
            escalation,
            labels: BTreeMap::new(),
        })
    }

    pub(super) fn channel(&mut self, target: &TargetSpec) -> Option<(Channel, Loc)> {
        let normalized: String = target
            .target
            .to_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let kind = match normalized.as_str() {
            "slack" => ChannelType::Slack,
            "email" | "mail" => ChannelType::Email,
            "pagerduty" => ChannelType::Pagerduty,
            "webhook" => ChannelType::Webhook,
            "sms" => ChannelType::Sms,
            "alertmanager" => return None,
            _ => {
                self.push(
                    Diagnostic::warning(
                        Code::NotCarried,
                        format!("notification target `{}` has no slofile channel type", target.target),
                    )
                    .at_origin(&target.target_loc.origin())
                    .with_help(
                        "slofile's channels are slack, email, pagerduty, webhook and sms; the alert still reaches \
                         Alertmanager, so route it there on its `severity` label",
                    ),
                );
                return None;
            }
        };
        Some((
            Channel {
                uptimerobot_threshold: None,
                uptimerobot_recurrence: None,
                id: target.meta.name.clone(),
                kind,
                name: target
                    .meta
                    .display_name
                    .clone()
                    .or_else(|| target.description.clone()),
                target: None,
                uptimerobot_contact_id: None,
                sentry_integration_id: None,
                secret_file: None,
                optional: false,
            },
            target.meta.loc.key("name"),
        ))
    }
}

pub(super) fn burn_words(condition: &ConditionSpec) -> String {
    format!(
        "Budget burns faster than {}× the sustainable rate over {} (AlertCondition `{}`)",
        condition.threshold.0, condition.lookback.0, condition.meta.name
    )
}
