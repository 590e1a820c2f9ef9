//! `slofile verify`: what runs is what was built, and every SLI still sees its data.
//!
//! After a deploy, three things can silently differ from the specs, and each leaves the SLOs
//! unwatched without an error anywhere:
//!
//! - **The rules** ([`rules`]): the slofile groups (`slofile:<service>:<slo>[:n]`) that the server
//!   evaluating the rules has loaded, against those `slofile build` writes with the default
//!   options. A group not loaded, a rule whose expression, labels or `for` differ (expressions
//!   compared parsed, as Prometheus prints them back normalised), a group of a removed SLO still
//!   loaded, a rule whose last evaluation failed, a group not evaluated for several intervals.
//!   Only the groups of the services the specs name are looked at: other teams' groups are
//!   theirs.
//! - **The alerting path** ([`alerting`]): Prometheus sends to at least one Alertmanager, and,
//!   with `--alertmanager`, that Alertmanager's configuration has the receivers and routes of
//!   each service in the generated `alertmanager/alertmanager.yml`.
//! - **The data** ([`data`]): every selector an SLI counts its events with matches at least one
//!   series now. A selector that matches nothing makes the SLI blind: no events, no errors, no
//!   alert, ever. Series that exist but do not move are only a note: no traffic is not a fault.

pub mod alerting;
pub mod command;
pub mod data;
pub mod render;
pub mod rules;

use crate::compile::Plan;
use crate::emit::OutputFile;
use crate::live::LiveError;
use crate::live::client::{Client, QueryError};
use serde::Serialize;

/// What a finding (or a note) is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The server evaluates no rules at all.
    NoRules,
    /// A built group is not loaded.
    MissingGroup,
    /// A loaded rule differs from the built one, or is missing from or extra in its group.
    StaleRule,
    /// A loaded slofile group that the build no longer has.
    RemovedGroup,
    /// A group loaded more than once.
    DuplicateGroup,
    /// A rule whose last evaluation failed.
    FailedRule,
    /// A group not evaluated for several intervals.
    LateGroup,
    /// Prometheus sends alerts to no Alertmanager.
    NoAlertmanager,
    /// A generated receiver missing from Alertmanager.
    MissingReceiver,
    /// A generated route missing from Alertmanager.
    MissingRoute,
    /// An SLI selector that matches no series.
    BlindSli,
    /// Note: series exist but counted no events over the last 5 minutes.
    NoTraffic,
    /// Note: a group not evaluated yet since it was loaded.
    NotEvaluated,
    /// Note: the server does not say which Alertmanagers it sends to.
    AlertmanagersUnknown,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::NoRules => "no rules",
            Kind::MissingGroup => "missing group",
            Kind::StaleRule => "stale rule",
            Kind::RemovedGroup => "removed group",
            Kind::DuplicateGroup => "duplicate group",
            Kind::FailedRule => "failed rule",
            Kind::LateGroup => "late group",
            Kind::NoAlertmanager => "no alertmanager",
            Kind::MissingReceiver => "missing receiver",
            Kind::MissingRoute => "missing route",
            Kind::BlindSli => "blind sli",
            Kind::NoTraffic => "no traffic",
            Kind::NotEvaluated => "not evaluated",
            Kind::AlertmanagersUnknown => "alertmanagers unknown",
        }
    }
}

/// One finding or note: about a service and one of its SLOs, or about the servers
/// (`service: null`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub service: Option<String>,
    pub slo: Option<String>,
    pub kind: Kind,
    pub message: String,
}

impl Finding {
    fn new(service: Option<&str>, slo: Option<&str>, kind: Kind, message: String) -> Finding {
        Finding {
            service: service.map(str::to_owned),
            slo: slo.map(str::to_owned),
            kind,
            message,
        }
    }
}

/// What was compared, for the line that says everything matches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Checked {
    /// Built rule groups found loaded.
    pub groups: usize,
    /// Their rules.
    pub rules: usize,
    /// Active Alertmanagers of Prometheus; `None` when not asked or not known.
    pub alertmanagers: Option<usize>,
    /// Receivers checked in `--alertmanager`'s configuration.
    pub receivers: usize,
    /// SLIs whose selectors were looked for.
    pub slis: usize,
}

/// Everything `verify` found: findings fail it, notes do not.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Verified {
    pub findings: Vec<Finding>,
    pub notes: Vec<Finding>,
    #[serde(skip)]
    pub checked: Checked,
}

impl Verified {
    fn finding(&mut self, service: Option<&str>, slo: Option<&str>, kind: Kind, message: String) {
        self.findings
            .push(Finding::new(service, slo, kind, message));
    }

    fn note(&mut self, service: Option<&str>, slo: Option<&str>, kind: Kind, message: String) {
        self.notes.push(Finding::new(service, slo, kind, message));
    }
}

/// The servers to ask, and when it is now.
pub struct Servers<'a> {
    /// The server that evaluates the rules.
    pub prometheus: &'a Client,
    pub alertmanager: Option<&'a Client>,
    /// Unix seconds: the time instant queries are evaluated at, and evaluations aged from.
    pub now: i64,
}

/// Compares what runs with what `files` (the build of `plan` with the default options) hold.
/// Findings come out in service order (findings about the servers first), each service's in the
/// order of the checks.
pub fn verify(
    plan: &Plan,
    files: &[OutputFile],
    servers: &Servers<'_>,
) -> Result<Verified, LiveError> {
    let mut verified = Verified::default();
    let built = rules::built_groups(plan, files).map_err(LiveError::Usage)?;
    let loaded = rules::loaded_groups(servers.prometheus)?;
    let builds_rules = built.iter().any(|(_, groups)| !groups.is_empty());
    if loaded.is_empty() && builds_rules {
        verified.finding(
            None,
            None,
            Kind::NoRules,
            format!(
                "Prometheus at {} evaluates no rules: point --prometheus at the server that evaluates the rules (Prometheus, vmalert, Thanos Ruler)",
                servers.prometheus.shown_url()
            ),
        );
    } else if !loaded.is_empty() {
        rules::compare(plan, &built, &loaded, servers.now, &mut verified);
        if rules::has_alerts(&built) {
            alerting::check_prometheus(servers.prometheus, &mut verified)?;
        }
    }
    if let Some(alertmanager) = servers.alertmanager {
        alerting::check_alertmanager(plan, files, alertmanager, &mut verified)?;
    }
    data::check(plan, servers.prometheus, servers.now, &mut verified)?;
    verified.findings.sort_by(|a, b| a.service.cmp(&b.service));
    verified.notes.sort_by(|a, b| a.service.cmp(&b.service));
    Ok(verified)
}

/// The `data` of a Prometheus API answer (`{"status": "success", "data": …}`).
fn data_of(
    client: &Client,
    mut answer: serde_json::Value,
) -> Result<serde_json::Value, QueryError> {
    if answer["status"] != "success" {
        return Err(client.unexpected("no `status: success`"));
    }
    Ok(answer["data"].take())
}

/// The first `limit` characters of `text`, with `…` when cut.
fn shortened(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
