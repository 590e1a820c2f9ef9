//! Semantic checks: everything the schema cannot say. Ids, references, ranges, durations,
//! percentages and PromQL. Every problem in a document is reported, each at its YAML node.
//!
//! [`checker`] holds the checks of single values that every reader shares; [`defaults`] what a
//! spec gets when it says nothing; the other modules check one concern each.

mod alerts;
mod budget_policy;
pub(crate) mod checker;
pub(crate) mod defaults;
mod heartbeat;
mod monitors;
mod policies;
mod routing;
mod service;
mod sli;
mod slo;

// The paths every reader imports: `crate::spec::validate::{Checker, builtin_tiers, ...}`.
pub use alerts::signal_name;
pub(crate) use checker::{Checker, is_valid_id, suggest_id};
pub use defaults::{BUILTIN_POLICIES, builtin_tiers};
pub use service::check_service;

use super::raw::{Defaults, DocumentMeta, GrafanaSettings, RawService, SentrySettings};
use super::yaml_reader::Document;
use super::{BudgetPolicy, Channel, EscalationLevel, K6Gate, Service, ServiceMeta, Slo, Tier};
use crate::diagnostics::{Code, Diagnostic, SourceFile};
use crate::units::Duration;
use std::collections::BTreeMap;
use std::sync::Arc;

use defaults::DEFAULT_WINDOW;
use monitors::is_http_url;
use policies::{check_burn_policies, policy_names};
use routing::{check_channels, check_escalation, check_monitoring};
use service::check_one_sentry_organization;
use slo::check_slo;

/// Validates one typed native document. Returns the service when it has no errors; warnings are
/// returned either way.
pub fn validate(
    file: &Arc<SourceFile>,
    document: &Document,
    raw: RawService,
    slo_positions: &[usize],
) -> (Option<Service>, Vec<Diagnostic>) {
    // Where each SLO sits in the document; structural checks may have set broken ones aside.
    let slo_pointer = |i: usize| format!("/slos/{}", slo_positions.get(i).copied().unwrap_or(i));
    let mut c = Checker {
        file,
        document,
        diagnostics: Vec::new(),
    };
    c.id("/service", &raw.service, "service");
    c.labels("/labels", &raw.labels);

    let defaults = raw.defaults.clone().unwrap_or_default();
    let default_window = match &defaults.window {
        Some(w) => c.duration("/defaults/window", w),
        None => Duration::parse(DEFAULT_WINDOW).ok(),
    };

    check_channels(&mut c, &raw.channels);
    let channel_ids: Vec<&str> = raw.channels.iter().map(|ch| ch.id.as_str()).collect();
    let escalation = check_escalation(&mut c, &raw.escalation, &channel_ids);
    let severities: Vec<&str> = raw.escalation.iter().map(|e| e.severity.as_str()).collect();
    let (policies, exhaustion) = check_burn_policies(&mut c, &raw.burn_policies, &severities);
    let policy_names = policy_names(&raw.burn_policies);
    if let Some(policy) = &defaults.burn_policy {
        c.reference(
            "/defaults/burn_policy",
            policy,
            &policy_names,
            "burn policy",
        );
    }

    check_has_slos(&mut c, document, &raw);
    if let Some(grafana) = &raw.grafana {
        check_grafana(&mut c, grafana);
    }
    let sentry = raw.sentry.clone().unwrap_or_default();
    let service_policy = raw.error_budget_policy.as_ref().and_then(|policy| {
        budget_policy::check_budget_policy(&mut c, "/error_budget_policy", policy)
    });
    let context = SloContext {
        service_policy: service_policy.as_ref(),
        default_window,
        sentry: &sentry,
        channels: &raw.channels,
        defaults: &defaults,
        policies: &policies,
        exhaustion: &exhaustion,
        policy_names: &policy_names,
        channel_ids: &channel_ids,
        severities: &severities,
    };
    let slos = check_slos(&mut c, &raw, &context, &slo_pointer);
    check_one_sentry_organization(&mut c, &raw, &sentry, &slo_pointer);
    let slo_ids: Vec<&str> = raw.slos.iter().map(|slo| slo.id.as_str()).collect();
    let k6_gate = raw
        .k6
        .as_ref()
        .and_then(|k6| k6.gate.as_ref())
        .and_then(|gate| super::k6::check_gate(&mut c, "/k6/gate", gate, &slo_ids));
    check_monitoring(&mut c, &raw.monitoring, &channel_ids);
    let heartbeat = raw
        .heartbeat
        .as_ref()
        .and_then(|h| heartbeat::check_heartbeat(&mut c, h, &raw.channels, &channel_ids));

    let has_errors = c.diagnostics.iter().any(Diagnostic::is_error);
    let service = (!has_errors).then(|| Service {
        slos,
        meta: service_meta(
            &c,
            file,
            raw,
            escalation,
            k6_gate,
            service_policy,
            heartbeat,
        ),
    });
    (service, c.diagnostics)
}

/// The service has at least one SLO. Only when none is written: SLOs set aside as broken have
/// their own errors.
fn check_has_slos(c: &mut Checker, document: &Document, raw: &RawService) {
    let written = document
        .json
        .get("slos")
        .and_then(serde_json::Value::as_array)
        .map_or(0, Vec::len);
    if raw.slos.is_empty() && written == 0 {
        c.error(
            Code::MissingField,
            "/slos",
            "the service has no SLOs",
            "add at least one SLO under `slos:`",
        );
    }
}

/// The `grafana` settings: an absolute http(s) URL, and a folder that is not empty.
fn check_grafana(c: &mut Checker, grafana: &GrafanaSettings) {
    if !is_http_url(grafana.url.trim_end_matches('/')) {
        c.error(
            Code::InvalidUrl,
            "/grafana/url",
            format!("`{}` is not an absolute http(s) URL", grafana.url),
            "write Grafana's base URL, e.g. `https://grafana.example.com`",
        );
    }
    if grafana
        .folder
        .as_deref()
        .is_some_and(|f| f.trim().is_empty())
    {
        c.error(
            Code::InvalidValue,
            "/grafana/folder",
            "the Grafana folder is empty",
            "name a folder, e.g. `folder: SLOs`, or leave `folder` out",
        );
    }
}

/// Every SLO of the service, those with errors left out, and their ids unique.
fn check_slos(
    c: &mut Checker,
    raw: &RawService,
    context: &SloContext,
    slo_pointer: &dyn Fn(usize) -> String,
) -> Vec<Slo> {
    let mut slos = Vec::new();
    for (i, raw_slo) in raw.slos.iter().enumerate() {
        if let Some(slo) = check_slo(c, &slo_pointer(i), raw_slo, context) {
            slos.push(slo);
        }
    }
    c.unique(
        raw.slos
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("{}/id", slo_pointer(i)), s.id.as_str())),
        "SLO",
    );
    slos
}

/// Everything about the service but its SLOs, from a document without errors.
fn service_meta(
    c: &Checker,
    file: &SourceFile,
    raw: RawService,
    escalation: Vec<EscalationLevel>,
    k6_gate: Option<K6Gate>,
    error_budget_policy: Option<BudgetPolicy>,
    heartbeat: Option<super::Heartbeat>,
) -> ServiceMeta {
    ServiceMeta {
        origin: c.origin("/service"),
        title: raw.title.clone().unwrap_or_else(|| raw.service.clone()),
        id: raw.service,
        owner: raw.owner,
        description: raw.description,
        source: file.name.clone(),
        document: raw.document.unwrap_or(DocumentMeta {
            title: None,
            version: None,
            effective: None,
            review: None,
        }),
        labels: raw.labels,
        grafana: raw.grafana,
        channels: raw.channels,
        escalation,
        monitoring: raw.monitoring,
        verify: raw.verify,
        alert_self_test: raw.alert_self_test,
        heartbeat,
        error_budget_policy,
        candidates: raw.candidates,
        k6_gate,
    }
}

pub(super) struct SloContext<'a> {
    /// The service's error-budget policy, which SLOs without their own follow.
    pub(super) service_policy: Option<&'a BudgetPolicy>,
    pub(super) default_window: Option<Duration>,
    pub(super) sentry: &'a SentrySettings,
    pub(super) channels: &'a [Channel],
    pub(super) defaults: &'a Defaults,
    pub(super) policies: &'a BTreeMap<String, Vec<Tier>>,
    pub(super) exhaustion: &'a BTreeMap<String, super::BudgetExhausted>,
    pub(super) policy_names: &'a [&'a str],
    pub(super) channel_ids: &'a [&'a str],
    pub(super) severities: &'a [&'a str],
}
