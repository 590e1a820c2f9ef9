//! `slofile explain`: the Plan in words and numbers, the first thing to run on a new spec.

use crate::compile::policy::PolicyRule;
use crate::compile::{Evaluator, LeftOut, ObjectivePlan, Plan, ServicePlan, SloPlan, TierPlan};
use crate::emit::{sentry, uptimerobot};
use crate::spec::Sli;
use crate::units::Duration;
use crate::wording::{sli, static_alert};
use std::fmt::Write;

/// Explains every SLO of the plan.
pub fn explain(plan: &Plan) -> String {
    let mut out = String::new();
    for service in &plan.services {
        let meta = &service.meta;
        let _ = writeln!(out, "{} — {} ({})", meta.id, meta.title, meta.source);
        if let Some(owner) = &meta.owner {
            let _ = writeln!(out, "owner: {owner}");
        }
        for (index, slo) in service.slos.iter().enumerate() {
            out.push('\n');
            explain_slo(&mut out, slo);
            explain_monitors(&mut out, service, index);
        }
        out.push('\n');
    }
    out
}

fn explain_slo(out: &mut String, plan: &SloPlan) {
    let slo = &plan.slo;
    let _ = writeln!(out, "  {}: {}", slo.id, slo.title);
    let _ = writeln!(out, "    measured by  {}", sli::explained(&slo.sli));
    if !slo.group_by.is_empty() {
        let _ = writeln!(out, "    one series per  {}", slo.group_by.join(", "));
    }
    if plan.objectives.is_empty() {
        let _ = writeln!(out, "    objective  none: documentation only");
    }
    for objective in &plan.objectives {
        explain_objective(out, plan, objective);
    }
    explain_policy(out, plan);
    if !slo.sli.in_prometheus() {
        let _ = writeln!(out, "    alerts  {}", elsewhere(&slo.sli));
    } else if slo.tiers.is_empty() {
        let _ = writeln!(out, "    burn-rate alerts  off (`burn_policy: none`)");
    }
    if let Some(min) = slo.min_events {
        let _ = writeln!(
            out,
            "    quiet on low traffic  no burn-rate alert while a long window holds fewer than {min} events"
        );
    }
    for (alert, evaluator) in plan.static_alerts() {
        let evaluated = match evaluator {
            Evaluator::Prometheus => String::new(),
            Evaluator::Documentation => "; documentation only, no system evaluates it".to_owned(),
            Evaluator::Nobody(reason) => {
                format!("; not evaluated by any system yet: {reason}")
            }
        };
        let _ = writeln!(
            out,
            "    static alert  {}{evaluated}",
            static_alert::explained(alert)
        );
    }
    if let (Some(missing), true) = (&slo.missing_data, slo.sli.in_prometheus()) {
        let _ = writeln!(
            out,
            "    missing data  {} when the SLI's series are absent for {}",
            missing.severity,
            missing.for_.human()
        );
    }
    for guard in plan.bucket_guards() {
        let _ = writeln!(
            out,
            "    missing bucket  {} when the histogram has data but no bucket at {} for {} (`buckets` not listed, so the threshold is checked at run time)",
            guard.severity,
            guard.threshold.human(),
            guard.for_.human()
        );
    }
}

/// Each rule of the SLO's budget policy in numbers, one line per objective; nothing for a policy
/// in prose only.
fn explain_policy(out: &mut String, plan: &SloPlan) {
    let Some(rules) = plan.policy_rules() else {
        return;
    };
    let several = plan.objectives.len() > 1;
    for objective in &plan.objectives {
        let mut parts: Vec<String> = plan
            .policy_numbers(objective)
            .iter()
            .map(|rule| policy_rule(rule, objective.budget_time))
            .collect();
        if !rules.exempt.is_empty() {
            parts.push(format!("exempt: {}", rules.exempt.join(", ")));
        }
        let which = match (
            several,
            &objective.objective.name,
            objective.objective.threshold,
        ) {
            (false, _, _) => String::new(),
            (true, Some(name), Some(threshold)) => format!(" ({name} ≤ {})", threshold.human()),
            (true, Some(name), None) => format!(" ({name})"),
            (true, None, _) => format!(" ({})", objective.objective.target.percent()),
        };
        let _ = writeln!(out, "    budget policy{which}  {}", parts.join("; "));
    }
}

/// A rule in numbers: `freeze below 0% = 0 of 3 h 21 m 36 s left`, `warn below 50% =
/// 1 h 40 m 48 s left`, `freeze when 20% = 40 m 19 s of the budget burns within 1 day`; `budget`
/// is the objective's budget as time.
fn policy_rule(rule: &PolicyRule, budget: Duration) -> String {
    let level = rule.level.label();
    let share = rule.share.percent();
    if rule.on_budget_left() {
        let left = if rule.time.millis() == 0 {
            format!("0 of {}", budget.human())
        } else {
            rule.time.human()
        };
        format!("{level} below {share} = {left} left")
    } else {
        format!(
            "{level} when {share} = {} of the budget burns within {}",
            rule.time.human(),
            rule.window.human()
        )
    }
}

/// The monitors Sentry and UptimeRobot run for the SLO, one line each.
fn explain_monitors(out: &mut String, service: &ServicePlan, index: usize) {
    let lines = sentry::describe(service, index)
        .into_iter()
        .chain(uptimerobot::describe(&service.slos[index]));
    for line in lines {
        let _ = writeln!(out, "    monitor  {line}");
    }
}

fn explain_objective(out: &mut String, plan: &SloPlan, objective: &ObjectivePlan) {
    let slo = &plan.slo;
    let window = slo.window.human();
    let what = match (&objective.objective.name, objective.objective.threshold) {
        (Some(name), Some(threshold)) => format!(
            "{name} ≤ {}: {} of events at or under {}",
            threshold.human(),
            objective.objective.target.percent(),
            threshold.human()
        ),
        (None, Some(threshold)) => format!(
            "{} of events within {}",
            objective.objective.target.percent(),
            threshold.human()
        ),
        _ => objective.objective.target.percent(),
    };
    let _ = writeln!(out, "    objective  {what} over {window}");
    let _ = writeln!(
        out,
        "      error budget  {} = {} per {window} ({})",
        objective.budget.percent(),
        objective.budget_time.human(),
        objective.budget_time.approx()
    );
    if !slo.sli.in_prometheus() {
        return;
    }
    for tier in &objective.tiers {
        explain_tier(out, &slo.window.adjective(), tier);
    }
}

fn explain_tier(out: &mut String, window: &str, tier: &TierPlan) {
    let routed = tier
        .escalation
        .as_ref()
        .map(|e| format!(" ({e})"))
        .unwrap_or_default();
    let verb = match tier.severity.as_str() {
        "page" => "pages".to_owned(),
        "ticket" => "tickets".to_owned(),
        other => format!("alerts `{other}`"),
    };
    match &tier.left_out {
        Some(LeftOut::AboveFullOutage) => {
            let _ = writeln!(
                out,
                "      {verb}{routed}: never — {}/{} at {}× burn needs {} errors, more than 100%; left out",
                tier.long,
                tier.short,
                tier.factor.significant(4),
                tier.error_threshold.percent()
            );
            return;
        }
        Some(left_out) => {
            let _ = writeln!(
                out,
                "      {verb}{routed}: never — {}/{}: {}; left out",
                tier.long,
                tier.short,
                left_out.reason(tier)
            );
            return;
        }
        None => {}
    }
    let _ = writeln!(
        out,
        "      {verb}{routed} when {} of the {window} budget burns within {} (checked again over {}): {}× burn, error ratio above {}",
        tier.budget_share.percent(),
        tier.long.human(),
        tier.short.human(),
        tier.factor.significant(4),
        tier.error_threshold.percent()
    );
    let hold = if tier.for_.millis() > 0 {
        format!(", including `for: {}`", tier.for_)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "        at 100% errors it fires after ~{}{hold}; at this burn the whole budget lasts {}",
        tier.detection_at_full_outage.human(),
        tier.exhaustion.human()
    );
}

fn elsewhere(sli: &Sli) -> &'static str {
    match sli {
        Sli::Sentry(_) => "Sentry monitors, no Prometheus rules",
        Sli::Probe(_) => "probe monitors, no Prometheus rules (no `metric` given)",
        Sli::Documentary { .. } => "none: documentation only",
        _ => "none in Prometheus",
    }
}
