//! Burn policies: the service's named sets of burn-rate tiers, and each tier's checks.

use super::BUILTIN_POLICIES;
use super::checker::Checker;
use crate::diagnostics::Code;
use crate::spec::raw::{BurnPolicy, BurnTier};
use crate::spec::{BudgetExhausted, Tier};
use crate::units::Duration;
use std::collections::BTreeMap;

/// The service's burn policies: ids that are valid, unique and not built in, at least one tier
/// each, and each tier and budget-exhaustion alert checked. Returns the tiers and the
/// budget-exhaustion alert of each policy by id.
pub(super) fn check_burn_policies(
    c: &mut Checker,
    burn_policies: &[BurnPolicy],
    severities: &[&str],
) -> (
    BTreeMap<String, Vec<Tier>>,
    BTreeMap<String, BudgetExhausted>,
) {
    let mut policies: BTreeMap<String, Vec<Tier>> = BTreeMap::new();
    let mut exhaustion: BTreeMap<String, BudgetExhausted> = BTreeMap::new();
    for (i, policy) in burn_policies.iter().enumerate() {
        let at = format!("/burn_policies/{i}");
        c.id(&format!("{at}/id"), &policy.id, "burn policy");
        if BUILTIN_POLICIES.contains(&policy.id.as_str()) || policy.id == "none" {
            c.error(
                Code::DuplicateId,
                &format!("{at}/id"),
                format!("burn policy `{}` is built in", policy.id),
                "choose another id for your own policy",
            );
        }
        if policy.tiers.is_empty() {
            c.error(
                Code::MissingField,
                &format!("{at}/tiers"),
                format!("burn policy `{}` has no tiers", policy.id),
                "add at least one tier, or use `burn_policy: none` to turn burn-rate alerts off",
            );
        }
        let mut tiers = Vec::new();
        for (j, tier) in policy.tiers.iter().enumerate() {
            if let Some(tier) = check_tier(c, &format!("{at}/tiers/{j}"), tier, severities) {
                tiers.push(tier);
            }
        }
        policies.insert(policy.id.clone(), tiers);
        if let Some(alert) = &policy.budget_exhausted
            && let Some(alert) = BudgetExhausted::check(c, &at, alert)
        {
            exhaustion.insert(policy.id.clone(), alert);
        }
    }
    c.unique(
        burn_policies
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("/burn_policies/{i}/id"), p.id.as_str())),
        "burn policy",
    );
    (policies, exhaustion)
}

/// The burn policies an SLO may name: the built-in ones, the service's own, and `none`.
pub(super) fn policy_names(burn_policies: &[BurnPolicy]) -> Vec<&str> {
    let mut policy_names: Vec<&str> = BUILTIN_POLICIES.to_vec();
    policy_names.extend(burn_policies.iter().map(|p| p.id.as_str()));
    policy_names.push("none");
    policy_names
}

/// One burn-rate tier at `at`: exactly one of `budget` and `factor`, a short window shorter than
/// the long one, a hold duration, an escalation severity of the matrix, labels, and a severity.
pub(super) fn check_tier(
    c: &mut Checker,
    at: &str,
    tier: &BurnTier,
    severities: &[&str],
) -> Option<Tier> {
    let budget_share = tier
        .budget
        .as_ref()
        .and_then(|b| c.budget_share(&format!("{at}/budget"), b));
    let factor = tier
        .factor
        .as_ref()
        .and_then(|f| c.positive_factor(&format!("{at}/factor"), f));
    match (&tier.budget, &tier.factor) {
        (Some(_), Some(_)) => c.error(
            Code::ConflictingFields,
            at,
            "a tier takes `budget` or `factor`, not both",
            "keep one: `budget: 2%` is the same as `factor: 13.44` over 28 days with a 1 h window",
        ),
        (None, None) => c.error(
            Code::ConflictingFields,
            at,
            "a tier needs `budget` or `factor`",
            "e.g. `budget: 2%` (share of the window's budget spent in the long window)",
        ),
        _ => {}
    }
    let long = c.duration(&format!("{at}/long"), &tier.long);
    let short = c.duration(&format!("{at}/short"), &tier.short);
    if let (Some(long), Some(short)) = (long, short)
        && short >= long
    {
        c.error(
            Code::WindowOrder,
            &format!("{at}/short"),
            format!("short window {short} is not shorter than long window {long}"),
            "the short window resets the alert quickly; make it about 1/12 of the long window",
        );
    }
    let for_ = match &tier.for_ {
        Some(text) => c.hold_duration(&format!("{at}/for"), text),
        None => Some(Duration::default()),
    };
    if let Some(escalation) = &tier.escalation {
        c.reference(
            &format!("{at}/escalation"),
            escalation,
            severities,
            "escalation severity",
        );
    }
    c.labels(&format!("{at}/labels"), &tier.labels);
    if tier.severity.trim().is_empty() {
        c.error(
            Code::InvalidValue,
            &format!("{at}/severity"),
            "severity is empty",
            "write e.g. `page` or `ticket`",
        );
    }
    Some(Tier {
        severity: tier.severity.clone(),
        budget_share,
        factor,
        long: long?,
        short: short?,
        for_: for_?,
        escalation: tier.escalation.clone(),
        labels: tier.labels.clone(),
    })
}
