//! Burn-rate tiers and static alerts in words, and what changed in them.

use crate::compile::{Evaluator, LeftOut, TierPlan};
use crate::spec::StaticAlert;

use crate::wording::static_alert;

pub(super) fn tier_name(tier: &TierPlan) -> String {
    format!("`{}` {}/{}", tier.severity, tier.long, tier.short)
}

pub(super) fn fires_at(tier: &TierPlan) -> String {
    match &tier.left_out {
        None => format!("fires at {} errors", tier.error_threshold.percent()),
        Some(LeftOut::AboveFullOutage) => format!(
            "can never fire (needs {} errors)",
            tier.error_threshold.percent()
        ),
        Some(left_out) => format!("can never fire ({})", left_out.reason(tier)),
    }
}

/// Why a tier that is left out never fires.
pub(super) fn never(tier: &TierPlan) -> String {
    match &tier.left_out {
        Some(LeftOut::AboveFullOutage) | None => {
            format!("it needs {} errors", tier.error_threshold.percent())
        }
        Some(left_out) => left_out.reason(tier),
    }
}

/// Nothing for an alert Prometheus evaluates; otherwise why no system does.
pub(super) fn evaluated_by(evaluator: &Evaluator) -> String {
    match evaluator {
        Evaluator::Prometheus => String::new(),
        Evaluator::Documentation => " (documentation only: no system evaluates it)".to_owned(),
        Evaluator::Nobody(reason) => format!(" (not evaluated by any system yet: {reason})"),
    }
}

pub(super) fn routed(tier: &TierPlan) -> String {
    tier.escalation
        .as_ref()
        .map(|e| format!(", routed to {e}"))
        .unwrap_or_default()
}

pub(super) fn tier_summary(tier: &TierPlan) -> String {
    format!(
        "{} {} ({}× burn, {} of the budget){}",
        tier_name(tier),
        fires_at(tier),
        tier.factor.significant(4),
        tier.budget_share.percent(),
        routed(tier)
    )
}

pub(super) fn tier_change(before: &TierPlan, after: &TierPlan) -> Option<String> {
    let mut parts = Vec::new();
    if (before.long, before.short) != (after.long, after.short) {
        parts.push(format!(
            "windows {}/{} → {}/{}",
            before.long, before.short, after.long, after.short
        ));
    }
    if before.error_threshold != after.error_threshold || before.can_fire != after.can_fire {
        parts.push(match (before.can_fire, after.can_fire) {
            (true, true) => format!(
                "now fires at {} errors (was {})",
                after.error_threshold.percent(),
                before.error_threshold.percent()
            ),
            (true, false) => format!(
                "now can never fire: {} (fired at {})",
                never(after),
                before.error_threshold.percent()
            ),
            (false, true) => format!(
                "now fires at {} errors (could never fire before)",
                after.error_threshold.percent()
            ),
            (false, false) => format!(
                "still can never fire ({}, was {})",
                never(after),
                before.error_threshold.percent()
            ),
        });
    }
    if before.for_ != after.for_ {
        parts.push(format!("`for` {} → {}", before.for_, after.for_));
    }
    if before.escalation != after.escalation {
        let show = |e: &Option<String>| e.clone().unwrap_or_else(|| "none".to_owned());
        parts.push(format!(
            "escalation {} → {}",
            show(&before.escalation),
            show(&after.escalation)
        ));
    }
    (!parts.is_empty()).then(|| format!("{} {}", tier_name(after), parts.join("; ")))
}

pub(super) fn static_alert_change(before: &StaticAlert, after: &StaticAlert) -> Option<String> {
    let parts: Vec<String> = static_alert::parts(before)
        .into_iter()
        .zip(static_alert::parts(after))
        .filter(|((_, b), (_, a))| b != a)
        .map(|((name, b), (_, a))| {
            let show = |v: String| if v.is_empty() { "none".to_owned() } else { v };
            match name {
                "fires" => format!("fires {} → {}", show(b), show(a)),
                _ => format!("{} → {}", show(b), show(a)),
            }
        })
        .collect();
    (!parts.is_empty()).then(|| format!("static alert `{}`: {}", after.id, parts.join("; ")))
}
