//! The objectives of an `SLO` object, in v1 and v1alpha: operator and value, target, time
//! slices, budgeting, and the indicators of composite SLOs.

use super::{
    Budgeting, ObjectiveSpec, Op, Version, dns_label, exactly_one, read_sli_spec, required_metadata,
};
use crate::diagnostics::Code;
use crate::spec::walk::{Loc, Map, Walk};
use crate::units::Ratio;
use serde_json::Value;

/// An SLO's `objectives`, at least one; those with errors are left out.
pub(super) fn read_objectives(
    w: &mut Walk,
    spec: &Map,
    budgeting: Option<Budgeting>,
    inline_is_ratio: Option<bool>,
    version: Version,
) -> Vec<ObjectiveSpec> {
    let objectives = w.list(spec, "objectives").unwrap_or_default();
    if objectives.is_empty() && spec.get("objectives").is_none_or(Value::is_array) {
        w.error(
            Code::MissingObjective,
            &spec.pointer,
            "an SLO needs at least one objective",
            "e.g. `objectives: [{target: 0.995}]`",
        );
    }
    objectives
        .iter()
        .filter_map(|(pointer, value)| {
            read_objective(w, pointer, value, budgeting, inline_is_ratio, version)
        })
        .collect()
}

/// One objective at `pointer`, by the rules of `version`, for an SLO with `budgeting` whose
/// inline indicator is a ratio (`Some(true)`), a threshold (`Some(false)`) or neither. `None` when
/// it has an error.
fn read_objective(
    w: &mut Walk,
    pointer: &str,
    value: &Value,
    budgeting: Option<Budgeting>,
    inline_is_ratio: Option<bool>,
    version: Version,
) -> Option<ObjectiveSpec> {
    let objective = w.mapping(pointer, value, "an objective")?;
    let (keys, targets) = objective_keys(version);
    // The v1 SDK refuses unknown keys; oslo and Sloth read v1alpha leniently.
    w.only_keys(&objective, keys, "an objective", version == Version::V1);
    let before = w.error_count();
    let display_name = w.string(&objective, "displayName").map(str::to_owned);
    let op = read_op(w, &objective);
    let value_number = w
        .number(&objective, "value")
        .map(|v| (v, w.loc(&objective.child("value"))));
    check_op_and_value(w, &objective, inline_is_ratio);
    let target = read_target(w, &objective, targets, version);
    let slice_target = read_slice_target(w, &objective);
    let slice_window = objective
        .get("timeSliceWindow")
        .and_then(|v| w.shorthand(&objective.child("timeSliceWindow"), "timeSliceWindow", v));
    check_budgeting_keys(w, &objective, budgeting, version);
    let composite = read_composite(w, &objective, version);
    let ratio = match version {
        Version::V1 => None,
        // A v1alpha SLO with a (threshold) `indicator` is reported as unsupported already.
        Version::V1alpha if inline_is_ratio == Some(false) => None,
        Version::V1alpha => super::v1alpha::read_ratio_metrics(w, &objective),
    };
    if w.error_count() > before {
        return None;
    }
    Some(ObjectiveSpec {
        display_name,
        op,
        value: value_number,
        target: target?,
        slice_target,
        slice_window,
        composite,
        ratio,
        loc: w.loc(&objective.pointer),
    })
}

/// The keys an objective may have in `version`, and those of them that give its target.
fn objective_keys(version: Version) -> (&'static [&'static str], &'static [&'static str]) {
    match version {
        Version::V1 => (
            &[
                "displayName",
                "op",
                "value",
                "target",
                "targetPercent",
                "timeSliceTarget",
                "timeSliceWindow",
                "indicator",
                "indicatorRef",
                "compositeWeight",
            ],
            &["target", "targetPercent"],
        ),
        Version::V1alpha => (
            &[
                "displayName",
                "op",
                "value",
                "target",
                "timeSliceTarget",
                "ratioMetrics",
            ],
            &["target"],
        ),
    }
}

/// An objective's `op`, when given: one of OpenSLO's operators.
fn read_op(w: &mut Walk, objective: &Map) -> Option<(Op, Loc)> {
    let text = w.string(objective, "op")?;
    if let Some(op) = Op::parse(text) {
        Some((op, w.loc(&objective.child("op"))))
    } else {
        w.error(
            Code::InvalidValue,
            &objective.child("op"),
            format!("`op` `{text}` is not an OpenSLO operator"),
            "use `lt`, `lte`, `gt` or `gte`",
        );
        None
    }
}

/// `op` and `value`: forbidden on an objective of a `ratioMetric` SLI, required on one of a
/// `thresholdMetric` SLI.
fn check_op_and_value(w: &mut Walk, objective: &Map, inline_is_ratio: Option<bool>) {
    match inline_is_ratio {
        Some(true) => {
            for key in ["op", "value"] {
                if objective.has(key) {
                    w.error_at_key(
                        Code::ConflictingFields,
                        &objective.child(key),
                        format!("`{key}` is forbidden on an objective of a `ratioMetric` SLI"),
                        "`op` and `value` compare a `thresholdMetric`; a ratio objective needs only `target` or `targetPercent`",
                    );
                }
            }
        }
        Some(false) => {
            for key in ["op", "value"] {
                if !objective.has(key) {
                    w.error(
                        Code::MissingField,
                        &objective.pointer,
                        format!("an objective of a `thresholdMetric` SLI needs `{key}`"),
                        "e.g. `op: lte` and `value: 0.5`: a value is good while the metric is at or below 0.5",
                    );
                }
            }
        }
        None => {}
    }
}

/// The target, as a ratio: exactly one of `targets`, `target` in [0, 1) or (v1 only)
/// `targetPercent` in [0, 100).
fn read_target(
    w: &mut Walk,
    objective: &Map,
    targets: &[&str],
    version: Version,
) -> Option<(Ratio, Loc)> {
    match exactly_one(
        w,
        objective,
        targets,
        "an objective",
        if version == Version::V1 {
            "`target: 0.995` and `targetPercent: 99.5` say the same; give one"
        } else {
            "give the target as a ratio, e.g. `target: 0.995` for 99.5%"
        },
    ) {
        Some("target") => w.number(objective, "target").and_then(|t| {
            let at = objective.child("target");
            if t.numer() < 0 || t >= Ratio::ONE {
                w.error(
                    Code::ObjectiveRange,
                    &at,
                    format!("`target` {t} is not in [0, 1)"),
                    "write the target as a ratio, e.g. `target: 0.995` for 99.5%",
                );
                None
            } else {
                Some((t, w.loc(&at)))
            }
        }),
        Some(_) => w.number(objective, "targetPercent").and_then(|t| {
            let at = objective.child("targetPercent");
            if t.numer() < 0 || t >= Ratio::integer(100) {
                w.error(
                    Code::ObjectiveRange,
                    &at,
                    format!("`targetPercent` {t} is not in [0, 100)"),
                    "write the target as a percentage, e.g. `targetPercent: 99.5`",
                );
                None
            } else {
                t.checked_div(Ratio::integer(100))
                    .ok()
                    .map(|r| (r, w.loc(&at)))
            }
        }),
        None => None,
    }
}

/// `timeSliceTarget`, when given: the share of good events that makes a slice good, in (0, 1].
fn read_slice_target(w: &mut Walk, objective: &Map) -> Option<Ratio> {
    let slice_target = w.number(objective, "timeSliceTarget");
    if let Some(t) = slice_target
        && (t.numer() <= 0 || t > Ratio::ONE)
    {
        w.error(
            Code::ObjectiveRange,
            &objective.child("timeSliceTarget"),
            format!("`timeSliceTarget` {t} is not in (0, 1]"),
            "the share of good events that makes a time slice good, e.g. `0.95`",
        );
    }
    slice_target
}

/// The keys the SLO's budgeting method needs on each objective: with time slices, the slice's
/// target and window (in v1alpha, oslo's rule: the slice's target and `value`).
fn check_budgeting_keys(
    w: &mut Walk,
    objective: &Map,
    budgeting: Option<Budgeting>,
    version: Version,
) {
    match budgeting {
        // oslo's v1alpha rule; slofile then reports time slices of a ratio as unsupported.
        Some(Budgeting::Timeslices) if version == Version::V1alpha => {
            for key in ["timeSliceTarget", "value"] {
                if !objective.has(key) {
                    w.error(
                        Code::MissingField,
                        &objective.pointer,
                        format!("with `budgetingMethod: Timeslices` an objective needs `{key}`"),
                        "e.g. `timeSliceTarget: 0.95`; or use `budgetingMethod: Occurrences`",
                    );
                }
            }
        }
        _ if version == Version::V1alpha => {}
        Some(Budgeting::Timeslices) => {
            for key in ["timeSliceTarget", "timeSliceWindow"] {
                if !objective.has(key) {
                    w.error(
                        Code::MissingField,
                        &objective.pointer,
                        format!("with `budgetingMethod: Timeslices` an objective needs `{key}`"),
                        "e.g. `timeSliceTarget: 0.95` and `timeSliceWindow: 1m`",
                    );
                }
            }
        }
        Some(Budgeting::RatioTimeslices) if !objective.has("timeSliceWindow") => {
            w.error(
                Code::MissingField,
                &objective.pointer,
                "with `budgetingMethod: RatioTimeslices` an objective needs `timeSliceWindow`",
                "e.g. `timeSliceWindow: 1m`",
            );
        }
        _ => {}
    }
}

/// What makes an objective part of a composite SLO: a positive `compositeWeight`, and in v1 its
/// own `indicator` (read as an SLI) or `indicatorRef` (a DNS label), not both. Returns where the
/// objective's own indicator is given.
fn read_composite(w: &mut Walk, objective: &Map, version: Version) -> Option<Loc> {
    if let Some(weight) = w.number(objective, "compositeWeight")
        && weight.numer() <= 0
    {
        w.error(
            Code::InvalidQuantity,
            &objective.child("compositeWeight"),
            format!("`compositeWeight` {weight} is not positive"),
            "weights are positive numbers",
        );
    }
    if version == Version::V1
        && let Some(name) = w.string(objective, "indicatorRef")
    {
        dns_label(w, &objective.child("indicatorRef"), name, "`indicatorRef`");
    }
    if version == Version::V1 && objective.has("indicator") && objective.has("indicatorRef") {
        w.error_at_key(
            Code::ConflictingFields,
            &objective.child("indicatorRef"),
            "an objective takes `indicator` or `indicatorRef`, not both",
            "keep one",
        );
    }
    if version == Version::V1
        && let Some(inline) = w.map_at(objective, "indicator", "`indicator`")
    {
        w.only_keys(&inline, &["metadata", "spec"], "`indicator`", true);
        let meta = required_metadata(w, &inline, "an inline indicator");
        if let (Some(meta), Some(spec)) = (meta, inline.get("spec")) {
            let spec_pointer = inline.child("spec");
            if let Some(spec) = w.mapping(&spec_pointer, spec, "`spec`") {
                read_sli_spec(w, &spec, meta);
            }
        }
    }
    ["indicator", "indicatorRef"]
        .into_iter()
        .filter(|_| version == Version::V1)
        .find(|k| objective.has(k))
        .map(|k| w.loc(&objective.child(k)))
}
