//! `SLO` objects of v1: indicator, time window, budgeting and objectives.

use super::{
    Budgeting, Kind, Metadata, ObjectiveSpec, Op, RefOr, SliSpec, SloSpec, TimeWindow, Version,
    description, dns_label, exactly_one, read_policy_spec, read_ref_or, read_sli_spec,
    required_metadata,
};
use crate::diagnostics::{Code, typo_help};
use crate::spec::walk::{Map, Walk};
use crate::units::Ratio;
use serde_json::Value;

pub(super) fn read_slo_spec(w: &mut Walk, spec: &Map, meta: Metadata) -> Option<SloSpec> {
    w.only_keys(
        spec,
        &[
            "description",
            "service",
            "indicator",
            "indicatorRef",
            "budgetingMethod",
            "timeWindow",
            "objectives",
            "alertPolicies",
        ],
        "an SLO's `spec`",
        true,
    );
    let before = w.error_count();
    let (description, service) = slo_description_and_service(w, spec);
    let objectives_raw = w.list(spec, "objectives").unwrap_or_default();
    let composite = objectives_raw.iter().any(|(_, o)| {
        o.get("indicator").is_some_and(|v| !v.is_null())
            || o.get("indicatorRef").is_some_and(|v| !v.is_null())
    });
    let has_indicator = spec.has("indicator") || spec.has("indicatorRef");
    let rule = "`indicator` or `indicatorRef` belongs either in `spec` (a standard SLO) or in each objective (a composite SLO)";
    if composite && has_indicator {
        w.error(
            Code::ConflictingFields,
            &spec.pointer,
            format!("{rule}, not both"),
            "keep the SLO's own indicator, or the objectives' ones",
        );
    } else if !composite && !has_indicator {
        w.error(
            Code::MissingField,
            &spec.pointer,
            "an SLO needs `indicator` or `indicatorRef`",
            "define the SLI inline under `indicator`, or name an SLI object with `indicatorRef`",
        );
    }
    let indicator = read_indicator(w, spec);
    // Told from the YAML, so that the objective rules apply even when the indicator is broken.
    let inline_spec = spec.get("indicator").and_then(|i| i.get("spec"));
    let inline_is_ratio = inline_spec.and_then(|s| {
        match (
            s.get("ratioMetric").is_some(),
            s.get("thresholdMetric").is_some(),
        ) {
            (true, false) => Some(true),
            (false, true) => Some(false),
            _ => None,
        }
    });
    let budgeting = read_budgeting(
        w,
        spec,
        &[
            ("Occurrences", Budgeting::Occurrences),
            ("Timeslices", Budgeting::Timeslices),
            ("RatioTimeslices", Budgeting::RatioTimeslices),
        ],
    );
    let window = read_time_window(w, spec);
    let objectives = read_objectives(w, spec, budgeting, inline_is_ratio, Version::V1);
    let mut policies = Vec::new();
    for (pointer, value) in w.list(spec, "alertPolicies").unwrap_or_default() {
        if let Some(policy) = read_ref_or(
            w,
            &pointer,
            value,
            "alertPolicyRef",
            Kind::AlertPolicy,
            read_policy_spec,
        ) {
            policies.push(policy);
        }
    }
    if w.error_count() > before {
        return None;
    }
    Some(SloSpec {
        version: Version::V1,
        meta,
        description,
        service: (service?.to_owned(), w.loc(&spec.child("service"))),
        indicator,
        budgeting: (budgeting?, w.loc(&spec.child("budgetingMethod"))),
        window: window?,
        objectives,
        policies,
    })
}

/// An SLO's `description` and `service`, alike in every version.
pub(super) fn slo_description_and_service<'v>(
    w: &mut Walk,
    spec: &Map<'v>,
) -> (Option<String>, Option<&'v str>) {
    let description = description(w, spec);
    let service = w.required_string(
        spec,
        "service",
        "an SLO",
        "name the service the SLO belongs to, e.g. `service: checkout`",
    );
    (description, service)
}

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

/// `budgetingMethod`, one of `methods`.
pub(super) fn read_budgeting(
    w: &mut Walk,
    spec: &Map,
    methods: &[(&str, Budgeting)],
) -> Option<Budgeting> {
    let names: Vec<&str> = methods.iter().map(|(name, _)| *name).collect();
    let list = || {
        let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        match quoted.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    };
    if let Some(text) = w.string(spec, "budgetingMethod") {
        if let Some((_, method)) = methods.iter().find(|(name, _)| *name == text) {
            Some(*method)
        } else {
            let help = typo_help(text, names.iter().copied(), || format!("use {}", list()));
            w.error(
                Code::InvalidValue,
                &spec.child("budgetingMethod"),
                format!("unknown `budgetingMethod` `{text}`"),
                help,
            );
            None
        }
    } else {
        if !spec.has("budgetingMethod") {
            w.error(
                Code::MissingField,
                &spec.pointer,
                "an SLO needs `budgetingMethod`",
                "`Occurrences` counts good events; `Timeslices` counts good time slices",
            );
        }
        None
    }
}

pub(super) fn read_indicator(w: &mut Walk, spec: &Map) -> Option<RefOr<SliSpec>> {
    if let Some(name) = w.string(spec, "indicatorRef") {
        let pointer = spec.child("indicatorRef");
        return dns_label(w, &pointer, name, "`indicatorRef`")
            .then(|| RefOr::Ref(name.to_owned(), w.loc(&pointer)));
    }
    let inline = w.map_at(spec, "indicator", "`indicator`")?;
    w.only_keys(&inline, &["metadata", "spec"], "`indicator`", true);
    let meta = required_metadata(w, &inline, "an inline indicator");
    let sli_spec = if let Some(value) = inline.get("spec") {
        w.mapping(&inline.child("spec"), value, "`spec`")
    } else {
        w.error(
            Code::MissingField,
            &inline.pointer,
            "an inline indicator needs `spec`",
            "give the SLI's `ratioMetric` or `thresholdMetric` under `spec`",
        );
        None
    }?;
    Some(RefOr::Inline(read_sli_spec(w, &sli_spec, meta?)?))
}

pub(super) fn read_time_window(w: &mut Walk, spec: &Map) -> Option<TimeWindow> {
    let items = w.list(spec, "timeWindow");
    let items = match items {
        Some(items) if items.len() == 1 => items,
        Some(items) => {
            w.error(
                Code::InvalidValue,
                &spec.child("timeWindow"),
                format!(
                    "`timeWindow` has {} items; OpenSLO takes exactly one",
                    items.len()
                ),
                "e.g. `timeWindow: [{duration: 28d, isRolling: true}]`",
            );
            return None;
        }
        None => {
            if !spec.has("timeWindow") {
                w.error(
                    Code::MissingField,
                    &spec.pointer,
                    "an SLO needs `timeWindow`",
                    "e.g. `timeWindow: [{duration: 28d, isRolling: true}]`",
                );
            }
            return None;
        }
    };
    let (pointer, value) = &items[0];
    let window = w.mapping(pointer, value, "a time window")?;
    w.only_keys(
        &window,
        &["duration", "isRolling", "calendar"],
        "a time window",
        true,
    );
    let rolling = w.boolean(&window, "isRolling").unwrap_or(false);
    let calendar = w.map_at(&window, "calendar", "`calendar`");
    if let Some(calendar) = &calendar {
        w.only_keys(calendar, &["startTime", "timeZone"], "`calendar`", true);
        if let Some(start) = w.string(calendar, "startTime")
            && !is_date_time(start)
        {
            w.error(
                Code::InvalidValue,
                &calendar.child("startTime"),
                format!("`startTime` `{start}` is not a date and time"),
                "write it as `YYYY-MM-DD HH:MM:SS`, e.g. `2022-01-01 00:00:00`",
            );
        }
        if let Some(zone) = w.string(calendar, "timeZone")
            && !is_time_zone_name(zone)
        {
            w.error(
                Code::InvalidValue,
                &calendar.child("timeZone"),
                format!("`timeZone` `{zone}` is not an IANA time zone name"),
                "e.g. `UTC`, `Europe/Warsaw` or `America/New_York`",
            );
        }
    }
    if rolling && window.has("calendar") {
        w.error_at_key(
            Code::ConflictingFields,
            &window.child("calendar"),
            "`calendar` cannot be set when `isRolling` is true",
            "a rolling window has no calendar start; remove `calendar` or set `isRolling: false`",
        );
    } else if !rolling && !window.has("calendar") {
        w.error(Code::MissingField, &window.pointer, "`calendar` must be set when `isRolling` is false", "set `isRolling: true` for a rolling window, or give the calendar's `startTime` and `timeZone`");
    }
    let duration = if let Some(value) = window.get("duration") {
        w.shorthand(&window.child("duration"), "duration", value)
    } else {
        w.error(
            Code::MissingField,
            &window.pointer,
            "a time window needs `duration`",
            "e.g. `duration: 28d`",
        );
        None
    };
    Some(TimeWindow {
        duration: duration?,
        calendar: window
            .has("calendar")
            .then(|| w.loc(&window.child("calendar"))),
    })
}

pub(super) fn is_date_time(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    let number = |range: std::ops::Range<usize>| {
        text.get(range)
            .and_then(|s| s.parse::<u32>().ok())
            .unwrap_or(99)
    };
    b.len() == 19
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b' '
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && (1..=12).contains(&number(5..7))
        && (1..=31).contains(&number(8..10))
        && number(11..13) < 24
        && number(14..16) < 60
        && number(17..19) < 60
}

// slofile carries no time zone database; it checks the shape of the name, which is all that
// matters for specs it cannot compile anyway (calendar windows are reported as unsupported).
pub(super) fn is_time_zone_name(zone: &str) -> bool {
    !zone.is_empty()
        && zone.split('/').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
        })
        && zone.starts_with(|c: char| c.is_ascii_alphabetic())
}

pub(super) fn read_objective(
    w: &mut Walk,
    pointer: &str,
    value: &Value,
    budgeting: Option<Budgeting>,
    inline_is_ratio: Option<bool>,
    version: Version,
) -> Option<ObjectiveSpec> {
    let objective = w.mapping(pointer, value, "an objective")?;
    let (keys, targets): (&[&str], &[&str]) = match version {
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
    };
    // The v1 SDK refuses unknown keys; oslo and Sloth read v1alpha leniently.
    w.only_keys(&objective, keys, "an objective", version == Version::V1);
    let before = w.error_count();
    let display_name = w.string(&objective, "displayName").map(str::to_owned);
    let op = match w.string(&objective, "op") {
        Some(text) => {
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
        None => None,
    };
    let value_number = w
        .number(&objective, "value")
        .map(|v| (v, w.loc(&objective.child("value"))));
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
    let target = match exactly_one(
        w,
        &objective,
        targets,
        "an objective",
        if version == Version::V1 {
            "`target: 0.995` and `targetPercent: 99.5` say the same; give one"
        } else {
            "give the target as a ratio, e.g. `target: 0.995` for 99.5%"
        },
    ) {
        Some("target") => w.number(&objective, "target").and_then(|t| {
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
        Some(_) => w.number(&objective, "targetPercent").and_then(|t| {
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
    };
    let slice_target = w.number(&objective, "timeSliceTarget");
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
    let slice_window = objective
        .get("timeSliceWindow")
        .and_then(|v| w.shorthand(&objective.child("timeSliceWindow"), "timeSliceWindow", v));
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
    if let Some(weight) = w.number(&objective, "compositeWeight")
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
        && let Some(name) = w.string(&objective, "indicatorRef")
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
        && let Some(inline) = w.map_at(&objective, "indicator", "`indicator`")
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
    let composite = ["indicator", "indicatorRef"]
        .into_iter()
        .filter(|_| version == Version::V1)
        .find(|k| objective.has(k))
        .map(|k| w.loc(&objective.child(k)));
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
