//! Semantic checks: everything the schema cannot say. Ids, references, ranges, durations,
//! percentages and PromQL. Every problem in a document is reported, each at its YAML node.

use super::model::{self, Quantity, RawService, RawSli, RawSlo};
use super::yaml::Document;
use super::{
    AlertSignal, AlertSource, ChannelType, EscalationLevel, GaugeSli, HistogramSli, MissingData,
    Objective, ProbeProvider, ProbeSli, RatioSli, SentryScope, SentrySli, Service, ServiceMeta,
    Sli, Slo, StaticAlert, Threshold, Tier,
};
use crate::diagnostics::{Code, Diagnostic, Origin, SourceFile, did_you_mean};
use crate::units::{Duration, Ratio};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// Burn-rate policies every spec may name without defining them.
pub const BUILTIN_POLICIES: &[&str] = &["default", "workbook"];

/// The Google SRE workbook's tiers: `default` pages on 2% of budget in 1 h and 5% in 6 h, and
/// tickets on 10% in 3 d; `workbook` adds the ticket on 10% in 1 d that Sloth also uses.
pub fn builtin_tiers(policy: &str) -> Option<Vec<Tier>> {
    let d = |s: &str| Duration::parse(s).unwrap_or_default();
    let pct = |n: i128| Ratio::new(n, 100).ok();
    let tier = |severity: &str, share: i128, long: &str, short: &str, for_: &str| Tier {
        severity: severity.to_owned(),
        budget_share: pct(share),
        factor: None,
        long: d(long),
        short: d(short),
        for_: d(for_),
        escalation: None,
        labels: BTreeMap::new(),
    };
    match policy {
        "default" => Some(vec![
            tier("page", 2, "1h", "5m", "2m"),
            tier("page", 5, "6h", "30m", "15m"),
            tier("ticket", 10, "3d", "6h", "1h"),
        ]),
        "workbook" => Some(vec![
            tier("page", 2, "1h", "5m", "2m"),
            tier("page", 5, "6h", "30m", "15m"),
            tier("ticket", 10, "1d", "2h", "1h"),
            tier("ticket", 10, "3d", "6h", "1h"),
        ]),
        _ => None,
    }
}

/// An id made of `text`: lower-case, with other characters turned into dashes.
pub(crate) fn suggest_id(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .to_owned()
}

/// Labels slofile sets itself; specs may not set them.
const RESERVED_LABELS: &[&str] = &[
    "service",
    "slo",
    "severity",
    "long_window",
    "short_window",
    "objective",
    "escalation",
    "alertname",
    // The info series of every SLO carries these.
    "title",
    "window",
];

const DEFAULT_WINDOW: &str = "28d";

/// Checks of values at YAML nodes, each problem reported at its node. Shared with the readers of
/// other spec formats, so that the same value gets the same diagnostic whatever the format.
pub(crate) struct Checker<'a> {
    pub(crate) file: &'a Arc<SourceFile>,
    pub(crate) document: &'a Document,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    pub(crate) fn new(file: &'a Arc<SourceFile>, document: &'a Document) -> Self {
        Checker {
            file,
            document,
            diagnostics: Vec::new(),
        }
    }

    fn push(&mut self, diagnostic: Diagnostic, span: super::yaml::ByteSpan, help: String) {
        self.diagnostics
            .push(diagnostic.at(self.file, span).with_help(help));
    }

    pub(crate) fn error(
        &mut self,
        code: Code,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let span = self.document.span(pointer);
        self.push(Diagnostic::error(code, message), span, help.into());
    }

    /// An error about a key itself (a label name, say) rather than its value.
    pub(crate) fn error_at_key(
        &mut self,
        code: Code,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let span = self.document.key_span(pointer);
        self.push(Diagnostic::error(code, message), span, help.into());
    }

    pub(crate) fn warning(
        &mut self,
        code: Code,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let span = self.document.span(pointer);
        self.push(Diagnostic::warning(code, message), span, help.into());
    }

    pub(crate) fn info(
        &mut self,
        code: Code,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let span = self.document.span(pointer);
        self.push(Diagnostic::info(code, message), span, help.into());
    }

    pub(crate) fn origin(&self, pointer: &str) -> Origin {
        Origin {
            file: Arc::clone(self.file),
            span: self.document.span(pointer),
        }
    }

    pub(crate) fn id(&mut self, pointer: &str, id: &str, what: &str) {
        let valid = !id.is_empty()
            && id.len() <= 63
            && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            let suggestion = suggest_id(id);
            let help = if suggestion.is_empty() {
                "use lower-case letters, digits and dashes, starting with a letter or digit"
                    .to_owned()
            } else {
                format!(
                    "use lower-case letters, digits and dashes (at most 63), e.g. `{suggestion}`; ids become file names and label values"
                )
            };
            self.error(
                Code::InvalidId,
                pointer,
                format!("invalid {what} id `{id}`"),
                help,
            );
        }
    }

    pub(crate) fn unique<'s>(
        &mut self,
        items: impl IntoIterator<Item = (String, &'s str)>,
        what: &str,
    ) {
        let mut seen = HashSet::new();
        for (pointer, id) in items {
            if !seen.insert(id.to_owned()) {
                self.error(
                    Code::DuplicateId,
                    &pointer,
                    format!("{what} id `{id}` is used twice"),
                    format!("give every {what} its own id"),
                );
            }
        }
    }

    pub(crate) fn duration(&mut self, pointer: &str, text: &str) -> Option<Duration> {
        match Duration::parse(text) {
            Ok(d) => Some(d),
            Err(message) => {
                self.error(
                    Code::InvalidDuration,
                    pointer,
                    format!("invalid duration: {message}"),
                    "write a positive duration such as `30s`, `5m`, `1h30m` or `28d`",
                );
                None
            }
        }
    }

    /// A `for:` duration, where `0s` means "fire at once".
    pub(crate) fn hold_duration(&mut self, pointer: &str, text: &str) -> Option<Duration> {
        let zero = text.trim().trim_start_matches('0');
        if !text.trim().is_empty() && ["s", "m", "h", "ms", ""].contains(&zero) {
            return Some(Duration::default());
        }
        self.duration(pointer, text)
    }

    fn optional_duration(&mut self, pointer: &str, text: &Option<String>) -> Option<Duration> {
        text.as_ref().and_then(|t| self.duration(pointer, t))
    }

    pub(crate) fn quantity_text(quantity: &Quantity) -> String {
        match quantity {
            Quantity::Number(n) => n.to_string(),
            Quantity::Text(t) => t.trim().to_owned(),
        }
    }

    /// An objective: `99.5%`, or a bare number read as a percentage.
    pub(crate) fn objective(&mut self, pointer: &str, quantity: &Quantity) -> Option<Ratio> {
        let text = Self::quantity_text(quantity);
        let Some((value, is_percent)) = Ratio::parse_percent_or_number(&text) else {
            self.error(
                Code::InvalidQuantity,
                pointer,
                format!("objective `{text}` is not a percentage"),
                "write the objective as a percentage, e.g. `99.5%`",
            );
            return None;
        };
        let ratio = if is_percent {
            value
        } else if value < Ratio::ONE && !value.is_zero() {
            let as_percent = value.checked_mul(Ratio::integer(100)).ok()?;
            self.error(
                Code::ObjectiveLooksLikeRatio,
                pointer,
                format!("objective `{text}` would mean {text}%, which looks like a ratio"),
                format!("write it as a percentage: `{}%`", as_percent.to_decimal()),
            );
            return None;
        } else {
            value.checked_div(Ratio::integer(100)).ok()?
        };
        if ratio.is_zero() || ratio >= Ratio::ONE {
            let help = if ratio >= Ratio::ONE {
                "100% leaves no error budget, so no burn rate can be computed and every error breaks the SLO; use e.g. `99.9%`"
            } else {
                "an objective is the share of good events, strictly between 0% and 100%"
            };
            self.error(
                Code::ObjectiveRange,
                pointer,
                format!("objective `{text}` is not strictly between 0% and 100%"),
                help,
            );
            return None;
        }
        if ratio.denom() > 100_000_000_000 {
            self.error(
                Code::ArithmeticOverflow,
                pointer,
                format!("objective `{text}` has more precision than slofile computes with"),
                "use at most 9 decimal places in the percentage",
            );
            return None;
        }
        Some(ratio)
    }

    pub(crate) fn percentile(&mut self, pointer: &str, quantity: &Quantity) -> Option<Ratio> {
        let text = Self::quantity_text(quantity);
        let text = text.trim_start_matches(['p', 'P']);
        let value = Ratio::parse_percent_or_number(text).map(|(v, is_percent)| {
            if is_percent {
                v.checked_mul(Ratio::integer(100)).unwrap_or(v)
            } else {
                v
            }
        });
        match value {
            Some(v) if !v.is_zero() && v < Ratio::integer(100) && v.denom() <= 1_000_000 => Some(v),
            _ => {
                self.error(
                    Code::PercentileRange,
                    pointer,
                    format!("percentile `{text}` is not strictly between 0 and 100"),
                    "write a percentile such as `50`, `95` or `99.9`",
                );
                None
            }
        }
    }

    fn threshold(&mut self, pointer: &str, quantity: &Quantity) -> Option<Threshold> {
        let text = Self::quantity_text(quantity);
        if let Some((value, is_percent)) = Ratio::parse_percent_or_number(&text) {
            return Some(if is_percent {
                Threshold::Percent(value)
            } else {
                Threshold::Number(value)
            });
        }
        if let Ok(duration) = Duration::parse(&text) {
            return Some(Threshold::Duration(duration));
        }
        self.error(
            Code::InvalidQuantity,
            pointer,
            format!("threshold `{text}` is not a non-negative number, percentage or duration"),
            "write e.g. `50`, `1%` or `500ms`",
        );
        None
    }

    fn positive_factor(&mut self, pointer: &str, quantity: &Quantity) -> Option<Ratio> {
        let text = Self::quantity_text(quantity);
        match Ratio::parse_decimal(&text) {
            Some(v) if !v.is_zero() && v.denom() <= 1_000_000 => Some(v),
            _ => {
                self.error(
                    Code::InvalidQuantity,
                    pointer,
                    format!("burn-rate factor `{text}` is not a positive number"),
                    "write a factor such as `14.4` or `6`",
                );
                None
            }
        }
    }

    fn budget_share(&mut self, pointer: &str, quantity: &Quantity) -> Option<Ratio> {
        let text = Self::quantity_text(quantity);
        match Ratio::parse_percent_or_number(&text) {
            Some((v, true)) if !v.is_zero() && v <= Ratio::ONE && v.denom() <= 1_000_000 => Some(v),
            _ => {
                self.error(
                    Code::InvalidQuantity,
                    pointer,
                    format!("budget share `{text}` is not a percentage in (0%, 100%]"),
                    "write the share of the window's budget spent when the tier fires, e.g. `2%`",
                );
                None
            }
        }
    }

    /// Parses PromQL and reports its syntax error at the expression's node.
    pub(crate) fn promql(&mut self, pointer: &str, query: &str) -> bool {
        if let Err(message) = crate::promql::within_budget(query) {
            self.error(
                Code::InputBudget,
                pointer,
                format!("PromQL too large to read: {message}"),
                "split the expression into recording rules, or simplify it",
            );
            return false;
        }
        match crate::promql::check(query) {
            Ok(()) => true,
            Err(message) => {
                let message = message.lines().next().unwrap_or("syntax error").to_owned();
                self.error(
                    Code::PromqlSyntax,
                    pointer,
                    format!("PromQL does not parse: {message}"),
                    "check brackets, quotes and label matchers; the expression must be an instant vector",
                );
                false
            }
        }
    }

    pub(crate) fn reference(&mut self, pointer: &str, name: &str, known: &[&str], what: &str) {
        if !known.contains(&name) {
            let help = match did_you_mean(name, known.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None if known.is_empty() => format!("define the {what} first"),
                None => format!(
                    "known {what}s: {}",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            self.error(
                Code::UnknownReference,
                pointer,
                format!("unknown {what} `{name}`"),
                help,
            );
        }
    }

    pub(crate) fn labels(&mut self, pointer: &str, labels: &BTreeMap<String, String>) {
        for name in labels.keys() {
            let child = format!("{pointer}/{}", super::yaml::escape_pointer(name));
            self.label_name(&child, name, true);
        }
    }

    pub(crate) fn label_name(&mut self, pointer: &str, name: &str, at_key: bool) {
        let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with("__");
        let (message, help) = if !valid {
            (
                format!("`{name}` is not a valid Prometheus label name"),
                "label names are letters, digits and underscores, not starting with a digit or `__`".to_owned(),
            )
        } else if RESERVED_LABELS.contains(&name) {
            (
                format!("label `{name}` is set by slofile itself"),
                format!(
                    "slofile sets {}; choose another name",
                    RESERVED_LABELS.join(", ")
                ),
            )
        } else {
            return;
        };
        if at_key {
            self.error_at_key(Code::InvalidValue, pointer, message, help);
        } else {
            self.error(Code::InvalidValue, pointer, message, help);
        }
    }
}

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

    // Channels.
    for (i, channel) in raw.channels.iter().enumerate() {
        let at = format!("/channels/{i}");
        c.id(&format!("{at}/id"), &channel.id, "channel");
        let needs_target = matches!(
            channel.kind,
            ChannelType::Slack | ChannelType::Email | ChannelType::Pagerduty
        );
        if needs_target && channel.target.is_none() {
            c.error(
                Code::MissingField,
                &at,
                format!("channel `{}` needs a `target`", channel.id),
                "say where it goes: the Slack channel, e-mail address or PagerDuty service",
            );
        }
        if channel.kind == ChannelType::Webhook && channel.secret_file.is_none() {
            c.error(
                Code::MissingField,
                &at,
                format!(
                    "webhook channel `{}` needs a `secret_file` holding its URL",
                    channel.id
                ),
                "webhook URLs are secrets: keep them in a file that Alertmanager reads",
            );
        }
        if let Some(id) = &channel.sentry_integration_id
            && (id.is_empty() || !id.chars().all(|ch| ch.is_ascii_digit()))
        {
            c.error(
                Code::InvalidValue,
                &format!("{at}/sentry_integration_id"),
                format!("Sentry integration id `{id}` is not a number"),
                "copy the integration's numeric id from Sentry (Settings → Integrations → the integration's URL)",
            );
        }
        if let Some(id) = &channel.uptimerobot_contact_id
            && (id.is_empty() || !id.chars().all(|ch| ch.is_ascii_digit()))
        {
            c.error(
                Code::InvalidValue,
                &format!("{at}/uptimerobot_contact_id"),
                format!("UptimeRobot alert contact id `{id}` is not a number"),
                "copy the contact's numeric id from UptimeRobot (My Settings → Alert Contacts, or GET /v3/alert-contacts)",
            );
        }
        for (field, text) in [
            ("uptimerobot_threshold", &channel.uptimerobot_threshold),
            ("uptimerobot_recurrence", &channel.uptimerobot_recurrence),
        ] {
            let pointer = format!("{at}/{field}");
            if let Some(duration) = c.optional_duration(&pointer, text)
                && !duration.millis().is_multiple_of(60_000)
            {
                c.error(
                    Code::InvalidDuration,
                    &pointer,
                    format!("`{field}` {} is not a whole number of minutes", duration.human()),
                    "UptimeRobot counts notification delays and repeats in minutes; write e.g. `5m`",
                );
            }
        }
        if channel.kind == ChannelType::Slack
            && channel
                .target
                .as_deref()
                .is_some_and(|t| !t.starts_with(['#', '@']))
        {
            c.error(
                Code::InvalidValue,
                &format!("{at}/target"),
                "a Slack target starts with `#` (channel) or `@` (user)",
                "write e.g. `#alerts`",
            );
        }
    }
    c.unique(
        raw.channels
            .iter()
            .enumerate()
            .map(|(i, ch)| (format!("/channels/{i}/id"), ch.id.as_str())),
        "channel",
    );
    let channel_ids: Vec<&str> = raw.channels.iter().map(|ch| ch.id.as_str()).collect();

    // Escalation matrix.
    let mut escalation = Vec::new();
    for (i, level) in raw.escalation.iter().enumerate() {
        let at = format!("/escalation/{i}");
        for (j, channel) in level.channels.iter().enumerate() {
            c.reference(
                &format!("{at}/channels/{j}"),
                channel,
                &channel_ids,
                "channel",
            );
        }
        escalation.push(EscalationLevel {
            severity: level.severity.clone(),
            name: level.name.clone(),
            condition: level.condition.clone(),
            response: level.response.clone(),
            response_time: c
                .optional_duration(&format!("{at}/response_time"), &level.response_time),
            runbook: level.runbook.clone(),
            channels: level.channels.clone(),
        });
    }
    c.unique(
        raw.escalation
            .iter()
            .enumerate()
            .map(|(i, e)| (format!("/escalation/{i}/severity"), e.severity.as_str())),
        "escalation severity",
    );
    let severities: Vec<&str> = raw.escalation.iter().map(|e| e.severity.as_str()).collect();

    // Burn policies.
    let mut policies: BTreeMap<String, Vec<Tier>> = BTreeMap::new();
    let mut exhaustion: BTreeMap<String, super::BudgetExhausted> = BTreeMap::new();
    for (i, policy) in raw.burn_policies.iter().enumerate() {
        let at = format!("/burn_policies/{i}");
        c.id(&format!("{at}/id"), &policy.id, "burn policy");
        if BUILTIN_POLICIES.contains(&policy.id.as_str()) || policy.id == "none" {
            c.error(
                Code::DuplicateId,
                &format!("{at}/id"),
                format!("burn policy `{}` is built in", policy.id),
                "choose another id for your own policy",
            );
        }
        if policy.tiers.is_empty() {
            c.error(
                Code::MissingField,
                &format!("{at}/tiers"),
                format!("burn policy `{}` has no tiers", policy.id),
                "add at least one tier, or use `burn_policy: none` to turn burn-rate alerts off",
            );
        }
        let mut tiers = Vec::new();
        for (j, tier) in policy.tiers.iter().enumerate() {
            if let Some(tier) = check_tier(&mut c, &format!("{at}/tiers/{j}"), tier, &severities) {
                tiers.push(tier);
            }
        }
        policies.insert(policy.id.clone(), tiers);
        if let Some(alert) = &policy.budget_exhausted
            && let Some(alert) = super::BudgetExhausted::check(&mut c, &at, alert)
        {
            exhaustion.insert(policy.id.clone(), alert);
        }
    }
    c.unique(
        raw.burn_policies
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("/burn_policies/{i}/id"), p.id.as_str())),
        "burn policy",
    );
    let mut policy_names: Vec<&str> = BUILTIN_POLICIES.to_vec();
    policy_names.extend(raw.burn_policies.iter().map(|p| p.id.as_str()));
    policy_names.push("none");
    if let Some(policy) = &defaults.burn_policy {
        c.reference(
            "/defaults/burn_policy",
            policy,
            &policy_names,
            "burn policy",
        );
    }

    // SLOs.
    // Only when none is written: SLOs set aside as broken have their own errors.
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
    if let Some(grafana) = &raw.grafana {
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
    let sentry = raw.sentry.clone().unwrap_or_default();
    let context = SloContext {
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
    let mut slos = Vec::new();
    for (i, raw_slo) in raw.slos.iter().enumerate() {
        if let Some(slo) = check_slo(&mut c, &slo_pointer(i), raw_slo, &context) {
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
    check_one_sentry_organization(&mut c, &raw, &sentry, &slo_pointer);
    let slo_ids: Vec<&str> = raw.slos.iter().map(|slo| slo.id.as_str()).collect();
    let k6_gate = raw
        .k6
        .as_ref()
        .and_then(|k6| k6.gate.as_ref())
        .and_then(|gate| super::k6::check_gate(&mut c, "/k6/gate", gate, &slo_ids));

    for (i, row) in raw.monitoring.iter().enumerate() {
        for (j, channel) in row.channels.iter().enumerate() {
            c.reference(
                &format!("/monitoring/{i}/channels/{j}"),
                channel,
                &channel_ids,
                "channel",
            );
        }
    }

    let has_errors = c.diagnostics.iter().any(Diagnostic::is_error);
    let service = (!has_errors).then(|| Service {
        slos,
        meta: ServiceMeta {
            origin: c.origin("/service"),
            title: raw.title.clone().unwrap_or_else(|| raw.service.clone()),
            id: raw.service,
            owner: raw.owner,
            description: raw.description,
            source: file.name.clone(),
            document: raw.document.unwrap_or(model::DocumentMeta {
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
            error_budget_policy: raw.error_budget_policy,
            candidates: raw.candidates,
            k6_gate,
        },
    });
    (service, c.diagnostics)
}

struct SloContext<'a> {
    default_window: Option<Duration>,
    sentry: &'a model::SentrySettings,
    channels: &'a [model::Channel],
    defaults: &'a model::Defaults,
    policies: &'a BTreeMap<String, Vec<Tier>>,
    exhaustion: &'a BTreeMap<String, super::BudgetExhausted>,
    policy_names: &'a [&'a str],
    channel_ids: &'a [&'a str],
    severities: &'a [&'a str],
}

fn check_tier(
    c: &mut Checker,
    at: &str,
    tier: &model::BurnTier,
    severities: &[&str],
) -> Option<Tier> {
    let budget_share = tier
        .budget
        .as_ref()
        .and_then(|b| c.budget_share(&format!("{at}/budget"), b));
    let factor = tier
        .factor
        .as_ref()
        .and_then(|f| c.positive_factor(&format!("{at}/factor"), f));
    match (&tier.budget, &tier.factor) {
        (Some(_), Some(_)) => c.error(
            Code::ConflictingFields,
            at,
            "a tier takes `budget` or `factor`, not both",
            "keep one: `budget: 2%` is the same as `factor: 13.44` over 28 days with a 1 h window",
        ),
        (None, None) => c.error(
            Code::ConflictingFields,
            at,
            "a tier needs `budget` or `factor`",
            "e.g. `budget: 2%` (share of the window's budget spent in the long window)",
        ),
        _ => {}
    }
    let long = c.duration(&format!("{at}/long"), &tier.long);
    let short = c.duration(&format!("{at}/short"), &tier.short);
    if let (Some(long), Some(short)) = (long, short)
        && short >= long
    {
        c.error(
            Code::WindowOrder,
            &format!("{at}/short"),
            format!("short window {short} is not shorter than long window {long}"),
            "the short window resets the alert quickly; make it about 1/12 of the long window",
        );
    }
    let for_ = match &tier.for_ {
        Some(text) => c.hold_duration(&format!("{at}/for"), text),
        None => Some(Duration::default()),
    };
    if let Some(escalation) = &tier.escalation {
        c.reference(
            &format!("{at}/escalation"),
            escalation,
            severities,
            "escalation severity",
        );
    }
    c.labels(&format!("{at}/labels"), &tier.labels);
    if tier.severity.trim().is_empty() {
        c.error(
            Code::InvalidValue,
            &format!("{at}/severity"),
            "severity is empty",
            "write e.g. `page` or `ticket`",
        );
    }
    Some(Tier {
        severity: tier.severity.clone(),
        budget_share,
        factor,
        long: long?,
        short: short?,
        for_: for_?,
        escalation: tier.escalation.clone(),
        labels: tier.labels.clone(),
    })
}

fn check_slo(c: &mut Checker, at: &str, raw: &RawSlo, context: &SloContext) -> Option<Slo> {
    let errors_before = c.diagnostics.iter().filter(|d| d.is_error()).count();
    c.id(&format!("{at}/id"), &raw.id, "SLO");
    c.labels(&format!("{at}/labels"), &raw.labels);
    for (i, label) in raw.group_by.iter().enumerate() {
        c.label_name(&format!("{at}/group_by/{i}"), label, false);
    }
    let window = match &raw.window {
        Some(w) => c.duration(&format!("{at}/window"), w),
        None => context.default_window,
    };
    let sli_at = format!("{at}/sli");
    let (sli, mut objectives) = check_sli(c, &sli_at, raw, context)?;

    // The single objective of every kind but latency.
    let single = !matches!(raw.sli, RawSli::Latency(_));
    match (&raw.objective, single) {
        (Some(objective), true) => {
            if let Some(target) = c.objective(&format!("{at}/objective"), objective) {
                objectives.insert(
                    0,
                    Objective {
                        name: None,
                        percentile: None,
                        target,
                        threshold: match &sli {
                            Sli::Freshness { .. } => freshness_threshold(raw, c, &sli_at),
                            _ => None,
                        },
                        written: Checker::quantity_text(objective),
                        origin: c.origin(&format!("{at}/objective")),
                    },
                );
            }
        }
        (Some(_), false) => c.error(
            Code::ConflictingFields,
            &format!("{at}/objective"),
            "a latency SLO takes one objective per percentile, not `objective`",
            "move the target into `sli.latency.percentiles`, e.g. `{percentile: 95, threshold: 500ms}`",
        ),
        (None, true) if !matches!(raw.sli, RawSli::Documentary(_)) => c.error(
            Code::MissingObjective,
            at,
            format!("SLO `{}` has no `objective`", raw.id),
            "add the target share of good events, e.g. `objective: 99.5%`",
        ),
        _ => {}
    }

    // Alerting.
    let alerting = raw.alerting.clone().unwrap_or_default();
    let policy = alerting
        .burn_policy
        .clone()
        .or_else(|| context.defaults.burn_policy.clone())
        .unwrap_or_else(|| "default".to_owned());
    let alert_at = format!("{at}/alerting");
    if alerting.burn_policy.is_some() {
        c.reference(
            &format!("{alert_at}/burn_policy"),
            &policy,
            context.policy_names,
            "burn policy",
        );
    }
    c.labels(&format!("{alert_at}/labels"), &alerting.labels);
    let tiers = if policy == "none" {
        Vec::new()
    } else {
        builtin_tiers(&policy)
            .or_else(|| context.policies.get(&policy).cloned())
            .unwrap_or_default()
    };
    let missing_data = match &alerting.missing_data {
        Some(m) if !m.enabled => None,
        Some(m) => Some(MissingData {
            for_: match &m.for_ {
                Some(text) => c.duration(&format!("{alert_at}/missing_data/for"), text)?,
                None => MissingData::default().for_,
            },
            severity: m
                .severity
                .clone()
                .unwrap_or_else(|| MissingData::default().severity),
        }),
        None => Some(MissingData::default()),
    };

    let mut alerts = Vec::new();
    for (i, alert) in raw.alerts.iter().enumerate() {
        if let Some(alert) =
            check_static_alert(c, &format!("{at}/alerts/{i}"), alert, &sli, context)
        {
            alerts.push(alert);
        }
    }
    c.unique(
        raw.alerts
            .iter()
            .enumerate()
            .map(|(i, a)| (format!("{at}/alerts/{i}/id"), a.id.as_str())),
        "alert",
    );

    let k6 = raw.k6.as_ref().and_then(|mapping| {
        super::k6::check_slo_mapping(c, &format!("{at}/k6"), mapping, &sli, &objectives)
    });

    let errors_after = c.diagnostics.iter().filter(|d| d.is_error()).count();
    if errors_after > errors_before {
        return None;
    }
    Some(Slo {
        id: raw.id.clone(),
        origin: c.origin(&format!("{at}/id")),
        title: raw.title.clone().unwrap_or_else(|| raw.id.clone()),
        group: raw.group.clone(),
        journey: raw.journey.clone(),
        failure_signal: raw.failure_signal.clone(),
        events: raw.events.clone(),
        window: window?,
        sli,
        objectives,
        min_events: raw.min_events.or(context.defaults.min_events),
        group_by: raw.group_by.clone(),
        labels: raw.labels.clone(),
        budget_exhausted: context.exhaustion.get(&policy).cloned(),
        burn_policy: (policy != "none").then_some(policy),
        tiers,
        missing_data,
        alert_labels: alerting.labels,
        runbook_url: alerting.runbook_url,
        dashboard: alerting.dashboard,
        alerts,
        measurement: raw.measurement.clone(),
        verify: raw.verify.clone(),
        tests: raw.tests.clone(),
        notes: raw.notes.clone(),
        k6,
    })
}

fn freshness_threshold(raw: &RawSlo, c: &mut Checker, sli_at: &str) -> Option<Duration> {
    match &raw.sli {
        RawSli::Freshness(f) => c.duration(&format!("{sli_at}/freshness/threshold"), &f.threshold),
        _ => None,
    }
}

/// The histogram of a latency or freshness SLI. `buckets: None` (not listed) is allowed: the
/// thresholds are then checked at run time by a generated alert.
fn check_histogram(
    c: &mut Checker,
    at: &str,
    histogram: &str,
    buckets: Option<&[f64]>,
) -> Option<HistogramSli> {
    let parsed = c.promql(&format!("{at}/histogram"), histogram);
    if parsed && !histogram_is_bucket_selector(histogram) {
        c.error(
            Code::PromqlSyntax,
            &format!("{at}/histogram"),
            "`histogram` must select a histogram's `_bucket` series",
            "write a selector such as `http_request_duration_seconds_bucket{job=\"api\"}`",
        );
    }
    if buckets.is_some_and(<[f64]>::is_empty) {
        c.error(
            Code::MissingField,
            &format!("{at}/buckets"),
            "the list of bucket boundaries is empty",
            "list the `le` boundaries in seconds, e.g. `[0.05, 0.1, 0.25, 0.5, 1, 2.5]`, or leave `buckets` out to have each threshold checked at run time",
        );
    }
    let buckets = buckets.unwrap_or_default();
    for (i, bucket) in buckets.iter().enumerate() {
        if !(bucket.is_finite() && *bucket > 0.0) {
            c.error(
                Code::LatencyThreshold,
                &format!("{at}/buckets/{i}"),
                format!("bucket boundary `{bucket}` is not positive"),
                "bucket boundaries are positive numbers of seconds; `+Inf` is implied",
            );
        }
    }
    Some(HistogramSli {
        histogram: histogram.to_owned(),
        buckets: buckets.to_vec(),
    })
}

fn histogram_is_bucket_selector(query: &str) -> bool {
    matches!(
        crate::promql::parse_shape(query),
        Ok(promql_parser::parser::Expr::VectorSelector(ref v))
            if v.name.as_deref().is_some_and(|n| n.ends_with("_bucket"))
    )
}

fn check_threshold_is_bucket(c: &mut Checker, pointer: &str, threshold: Duration, buckets: &[f64]) {
    let seconds = threshold.as_ratio_secs().to_f64();
    let on_boundary = buckets
        .iter()
        .any(|b| (b - seconds).abs() <= f64::EPSILON * b.abs().max(1.0) * 4.0);
    if !buckets.is_empty() && !on_boundary {
        let nearest = buckets
            .iter()
            .min_by(|a, b| (*a - seconds).abs().total_cmp(&(*b - seconds).abs()))
            .copied()
            .unwrap_or(seconds);
        c.error(
            Code::LatencyThreshold,
            pointer,
            format!("threshold {} is not a bucket boundary of the histogram", threshold.human()),
            format!(
                "a histogram can only count requests at or under a boundary; the nearest is {nearest}s. Use it, or add a bucket at {seconds}s to the instrumentation"
            ),
        );
    }
}

fn check_sli(
    c: &mut Checker,
    at: &str,
    raw: &RawSlo,
    context: &SloContext,
) -> Option<(Sli, Vec<Objective>)> {
    let mut objectives = Vec::new();
    let sli = match &raw.sli {
        RawSli::Ratio(r) => {
            let at = format!("{at}/ratio");
            match (&r.good, &r.bad, &r.total, &r.error_ratio_query) {
                (_, _, _, Some(query)) => {
                    if r.good.is_some() || r.bad.is_some() || r.total.is_some() {
                        c.error(
                            Code::ConflictingFields,
                            &format!("{at}/error_ratio_query"),
                            "`error_ratio_query` replaces `good`, `bad` and `total`",
                            "give either the full query or the counters, not both",
                        );
                    }
                    if query.contains("{{window}}") {
                        c.promql(
                            &format!("{at}/error_ratio_query"),
                            &query.replace("{{window}}", "5m"),
                        );
                    } else {
                        c.error(
                            Code::MissingField,
                            &format!("{at}/error_ratio_query"),
                            "`error_ratio_query` has no `{{window}}` placeholder",
                            "write the range as `[{{window}}]` so each alert window gets its own rate",
                        );
                    }
                    Sli::Ratio(RatioSli::Query(query.clone()))
                }
                (Some(_), Some(_), _, _) => {
                    c.error(
                        Code::ConflictingFields,
                        &at,
                        "a ratio SLI takes `good` or `bad`, not both",
                        "keep the one you count directly; the other is `total` minus it",
                    );
                    return None;
                }
                (None, None, _, _) => {
                    c.error(
                        Code::ConflictingFields,
                        &at,
                        "a ratio SLI needs `bad` or `good`",
                        "e.g. `bad: http_requests_total{code=~\"5..\"}`",
                    );
                    return None;
                }
                (good, bad, total, None) => {
                    let (is_good, events, field) = match (good, bad) {
                        (Some(g), _) => (true, g, "good"),
                        (_, Some(b)) => (false, b, "bad"),
                        _ => return None,
                    };
                    c.promql(&format!("{at}/{field}"), events);
                    let Some(total) = total else {
                        c.error(
                            Code::MissingField,
                            &at,
                            "a ratio SLI needs `total`",
                            "add the counter of all events, e.g. `total: http_requests_total`",
                        );
                        return None;
                    };
                    c.promql(&format!("{at}/total"), total);
                    Sli::Ratio(RatioSli::Events {
                        good: is_good,
                        events: events.clone(),
                        total: total.clone(),
                    })
                }
            }
        }
        RawSli::Latency(l) => {
            let at = format!("{at}/latency");
            let histogram = check_histogram(c, &at, &l.histogram, l.buckets.as_deref())?;
            if l.percentiles.is_empty() {
                c.error(
                    Code::MissingObjective,
                    &format!("{at}/percentiles"),
                    "a latency SLI needs at least one percentile objective",
                    "e.g. `percentiles: [{percentile: 95, threshold: 500ms}]`",
                );
            }
            let mut seen = HashSet::new();
            for (i, p) in l.percentiles.iter().enumerate() {
                let p_at = format!("{at}/percentiles/{i}");
                let percentile = c.percentile(&format!("{p_at}/percentile"), &p.percentile);
                let threshold = c.duration(&format!("{p_at}/threshold"), &p.threshold);
                if let Some(threshold) = threshold {
                    check_threshold_is_bucket(
                        c,
                        &format!("{p_at}/threshold"),
                        threshold,
                        l.buckets.as_deref().unwrap_or_default(),
                    );
                }
                if let (Some(percentile), Some(threshold)) = (percentile, threshold) {
                    let name = format!("p{}", percentile.to_decimal());
                    if !seen.insert(name.clone()) {
                        c.error(
                            Code::DuplicateId,
                            &format!("{p_at}/percentile"),
                            format!("percentile {name} is given twice"),
                            "give each percentile once",
                        );
                    }
                    objectives.push(Objective {
                        target: percentile.checked_div(Ratio::integer(100)).ok()?,
                        written: format!("{}%", percentile.to_decimal()),
                        origin: c.origin(&format!("{p_at}/percentile")),
                        name: Some(name),
                        percentile: Some(percentile),
                        threshold: Some(threshold),
                    });
                }
            }
            Sli::Latency(histogram)
        }
        RawSli::Freshness(f) => {
            let at = format!("{at}/freshness");
            let threshold = c.duration(&format!("{at}/threshold"), &f.threshold);
            let histogram = match &f.histogram {
                Some(h) => {
                    let histogram = check_histogram(c, &at, h, f.buckets.as_deref())?;
                    if let Some(threshold) = threshold {
                        check_threshold_is_bucket(
                            c,
                            &format!("{at}/threshold"),
                            threshold,
                            f.buckets.as_deref().unwrap_or_default(),
                        );
                    }
                    Some(histogram)
                }
                None => None,
            };
            Sli::Freshness {
                from: f.from.clone(),
                to: f.to.clone(),
                histogram,
            }
        }
        RawSli::Gauge(g) => {
            let at = format!("{at}/gauge");
            c.promql(&format!("{at}/query"), &g.query);
            let (good_below, threshold) = match (&g.below, &g.above) {
                (Some(b), None) => (true, c.threshold(&format!("{at}/below"), b)),
                (None, Some(a)) => (false, c.threshold(&format!("{at}/above"), a)),
                _ => {
                    c.error(
                        Code::ConflictingFields,
                        &at,
                        "a gauge SLI takes exactly one of `below` and `above`",
                        "e.g. `below: 10` for a queue depth that should stay under 10",
                    );
                    return None;
                }
            };
            let slice = match &g.slice {
                Some(s) => c.duration(&format!("{at}/slice"), s),
                None => Duration::parse("1m").ok(),
            };
            Sli::Gauge(GaugeSli {
                query: g.query.clone(),
                good_below,
                threshold: threshold?.value(),
                slice: slice?,
                unit: g.unit.clone(),
            })
        }
        RawSli::Probe(p) => {
            let at = format!("{at}/probe");
            if !is_http_url(&p.url) {
                c.error(
                    Code::InvalidUrl,
                    &format!("{at}/url"),
                    format!("`{}` is not an absolute http(s) URL", p.url),
                    "write the full URL, e.g. `https://api.example.com/health`",
                );
            }
            let interval = c.duration(&format!("{at}/interval"), &p.interval);
            if let Some(interval) = interval {
                if !interval.millis().is_multiple_of(1000) {
                    c.error(
                        Code::InvalidDuration,
                        &format!("{at}/interval"),
                        format!(
                            "probe interval {} is not a whole number of seconds",
                            interval.human()
                        ),
                        "probe providers schedule checks in seconds; write e.g. `5m` or `90s`",
                    );
                } else if interval < Duration::from_secs(30) {
                    c.error(
                        Code::ProbeInterval,
                        &format!("{at}/interval"),
                        format!("probe interval {} is below 30 s", interval.human()),
                        "no probe provider checks more often than every 30 seconds",
                    );
                } else if p.provider == ProbeProvider::Uptimerobot
                    && interval < Duration::from_secs(300)
                {
                    c.warning(Code::ProbeInterval, &format!("{at}/interval"), format!("probe interval {} is below UptimeRobot's free-plan minimum of 5 minutes", interval.human()), "paid plans allow down to 30 s; on the free plan the monitor is rejected");
                }
            }
            if let Some(metric) = &p.metric {
                c.promql(&format!("{at}/metric"), metric);
            }
            let method = p
                .method
                .clone()
                .unwrap_or_else(|| "GET".to_owned())
                .to_uppercase();
            if !["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
                .contains(&method.as_str())
            {
                c.error(
                    Code::InvalidValue,
                    &format!("{at}/method"),
                    format!("`{method}` is not an HTTP method"),
                    "use GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS",
                );
            }
            for (i, status) in p.expected_status.iter().enumerate() {
                let valid = status.len() == 3
                    && status.starts_with(['1', '2', '3', '4', '5'])
                    && status[1..]
                        .chars()
                        .all(|ch| ch.is_ascii_digit() || ch == 'x' || ch == 'X');
                if !valid {
                    c.error(
                        Code::InvalidValue,
                        &format!("{at}/expected_status/{i}"),
                        format!("`{status}` is not an HTTP status or class"),
                        "write a status such as `200` or a class such as `2xx`",
                    );
                }
            }
            for (i, channel) in p.channels.iter().enumerate() {
                c.reference(
                    &format!("{at}/channels/{i}"),
                    channel,
                    context.channel_ids,
                    "channel",
                );
                check_monitor_channel(
                    c,
                    &format!("{at}/channels/{i}"),
                    channel,
                    p.provider,
                    context,
                );
            }
            let timeout = c.optional_duration(&format!("{at}/timeout"), &p.timeout);
            if let Some(timeout) = timeout
                && p.provider != ProbeProvider::Blackbox
                && (timeout < Duration::from_secs(1)
                    || timeout > Duration::from_secs(60)
                    || !timeout.millis().is_multiple_of(1000))
            {
                c.error(Code::ProbeTimeout, &format!("{at}/timeout"), format!("probe timeout {} is not a whole number of seconds from 1 s to 60 s", timeout.human()), "UptimeRobot and Sentry uptime monitors wait between 1 and 60 seconds; write e.g. `30s`");
            }
            let sentry = if p.provider == ProbeProvider::Sentry {
                if let (Some(organization), Some(project)) =
                    (&context.sentry.organization, &context.sentry.project)
                {
                    Some(SentryScope {
                        organization: organization.clone(),
                        project: project.clone(),
                        environment: context.sentry.environment.clone(),
                    })
                } else {
                    c.error(Code::MissingField, &format!("{at}/provider"), "a probe with `provider: sentry` needs the service's Sentry organization and project", "add `sentry: {organization: <org slug>, project: <project slug>}` at the top level of the spec");
                    None
                }
            } else {
                None
            };
            if p.keyword_case.is_some() && p.keyword.is_none() {
                c.error(
                    Code::MissingField,
                    &format!("{at}/keyword_case"),
                    "`keyword_case` says how to match a keyword, but the probe has no `keyword`",
                    "add the `keyword` the response body must contain, or remove `keyword_case`",
                );
            }
            let slow = c.optional_duration(
                &format!("{at}/response_time_threshold"),
                &p.response_time_threshold,
            );
            Sli::Probe(ProbeSli {
                url: p.url.clone(),
                interval: interval?,
                provider: p.provider,
                metric: p.metric.clone(),
                method,
                timeout,
                expected_status: p.expected_status.clone(),
                keyword: p.keyword.clone(),
                keyword_case: p.keyword_case.unwrap_or_default(),
                follow_redirects: p.follow_redirects.unwrap_or(true),
                response_time_threshold: slow,
                channels: p.channels.clone(),
                sentry,
            })
        }
        RawSli::Sentry(s) => {
            let at = format!("{at}/sentry");
            for (i, channel) in s.channels.iter().enumerate() {
                c.reference(
                    &format!("{at}/channels/{i}"),
                    channel,
                    context.channel_ids,
                    "channel",
                );
                check_monitor_channel(
                    c,
                    &format!("{at}/channels/{i}"),
                    channel,
                    ProbeProvider::Sentry,
                    context,
                );
            }
            let organization = s
                .organization
                .clone()
                .or_else(|| context.sentry.organization.clone());
            if organization.is_none() {
                c.error(Code::MissingField, &at, "a Sentry SLI needs a Sentry organization", "add `sentry: {organization: <org slug>}` at the top level of the spec, or `organization: <org slug>` here");
            }
            if let Some(exclude) = &s.exclude
                && !is_single_search_filter(exclude)
            {
                c.error(Code::InvalidValue, &format!("{at}/exclude"), format!("`{exclude}` is not one Sentry search filter"), "write one filter such as `http.status_code:401`; for several values use a list: `http.status_code:[401,403]`");
            }
            if let Some(latency) = &s.latency {
                let percentile =
                    c.percentile(&format!("{at}/latency/percentile"), &latency.percentile);
                let threshold = c.duration(&format!("{at}/latency/threshold"), &latency.threshold);
                if let (Some(percentile), Some(threshold)) = (percentile, threshold) {
                    objectives.push(Objective {
                        name: Some(format!("p{}", percentile.to_decimal())),
                        target: percentile.checked_div(Ratio::integer(100)).ok()?,
                        written: format!("{}%", percentile.to_decimal()),
                        origin: c.origin(&format!("{at}/latency/percentile")),
                        percentile: Some(percentile),
                        threshold: Some(threshold),
                    });
                }
            }
            Sli::Sentry(SentrySli {
                organization,
                project: s.project.clone(),
                transaction: s.transaction.clone(),
                failure: s.failure.clone(),
                exclude: s.exclude.clone(),
                environment: s
                    .environment
                    .clone()
                    .or_else(|| context.sentry.environment.clone()),
                channels: s.channels.clone(),
            })
        }
        RawSli::Documentary(d) => Sli::Documentary {
            target: d.target.clone(),
            duration: c.optional_duration(&format!("{at}/documentary/duration"), &d.duration),
            measured_by: d.measured_by.clone(),
            alert: d.alert.clone(),
        },
    };
    Some((sli, objectives))
}

fn check_static_alert(
    c: &mut Checker,
    at: &str,
    alert: &model::StaticAlert,
    sli: &Sli,
    context: &SloContext,
) -> Option<StaticAlert> {
    c.id(&format!("{at}/id"), &alert.id, "alert");
    let source = match (&alert.signal, &alert.expr) {
        (Some(_), Some(_)) => {
            c.error(
                Code::ConflictingFields,
                at,
                "an alert takes `signal` or `expr`, not both",
                "use `expr` for a PromQL expression of your own",
            );
            return None;
        }
        (None, Some(expr)) => {
            c.promql(&format!("{at}/expr"), expr);
            AlertSource::Expr(expr.clone())
        }
        (Some(signal), None) => AlertSource::Signal(*signal),
        (None, None) => match sli {
            Sli::Ratio(_) => AlertSource::Signal(AlertSignal::ErrorRatio),
            Sli::Gauge(_) => AlertSource::Signal(AlertSignal::Value),
            Sli::Latency(_) | Sli::Freshness { .. } if alert.percentile.is_some() => {
                AlertSource::Signal(AlertSignal::Percentile)
            }
            _ => AlertSource::Signal(AlertSignal::Compliance),
        },
    };
    if let AlertSource::Signal(signal) = source {
        let fits = match signal {
            AlertSignal::ErrorRatio => matches!(sli, Sli::Ratio(_) | Sli::Sentry(_)),
            AlertSignal::Value => matches!(sli, Sli::Gauge(_)),
            AlertSignal::Percentile => matches!(
                sli,
                Sli::Latency(_) | Sli::Freshness { .. } | Sli::Probe(_) | Sli::Documentary { .. }
            ),
            AlertSignal::Compliance => !matches!(sli, Sli::Documentary { .. }),
        };
        if !fits {
            c.error(
                Code::InvalidValue,
                &format!("{at}/signal"),
                format!("signal `{}` does not apply to a {} SLI", signal_name(signal), sli.kind()),
                "use `error_ratio` with ratio SLIs, `value` with gauges, `percentile` with latency and freshness, or `expr`",
            );
        }
        if signal == AlertSignal::Percentile && alert.percentile.is_none() {
            c.error(
                Code::MissingField,
                at,
                "a percentile alert needs `percentile`",
                "e.g. `percentile: 95`",
            );
        }
    }
    let percentile = alert
        .percentile
        .as_ref()
        .and_then(|p| c.percentile(&format!("{at}/percentile"), p));
    let (above, threshold) = match (&alert.above, &alert.below) {
        (Some(a), None) => (true, c.threshold(&format!("{at}/above"), a)),
        (None, Some(b)) => (false, c.threshold(&format!("{at}/below"), b)),
        _ => {
            c.error(
                Code::ConflictingFields,
                at,
                "an alert takes exactly one of `above` and `below`",
                "e.g. `above: 1%`",
            );
            return None;
        }
    };
    let over = match &alert.over {
        Some(o) => c.duration(&format!("{at}/over"), o),
        None => Duration::parse("5m").ok(),
    };
    let for_ = match &alert.for_ {
        Some(f) => Some(c.hold_duration(&format!("{at}/for"), f)?),
        None => None,
    };
    if let Some(escalation) = &alert.escalation {
        c.reference(
            &format!("{at}/escalation"),
            escalation,
            context.severities,
            "escalation severity",
        );
    }
    Some(StaticAlert {
        id: alert.id.clone(),
        summary: alert.summary.clone(),
        source,
        percentile,
        above,
        threshold: threshold?,
        over: over?,
        for_,
        severity: alert.severity.clone().unwrap_or_else(|| "page".to_owned()),
        escalation: alert.escalation.clone(),
        documentation_only: alert.documentation_only,
        origin: c.origin(&format!("{at}/id")),
    })
}

/// Checks of a whole service that every input format goes through, once its reader has built
/// it: native specs, OpenSLO and Sloth alike.
pub fn check_service(service: &Service) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for slo in service.slos.iter().filter(|slo| slo.sli.in_prometheus()) {
        // A fixed label would overwrite every group's value on the SLO's series.
        if let Some(label) = slo.group_by.iter().find(|label| {
            service.meta.labels.contains_key(*label) || slo.labels.contains_key(*label)
        }) {
            diagnostics.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!(
                        "SLO `{}` groups by `{label}` and also sets it as a fixed label",
                        slo.id
                    ),
                )
                .at_origin(&slo.origin)
                .with_help(
                    "a fixed label would overwrite every group's value; remove it from `labels`",
                ),
            );
        }
    }
    diagnostics
}

pub fn signal_name(signal: AlertSignal) -> &'static str {
    match signal {
        AlertSignal::ErrorRatio => "error_ratio",
        AlertSignal::Value => "value",
        AlertSignal::Percentile => "percentile",
        AlertSignal::Compliance => "compliance",
    }
}

/// A channel named by a probe or Sentry SLI must be one its monitoring service can notify.
fn check_monitor_channel(
    c: &mut Checker,
    pointer: &str,
    id: &str,
    provider: ProbeProvider,
    context: &SloContext,
) {
    let Some(channel) = context.channels.iter().find(|ch| ch.id == id) else {
        return;
    };
    match provider {
        ProbeProvider::Uptimerobot if channel.uptimerobot_contact_id.is_none() => c.error(
            Code::MissingField,
            pointer,
            format!("channel `{id}` has no `uptimerobot_contact_id`, so UptimeRobot cannot notify it"),
            "add the channel's UptimeRobot alert contact id, or leave the channel out of this probe",
        ),
        ProbeProvider::Sentry if !channel.sentry_notifiable() => c.error(
            Code::InvalidValue,
            pointer,
            format!("channel `{id}` cannot be notified by Sentry"),
            "Sentry notifies channels of type `sentry` (teams, users), and Slack or PagerDuty channels with a `sentry_integration_id`",
        ),
        _ => {}
    }
}

/// Sentry monitors of one service live in one organization.
fn check_one_sentry_organization(
    c: &mut Checker,
    raw: &RawService,
    settings: &model::SentrySettings,
    slo_pointer: &dyn Fn(usize) -> String,
) {
    // The organization in use, and who set it.
    let mut first: Option<(&str, String)> = settings
        .organization
        .as_deref()
        .map(|o| (o, "the service's `sentry.organization`".to_owned()));
    for (i, slo) in raw.slos.iter().enumerate() {
        let RawSli::Sentry(sentry) = &slo.sli else {
            continue;
        };
        let Some(organization) = sentry.organization.as_deref() else {
            continue;
        };
        match &first {
            None => first = Some((organization, format!("SLO `{}`", slo.id))),
            Some((used, by)) if *used != organization => c.error(
                Code::ConflictingFields,
                &format!("{}/sli/sentry/organization", slo_pointer(i)),
                format!("Sentry organization `{organization}` differs from `{used}`, set by {by}"),
                "one service's Sentry monitors and alerts live in one organization; use the same one, or split the service",
            ),
            Some(_) => {}
        }
    }
}

/// One Sentry search filter such as `http.status_code:401` or `key:[a, b]`: a key, a colon, and
/// no unquoted whitespace outside a list.
fn is_single_search_filter(text: &str) -> bool {
    let text = text.trim();
    let (mut quoted, mut depth) = (false, 0i32);
    for ch in text.chars() {
        match ch {
            '"' => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth -= 1,
            ch if ch.is_whitespace() && !quoted && depth == 0 => return false,
            _ => {}
        }
    }
    text.contains(':') && !quoted && depth == 0
}

fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty()
                && !host.contains(char::is_whitespace)
                && !url.contains(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(is_http_url("https://api.dealix.me/api/v1/health"));
        assert!(is_http_url("http://localhost:8080"));
        assert!(!is_http_url("ftp://x"));
        assert!(!is_http_url("https://"));
        assert!(!is_http_url("/api/v1/health"));
        assert!(!is_http_url("https://a b"));
    }

    #[test]
    fn sentry_search_filters() {
        assert!(is_single_search_filter("http.status_code:401"));
        assert!(is_single_search_filter("http.status_code:[401, 403]"));
        assert!(is_single_search_filter("message:\"wrong password\""));
        assert!(!is_single_search_filter(
            "http.status_code:401 http.method:GET"
        ));
        assert!(!is_single_search_filter("401"));
        assert!(!is_single_search_filter("key:[a"));
    }

    #[test]
    fn builtin_policies_exist() {
        for name in BUILTIN_POLICIES {
            assert!(builtin_tiers(name).is_some_and(|t| !t.is_empty()));
        }
        assert!(builtin_tiers("nope").is_none());
    }
}
