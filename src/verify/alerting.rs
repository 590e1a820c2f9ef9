//! The alerting path: Prometheus sends its alerts to an Alertmanager
//! (`GET /api/v1/alertmanagers`), and that Alertmanager's configuration (`GET /api/v2/status`,
//! `config.original`) routes each service as the generated `alertmanager/alertmanager.yml` does.
//!
//! The generated file is a complete configuration that may be served as is or merged into a
//! larger one, so its routes are compared as paths: every route below the root, with the
//! matchers of its ancestors and the receiver it notifies (its own or the nearest ancestor's),
//! must be a path of the live tree. Matchers compare parsed (`a="b"`, `a = b` and `match: {a: b}`
//! are one matcher). The root is not compared: a merged configuration has one root for all
//! services. A service's paths are those under its `service` matcher; the receivers compared are
//! those its routes notify.

use super::{Kind, Verified};
use crate::compile::Plan;
use crate::emit::OutputFile;
use crate::live::LiveError;
use crate::live::client::{Cause, Client, QueryError};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// Notes the active Alertmanagers of Prometheus, and finds none. A server without the endpoint
/// (vmalert, Thanos Ruler answer 404) gets a note instead.
pub fn check_prometheus(client: &Client, verified: &mut Verified) -> Result<(), QueryError> {
    let answer = match client.get_json("api/v1/alertmanagers") {
        Ok(answer) => answer,
        Err(QueryError {
            cause: Cause::Status { code: 404, .. },
            ..
        }) => {
            verified.note(
                None,
                None,
                Kind::AlertmanagersUnknown,
                format!(
                    "the server at {} does not say which Alertmanagers it sends to (no /api/v1/alertmanagers); check its notifier configuration",
                    client.shown_url()
                ),
            );
            return Ok(());
        }
        Err(error) => return Err(error),
    };
    let data = super::data_of(client, answer)?;
    let Some(active) = data["activeAlertmanagers"].as_array() else {
        return Err(
            client.unexpected("`data.activeAlertmanagers` of /api/v1/alertmanagers is not a list")
        );
    };
    verified.checked.alertmanagers = Some(active.len());
    if active.is_empty() {
        verified.finding(
            None,
            None,
            Kind::NoAlertmanager,
            format!(
                "Prometheus at {} has no active Alertmanager: the SLO alerts it fires reach nobody (check `alerting.alertmanagers` in its configuration)",
                client.shown_url()
            ),
        );
    }
    Ok(())
}

/// An Alertmanager configuration, as far as routing goes.
#[derive(Debug, Default, Deserialize)]
struct Config {
    #[serde(default)]
    route: Option<Route>,
    #[serde(default)]
    receivers: Option<Vec<Receiver>>,
}

#[derive(Debug, Default, Deserialize)]
struct Route {
    #[serde(default)]
    receiver: Option<String>,
    #[serde(default)]
    matchers: Option<Vec<String>>,
    #[serde(default, rename = "match")]
    match_equal: Option<BTreeMap<String, String>>,
    #[serde(default)]
    match_re: Option<BTreeMap<String, String>>,
    #[serde(default)]
    routes: Option<Vec<Route>>,
}

#[derive(Debug, Deserialize)]
struct Receiver {
    name: String,
}

/// A route's place in the tree: the matchers from the root down, and the receiver it notifies.
type Path = (BTreeSet<String>, String);

/// Routes below the root as [`Path`]s: with `all`, every one; without, those that notify a
/// receiver of their own and the leaves, since a route that only inherits its receiver and hands
/// every alert to its children notifies nobody itself (in a merged configuration, the inherited
/// receiver is another root's).
fn paths(config: &Config, all: bool) -> BTreeSet<Path> {
    struct Walk {
        all: bool,
        out: BTreeSet<Path>,
    }
    fn walk(route: &Route, above: &BTreeSet<String>, receiver: &str, state: &mut Walk) {
        let mut matchers = above.clone();
        matchers.extend(route.matchers.iter().flatten().map(|m| normal_matcher(m)));
        for (name, value) in route.match_equal.iter().flatten() {
            matchers.insert(format!("{name}={}", quoted(value)));
        }
        for (name, value) in route.match_re.iter().flatten() {
            matchers.insert(format!("{name}=~{}", quoted(value)));
        }
        let children = route.routes.as_deref().unwrap_or_default();
        if state.all || route.receiver.is_some() || children.is_empty() {
            let receiver = route.receiver.as_deref().unwrap_or(receiver);
            state.out.insert((matchers.clone(), receiver.to_owned()));
        }
        let receiver = route.receiver.as_deref().unwrap_or(receiver);
        for child in children {
            walk(child, &matchers, receiver, state);
        }
    }
    let mut state = Walk {
        all,
        out: BTreeSet::new(),
    };
    if let Some(root) = &config.route {
        let receiver = root.receiver.as_deref().unwrap_or_default();
        for child in root.routes.iter().flatten() {
            walk(child, &BTreeSet::new(), receiver, &mut state);
        }
    }
    state.out
}

/// A matcher `name op "value"` in one spelling: Alertmanager accepts the value quoted or not, and
/// spaces around the operator.
fn normal_matcher(text: &str) -> String {
    let text = text.trim();
    let Some(at) = text.find(['=', '!']) else {
        return text.to_owned();
    };
    let name = text[..at].trim();
    let rest = &text[at..];
    let op = ["=~", "!~", "!=", "="]
        .into_iter()
        .find(|op| rest.starts_with(op))
        .unwrap_or("=");
    let value = rest[op.len()..].trim();
    let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => unescaped(inner),
        None => value.to_owned(),
    };
    format!("{name}{op}{}", quoted(&value))
}

fn unescaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(next @ ('\\' | '"'))) => {
                out.push(next);
                chars.next();
            }
            ('\\', Some('n')) => {
                out.push('\n');
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

fn quoted(value: &str) -> String {
    format!(
        "\"{}\"",
        value
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    )
}

/// The live configuration of an Alertmanager.
fn live_config(client: &Client) -> Result<Config, QueryError> {
    let status = client.get_json("api/v2/status")?;
    let Some(original) = status["config"]["original"].as_str() else {
        return Err(client.unexpected("no `config.original` in /api/v2/status"));
    };
    serde_saphyr::from_str(original)
        .map_err(|e| client.unexpected(format!("its configuration is not readable YAML: {e}")))
}

/// Each service's generated receivers and routes must be in the Alertmanager's configuration.
pub fn check_alertmanager(
    plan: &Plan,
    files: &[OutputFile],
    client: &Client,
    verified: &mut Verified,
) -> Result<(), LiveError> {
    let live = live_config(client)?;
    let live_receivers: BTreeSet<&str> = live
        .receivers
        .iter()
        .flatten()
        .map(|receiver| receiver.name.as_str())
        .collect();
    let live_paths = paths(&live, true);
    let url = client.shown_url();
    let path = crate::emit::alertmanager::config::PATH;
    let Some(file) = files.iter().find(|file| file.path == path) else {
        return Ok(());
    };
    let built: Config = serde_saphyr::from_str(&file.contents)
        .map_err(|e| LiveError::Usage(format!("cannot read the built {path}: {e}")))?;
    let all_built_paths = paths(&built, false);
    for service in &plan.services {
        let id = service.meta.id.as_str();
        // The service's subtree: every path under its `service` matcher.
        let own = format!("{}={}", crate::compile::series::label::SERVICE, quoted(id));
        let built_paths: BTreeSet<&Path> = all_built_paths
            .iter()
            .filter(|(matchers, _)| matchers.contains(&own))
            .collect();
        let receivers: BTreeSet<&str> = built_paths
            .iter()
            .map(|(_, receiver)| receiver.as_str())
            .collect();
        for receiver in &receivers {
            verified.checked.receivers += 1;
            if !live_receivers.contains(receiver) {
                verified.finding(
                    Some(id),
                    None,
                    Kind::MissingReceiver,
                    format!(
                        "Alertmanager at {url} has no receiver `{receiver}`: alerts routed to it are not delivered"
                    ),
                );
            }
        }
        for built_path in built_paths {
            let (matchers, receiver) = built_path;
            if live_receivers.contains(receiver.as_str()) && !live_paths.contains(built_path) {
                let shown: Vec<&str> = matchers.iter().map(String::as_str).collect();
                verified.finding(
                    Some(id),
                    None,
                    Kind::MissingRoute,
                    format!(
                        "Alertmanager at {url} has no route {{{}}} to receiver `{receiver}`",
                        shown.join(", ")
                    ),
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matchers_have_one_spelling() {
        assert_eq!(normal_matcher("service=\"shop\""), "service=\"shop\"");
        assert_eq!(normal_matcher(" service = shop "), "service=\"shop\"");
        assert_eq!(normal_matcher("a=~\"x\\\"y\""), "a=~\"x\\\"y\"");
        assert_eq!(normal_matcher("a!=b"), "a!=\"b\"");
    }

    #[test]
    fn routes_are_paths_from_the_root() {
        let config: Config = serde_saphyr::from_str(
            "route:\n  receiver: root\n  routes:\n  - matchers: ['service=\"shop\"']\n    routes:\n    - receiver: shop-hook\n      continue: true\n    - match: {severity: page}\n    - match_re: {tier: 'a|b'}\n      receiver: shop-pager\nreceivers:\n- name: root\n- name: shop-hook\n- name: shop-pager\n",
        )
        .unwrap();
        let paths: Vec<String> = paths(&config, false)
            .into_iter()
            .map(|(matchers, receiver)| {
                format!(
                    "{} -> {receiver}",
                    matchers.into_iter().collect::<Vec<_>>().join(",")
                )
            })
            .collect();
        assert_eq!(
            paths,
            [
                "service=\"shop\" -> shop-hook",
                "service=\"shop\",severity=\"page\" -> root",
                "service=\"shop\",tier=~\"a|b\" -> shop-pager",
            ]
        );
    }
}
