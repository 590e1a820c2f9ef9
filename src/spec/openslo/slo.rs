//! `SLO` objects of v1: indicator, time window and budgeting; the objectives are read in
//! [`super::objective`].

use super::{
    Budgeting, Kind, Metadata, RefOr, SliSpec, SloSpec, TimeWindow, Version, description,
    dns_label, read_objectives, read_policy_spec, read_ref_or, read_sli_spec, required_metadata,
};
use crate::diagnostics::{Code, typo_help};
use crate::spec::walk::{Map, Walk};

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
            .map(|name| RefOr::Ref(name, w.loc(&pointer)));
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
