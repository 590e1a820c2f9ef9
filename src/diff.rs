//! `slofile diff`: what a change to the specs does to objectives, error budgets and alerts, as
//! Markdown ready for a pull-request comment.
//!
//! Both sides are compiled to a [`Plan`] and compared there, so the summary speaks of what the
//! specs mean (a budget as time, the error ratio at which a tier fires), not of how they are
//! written. `--base REV` reads the old side from git.

use crate::UsageError;
use crate::compile::{Evaluator, LeftOut, ObjectivePlan, Plan, ServicePlan, SloPlan, TierPlan};
use crate::diagnostics::{Code, Diagnostic, Report};
use crate::spec::load::display_path;
use crate::spec::validate::signal_name;
use crate::spec::{
    AlertSource, Channel, EscalationLevel, RatioSli, Sli, StaticAlert, model::ChannelType,
};
use crate::units::Duration;
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// First line of the Markdown, so that a CI job can find and update its earlier comment.
pub const MARKER: &str = "<!-- slofile diff -->";

/// Whether a service or SLO is new, gone, or different.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Added,
    Removed,
    Changed,
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Changed => "changed",
        }
    }
}

/// Everything that differs between two plans.
#[derive(Debug, Default)]
pub struct Changes {
    pub services: Vec<ServiceChanges>,
}

#[derive(Debug)]
pub struct ServiceChanges {
    pub id: String,
    pub status: Status,
    pub slos: Vec<SloChanges>,
    /// Changes to the escalation matrix and the channels it notifies.
    pub routing: Vec<String>,
}

#[derive(Debug)]
pub struct SloChanges {
    pub id: String,
    pub status: Status,
    /// One line per change, old → new; for added and removed SLOs, what the SLO is.
    pub lines: Vec<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }

    /// The changes as Markdown for a pull-request comment.
    pub fn markdown(&self) -> String {
        let mut out = format!("{MARKER}\n## SLO changes\n\n");
        if self.is_empty() {
            out.push_str("No changes to services, SLOs, error budgets or alerts.\n");
            return out;
        }
        let _ = writeln!(out, "{}\n", self.summary());
        for service in &self.services {
            let _ = writeln!(
                out,
                "### Service `{}`: {}\n",
                service.id,
                service.status.word()
            );
            for slo in &service.slos {
                let _ = writeln!(out, "**SLO `{}`: {}**\n", slo.id, slo.status.word());
                for line in &slo.lines {
                    let _ = writeln!(out, "- {line}");
                }
                if !slo.lines.is_empty() {
                    out.push('\n');
                }
            }
            if !service.routing.is_empty() {
                out.push_str("**Escalation and channels**\n\n");
                for line in &service.routing {
                    let _ = writeln!(out, "- {line}");
                }
                out.push('\n');
            }
        }
        out
    }

    fn summary(&self) -> String {
        let count = |status: Status| {
            self.services
                .iter()
                .flat_map(|s| &s.slos)
                .filter(|s| s.status == status)
                .count()
        };
        let services = self
            .services
            .iter()
            .map(|s| format!("`{}` {}", s.id, s.status.word()))
            .collect::<Vec<_>>()
            .join(", ");
        let slos = [Status::Changed, Status::Added, Status::Removed]
            .into_iter()
            .map(|status| (count(status), status))
            .filter(|(n, _)| *n > 0)
            .map(|(n, status)| format!("{n} {}", status.word()))
            .collect::<Vec<_>>();
        let slos = if slos.is_empty() {
            "no SLO changed".to_owned()
        } else {
            format!("SLOs: {}", slos.join(", "))
        };
        format!("Services: {services}. {slos}.")
    }
}

/// Compares two plans.
pub fn diff(old: &Plan, new: &Plan) -> Changes {
    let mut changes = Changes::default();
    for pair in pair_by(&old.services, &new.services, |s| s.meta.id.as_str()) {
        let service = match pair {
            (None, Some(new)) => ServiceChanges {
                id: new.meta.id.clone(),
                status: Status::Added,
                slos: new
                    .slos
                    .iter()
                    .map(|s| whole_slo(s, Status::Added))
                    .collect(),
                routing: routing_changes(&[], &new.meta.escalation, &[], &new.meta.channels),
            },
            (Some(old), None) => ServiceChanges {
                id: old.meta.id.clone(),
                status: Status::Removed,
                slos: old
                    .slos
                    .iter()
                    .map(|s| whole_slo(s, Status::Removed))
                    .collect(),
                routing: Vec::new(),
            },
            (Some(old), Some(new)) => {
                let Some(service) = service_changes(old, new) else {
                    continue;
                };
                service
            }
            (None, None) => continue,
        };
        changes.services.push(service);
    }
    changes
}

fn service_changes(old: &ServicePlan, new: &ServicePlan) -> Option<ServiceChanges> {
    let mut slos = Vec::new();
    for pair in pair_by(&old.slos, &new.slos, |s| s.slo.id.as_str()) {
        match pair {
            (None, Some(new)) => slos.push(whole_slo(new, Status::Added)),
            (Some(old), None) => slos.push(whole_slo(old, Status::Removed)),
            (Some(old), Some(new)) => {
                let lines = slo_changes(old, new);
                if !lines.is_empty() {
                    slos.push(SloChanges {
                        id: new.slo.id.clone(),
                        status: Status::Changed,
                        lines,
                    });
                }
            }
            (None, None) => {}
        }
    }
    let routing = routing_changes(
        &old.meta.escalation,
        &new.meta.escalation,
        &old.meta.channels,
        &new.meta.channels,
    );
    (!slos.is_empty() || !routing.is_empty()).then(|| ServiceChanges {
        id: new.meta.id.clone(),
        status: Status::Changed,
        slos,
        routing,
    })
}

/// Pairs items of two lists by key: items of `new` in their order, then those only in `old`.
fn pair_by<'a, T, K: PartialEq>(
    old: &'a [T],
    new: &'a [T],
    key: impl Fn(&'a T) -> K,
) -> Vec<(Option<&'a T>, Option<&'a T>)> {
    let mut pairs: Vec<(Option<&T>, Option<&T>)> = new
        .iter()
        .map(|n| (old.iter().find(|o| key(o) == key(n)), Some(n)))
        .collect();
    for o in old {
        if !new.iter().any(|n| key(n) == key(o)) {
            pairs.push((Some(o), None));
        }
    }
    pairs
}

/// What an added or removed SLO is, in one line per objective, tier and static alert.
fn whole_slo(plan: &SloPlan, status: Status) -> SloChanges {
    let mut lines = Vec::new();
    if status == Status::Added {
        lines.push(format!("measured by {}", sli_kind(&plan.slo.sli)));
        if plan.objectives.is_empty() {
            lines.push("documentation only: no objective to compute".to_owned());
        }
        for objective in &plan.objectives {
            lines.push(format!(
                "{}objective {}: budget {} per {}",
                objective_prefix(objective),
                objective.objective.target.percent(),
                budget(objective.budget_time),
                plan.slo.window.human()
            ));
            for tier in &objective.tiers {
                lines.push(format!(
                    "{}{}",
                    objective_prefix(objective),
                    tier_summary(tier)
                ));
            }
        }
        for (alert, evaluator) in plan.static_alerts() {
            lines.push(format!(
                "static alert `{}`: {}{}",
                alert.id,
                static_alert(alert),
                evaluated_by(evaluator)
            ));
        }
    } else {
        for objective in &plan.objectives {
            lines.push(format!(
                "{}was objective {} over {}",
                objective_prefix(objective),
                objective.objective.target.percent(),
                plan.slo.window.human()
            ));
        }
    }
    SloChanges {
        id: plan.slo.id.clone(),
        status,
        lines,
    }
}

fn slo_changes(old: &SloPlan, new: &SloPlan) -> Vec<String> {
    let mut lines = Vec::new();
    let (o, n) = (&old.slo, &new.slo);
    if o.title != n.title {
        lines.push(format!("title “{}” → “{}”", o.title, n.title));
    }
    lines.extend(sli_changes(&o.sli, &n.sli));
    let window_changed = o.window != n.window;
    for pair in pair_by(&old.objectives, &new.objectives, |p| {
        p.objective.name.as_deref()
    }) {
        match pair {
            (None, Some(added)) => lines.push(format!(
                "{}objective added: {}, budget {} per {}",
                objective_prefix(added),
                added.objective.target.percent(),
                budget(added.budget_time),
                n.window.human()
            )),
            (Some(removed), None) => lines.push(format!(
                "{}objective removed (was {})",
                objective_prefix(removed),
                removed.objective.target.percent()
            )),
            (Some(before), Some(after)) => {
                lines.extend(objective_changes(before, after, old, new, window_changed));
            }
            (None, None) => {}
        }
    }
    if window_changed && old.objectives.is_empty() && new.objectives.is_empty() {
        lines.push(format!(
            "window {} → {}",
            o.window.human(),
            n.window.human()
        ));
    }
    if o.min_events != n.min_events {
        let show = |m: Option<u64>| m.map_or("none".to_owned(), |m| m.to_string());
        lines.push(format!(
            "minimum events for burn-rate alerts {} → {}",
            show(o.min_events),
            show(n.min_events)
        ));
    }
    if o.group_by != n.group_by {
        lines.push(format!(
            "one series per {} → {}",
            list_or_none(&o.group_by),
            list_or_none(&n.group_by)
        ));
    }
    if o.burn_policy != n.burn_policy {
        let show = |p: &Option<String>| p.clone().unwrap_or_else(|| "none".to_owned());
        lines.push(format!(
            "burn-rate policy `{}` → `{}`",
            show(&o.burn_policy),
            show(&n.burn_policy)
        ));
    }
    for pair in pair_by(&o.alerts, &n.alerts, |a| a.id.as_str()) {
        match pair {
            (None, Some(added)) => lines.push(format!(
                "static alert `{}` added: {}",
                added.id,
                static_alert(added)
            )),
            (Some(removed), None) => lines.push(format!(
                "static alert `{}` removed (was {})",
                removed.id,
                static_alert(removed)
            )),
            (Some(before), Some(after)) => lines.extend(static_alert_change(before, after)),
            (None, None) => {}
        }
    }
    for (alert, evaluator) in new.static_alerts() {
        let before = old
            .static_alerts()
            .find(|(a, _)| a.id == alert.id)
            .map(|(_, e)| e);
        if before.is_some_and(|before| before != evaluator) {
            let now = match evaluator {
                Evaluator::Prometheus => " now evaluated by Prometheus".to_owned(),
                other => evaluated_by(other),
            };
            lines.push(format!("static alert `{}`:{now}", alert.id));
        }
    }
    lines
}

fn objective_changes(
    before: &ObjectivePlan,
    after: &ObjectivePlan,
    old: &SloPlan,
    new: &SloPlan,
    window_changed: bool,
) -> Vec<String> {
    let mut lines = Vec::new();
    let prefix = objective_prefix(after);
    let (from, to) = (before.objective.target, after.objective.target);
    let (old_window, new_window) = (old.slo.window.human(), new.slo.window.human());
    let (old_budget, new_budget) = budget_pair(before.budget_time, after.budget_time);
    match (from != to, window_changed) {
        (true, false) => lines.push(format!(
            "{prefix}objective {} → {}: budget {old_budget} → {new_budget} per {new_window}",
            from.percent(),
            to.percent()
        )),
        (false, true) => lines.push(format!(
            "{prefix}window {old_window} → {new_window}: budget {old_budget} → {new_budget}"
        )),
        (true, true) => lines.push(format!(
            "{prefix}objective {} → {} and window {old_window} → {new_window}: budget \
             {old_budget} per {old_window} → {new_budget} per {new_window}",
            from.percent(),
            to.percent()
        )),
        (false, false) => {}
    }
    if before.objective.threshold != after.objective.threshold {
        let show = |d: Option<Duration>| d.map_or("none".to_owned(), Duration::human);
        let name = after.objective.name.as_deref().unwrap_or("objective");
        lines.push(format!(
            "{name}: threshold {} → {}",
            show(before.objective.threshold),
            show(after.objective.threshold)
        ));
    }
    for (b, a) in pair_tiers(&before.tiers, &after.tiers) {
        match (b, a) {
            (None, Some(added)) => {
                lines.push(format!("{prefix}tier added: {}", tier_summary(added)));
            }
            (Some(removed), None) => {
                lines.push(format!("{prefix}tier removed: {}", tier_summary(removed)));
            }
            (Some(b), Some(a)) => {
                if let Some(line) = tier_change(b, a) {
                    lines.push(format!("{prefix}{line}"));
                }
            }
            (None, None) => {}
        }
    }
    lines
}

/// Pairs tiers: same severity and windows first, then same severity in order; the rest are
/// added or removed.
fn pair_tiers<'a>(
    old: &'a [TierPlan],
    new: &'a [TierPlan],
) -> Vec<(Option<&'a TierPlan>, Option<&'a TierPlan>)> {
    let mut taken = vec![false; old.len()];
    let mut matched: Vec<Option<usize>> = vec![None; new.len()];
    let same_windows = |o: &TierPlan, n: &TierPlan| {
        o.severity == n.severity && o.long == n.long && o.short == n.short
    };
    let same_severity = |o: &TierPlan, n: &TierPlan| o.severity == n.severity;
    for rule in [
        &same_windows as &dyn Fn(&TierPlan, &TierPlan) -> bool,
        &same_severity,
    ] {
        for (j, n) in new.iter().enumerate() {
            if matched[j].is_some() {
                continue;
            }
            if let Some(i) = (0..old.len()).find(|&i| !taken[i] && rule(&old[i], n)) {
                taken[i] = true;
                matched[j] = Some(i);
            }
        }
    }
    let mut pairs: Vec<_> = new
        .iter()
        .zip(&matched)
        .map(|(n, m)| (m.map(|i| &old[i]), Some(n)))
        .collect();
    pairs.extend(
        old.iter()
            .zip(&taken)
            .filter(|(_, t)| !**t)
            .map(|(o, _)| (Some(o), None)),
    );
    pairs
}

fn tier_name(tier: &TierPlan) -> String {
    format!("`{}` {}/{}", tier.severity, tier.long, tier.short)
}

fn fires_at(tier: &TierPlan) -> String {
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
fn never(tier: &TierPlan) -> String {
    match &tier.left_out {
        Some(LeftOut::AboveFullOutage) | None => {
            format!("it needs {} errors", tier.error_threshold.percent())
        }
        Some(left_out) => left_out.reason(tier),
    }
}

/// Nothing for an alert Prometheus evaluates; otherwise why no system does.
fn evaluated_by(evaluator: &Evaluator) -> String {
    match evaluator {
        Evaluator::Prometheus => String::new(),
        Evaluator::Documentation => " (documentation only: no system evaluates it)".to_owned(),
        Evaluator::Nobody(reason) => format!(" (not evaluated by any system yet: {reason})"),
    }
}

fn routed(tier: &TierPlan) -> String {
    tier.escalation
        .as_ref()
        .map(|e| format!(", routed to {e}"))
        .unwrap_or_default()
}

fn tier_summary(tier: &TierPlan) -> String {
    format!(
        "{} {} ({}× burn, {} of the budget){}",
        tier_name(tier),
        fires_at(tier),
        tier.factor.significant(4),
        tier.budget_share.percent(),
        routed(tier)
    )
}

fn tier_change(before: &TierPlan, after: &TierPlan) -> Option<String> {
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

/// `p95 ≤ 500 ms: ` for percentile objectives; nothing for an SLO's single objective.
fn objective_prefix(plan: &ObjectivePlan) -> String {
    match (&plan.objective.name, plan.objective.threshold) {
        (Some(name), Some(threshold)) => format!("{name} ≤ {}: ", threshold.human()),
        (Some(name), None) => format!("{name}: "),
        (None, _) => String::new(),
    }
}

/// A budget as time, to the minute once it is long enough that seconds are noise.
fn budget(time: Duration) -> String {
    const TEN_MINUTES: u64 = 600_000;
    if time.millis() >= TEN_MINUTES {
        Duration::from_millis((time.millis() + 30_000) / 60_000 * 60_000).human()
    } else {
        time.human()
    }
}

/// Two budgets for an old → new line: rounded, unless rounding makes them look equal.
fn budget_pair(before: Duration, after: Duration) -> (String, String) {
    let (b, a) = (budget(before), budget(after));
    if b == a && before != after {
        (before.human(), after.human())
    } else {
        (b, a)
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".to_owned()
    } else {
        items
            .iter()
            .map(|i| format!("`{i}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Inline code that survives backticks in the text.
fn code(text: &str) -> String {
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

fn sli_kind(sli: &Sli) -> String {
    match sli {
        Sli::Ratio(_) => "a ratio of events".to_owned(),
        Sli::Latency(h) => format!("latency histogram {}", code(&h.histogram)),
        Sli::Freshness { from, to, .. } => format!("freshness {from} → {to}"),
        Sli::Gauge(g) => format!("gauge {}", code(&g.query)),
        Sli::Probe(p) => format!("a probe of {}", p.url),
        Sli::Sentry(s) => format!("Sentry transaction {}", code(&s.transaction)),
        Sli::Documentary { target, .. } => format!("documentation only, target {target}"),
    }
}

/// The fields of an SLI that decide what is measured, by name.
fn sli_fields(sli: &Sli) -> Vec<(&'static str, String)> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    match sli {
        Sli::Ratio(RatioSli::Events {
            good,
            events,
            total,
        }) => vec![
            (if *good { "good" } else { "bad" }, events.clone()),
            ("total", total.clone()),
        ],
        Sli::Ratio(RatioSli::Query(query)) => vec![("error_ratio_query", query.clone())],
        Sli::Latency(h) => vec![
            ("histogram", h.histogram.clone()),
            ("buckets", buckets(&h.buckets)),
        ],
        Sli::Freshness {
            from,
            to,
            histogram,
        } => vec![
            ("from", from.clone()),
            ("to", to.clone()),
            (
                "histogram",
                histogram
                    .as_ref()
                    .map(|h| h.histogram.clone())
                    .unwrap_or_default(),
            ),
            (
                "buckets",
                histogram
                    .as_ref()
                    .map(|h| buckets(&h.buckets))
                    .unwrap_or_default(),
            ),
        ],
        Sli::Gauge(g) => vec![
            ("query", g.query.clone()),
            (
                if g.good_below { "below" } else { "above" },
                g.threshold.to_decimal(),
            ),
            ("slice", g.slice.to_string()),
        ],
        Sli::Probe(p) => vec![
            ("url", p.url.clone()),
            ("interval", p.interval.to_string()),
            ("metric", opt(&p.metric)),
        ],
        Sli::Sentry(s) => vec![
            ("project", s.project.clone()),
            ("transaction", s.transaction.clone()),
            ("failure", s.failure.clone()),
            ("exclude", opt(&s.exclude)),
        ],
        Sli::Documentary { target, .. } => vec![("target", target.clone())],
    }
}

fn buckets(buckets: &[f64]) -> String {
    buckets
        .iter()
        .map(f64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn sli_changes(old: &Sli, new: &Sli) -> Vec<String> {
    if old.kind() != new.kind() {
        return vec![format!(
            "SLI {} → {}: now measured by {}",
            old.kind(),
            new.kind(),
            sli_kind(new)
        )];
    }
    let (before, after) = (sli_fields(old), sli_fields(new));
    let mut lines = Vec::new();
    for ((name_before, b), (name_after, a)) in before.iter().zip(&after) {
        let show = |v: &str| {
            if v.is_empty() {
                "none".to_owned()
            } else {
                code(v)
            }
        };
        if name_before != name_after {
            lines.push(format!(
                "SLI `{name_before}` {} → `{name_after}` {}",
                show(b),
                show(a)
            ));
        } else if b != a {
            lines.push(format!("SLI `{name_after}` {} → {}", show(b), show(a)));
        }
    }
    lines
}

/// A static alert in one line: what it compares, when, and where it goes.
fn static_alert(alert: &StaticAlert) -> String {
    static_alert_parts(alert)
        .into_iter()
        .map(|(_, part)| part)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The parts of a static alert, by what they say, so that a change names only what changed.
fn static_alert_parts(alert: &StaticAlert) -> [(&'static str, String); 5] {
    let what = match &alert.source {
        AlertSource::Expr(expr) => code(expr),
        AlertSource::Signal(signal) => match alert.percentile {
            Some(p) => format!("p{} over {}", p, alert.over),
            None => format!(
                "{} over {}",
                signal_name(*signal).replace('_', " "),
                alert.over
            ),
        },
    };
    let threshold = format!(
        "{} {}",
        if alert.above { "above" } else { "below" },
        alert.threshold.human()
    );
    let held = alert
        .for_
        .filter(|f| f.millis() > 0)
        .map(|f| format!("for {f}"))
        .unwrap_or_default();
    let escalation = alert
        .escalation
        .as_ref()
        .map(|e| format!("escalation {e}"))
        .unwrap_or_default();
    [
        ("watches", what),
        ("fires", threshold),
        ("holds", held),
        ("severity", format!("severity `{}`", alert.severity)),
        ("routes", escalation),
    ]
}

fn static_alert_change(before: &StaticAlert, after: &StaticAlert) -> Option<String> {
    let parts: Vec<String> = static_alert_parts(before)
        .into_iter()
        .zip(static_alert_parts(after))
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

fn channel(channel: &Channel) -> String {
    let kind = channel_kind(channel.kind);
    match &channel.target {
        Some(target) => format!("{kind} {}", code(target)),
        None => kind.to_owned(),
    }
}

fn channel_kind(kind: ChannelType) -> &'static str {
    match kind {
        ChannelType::Slack => "Slack",
        ChannelType::Email => "e-mail",
        ChannelType::Sms => "SMS",
        ChannelType::Pagerduty => "PagerDuty",
        ChannelType::Sentry => "Sentry",
        ChannelType::Uptimerobot => "UptimeRobot",
        ChannelType::Webhook => "webhook",
        ChannelType::Log => "log",
        ChannelType::Dashboard => "dashboard",
    }
}

fn level_name(level: &EscalationLevel) -> String {
    match &level.name {
        Some(name) => format!("{} ({name})", level.severity),
        None => level.severity.clone(),
    }
}

fn response(level: &EscalationLevel) -> String {
    match level.response_time {
        Some(time) => format!("{} ({})", level.response, time.human()),
        None => level.response.clone(),
    }
}

fn routing_changes(
    old_levels: &[EscalationLevel],
    new_levels: &[EscalationLevel],
    old_channels: &[Channel],
    new_channels: &[Channel],
) -> Vec<String> {
    let mut lines = Vec::new();
    for pair in pair_by(old_levels, new_levels, |l| l.severity.as_str()) {
        match pair {
            (None, Some(added)) => lines.push(format!(
                "escalation {} added: {}, response {}, notifies {}",
                level_name(added),
                added.condition,
                response(added),
                list_or_none(&added.channels)
            )),
            (Some(removed), None) => {
                lines.push(format!("escalation {} removed", level_name(removed)));
            }
            (Some(b), Some(a)) => {
                let mut parts = Vec::new();
                if b.name != a.name {
                    parts.push(format!("name {} → {}", level_name(b), level_name(a)));
                }
                if b.condition != a.condition {
                    parts.push(format!("condition “{}” → “{}”", b.condition, a.condition));
                }
                if b.response != a.response || b.response_time != a.response_time {
                    parts.push(format!("response {} → {}", response(b), response(a)));
                }
                if b.channels != a.channels {
                    parts.push(format!(
                        "notifies {} → {}",
                        list_or_none(&b.channels),
                        list_or_none(&a.channels)
                    ));
                }
                if !parts.is_empty() {
                    lines.push(format!("escalation {}: {}", a.severity, parts.join("; ")));
                }
            }
            (None, None) => {}
        }
    }
    for pair in pair_by(old_channels, new_channels, |c| c.id.as_str()) {
        match pair {
            (None, Some(added)) => {
                lines.push(format!("channel `{}` added: {}", added.id, channel(added)));
            }
            (Some(removed), None) => {
                lines.push(format!(
                    "channel `{}` removed (was {})",
                    removed.id,
                    channel(removed)
                ));
            }
            (Some(b), Some(a)) => {
                let (before, after) = (channel(b), channel(a));
                if before != after {
                    lines.push(format!("channel `{}`: {before} → {after}", a.id));
                }
                if b.secret_file != a.secret_file {
                    let show = |s: &Option<String>| s.as_deref().map_or("none".to_owned(), code);
                    lines.push(format!(
                        "channel `{}`: secret file {} → {}",
                        a.id,
                        show(&b.secret_file),
                        show(&a.secret_file)
                    ));
                }
            }
            (None, None) => {}
        }
    }
    lines
}

/// The old side of `diff --base REV PATH...`: the spec files under PATH... as they are at REV.
///
/// The files are listed with `git ls-tree`, read with `git show REV:path` into memory, and
/// compiled from there under the names `REV:path`, which is how their diagnostics show. Nothing is
/// written to disk. Paths that do not exist at REV contribute nothing, so a pull request that adds
/// the first spec diffs against an empty plan.
pub fn plan_at_revision(
    rev: &str,
    paths: &[PathBuf],
    options: &crate::LoadOptions,
    report: &mut Report,
) -> Result<Option<Plan>, UsageError> {
    let top = git(&["rev-parse", "--show-toplevel"], None)?;
    let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
    let prefix = git(&["rev-parse", "--show-prefix"], None)?;
    let prefix = prefix.trim_end_matches(['\n', '\r']);
    let commit = format!("{rev}^{{commit}}");
    git(&["rev-parse", "--verify", "--quiet", &commit], None).map_err(|_| {
        UsageError(
            Diagnostic::error(Code::Io, format!("`{rev}` is not a git revision here")).with_help(
                "fetch it first, e.g. `git fetch origin main`, and pass `--base origin/main`",
            ),
        )
    })?;
    let specs: Vec<String> = paths
        .iter()
        .map(|p| repo_relative(&top, prefix, p))
        .collect::<Result<_, _>>()?;

    let mut args = vec!["ls-tree", "-r", "-z", "--full-name", &commit, "--"];
    // Pathspecs are relative to the repository top, where git runs; "" is the whole tree.
    args.extend(
        specs
            .iter()
            .map(|s| if s.is_empty() { "." } else { s.as_str() }),
    );
    let listing = git(&args, Some(&top))?;

    let mut files: Vec<&str> = Vec::new();
    for entry in listing.split('\0').filter(|e| !e.is_empty()) {
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut fields = meta.split(' ');
        let (Some(mode), Some("blob")) = (fields.next(), fields.next()) else {
            continue;
        };
        if matches!(mode, "100644" | "100755") && specs.iter().any(|spec| selects(spec, path)) {
            files.push(path);
        }
    }
    // In the order `slofile` reads a directory, so that diagnostics come out alike.
    files.sort_by(|a, b| Path::new(a).cmp(Path::new(b)));
    files.dedup();
    let mut sources = Vec::with_capacity(files.len());
    for path in files {
        let object = format!("{commit}:{path}");
        let contents = git_bytes(&["show", &object], Some(&top))?;
        sources.push((format!("{rev}:{path}"), contents));
    }
    Ok(crate::plan_sources(sources, options, report))
}

/// Whether the `ls-tree` path belongs to the input `spec`: the file itself, or a spec file in
/// the directory, as `slofile` reads directories.
fn selects(spec: &str, path: &str) -> bool {
    let in_dir = spec.is_empty()
        || path
            .strip_prefix(spec)
            .is_some_and(|rest| rest.starts_with('/'));
    path == spec
        || (in_dir
            && Path::new(path)
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml"))
}

/// `path` (as given on the command line) relative to the top of the repository, `/`-separated.
fn repo_relative(top: &Path, prefix: &str, path: &Path) -> Result<String, UsageError> {
    let joined = if path.is_absolute() {
        let canonical_top = top.canonicalize().unwrap_or_else(|_| top.to_path_buf());
        let absolute = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        absolute
            .strip_prefix(&canonical_top)
            .map(Path::to_path_buf)
            .map_err(|_| outside(path))?
    } else {
        Path::new(prefix).join(path)
    };
    let mut parts: Vec<String> = Vec::new();
    for component in joined.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop().ok_or_else(|| outside(path))?;
            }
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return Err(outside(path)),
        }
    }
    Ok(parts.join("/"))
}

fn outside(path: &Path) -> UsageError {
    UsageError(
        Diagnostic::error(
            Code::Io,
            format!("`{}` is outside the git repository", display_path(path)),
        )
        .with_help(
            "`--base` compares paths inside the repository that holds the current directory",
        ),
    )
}

fn git(args: &[&str], cwd: Option<&Path>) -> Result<String, UsageError> {
    git_bytes(args, cwd).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

fn git_bytes(args: &[&str], cwd: Option<&Path>) -> Result<Vec<u8>, UsageError> {
    let mut command = Command::new("git");
    command.args(args);
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    let output = command.output().map_err(|e| {
        UsageError(
            Diagnostic::error(Code::Io, format!("cannot run git: {e}"))
                .with_help("`--base` needs git on PATH"),
        )
    })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(UsageError(
            Diagnostic::error(
                Code::Io,
                format!("`git {}` failed: {}", args.join(" "), stderr.trim()),
            )
            .with_help("`--base` needs a git repository and a revision that exists in it"),
        ));
    }
    Ok(output.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_select_spec_files_below_them() {
        assert!(selects("specs", "specs/nexus.yaml"));
        assert!(selects("specs", "specs/team/dealix.yml"));
        assert!(!selects("specs", "specs/README.md"));
        assert!(!selects("specs", "specs-old/nexus.yaml"));
        assert!(selects("specs/notes.txt", "specs/notes.txt"));
        assert!(selects("", "nexus.yaml"));
    }

    #[test]
    fn paths_resolve_against_the_repository_top() {
        let top = Path::new("/repo");
        let relative = |prefix, path| repo_relative(top, prefix, Path::new(path)).ok();
        assert_eq!(relative("", "specs"), Some("specs".to_owned()));
        assert_eq!(relative("sub/", "../specs/"), Some("specs".to_owned()));
        assert_eq!(
            relative("", "./specs/a.yaml"),
            Some("specs/a.yaml".to_owned())
        );
        assert_eq!(relative("", "."), Some(String::new()));
        assert_eq!(relative("", "../elsewhere"), None);
    }

    #[test]
    fn budgets_round_to_the_minute_unless_that_hides_the_change() {
        let d = |text| Duration::parse(text).unwrap();
        assert_eq!(budget(d("3h21m36s")), d("3h22m").human());
        assert_eq!(budget(d("40m19s")), d("40m").human());
        assert_eq!(budget(d("4m1s")), d("4m1s").human());
        assert_eq!(
            budget_pair(d("3h21m36s"), d("3h22m10s")),
            (d("3h21m36s").human(), d("3h22m10s").human())
        );
    }
}
