//! The error-budget policy: remaining-budget levels in order, shares in range, a recent-burn
//! window that fits every SLO window that follows it, and exempt reasons as words.

use super::checker::{Checker, is_valid_id};
use crate::diagnostics::Code;
use crate::spec::raw::{Quantity, RawBudgetPolicy, RawBudgetRules};
use crate::spec::{BudgetPolicy, BudgetRules, BurnLimit};
use crate::units::{Duration, Ratio};

/// The policy at `at`; `None` when any of its values has an error (each is reported).
pub(super) fn check_budget_policy(
    c: &mut Checker,
    at: &str,
    raw: &RawBudgetPolicy,
) -> Option<BudgetPolicy> {
    match raw {
        RawBudgetPolicy::Text(text) => Some(BudgetPolicy {
            text: Some(text.clone()),
            rules: None,
        }),
        RawBudgetPolicy::Rules(rules) => {
            let checked = check_rules(c, at, rules);
            Some(BudgetPolicy {
                text: rules.text.clone(),
                rules: Some(checked?),
            })
        }
    }
}

fn check_rules(c: &mut Checker, at: &str, raw: &RawBudgetRules) -> Option<BudgetRules> {
    let errors_before = c.diagnostics.iter().filter(|d| d.is_error()).count();
    let warn_below = raw
        .warn_below
        .as_ref()
        .and_then(|q| remaining_share(c, &format!("{at}/warn_below"), "warn_below", q));
    let freeze_below = raw
        .freeze_below
        .as_ref()
        .and_then(|q| remaining_share(c, &format!("{at}/freeze_below"), "freeze_below", q));
    if let (Some(warn), Some(freeze)) = (warn_below, freeze_below)
        && warn <= freeze
    {
        c.error(
            Code::BudgetPolicy,
            &format!("{at}/warn_below"),
            format!(
                "warn_below {} is not above freeze_below {}: the warning would never come before the freeze",
                warn.percent(),
                freeze.percent()
            ),
            "warn while some budget is left before the freeze, e.g. `warn_below: 50%` with `freeze_below: 0%`",
        );
    }
    let freeze_if_burned = raw.freeze_if_burned.as_ref().and_then(|limit| {
        let share = burned_share(c, &format!("{at}/freeze_if_burned/share"), &limit.share);
        let within_at = format!("{at}/freeze_if_burned/within");
        let within = c.duration(&within_at, &limit.within);
        Some(BurnLimit {
            share: share?,
            within: within?,
            within_origin: c.origin(&within_at),
        })
    });
    for (i, reason) in raw.exempt.iter().enumerate() {
        if !is_valid_id(reason) {
            c.error(
                Code::InvalidId,
                &format!("{at}/exempt/{i}"),
                format!("exempt reason `{reason}` is not a word of lower-case letters, digits and dashes"),
                "name deploy reasons as `slofile gate --reason` takes them, e.g. `hotfix` or `security`",
            );
        }
    }
    let errors_after = c.diagnostics.iter().filter(|d| d.is_error()).count();
    (errors_after == errors_before).then(|| BudgetRules {
        warn_below,
        freeze_below,
        freeze_if_burned,
        exempt: raw.exempt.clone(),
        origin: c.origin(at),
    })
}

/// A share of the remaining budget: a percentage from 0% to 100%.
fn remaining_share(
    c: &mut Checker,
    pointer: &str,
    key: &str,
    quantity: &Quantity,
) -> Option<Ratio> {
    let text = Checker::quantity_text(quantity);
    match Ratio::parse_percent_or_number(&text) {
        Some((value, true)) if value <= Ratio::ONE && value.denom() <= 1_000_000 => Some(value),
        _ => {
            c.error(
                Code::InvalidQuantity,
                pointer,
                format!("{key} `{text}` is not a percentage from 0% to 100%"),
                "write the share of the window's error budget left, e.g. `50%`; `0%` means the budget is spent",
            );
            None
        }
    }
}

/// The share of the window's budget a recent burn may spend: above 0%, at most 100%.
fn burned_share(c: &mut Checker, pointer: &str, quantity: &Quantity) -> Option<Ratio> {
    let text = Checker::quantity_text(quantity);
    match Ratio::parse_percent_or_number(&text) {
        Some((value, true))
            if !value.is_zero() && value <= Ratio::ONE && value.denom() <= 1_000_000 =>
        {
            Some(value)
        }
        _ => {
            c.error(
                Code::InvalidQuantity,
                pointer,
                format!("freeze_if_burned share `{text}` is not a percentage above 0% and at most 100%"),
                "write the share of the whole window's error budget a recent burn may spend, e.g. `20%`",
            );
            None
        }
    }
}

/// A policy's recent-burn window must fit in the window of an SLO that follows it.
pub(super) fn check_policy_window(
    c: &mut Checker,
    slo_id: &str,
    window: Duration,
    policy: &BudgetPolicy,
) {
    let Some(limit) = policy
        .rules
        .as_ref()
        .and_then(|r| r.freeze_if_burned.as_ref())
    else {
        return;
    };
    if limit.within > window {
        c.diagnostics.push(
            crate::diagnostics::Diagnostic::error(
                Code::BudgetPolicy,
                format!(
                    "SLO `{slo_id}`: the policy's freeze_if_burned.within {} is longer than the SLO window {}",
                    limit.within, window
                ),
            )
            .at_origin(&limit.within_origin)
            .with_help("measure a recent burn over at most the SLO window, e.g. `within: 24h`"),
        );
    }
}
