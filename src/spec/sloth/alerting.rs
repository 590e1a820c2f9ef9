//! Sloth's alerting: the page and ticket alerts of an SLO, and `AlertWindows` resources.

use super::super::Tier;
use super::super::walk::{Loc, Map, Walk};
use super::{Names, check_labels, labels};
use crate::diagnostics::{Code, quoted};
use crate::units::{Duration, Ratio};
use serde_json::Value;
use std::collections::BTreeMap;

/// An `AlertWindows` resource: the tiers for one SLO period.
#[derive(Debug)]
pub(super) struct AlertWindows {
    pub(super) period: Duration,
    pub(super) tiers: Vec<Tier>,
    pub(super) loc: Loc,
}

#[derive(Default)]
pub(super) struct SlothAlerting {
    pub(super) labels: BTreeMap<String, String>,
    /// `alerting.name`.
    pub(super) name: Option<String>,
    /// `alerting.annotations`, all of them.
    pub(super) annotations: BTreeMap<String, String>,
    /// The labels Sloth puts on the page and on the ticket alert.
    pub(super) page_labels: BTreeMap<String, String>,
    pub(super) ticket_labels: BTreeMap<String, String>,
    pub(super) page: TierAlert,
    pub(super) ticket: TierAlert,
    pub(super) runbook_url: Option<String>,
    pub(super) dashboard: Option<String>,
}

/// What the page or the ticket alert gives its tiers.
#[derive(Debug, Default)]
pub(super) struct TierAlert {
    /// `None` when the alert is disabled.
    pub(super) severity: Option<String>,
    /// The alert's labels but `severity`: they go on its tiers' alerts only.
    pub(super) labels: BTreeMap<String, String>,
    /// The alert's own annotations.
    pub(super) annotations: BTreeMap<String, String>,
}

/// One of `page_alert` and `ticket_alert`.
pub(super) struct AlertSide {
    pub(super) enabled: bool,
    pub(super) labels: BTreeMap<String, String>,
    pub(super) annotations: BTreeMap<String, String>,
}

pub(super) fn read_side(w: &mut Walk, alerting: Option<&Map>, key: &str) -> AlertSide {
    let mut side = AlertSide {
        enabled: true,
        labels: BTreeMap::new(),
        annotations: BTreeMap::new(),
    };
    let Some(map) = alerting.and_then(|a| w.map_at(a, key, &format!("`{key}`"))) else {
        return side;
    };
    w.only_keys(
        &map,
        &["disable", "labels", "annotations"],
        &format!("`{key}`"),
        false,
    );
    side.enabled = !w.boolean(&map, "disable").unwrap_or(false);
    side.labels = labels(w, &map, "labels");
    side.annotations = labels(w, &map, "annotations");
    side
}

/// An SLO's `alerting`: its labels and annotations, its page and ticket alerts (under the keys
/// of `names`), the alert name Sloth requires, and an info on what slofile's own rules leave out.
pub(super) fn read_alerting(w: &mut Walk, slo: &Map, names: &Names) -> SlothAlerting {
    let alerting = w.map_at(slo, "alerting", "`alerting`");
    let (page_key, ticket_key) = (names.get("page_alert"), names.get("ticket_alert"));
    if let Some(alerting) = &alerting {
        w.only_keys(
            alerting,
            &["name", "labels", "annotations", page_key, ticket_key],
            "`alerting`",
            false,
        );
    }
    let mut common = alerting
        .as_ref()
        .map(|a| labels(w, a, "labels"))
        .unwrap_or_default();
    let all_annotations = alerting
        .as_ref()
        .map(|a| labels(w, a, "annotations"))
        .unwrap_or_default();
    let mut annotations = all_annotations.clone();
    let mut page = read_side(w, alerting.as_ref(), page_key);
    let mut ticket = read_side(w, alerting.as_ref(), ticket_key);
    // Sloth's own labels of each alert, `severity` included: `alerting`'s, then the alert's.
    let sloth_labels = |side: &AlertSide| {
        let mut labels = common.clone();
        labels.extend(side.labels.clone());
        labels
    };
    let (page_labels, ticket_labels) = (sloth_labels(&page), sloth_labels(&ticket));
    let common_severity = common.remove("severity");
    let at = alerting
        .as_ref()
        .map_or_else(|| slo.pointer.clone(), |a| a.pointer.clone());
    check_labels(w, &format!("{at}/labels"), &common);
    let common_severity = common_severity.as_deref();
    let result = SlothAlerting {
        page: tier_alert(w, &at, &mut page, page_key, "page", common_severity),
        ticket: tier_alert(w, &at, &mut ticket, ticket_key, "ticket", common_severity),
        runbook_url: annotations
            .remove("runbook_url")
            .or_else(|| annotations.remove("runbook")),
        dashboard: annotations.remove("dashboard"),
        labels: common,
        name: alerting
            .as_ref()
            .and_then(|a| w.string(a, "name"))
            .map(str::to_owned),
        annotations: all_annotations,
        page_labels,
        ticket_labels,
    };
    check_alert_name(w, slo, alerting.as_ref(), page.enabled || ticket.enabled);
    report_not_carried(w, &at, alerting.as_ref(), annotations, &page, &ticket);
    result
}

/// What the page or ticket alert under `key` gives its tiers. As in Sloth, each alert has the
/// labels of `alerting` and its own, its own winning; its own go on its tiers only, so that a
/// page's routing key never reaches a ticket. Its severity is its own `severity` label, else
/// `alerting`'s, else `default`.
fn tier_alert(
    w: &mut Walk,
    at: &str,
    side: &mut AlertSide,
    key: &str,
    default: &str,
    common_severity: Option<&str>,
) -> TierAlert {
    let severity = side.labels.remove("severity");
    check_labels(w, &format!("{at}/{key}/labels"), &side.labels);
    TierAlert {
        severity: side.enabled.then(|| {
            severity
                .or_else(|| common_severity.map(str::to_owned))
                .unwrap_or_else(|| default.to_owned())
        }),
        labels: std::mem::take(&mut side.labels),
        annotations: side.annotations.clone(),
    }
}

/// Sloth names both alerts after `alerting.name` and refuses a spec without one while an alert is
/// enabled; slofile names its alerts itself, but keeps the rule so that a spec it accepts stays
/// valid for Sloth.
fn check_alert_name(w: &mut Walk, slo: &Map, alerting: Option<&Map>, any_enabled: bool) {
    let name = alerting.and_then(|a| w.string(a, "name"));
    if any_enabled && name.is_none_or(|n| n.trim().is_empty()) {
        let (pointer, message) = match (alerting, name) {
            (Some(a), Some(_)) => (a.child("name"), "`alerting.name` is empty"),
            (Some(a), None) => (
                a.pointer.clone(),
                "`alerting` needs `name` while an alert is enabled",
            ),
            (None, _) => (
                slo.pointer.clone(),
                "a Sloth SLO needs `alerting` with a `name` while its alerts are enabled",
            ),
        };
        w.error(
            Code::MissingField,
            &pointer,
            message,
            "Sloth requires the alert name; set `alerting.name`, or disable both `page_alert` and `ticket_alert`",
        );
    }
}

/// An info at `at` on what slofile's own rules leave out: the alert name, the annotations of
/// `alerting` that no rule keeps (`annotations`, from which `runbook_url`, `runbook` and
/// `dashboard` are taken), and those of each alert.
fn report_not_carried(
    w: &mut Walk,
    at: &str,
    alerting: Option<&Map>,
    annotations: BTreeMap<String, String>,
    page: &AlertSide,
    ticket: &AlertSide,
) {
    let mut not_carried = Vec::new();
    if let Some(name) = alerting.and_then(|a| a.get("name")).and_then(Value::as_str) {
        not_carried.push(format!("the alert name `{name}`"));
    }
    let mut skipped: Vec<String> = annotations.into_keys().collect();
    skipped.extend(
        page.annotations
            .keys()
            .chain(ticket.annotations.keys())
            .cloned(),
    );
    skipped.sort();
    skipped.dedup();
    if !skipped.is_empty() {
        not_carried.push(format!(
            "{} {}",
            if skipped.len() > 1 {
                "annotations"
            } else {
                "annotation"
            },
            quoted(skipped.iter().map(String::as_str), ", ")
        ));
    }
    if !not_carried.is_empty() {
        w.info(
            Code::NotCarried,
            at,
            format!("{} {} not carried into slofile's own rules", not_carried.join(" and "), if not_carried.len() > 1 { "are" } else { "is" }),
            "slofile names its alerts and writes their summary and description itself, with the burn \
             rate, budget share and windows; `runbook_url` and `dashboard` annotations are kept. \
             `slofile build --compat sloth` writes Sloth's alerts, with these names and annotations",
        );
    }
}

pub(super) fn read_alert_windows(w: &mut Walk, json: &Value) -> Option<AlertWindows> {
    let root = w.mapping("", json, "AlertWindows")?;
    w.only_keys(
        &root,
        &["apiVersion", "kind", "metadata", "spec"],
        "AlertWindows",
        false,
    );
    let Some(spec) = w.map_at(&root, "spec", "`spec`") else {
        w.error(
            Code::MissingField,
            "",
            "AlertWindows needs `spec`",
            "give `sloPeriod`, `page` and `ticket`",
        );
        return None;
    };
    w.only_keys(
        &spec,
        &["sloPeriod", "page", "ticket"],
        "AlertWindows `spec`",
        false,
    );
    let before = w.error_count();
    let period = w
        .required_string(&spec, "sloPeriod", "AlertWindows", "e.g. `sloPeriod: 30d`")
        .and_then(|p| w.checker.duration(&spec.child("sloPeriod"), p));
    let mut tiers = Vec::new();
    for severity in ["page", "ticket"] {
        let Some(side) = w.map_at(&spec, severity, &format!("`{severity}`")) else {
            w.error(
                Code::MissingField,
                &spec.pointer,
                format!("AlertWindows needs `{severity}`"),
                "give its `quick` and `slow` windows",
            );
            continue;
        };
        w.only_keys(&side, &["quick", "slow"], &format!("`{severity}`"), false);
        for speed in ["quick", "slow"] {
            let Some(window) = w.map_at(&side, speed, &format!("`{speed}`")) else {
                w.error(
                    Code::MissingField,
                    &side.pointer,
                    format!("`{severity}` needs `{speed}`"),
                    "give `errorBudgetPercent`, `shortWindow` and `longWindow`",
                );
                continue;
            };
            w.only_keys(
                &window,
                &["errorBudgetPercent", "shortWindow", "longWindow"],
                &format!("`{speed}`"),
                false,
            );
            let share = w.number(&window, "errorBudgetPercent").and_then(|p| {
                let share = p.checked_div(Ratio::integer(100)).ok()?;
                if share.is_zero() || share.numer() < 0 || share > Ratio::ONE {
                    w.error(
                        Code::InvalidQuantity,
                        &window.child("errorBudgetPercent"),
                        format!("`errorBudgetPercent` {p} is not in (0, 100]"),
                        "the share of the period's error budget spent in the long window, e.g. `2`",
                    );
                    return None;
                }
                Some(share)
            });
            let short = w
                .required_string(
                    &window,
                    "shortWindow",
                    "an alert window",
                    "e.g. `shortWindow: 5m`",
                )
                .and_then(|s| w.checker.duration(&window.child("shortWindow"), s));
            let long = w
                .required_string(
                    &window,
                    "longWindow",
                    "an alert window",
                    "e.g. `longWindow: 1h`",
                )
                .and_then(|s| w.checker.duration(&window.child("longWindow"), s));
            if let (Some(share), Some(short), Some(long)) = (share, short, long) {
                if short >= long {
                    w.error(
                        Code::WindowOrder,
                        &window.child("shortWindow"),
                        format!("short window {short} is not shorter than long window {long}"),
                        "the short window resets the alert quickly; make it about 1/12 of the long window",
                    );
                }
                tiers.push(Tier {
                    severity: severity.to_owned(),
                    budget_share: Some(share),
                    factor: None,
                    long,
                    short,
                    for_: Duration::default(),
                    escalation: None,
                    labels: BTreeMap::new(),
                });
            }
        }
    }
    if w.error_count() > before {
        return None;
    }
    Some(AlertWindows {
        period: period?,
        tiers,
        loc: w.loc(&spec.child("sloPeriod")),
    })
}
