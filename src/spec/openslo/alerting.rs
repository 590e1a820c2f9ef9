//! `AlertPolicy`, `AlertCondition` and `AlertNotificationTarget` objects.

use super::{ConditionSpec, Kind, Metadata, Op, PolicySpec, TargetSpec, description, read_ref_or};
use crate::diagnostics::Code;
use crate::spec::walk::{Map, Walk};

pub(super) fn read_policy_spec(w: &mut Walk, spec: &Map, meta: Metadata) -> Option<PolicySpec> {
    w.only_keys(
        spec,
        &[
            "description",
            "alertWhenNoData",
            "alertWhenBreaching",
            "alertWhenResolved",
            "conditions",
            "notificationTargets",
        ],
        "an AlertPolicy's `spec`",
        true,
    );
    let before = w.error_count();
    let description = description(w, spec);
    let when_no_data = w.boolean(spec, "alertWhenNoData").unwrap_or(false);
    let when_breaching = w.boolean(spec, "alertWhenBreaching").unwrap_or(false);
    let when_resolved = w.boolean(spec, "alertWhenResolved").unwrap_or(false);
    let conditions = w.list(spec, "conditions").unwrap_or_default();
    if conditions.len() != 1 {
        let at = if spec.has("conditions") {
            spec.child("conditions")
        } else {
            spec.pointer.clone()
        };
        w.error_at_key(
            Code::InvalidValue,
            &at,
            format!(
                "an AlertPolicy has exactly one condition, not {}",
                conditions.len()
            ),
            "OpenSLO v1 allows one condition per policy; use one policy per condition",
        );
    }
    let conditions = conditions
        .iter()
        .filter_map(|(p, v)| {
            read_ref_or(
                w,
                p,
                v,
                "conditionRef",
                Kind::AlertCondition,
                read_condition_spec,
            )
        })
        .collect();
    let targets = w.list(spec, "notificationTargets").unwrap_or_default();
    if targets.is_empty() {
        let at = if spec.has("notificationTargets") {
            spec.child("notificationTargets")
        } else {
            spec.pointer.clone()
        };
        w.error(
            Code::MissingField,
            &at,
            "an AlertPolicy needs at least one notification target",
            "add `notificationTargets: [{targetRef: on-call}]`",
        );
    }
    let targets = targets
        .iter()
        .filter_map(|(p, v)| {
            read_ref_or(
                w,
                p,
                v,
                "targetRef",
                Kind::AlertNotificationTarget,
                read_target_spec,
            )
        })
        .collect();
    (w.error_count() == before).then(|| PolicySpec {
        meta,
        description,
        when_no_data,
        when_breaching,
        when_resolved,
        conditions,
        targets,
        loc: w.loc(&spec.pointer),
    })
}

pub(super) fn read_condition_spec(
    w: &mut Walk,
    spec: &Map,
    meta: Metadata,
) -> Option<ConditionSpec> {
    w.only_keys(
        spec,
        &["description", "severity", "condition"],
        "an AlertCondition's `spec`",
        true,
    );
    let before = w.error_count();
    let description = description(w, spec);
    let severity = w.required_string(
        spec,
        "severity",
        "an AlertCondition",
        "name the severity, e.g. `severity: page`",
    );
    let Some(condition) = w.map_at(spec, "condition", "`condition`") else {
        if !spec.has("condition") {
            w.error(Code::MissingField, &spec.pointer, "an AlertCondition needs `condition`", "e.g. `condition: {kind: burnrate, op: gt, threshold: 14.4, lookbackWindow: 1h, alertAfter: 2m}`");
        }
        return None;
    };
    w.only_keys(
        &condition,
        &["kind", "op", "threshold", "lookbackWindow", "alertAfter"],
        "`condition`",
        true,
    );
    match w.string(&condition, "kind") {
        Some("burnrate") => {}
        Some(other) => w.error(
            Code::InvalidValue,
            &condition.child("kind"),
            format!("condition kind `{other}` is not `burnrate`"),
            "OpenSLO v1 defines `kind: burnrate` only",
        ),
        None => w.error(
            Code::MissingField,
            &condition.pointer,
            "a condition needs `kind: burnrate`",
            "OpenSLO v1 defines `kind: burnrate` only",
        ),
    }
    let op = if let Some(text) = w.string(&condition, "op") {
        if let Some(op) = Op::parse(text) {
            Some((op, w.loc(&condition.child("op"))))
        } else {
            w.error(
                Code::InvalidValue,
                &condition.child("op"),
                format!("`op` `{text}` is not an OpenSLO operator"),
                "use `gt` or `gte` for a burn rate above the threshold",
            );
            None
        }
    } else {
        w.error(
            Code::MissingField,
            &condition.pointer,
            "a burn-rate condition needs `op`",
            "e.g. `op: gt`: fire while the burn rate is above `threshold`",
        );
        None
    };
    let threshold = w.number(&condition, "threshold");
    if threshold.is_none() && !condition.has("threshold") {
        w.error(Code::MissingField, &condition.pointer, "a burn-rate condition needs `threshold`", "the burn rate to alert on, as a multiple of the rate that spends the budget exactly over the window, e.g. `threshold: 14.4`");
    }
    let lookback = if let Some(value) = condition.get("lookbackWindow") {
        w.shorthand(&condition.child("lookbackWindow"), "lookbackWindow", value)
    } else {
        w.error(
            Code::MissingField,
            &condition.pointer,
            "a burn-rate condition needs `lookbackWindow`",
            "e.g. `lookbackWindow: 1h`",
        );
        None
    };
    let alert_after = condition
        .get("alertAfter")
        .and_then(|v| w.shorthand(&condition.child("alertAfter"), "alertAfter", v));
    if w.error_count() > before {
        return None;
    }
    Some(ConditionSpec {
        meta,
        description,
        severity: severity?.to_owned(),
        op: op?,
        threshold: (threshold?, w.loc(&condition.child("threshold"))),
        lookback: (lookback?, w.loc(&condition.child("lookbackWindow"))),
        alert_after,
    })
}

pub(super) fn read_target_spec(w: &mut Walk, spec: &Map, meta: Metadata) -> Option<TargetSpec> {
    w.only_keys(
        spec,
        &["description", "target"],
        "an AlertNotificationTarget's `spec`",
        true,
    );
    let description = description(w, spec);
    let target = w.required_string(
        spec,
        "target",
        "an AlertNotificationTarget",
        "say where notifications go, e.g. `target: slack`",
    )?;
    Some(TargetSpec {
        meta,
        target: target.to_owned(),
        target_loc: w.loc(&spec.child("target")),
        description,
    })
}
