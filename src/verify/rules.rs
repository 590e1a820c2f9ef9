//! The rule groups a server evaluates (`GET /api/v1/rules`: Prometheus, vmalert, Thanos Ruler),
//! against the groups of the built `prometheus/<service>.rules.yml`.
//!
//! Groups are matched by name. Within a group, rules are matched by kind, name and occurrence
//! (the second `slo:sli_errors:rate5m` of a group with the second), so that a rule added or
//! removed names itself instead of shifting every rule after it. Expressions are compared as
//! promql-parser prints them after parsing, since Prometheus prints its parsed expression back
//! (`28d` as `4w`, one line, its own spacing); an expression that does not parse is compared
//! with its whitespace collapsed.

use super::{Kind, Verified, shortened};
use crate::compile::Plan;
use crate::emit::OutputFile;
use crate::live::client::{Client, QueryError};
use crate::live::period;
use crate::units::Duration;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// A group of a built rule file.
#[derive(Debug, Clone, Deserialize)]
pub struct BuiltGroup {
    pub name: String,
    #[serde(default)]
    pub rules: Vec<BuiltRule>,
}

/// A rule as `slofile build` writes it.
#[derive(Debug, Clone, Deserialize)]
pub struct BuiltRule {
    #[serde(default)]
    pub record: Option<String>,
    #[serde(default)]
    pub alert: Option<String>,
    pub expr: String,
    #[serde(default, rename = "for")]
    pub for_: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RuleFile {
    #[serde(default)]
    groups: Vec<BuiltGroup>,
}

/// A group as the rules API reports it.
#[derive(Debug, Clone, Deserialize)]
pub struct LoadedGroup {
    pub name: String,
    #[serde(default)]
    pub file: String,
    #[serde(default)]
    pub rules: Vec<LoadedRule>,
    /// Seconds.
    #[serde(default)]
    pub interval: f64,
    #[serde(default, rename = "lastEvaluation")]
    pub last_evaluation: Option<String>,
}

/// A rule as the rules API reports it.
#[derive(Debug, Clone, Deserialize)]
pub struct LoadedRule {
    pub name: String,
    pub query: String,
    /// `for`, in seconds; alerting rules only.
    #[serde(default)]
    pub duration: f64,
    #[serde(default)]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub health: Option<String>,
    #[serde(default, rename = "lastError")]
    pub last_error: Option<String>,
    /// `alerting` or `recording`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A group not evaluated for longer than this many intervals is late …
const LATE_INTERVALS: f64 = 3.0;
/// … and never sooner than this many seconds, so that a short interval on a busy server or a
/// little clock skew is not a finding.
const LATE_FLOOR_SECS: f64 = 30.0;

/// The built groups of each service, in plan order; a service without rules has none.
pub fn built_groups(
    plan: &Plan,
    files: &[OutputFile],
) -> Result<Vec<(String, Vec<BuiltGroup>)>, String> {
    plan.services
        .iter()
        .map(|service| {
            let id = &service.meta.id;
            let path = format!("prometheus/{id}.rules.yml");
            let Some(file) = files.iter().find(|file| file.path == path) else {
                return Ok((id.clone(), Vec::new()));
            };
            // slofile's own output, as large as the service: no input budget.
            let options = serde_saphyr::options! { budget: None };
            let parsed: RuleFile = serde_saphyr::from_str_with_options(&file.contents, options)
                .map_err(|e| format!("cannot read the built {path}: {e}"))?;
            Ok((id.clone(), parsed.groups))
        })
        .collect()
}

/// Whether any built group has an alerting rule.
pub fn has_alerts(built: &[(String, Vec<BuiltGroup>)]) -> bool {
    built
        .iter()
        .flat_map(|(_, groups)| groups)
        .flat_map(|group| &group.rules)
        .any(|rule| rule.alert.is_some())
}

/// Every group the server evaluates.
pub fn loaded_groups(client: &Client) -> Result<Vec<LoadedGroup>, QueryError> {
    let mut data = super::data_of(client, client.get_json("api/v1/rules")?)?;
    serde_json::from_value(data["groups"].take())
        .map_err(|e| client.unexpected(format!("`data.groups` of /api/v1/rules: {e}")))
}

/// Compares the loaded slofile groups of the plan's services with the built ones, and checks
/// their health and age.
pub fn compare(
    plan: &Plan,
    built: &[(String, Vec<BuiltGroup>)],
    loaded: &[LoadedGroup],
    now: i64,
    verified: &mut Verified,
) {
    for (service, groups) in built {
        let prefix = format!("slofile:{service}:");
        let mine: Vec<&LoadedGroup> = loaded
            .iter()
            .filter(|group| group.name.starts_with(&prefix))
            .collect();
        let mut missing = Vec::new();
        for group in groups {
            let slo = slo_of(&group.name, &prefix);
            let copies: Vec<&LoadedGroup> = mine
                .iter()
                .copied()
                .filter(|loaded| loaded.name == group.name)
                .collect();
            let Some(first) = copies.first() else {
                missing.push(group.name.as_str());
                continue;
            };
            if copies.len() > 1 {
                let files: Vec<&str> = copies.iter().map(|copy| file_of(copy)).collect();
                verified.finding(
                    Some(service),
                    Some(slo),
                    Kind::DuplicateGroup,
                    format!(
                        "rule group `{}` is loaded {} times (from {}): every series is recorded more than once",
                        group.name,
                        copies.len(),
                        files.join(", ")
                    ),
                );
            }
            verified.checked.groups += 1;
            verified.checked.rules += group.rules.len();
            for difference in compare_group(group, first) {
                verified.finding(Some(service), Some(slo), Kind::StaleRule, difference);
            }
        }
        for (slo, names) in by_slo(&missing, &prefix) {
            verified.finding(
                Some(service),
                Some(slo),
                Kind::MissingGroup,
                format!(
                    "{} {} not loaded: nothing evaluates this SLO's rules",
                    group_list(&names),
                    verb(&names, "is", "are")
                ),
            );
        }
        let removed: Vec<&LoadedGroup> = mine
            .iter()
            .copied()
            .filter(|group| !groups.iter().any(|built| built.name == group.name))
            .collect();
        let names: Vec<&str> = removed.iter().map(|group| group.name.as_str()).collect();
        for (slo, names) in by_slo(&names, &prefix) {
            let mut files: Vec<&str> = removed
                .iter()
                .filter(|group| names.contains(&group.name.as_str()))
                .map(|group| file_of(group))
                .collect();
            files.sort_unstable();
            files.dedup();
            let measured = plan
                .services
                .iter()
                .filter(|plan_service| plan_service.meta.id == *service)
                .flat_map(|plan_service| &plan_service.slos)
                .any(|plan_slo| plan_slo.slo.id == slo && plan_slo.measure.is_some());
            let why = if measured {
                String::new()
            } else {
                format!(": the specs have no SLO `{slo}` that Prometheus measures")
            };
            verified.finding(
                Some(service),
                Some(slo),
                Kind::RemovedGroup,
                format!(
                    "{} (from {}) {} loaded but no longer built{why}; unload {}",
                    group_list(&names),
                    files.join(", "),
                    verb(&names, "is", "are"),
                    verb(&names, "it", "them")
                ),
            );
        }
        let mut unevaluated = Vec::new();
        for group in &mine {
            if !health(service, slo_of(&group.name, &prefix), group, now, verified) {
                unevaluated.push(group.name.as_str());
            }
        }
        for (slo, names) in by_slo(&unevaluated, &prefix) {
            verified.note(
                Some(service),
                Some(slo),
                Kind::NotEvaluated,
                format!(
                    "{} {} not been evaluated yet: {} health is unknown until {} run once",
                    group_list(&names),
                    verb(&names, "has", "have"),
                    verb(&names, "its", "their"),
                    verb(&names, "it has", "they have"),
                ),
            );
        }
    }
}

/// Group names by their SLO, in order of first appearance.
fn by_slo<'a>(names: &[&'a str], prefix: &str) -> Vec<(&'a str, Vec<&'a str>)> {
    let mut grouped: Vec<(&str, Vec<&str>)> = Vec::new();
    for name in names {
        let slo = slo_of(name, prefix);
        match grouped.iter_mut().find(|(known, _)| *known == slo) {
            Some((_, list)) => list.push(name),
            None => grouped.push((slo, vec![name])),
        }
    }
    grouped
}

/// "rule group `a`" or "rule groups `a`, `b`".
fn group_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    format!(
        "rule group{} {}",
        if names.len() == 1 { "" } else { "s" },
        quoted.join(", ")
    )
}

/// `one` for one name, `many` for several.
fn verb<'a>(names: &[&str], one: &'a str, many: &'a str) -> &'a str {
    if names.len() == 1 { one } else { many }
}

fn file_of(group: &LoadedGroup) -> &str {
    if group.file.is_empty() {
        "an unnamed file"
    } else {
        &group.file
    }
}

/// The SLO a group belongs to: `slofile:<service>:<slo>`, or `…:<slo>:<n>` for the groups that
/// continue it.
fn slo_of<'a>(name: &'a str, prefix: &str) -> &'a str {
    let rest = name.strip_prefix(prefix).unwrap_or(name);
    match rest.rsplit_once(':') {
        Some((slo, n)) if n.parse::<u32>().is_ok() => slo,
        _ => rest,
    }
}

/// Failed evaluations, and a group not evaluated for too long; `false` when the group has not
/// been evaluated yet.
fn health(
    service: &str,
    slo: &str,
    group: &LoadedGroup,
    now: i64,
    verified: &mut Verified,
) -> bool {
    for rule in &group.rules {
        let error = rule.last_error.as_deref().unwrap_or_default();
        if error.is_empty() && rule.health.as_deref() != Some("err") {
            continue;
        }
        let what = if rule.kind == "alerting" {
            "alert"
        } else {
            "recording rule"
        };
        let error = if error.is_empty() {
            "no error given".to_owned()
        } else {
            shortened(&error.split_whitespace().collect::<Vec<_>>().join(" "), 300)
        };
        verified.finding(
            Some(service),
            Some(slo),
            Kind::FailedRule,
            format!(
                "{what} `{}` in `{}` failed its last evaluation: {error}",
                rule.name, group.name
            ),
        );
    }
    let interval = Duration::from_millis((group.interval.max(0.0) * 1000.0).round() as u64);
    let last = group
        .last_evaluation
        .as_deref()
        .and_then(|text| period::parse_instant(text).ok())
        .filter(|&at| at > 0);
    let Some(last) = last else {
        return false;
    };
    let age = (now - last) as f64;
    if age > (LATE_INTERVALS * group.interval).max(LATE_FLOOR_SECS) {
        verified.finding(
            Some(service),
            Some(slo),
            Kind::LateGroup,
            format!(
                "rule group `{}` was last evaluated {} ago, more than three of its {} intervals: its rules are not running on time",
                group.name,
                Duration::from_secs(age as u64).human(),
                interval.prometheus()
            ),
        );
    }
    true
}

/// How each rule of `loaded` differs from `built`, one message per rule.
fn compare_group(built: &BuiltGroup, loaded: &LoadedGroup) -> Vec<String> {
    let mut seen: HashMap<(bool, &str), usize> = HashMap::new();
    let mut loaded_rules: HashMap<(bool, &str, usize), &LoadedRule> = HashMap::new();
    for rule in &loaded.rules {
        let key = (rule.kind == "alerting", rule.name.as_str());
        let count = seen.entry(key).or_default();
        loaded_rules.insert((key.0, key.1, *count), rule);
        *count += 1;
    }
    let mut names: HashMap<(bool, &str), usize> = HashMap::new();
    for rule in &built.rules {
        *names.entry(key_of(rule)).or_default() += 1;
    }
    let mut differences = Vec::new();
    let mut built_seen: HashMap<(bool, &str), usize> = HashMap::new();
    for rule in &built.rules {
        let key = key_of(rule);
        let count = built_seen.entry(key).or_default();
        let occurrence = *count;
        *count += 1;
        let what = describe(rule, names[&key] > 1, &built.name);
        match loaded_rules.remove(&(key.0, key.1, occurrence)) {
            None => differences.push(format!("{what} is not loaded")),
            Some(loaded) => {
                let found = rule_differences(rule, loaded);
                if !found.is_empty() {
                    differences.push(format!("{what}: {}", found.join("; ")));
                }
            }
        }
    }
    let mut extra: Vec<&LoadedRule> = loaded_rules.into_values().collect();
    extra.sort_by(|a, b| a.name.cmp(&b.name));
    for rule in extra {
        let what = if rule.kind == "alerting" {
            "alert"
        } else {
            "recording rule"
        };
        differences.push(format!(
            "{what} `{}` in `{}` is loaded but not built",
            rule.name, built.name
        ));
    }
    differences
}

fn key_of(rule: &BuiltRule) -> (bool, &str) {
    match (&rule.alert, &rule.record) {
        (Some(alert), _) => (true, alert.as_str()),
        (None, Some(record)) => (false, record.as_str()),
        (None, None) => (false, ""),
    }
}

/// `alert `X` in `group``, with the rule's own labels when its name is not unique in the group.
fn describe(rule: &BuiltRule, repeated: bool, group: &str) -> String {
    let (what, name) = match key_of(rule) {
        (true, name) => ("alert", name),
        (false, name) => ("recording rule", name),
    };
    let labels = if repeated {
        let own: Vec<String> = rule
            .labels
            .iter()
            .filter(|(name, _)| !matches!(name.as_str(), "service" | "slo"))
            .map(|(name, value)| format!("{name}={value:?}"))
            .collect();
        format!(" {{{}}}", own.join(","))
    } else {
        String::new()
    };
    format!("{what} `{name}`{labels} in `{group}`")
}

/// What differs between a built rule and its loaded copy: expression, labels, `for`.
fn rule_differences(built: &BuiltRule, loaded: &LoadedRule) -> Vec<String> {
    let mut found = Vec::new();
    let (built_expr, loaded_expr) = (normalised(&built.expr), normalised(&loaded.query));
    if built_expr != loaded_expr {
        let (loaded_part, built_part) = difference(&loaded_expr, &built_expr);
        found.push(format!(
            "expression differs: loaded `{loaded_part}`, built `{built_part}`"
        ));
    }
    let empty = BTreeMap::new();
    let loaded_labels = loaded.labels.as_ref().unwrap_or(&empty);
    if *loaded_labels != built.labels {
        let mut names: Vec<&String> = loaded_labels.keys().chain(built.labels.keys()).collect();
        names.sort();
        names.dedup();
        let changes: Vec<String> = names
            .into_iter()
            .filter_map(
                |name| match (loaded_labels.get(name), built.labels.get(name)) {
                    (Some(old), Some(new)) if old != new => {
                        Some(format!("{name} loaded {old:?}, built {new:?}"))
                    }
                    (Some(old), None) => Some(format!("{name} loaded {old:?}, not built")),
                    (None, Some(new)) => Some(format!("{name} not loaded, built {new:?}")),
                    _ => None,
                },
            )
            .collect();
        found.push(format!("labels differ: {}", changes.join(", ")));
    }
    if built.alert.is_some() {
        let built_for = built
            .for_
            .as_deref()
            .and_then(|text| Duration::parse(text).ok())
            .map_or(0, Duration::millis);
        let loaded_for = (loaded.duration.max(0.0) * 1000.0).round() as u64;
        if built_for != loaded_for {
            let shown = |millis: u64| {
                if millis == 0 {
                    "none".to_owned()
                } else {
                    Duration::from_millis(millis).prometheus()
                }
            };
            found.push(format!(
                "`for` differs: loaded {}, built {}",
                shown(loaded_for),
                shown(built_for)
            ));
        }
    }
    found
}

/// The expression as promql-parser prints it back, or with its whitespace collapsed when it does
/// not parse.
fn normalised(expr: &str) -> String {
    crate::promql::within_budget(expr)
        .and_then(|()| crate::promql::parse_guarded(expr))
        .map_or_else(
            |_| expr.split_whitespace().collect::<Vec<_>>().join(" "),
            |parsed| parsed.to_string(),
        )
}

/// Characters of context shown around a difference.
const CONTEXT: usize = 24;
/// The most characters of each side's differing part shown.
const SHOWN: usize = 120;

/// The parts of two expressions that differ, with a little context and `…` where cut.
fn difference(loaded: &str, built: &str) -> (String, String) {
    let a: Vec<char> = loaded.chars().collect();
    let b: Vec<char> = built.chars().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let part = |chars: &[char]| {
        let start = prefix.saturating_sub(CONTEXT);
        let end = (chars.len() - suffix + CONTEXT).min(chars.len());
        let middle: String = chars[start..end].iter().collect();
        format!(
            "{}{}{}",
            if start > 0 { "…" } else { "" },
            shortened(&middle, SHOWN),
            if end < chars.len() && end - start <= SHOWN {
                "…"
            } else {
                ""
            }
        )
    };
    (part(&a), part(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_compare_as_parsed() {
        assert_eq!(
            normalised("sum by (tenant) (\n  rate(x_total[28d])\n)"),
            normalised("sum by(tenant) (rate(x_total[4w]))")
        );
        assert_ne!(normalised("x > 0.01"), normalised("x > 0.001"));
        assert_eq!(normalised("this is ( not promql"), "this is ( not promql");
    }

    #[test]
    fn differences_show_the_changed_part_in_context() {
        let (loaded, built) = difference(
            "slo:sli_error:ratio_rate1h{service=\"shop\"} > (14.4 * 0.01)",
            "slo:sli_error:ratio_rate1h{service=\"shop\"} > (14.4 * 0.001)",
        );
        assert_eq!(loaded, "…ce=\"shop\"} > (14.4 * 0.01)");
        assert_eq!(built, "…ce=\"shop\"} > (14.4 * 0.001)");
        let (loaded, built) = difference("a", "b");
        assert_eq!((loaded.as_str(), built.as_str()), ("a", "b"));
    }

    #[test]
    fn groups_belong_to_their_slo() {
        assert_eq!(slo_of("slofile:shop:orders", "slofile:shop:"), "orders");
        assert_eq!(slo_of("slofile:shop:orders:2", "slofile:shop:"), "orders");
    }
}
