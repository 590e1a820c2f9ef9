//! One SLO of a Sloth spec: its name, objective, labels, plugins, SLI and alerting.

use super::alerting::read_alerting;
use super::names::{shorten_id, sloth_name};
use super::{Names, SlothSlo, check_labels, labels, plugins, slofile_id};
use crate::diagnostics::Code;
use crate::spec::raw::Quantity;
use crate::spec::walk::{Map, Walk, number_text, type_name, window_placeholder};
use crate::spec::{Objective, RatioSli, Sli, Slo, SlothSource};
use crate::units::{Duration, Ratio};
use serde_json::Value;

/// One SLO of the service `service` at `pointer`: its name (by Sloth's rule, mapped to an id),
/// objective, description, labels, plugins, SLI and alerting. `None` when any of it has an error.
pub(super) fn read_slo(
    w: &mut Walk,
    pointer: &str,
    value: &Value,
    service: &str,
    names: &Names,
) -> Option<SlothSlo> {
    let slo = w.mapping(pointer, value, "an SLO")?;
    w.only_keys(
        &slo,
        &[
            "name",
            "objective",
            "description",
            "labels",
            "sli",
            "alerting",
            "plugins",
        ],
        "a Sloth SLO",
        false,
    );
    let before = w.error_count();
    let name = w.required_string(
        &slo,
        "name",
        "a Sloth SLO",
        "name the SLO, e.g. `name: requests-availability`",
    );
    let name_ok = name.is_some_and(|n| sloth_name(w, &slo.child("name"), n, "SLO"));
    let id = name
        .filter(|_| name_ok)
        .map(|n| shorten_id(&format!("{}-{}", slofile_id(service), slofile_id(n))));
    let target = read_target(w, &slo);
    let description = w.string(&slo, "description").map(str::to_owned);
    let slo_labels = labels(w, &slo, "labels");
    check_labels(w, &slo.child("labels"), &slo_labels);
    plugins(w, &slo, "plugins");
    let (sli, events) = read_sli(w, &slo, names).unzip();
    let alerting = read_alerting(w, &slo, names);
    if w.error_count() > before {
        return None;
    }
    let (sli, target, id) = (sli?, target?, id?);
    Some(SlothSlo {
        slo: Slo {
            events: None,
            origin: w.loc(&slo.child("name")).origin(),
            title: name.unwrap_or_default().to_owned(),
            id,
            group: None,
            journey: description,
            failure_signal: None,
            window: Duration::default(),
            sli,
            objectives: vec![objective(w, &slo, target)],
            min_events: None,
            group_by: Vec::new(),
            labels: slo_labels,
            burn_policy: None,
            tiers: Vec::new(),
            missing_data: None,
            budget_exhausted: None,
            alert_labels: alerting.labels,
            runbook_url: alerting.runbook_url,
            dashboard: alerting.dashboard,
            alerts: Vec::new(),
            measurement: None,
            verify: Vec::new(),
            tests: Vec::new(),
            notes: Vec::new(),
            k6: None,
            error_budget_policy: None,
            sloth: Some(Box::new(SlothSource {
                name: name.unwrap_or_default().to_owned(),
                alert_name: alerting.name,
                annotations: alerting.annotations,
                page_annotations: alerting.page.annotations.clone(),
                ticket_annotations: alerting.ticket.annotations.clone(),
                page_labels: alerting.page_labels,
                ticket_labels: alerting.ticket_labels,
                events: events.flatten(),
                ..SlothSource::default()
            })),
        },
        page: alerting.page,
        ticket: alerting.ticket,
    })
}

/// An SLO's `objective`: required, a percentage number, e.g. `99.9`. Returns it as a ratio.
fn read_target(w: &mut Walk, slo: &Map) -> Option<Ratio> {
    match slo.get("objective") {
        Some(Value::Number(n)) => {
            let quantity = Quantity::Text(number_text(n));
            w.checker.objective(&slo.child("objective"), &quantity)
        }
        Some(other) => {
            w.error(
                Code::WrongType,
                &slo.child("objective"),
                format!("`objective` must be a number, not {}", type_name(other)),
                "write the objective as a percentage number, e.g. `objective: 99.9`",
            );
            None
        }
        None => {
            w.error(
                Code::MissingObjective,
                &slo.pointer,
                "a Sloth SLO needs `objective`",
                "e.g. `objective: 99.9` for 99.9%",
            );
            None
        }
    }
}

/// The SLO's one objective, `target`, written as the spec writes it (`99.9%`).
fn objective(w: &Walk, slo: &Map, target: Ratio) -> Objective {
    let written = match slo.get("objective") {
        Some(Value::Number(n)) => format!("{}%", number_text(n)),
        _ => target.percent(),
    };
    Objective {
        name: None,
        percentile: None,
        target,
        threshold: None,
        written,
        origin: w.loc(&slo.child("objective")).origin(),
    }
}

/// The SLI, and for `events` its error and total queries.
fn read_sli(w: &mut Walk, slo: &Map, names: &Names) -> Option<(Sli, Option<(String, String)>)> {
    let Some(sli) = w.map_at(slo, "sli", "`sli`") else {
        if !slo.has("sli") {
            w.error(
                Code::MissingField,
                &slo.pointer,
                "a Sloth SLO needs `sli`",
                "give `events` (error and total queries) or `raw` (an error-ratio query)",
            );
        }
        return None;
    };
    w.only_keys(&sli, &["events", "raw", "plugin"], "`sli`", false);
    let kinds: Vec<&str> = ["events", "raw", "plugin"]
        .into_iter()
        .filter(|k| sli.has(k))
        .collect();
    match kinds.as_slice() {
        ["plugin"] => {
            let plugin = w.map_at(&sli, "plugin", "`plugin`");
            let id = plugin
                .as_ref()
                .and_then(|p| w.string(p, "id"))
                .unwrap_or("?")
                .to_owned();
            w.error(
                Code::UnsupportedFeature,
                &sli.child("plugin"),
                format!("Sloth SLI plugin `{id}` is not supported"),
                "SLI plugins are Go code that Sloth runs to write the error-ratio query; write the query \
                 the plugin would produce as `raw.error_ratio_query`, or `events` with error and total queries",
            );
            None
        }
        ["events"] => {
            let events = w.map_at(&sli, "events", "`events`")?;
            let (error_key, total_key) = (names.get("error_query"), names.get("total_query"));
            w.only_keys(&events, &[error_key, total_key], "`events`", false);
            let error = window_query(w, &events, error_key);
            let total = window_query(w, &events, total_key);
            let (error, total) = (error?, total?);
            let (error, total) = (error.trim().to_owned(), total.trim().to_owned());
            let ratio = Sli::Ratio(RatioSli::Query(format!("({error})\n/\n({total})")));
            Some((ratio, Some((error, total))))
        }
        ["raw"] => {
            let raw = w.map_at(&sli, "raw", "`raw`")?;
            let key = names.get("error_ratio_query");
            w.only_keys(&raw, &[key], "`raw`", false);
            let query = window_query(w, &raw, key)?;
            Some((Sli::Ratio(RatioSli::Query(query.trim().to_owned())), None))
        }
        [] => {
            w.error(
                Code::MissingField,
                &sli.pointer,
                "the SLI needs `events` or `raw`",
                "give `events` (error and total queries) or `raw` (an error-ratio query)",
            );
            None
        }
        _ => {
            w.error(
                Code::ConflictingFields,
                &sli.pointer,
                "the SLI takes one of `events`, `raw` and `plugin`, not several",
                "keep one",
            );
            None
        }
    }
}

/// A query with Sloth's `{{.window}}`, rewritten to slofile's `{{window}}` and checked.
fn window_query(w: &mut Walk, map: &Map, key: &str) -> Option<String> {
    let query = w.required_string(
        map,
        key,
        "the SLI",
        "give a PromQL query with `[{{.window}}]` as its range",
    )?;
    let pointer = map.child(key);
    let Some(query) = window_placeholder(query) else {
        w.error(
            Code::MissingField,
            &pointer,
            format!("`{key}` has no `{{{{.window}}}}` placeholder"),
            "write the range as `[{{.window}}]`, so that each alert window gets its own rate",
        );
        return None;
    };
    w.checker
        .promql(&pointer, &query.replace("{{window}}", "5m"))
        .then(|| crate::promql::without_comments(&query).into_owned())
}
