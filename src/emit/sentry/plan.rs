//! The planned Sentry monitors of a service: which monitors exist, what each watches, over which
//! window and at which priority. The JSON bodies (current and legacy API) and the Terraform
//! resources are renderings of the same [`Monitor`]s.

use super::SentryApi;
use crate::compile::{ObjectivePlan, ServicePlan, SloPlan, TierPlan};
use crate::diagnostics::{Code, Diagnostic};
use crate::spec::{Channel, ChannelType, ProbeProvider, ProbeSli, SentryScope, SentrySli, Sli};
use crate::units::{Duration, Ratio};
use std::collections::BTreeMap;

/// Windows a span monitor may evaluate, in seconds: Sentry offers 5 minutes to 1 day for spans.
pub const SPAN_WINDOWS: &[u64] = &[300, 600, 900, 1800, 3600, 7200, 14_400, 86_400];
/// Windows of legacy metric alert rules, in seconds (the API takes them in minutes).
pub const LEGACY_WINDOWS: &[u64] = &[60, 300, 600, 900, 1800, 3600, 7200, 14_400, 86_400];
/// Check intervals of uptime monitors, in seconds.
pub const UPTIME_INTERVALS: &[u64] = &[60, 300, 600, 1200, 1800, 3600];
/// Used when an objective has no burn-rate tier to take a window from.
pub(crate) const DEFAULT_WINDOW: u64 = 3600;
/// Seconds to wait when a probe gives no timeout: UptimeRobot's default, within Sentry's 1 to 60 s.
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;
/// Failed checks in a row before an uptime monitor reports the URL down, as Sentry's UI defaults.
pub(crate) const UPTIME_DOWNTIME_THRESHOLD: u64 = 3;
/// Successful checks in a row before it reports the URL up again.
pub(crate) const UPTIME_RECOVERY_THRESHOLD: u64 = 1;
/// Percentile functions Sentry has for span durations; others cannot be monitored.
pub(crate) const PERCENTILE_FUNCTIONS: &[&str] = &["50", "75", "90", "95", "99", "100"];

/// The allowed window nearest to `wanted`, measured by ratio: 6 h is nearer 4 h (1.5 times) than
/// 1 day (4 times). A tie goes to the longer window, the one less prone to noise.
pub fn nearest_window(wanted: Duration, allowed: &[u64]) -> Option<u64> {
    let wanted = u128::from(wanted.millis());
    allowed.iter().copied().reduce(|best, candidate| {
        let (b, c) = (u128::from(best) * 1000, u128::from(candidate) * 1000);
        // The candidate wins when max(c, w) / min(c, w) < max(b, w) / min(b, w).
        let candidate_distance = c.max(wanted) * b.min(wanted);
        let best_distance = b.max(wanted) * c.min(wanted);
        if candidate_distance < best_distance || (candidate_distance == best_distance && c > b) {
            candidate
        } else {
            best
        }
    })
}

/// The longest allowed check interval that checks at least as often as `wanted`, or the shortest
/// allowed one when `wanted` is shorter still.
pub fn uptime_interval(wanted: Duration) -> u64 {
    UPTIME_INTERVALS
        .iter()
        .rev()
        .copied()
        .find(|&interval| interval * 1000 <= wanted.millis())
        .unwrap_or(UPTIME_INTERVALS[0])
}

/// Sentry issue priority of a monitor condition. Sentry's scale is high (75), medium (50) and low
/// (25); slofile raises high for pages and medium for everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Priority {
    Medium,
    High,
}

impl Priority {
    /// Page tiers are high priority; every other severity is medium.
    pub(crate) fn of(severity: &str) -> Priority {
        if severity == "page" {
            Priority::High
        } else {
            Priority::Medium
        }
    }

    /// Sentry's `conditionResult` and priority level: 75 high, 50 medium.
    pub(crate) fn level(self) -> u64 {
        match self {
            Priority::High => 75,
            Priority::Medium => 50,
        }
    }

    /// Sentry's name of the priority, as its UI shows it.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Medium => "medium",
        }
    }

    pub(crate) fn legacy_label(self) -> &'static str {
        match self {
            Priority::High => "critical",
            Priority::Medium => "warning",
        }
    }
}

/// How a failure-rate monitor measures the SLO's failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FailureMeasure {
    /// `http_response_rate(N)`: the share of responses of status class `N`xx among the spans with
    /// a status code. Exact for `failure: http.status_code:5*` and the 4xx and 3xx classes.
    StatusClass(u8),
    /// `failure_rate()`: every span status but ok, cancelled and unknown counts as a failure,
    /// which may be more than the spec's `failure` query.
    FailureRate,
}

impl FailureMeasure {
    /// The measure of `failure` in `api`: the legacy transactions dataset has `failure_rate()`
    /// only.
    pub(crate) fn of(failure: &str, api: SentryApi) -> FailureMeasure {
        match (api, status_class(failure)) {
            (SentryApi::Current, Some(class)) => FailureMeasure::StatusClass(class),
            _ => FailureMeasure::FailureRate,
        }
    }

    /// The aggregate of the monitor's data source.
    pub(crate) fn aggregate(self) -> String {
        match self {
            FailureMeasure::StatusClass(class) => format!("http_response_rate({class})"),
            FailureMeasure::FailureRate => "failure_rate()".to_owned(),
        }
    }
}

/// The search keys of a response's status code: `span.status_code` on spans (the current API),
/// `http.status_code` on transactions (legacy). Either is accepted in specs.
const STATUS_KEYS: [&str; 2] = ["http.status_code", "span.status_code"];

/// The status class (`5` for `http.status_code:5*` or `:5xx`) a failure query selects, when it
/// selects exactly one class that `http_response_rate` measures.
pub(crate) fn status_class(failure: &str) -> Option<u8> {
    let (key, value) = failure.trim().split_once(':')?;
    if !STATUS_KEYS.contains(&key) {
        return None;
    }
    let class = match value.as_bytes() {
        [digit, b'*'] | [digit, b'x' | b'X', b'x' | b'X'] => *digit,
        _ => return None,
    };
    // Sentry's alerts take `http_response_rate` of the 3xx, 4xx and 5xx classes.
    matches!(class, b'3'..=b'5').then(|| class - b'0')
}

/// A search filter with its status-code key written the way `api` searches it.
fn status_key_for(filter: &str, api: SentryApi) -> String {
    let key = match api {
        SentryApi::Current => "span.status_code",
        SentryApi::Legacy => "http.status_code",
    };
    for written in STATUS_KEYS {
        if let Some(value) = filter.strip_prefix(written)
            && value.starts_with(':')
        {
            return format!("{key}{value}");
        }
    }
    filter.to_owned()
}

/// One condition of a failure-rate monitor, set by one burn-rate tier.
pub(crate) struct Step<'p> {
    pub(crate) priority: Priority,
    pub(crate) tier: &'p TierPlan,
}

/// What a monitor watches, whatever the API.
pub(crate) enum Watch<'p> {
    /// The failure ratio of the SLI's transaction above tier thresholds.
    FailureRate {
        sli: &'p SentrySli,
        objective: &'p ObjectivePlan,
        measure: FailureMeasure,
        window: u64,
        /// Highest priority first.
        steps: Vec<Step<'p>>,
    },
    /// A duration percentile above the objective's threshold.
    Latency {
        sli: &'p SentrySli,
        objective: &'p ObjectivePlan,
        /// `95` for `p95(...)`.
        percentile: String,
        threshold: Duration,
        window: u64,
        priority: Priority,
        /// The tier the window and priority come from.
        tier: Option<&'p TierPlan>,
    },
    /// An uptime check of a probe's URL.
    Uptime {
        probe: &'p ProbeSli,
        scope: &'p SentryScope,
        interval: u64,
    },
}

pub(crate) struct Monitor<'p> {
    /// Stable id within the file, `<slo>/<what>`: alerts name their monitors by it.
    pub(crate) key: String,
    pub(crate) slo: &'p SloPlan,
    pub(crate) watch: Watch<'p>,
}

impl Monitor<'_> {
    pub(crate) fn project(&self) -> &str {
        match &self.watch {
            Watch::FailureRate { sli, .. } | Watch::Latency { sli, .. } => &sli.project,
            Watch::Uptime { scope, .. } => &scope.project,
        }
    }

    pub(crate) fn organization(&self) -> Option<&str> {
        match &self.watch {
            Watch::FailureRate { sli, .. } | Watch::Latency { sli, .. } => {
                sli.organization.as_deref()
            }
            Watch::Uptime { scope, .. } => Some(&scope.organization),
        }
    }

    pub(crate) fn environment(&self) -> Option<&str> {
        match &self.watch {
            Watch::FailureRate { sli, .. } | Watch::Latency { sli, .. } => {
                sli.environment.as_deref()
            }
            Watch::Uptime { scope, .. } => scope.environment.as_deref(),
        }
    }
}

pub(crate) fn seconds(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

/// Every monitor of a service, in spec order: per SLO, failure rate by window, then latency, then
/// uptime.
pub(crate) fn plan_monitors<'p>(
    service: &'p ServicePlan,
    api: SentryApi,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Monitor<'p>> {
    let windows = match api {
        SentryApi::Current => SPAN_WINDOWS,
        SentryApi::Legacy => LEGACY_WINDOWS,
    };
    let mut monitors = Vec::new();
    for slo in &service.slos {
        match &slo.slo.sli {
            Sli::Sentry(sli) => {
                let measure = FailureMeasure::of(&sli.failure, api);
                let before = monitors.len();
                for objective in &slo.objectives {
                    match (
                        objective.objective.percentile,
                        objective.objective.threshold,
                    ) {
                        (Some(percentile), Some(threshold)) => monitors.extend(latency_monitor(
                            slo,
                            sli,
                            objective,
                            percentile,
                            threshold,
                            windows,
                            diagnostics,
                        )),
                        _ => monitors.extend(failure_rate_monitors(
                            slo,
                            sli,
                            objective,
                            measure,
                            windows,
                            diagnostics,
                        )),
                    }
                }
                let measures_failures = monitors[before..]
                    .iter()
                    .any(|monitor| matches!(monitor.watch, Watch::FailureRate { .. }));
                if measures_failures && measure == FailureMeasure::FailureRate {
                    diagnostics.push(inexact_failure_note(slo, sli, api));
                }
            }
            Sli::Probe(probe)
                if probe.provider == ProbeProvider::Sentry && api == SentryApi::Legacy =>
            {
                diagnostics.push(
                    Diagnostic::warning(
                        Code::SentryUnsupported,
                        format!(
                            "SLO `{}`: uptime monitors need Sentry's current API, so `--sentry-api legacy` leaves this one out",
                            slo.slo.id
                        ),
                    )
                    .at_origin(&slo.slo.origin)
                    .with_help("build without `--sentry-api legacy`, or create the uptime monitor in Sentry by hand"),
                );
            }
            Sli::Probe(probe) if probe.provider == ProbeProvider::Sentry => {
                if let Some(scope) = &probe.sentry {
                    let interval = uptime_interval(probe.interval);
                    if interval * 1000 != probe.interval.millis() {
                        diagnostics.push(
                            Diagnostic::info(
                                Code::SentryWindow,
                                format!(
                                    "SLO `{}`: Sentry uptime monitors cannot check every {}; this one checks every {}",
                                    slo.slo.id,
                                    probe.interval.human(),
                                    seconds(interval).human()
                                ),
                            )
                            .at_origin(&slo.slo.origin)
                            .with_help("Sentry checks every 1, 5, 10, 20 or 30 minutes, or every hour"),
                        );
                    }
                    monitors.push(Monitor {
                        key: format!("{}/uptime", slo.slo.id),
                        slo,
                        watch: Watch::Uptime {
                            probe,
                            scope,
                            interval,
                        },
                    });
                }
            }
            _ => {}
        }
    }
    monitors
}

/// The spec's `failure` query is not what the monitor measures: say so, not only in the
/// monitor's description.
fn inexact_failure_note(slo: &SloPlan, sli: &SentrySli, api: SentryApi) -> Diagnostic {
    let (why, help) = match api {
        SentryApi::Current => (
            format!("Sentry cannot measure `{}` exactly", sli.failure),
            "failures measured exactly are one status class: `http.status_code:5*` (or 4*, 3*) becomes http_response_rate(5)",
        ),
        SentryApi::Legacy => (
            format!(
                "legacy alert rules cannot measure `{}` exactly",
                sli.failure
            ),
            "build for Sentry's current API (without `--sentry-api legacy`), which measures a status class exactly with http_response_rate",
        ),
    };
    Diagnostic::warning(
        Code::SentryUnsupported,
        format!(
            "SLO `{}`: {why}; its monitors use failure_rate(), which counts every span status but ok, cancelled and unknown as a failure",
            slo.slo.id
        ),
    )
    .at_origin(&slo.slo.origin)
    .with_help(help)
}

/// One monitor per distinct Sentry window: the page tier with the lowest threshold at that window
/// raises a high-priority issue, the lowest other tier a medium-priority one.
pub(crate) fn failure_rate_monitors<'p>(
    slo: &'p SloPlan,
    sli: &'p SentrySli,
    objective: &'p ObjectivePlan,
    measure: FailureMeasure,
    windows: &[u64],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Monitor<'p>> {
    let mut by_window: BTreeMap<u64, Vec<&TierPlan>> = BTreeMap::new();
    for tier in objective.alerting_tiers() {
        let Some(window) = nearest_window(tier.long, windows) else {
            continue;
        };
        if window * 1000 != tier.long.millis() {
            let threshold = format!(
                "the tier's error ratio of {}",
                tier.error_threshold.percent()
            );
            diagnostics.push(window_note(
                slo, objective, tier, window, windows, &threshold,
            ));
        }
        by_window.entry(window).or_default().push(tier);
    }
    by_window
        .into_iter()
        .map(|(window, tiers)| {
            let lowest = |priority: Priority| {
                tiers
                    .iter()
                    .copied()
                    .filter(|tier| Priority::of(&tier.severity) == priority)
                    .min_by_key(|tier| tier.error_threshold)
            };
            let high = lowest(Priority::High);
            // A medium-priority threshold at or above the high one would never add anything.
            let medium = lowest(Priority::Medium).filter(|medium| {
                high.is_none_or(|high| medium.error_threshold < high.error_threshold)
            });
            let steps = [(Priority::High, high), (Priority::Medium, medium)]
                .into_iter()
                .filter_map(|(priority, tier)| tier.map(|tier| Step { priority, tier }))
                .collect();
            Monitor {
                key: format!(
                    "{}/failure-rate-{}",
                    slo.slo.id,
                    seconds(window).prometheus()
                ),
                slo,
                watch: Watch::FailureRate {
                    sli,
                    objective,
                    measure,
                    window,
                    steps,
                },
            }
        })
        .collect()
}

pub(crate) fn window_note(
    slo: &SloPlan,
    objective: &ObjectivePlan,
    tier: &TierPlan,
    window: u64,
    windows: &[u64],
    threshold: &str,
) -> Diagnostic {
    let allowed: Vec<String> = windows.iter().map(|&w| seconds(w).human()).collect();
    let which = objective
        .objective
        .name
        .as_ref()
        .map(|name| format!(" ({name})"))
        .unwrap_or_default();
    Diagnostic::info(
        Code::SentryWindow,
        format!(
            "SLO `{}`{which}: Sentry has no window of {}; the {} tier is watched over {}, the nearest one it allows",
            slo.slo.id,
            tier.long.human(),
            tier.severity,
            seconds(window).human()
        ),
    )
    .at_origin(&objective.objective.origin)
    .with_help(format!(
        "a Sentry monitor evaluates one window out of {}; the threshold stays {threshold}",
        allowed.join(", "),
    ))
}

/// The percentile monitor: above the threshold means more than the objective's budget of slow
/// requests, a burn rate above 1, so its window and priority come from the tier with the lowest
/// burn-rate factor.
#[allow(clippy::too_many_arguments)]
pub(crate) fn latency_monitor<'p>(
    slo: &'p SloPlan,
    sli: &'p SentrySli,
    objective: &'p ObjectivePlan,
    percentile: Ratio,
    threshold: Duration,
    windows: &[u64],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Monitor<'p>> {
    let percentile = percentile.to_decimal();
    if !PERCENTILE_FUNCTIONS.contains(&percentile.as_str()) {
        diagnostics.push(
            Diagnostic::warning(
                Code::SentryUnsupported,
                format!(
                    "SLO `{}`: Sentry has no p{percentile} of span durations, so no latency monitor is written",
                    slo.slo.id
                ),
            )
            .at_origin(&objective.objective.origin)
            .with_help("Sentry monitors p50, p75, p90, p95, p99 and p100"),
        );
        return None;
    }
    let tier = objective.alerting_tiers().min_by_key(|tier| tier.factor);
    let window = match tier {
        Some(tier) => {
            let window = nearest_window(tier.long, windows)?;
            if window * 1000 != tier.long.millis() {
                let threshold = format!("p{percentile} above {} ms", threshold.millis());
                diagnostics.push(window_note(
                    slo, objective, tier, window, windows, &threshold,
                ));
            }
            window
        }
        None => DEFAULT_WINDOW,
    };
    Some(Monitor {
        key: format!("{}/p{percentile}-latency", slo.slo.id),
        slo,
        watch: Watch::Latency {
            sli,
            objective,
            percentile,
            threshold,
            window,
            priority: tier.map_or(Priority::Medium, |tier| Priority::of(&tier.severity)),
            tier,
        },
    })
}

/// The search query: the SLI's transaction, without the excluded events. A status-code filter
/// is written with the key `api` searches (`span.status_code` on spans).
pub(crate) fn search_query(sli: &SentrySli, api: SentryApi) -> String {
    let escaped = sli.transaction.replace('\\', "\\\\").replace('"', "\\\"");
    let mut terms = Vec::new();
    if api == SentryApi::Current {
        // Spans of every operation share the dataset; the transaction's own span is the request.
        terms.push("is_transaction:true".to_owned());
    }
    terms.push(format!("transaction:\"{escaped}\""));
    if let Some(exclude) = &sli.exclude {
        let exclude = exclude.trim();
        terms.push(match exclude.strip_prefix('!') {
            Some(negated) => status_key_for(negated, api),
            None => format!("!{}", status_key_for(exclude, api)),
        });
    }
    terms.join(" ")
}

/// One alert (a Sentry workflow) of the current API: an SLO's monitors, connected to the channels
/// Sentry can notify.
pub(crate) struct Alert<'p> {
    pub(crate) slo: &'p SloPlan,
    /// Keys of the SLO's monitors, in plan order.
    pub(crate) monitors: Vec<&'p str>,
    pub(crate) channels: Vec<&'p Channel>,
    pub(crate) environment: Option<&'p str>,
}

/// The alerts of the current API, one per SLO with monitors and a channel Sentry can notify; the
/// others get a note.
pub(crate) fn plan_alerts<'p>(
    service: &'p ServicePlan,
    monitors: &'p [Monitor<'p>],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Alert<'p>> {
    let mut alerts = Vec::new();
    let mut noted = Vec::new();
    for slo in &service.slos {
        let own: Vec<&Monitor> = monitors
            .iter()
            .filter(|monitor| std::ptr::eq(monitor.slo, slo))
            .collect();
        let Some(first) = own.first() else {
            continue;
        };
        let channels = alert_channels(service, slo);
        if channels.is_empty() {
            diagnostics.push(no_channel_note(slo));
            continue;
        }
        for channel in &channels {
            if !noted.contains(&channel.id)
                && let Some(note) = recipient_note(service, channel, SentryApi::Current)
            {
                noted.push(channel.id.clone());
                diagnostics.push(note);
            }
        }
        alerts.push(Alert {
            slo,
            monitors: own.iter().map(|monitor| monitor.key.as_str()).collect(),
            channels,
            environment: first.environment(),
        });
    }
    alerts
}

/// The channels an SLO's Sentry alert notifies: those the spec names, else every channel Sentry
/// can notify.
pub(crate) fn alert_channels<'m>(service: &'m ServicePlan, slo: &SloPlan) -> Vec<&'m Channel> {
    let named: &[String] = match &slo.slo.sli {
        Sli::Sentry(sli) => &sli.channels,
        Sli::Probe(probe) => &probe.channels,
        _ => &[],
    };
    let channels: Vec<&Channel> = if named.is_empty() {
        service.meta.channels.iter().collect()
    } else {
        named
            .iter()
            .filter_map(|id| service.meta.channel(id))
            .collect()
    };
    channels
        .into_iter()
        .filter(|ch| ch.sentry_notifiable())
        .collect()
}

/// Pagers only hear about high-priority issues; every other channel hears about all of them.
pub(crate) fn is_pager(channel: &Channel) -> bool {
    channel.kind == ChannelType::Pagerduty
}

/// `team:<id>` or `user:<id>` of a `sentry` channel.
pub(crate) fn sentry_recipient(channel: &Channel) -> Option<(&'static str, &str)> {
    let target = channel.target.as_deref()?;
    let (kind, id) = target.split_once(':')?;
    let kind = match kind {
        "team" => "team",
        "user" => "user",
        _ => return None,
    };
    (!id.is_empty() && id.chars().all(|ch| ch.is_ascii_digit())).then_some((kind, id))
}

/// A `sentry` channel whose target names no team or user: the current API notifies the issue
/// owners instead, which the spec language promises only for channels without a target.
pub(crate) fn recipient_note(
    service: &ServicePlan,
    channel: &Channel,
    api: SentryApi,
) -> Option<Diagnostic> {
    if channel.kind != ChannelType::Sentry || sentry_recipient(channel).is_some() {
        return None;
    }
    let (target, fallback) = match (&channel.target, api) {
        (None, SentryApi::Current) => return None,
        (None, SentryApi::Legacy) => (
            "has no target".to_owned(),
            "legacy alert rules cannot notify issue owners, so it is left out",
        ),
        (Some(target), SentryApi::Current) => (
            format!("target `{target}` is not `team:<id>` or `user:<id>`"),
            "the alert notifies the issue owners instead",
        ),
        (Some(target), SentryApi::Legacy) => (
            format!("target `{target}` is not `team:<id>` or `user:<id>`"),
            "legacy alert rules leave it out",
        ),
    };
    Some(
        Diagnostic::warning(
            Code::SentryUnsupported,
            format!("channel `{}` {target}; {fallback}", channel.id),
        )
        .at_origin(&service.meta.origin)
        .with_help("Sentry notifies teams and users by numeric id: write e.g. `target: team:4501`"),
    )
}

pub(crate) fn no_channel_note(slo: &SloPlan) -> Diagnostic {
    Diagnostic::warning(
        Code::SentryUnsupported,
        format!(
            "SLO `{}`: no channel Sentry can notify, so its Sentry monitors open issues but no alert is written",
            slo.slo.id
        ),
    )
    .at_origin(&slo.slo.origin)
    .with_help(
        "add a channel of type `sentry` (team:<id> or user:<id>), or a Slack or PagerDuty channel with a `sentry_integration_id`",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Duration {
        Duration::parse(text).unwrap()
    }

    fn nearest(text: &str, windows: &[u64]) -> String {
        seconds(nearest_window(d(text), windows).unwrap()).prometheus()
    }

    #[test]
    fn allowed_windows_are_kept() {
        for window in ["5m", "10m", "15m", "30m", "1h", "2h", "4h", "1d"] {
            assert_eq!(nearest(window, SPAN_WINDOWS), window);
        }
        assert_eq!(nearest("1m", LEGACY_WINDOWS), "1m");
    }

    #[test]
    fn windows_map_to_the_nearest_by_ratio() {
        // The built-in tiers' long windows.
        assert_eq!(nearest("6h", SPAN_WINDOWS), "4h");
        assert_eq!(nearest("3d", SPAN_WINDOWS), "1d");
        // 3 h is 1.5 times 2 h and 1.33 times 4 h.
        assert_eq!(nearest("3h", SPAN_WINDOWS), "4h");
        // 20 m: 15 m is 1.33 times away, 30 m 1.5 times.
        assert_eq!(nearest("20m", SPAN_WINDOWS), "15m");
        // Beyond either end.
        assert_eq!(nearest("28d", SPAN_WINDOWS), "1d");
        assert_eq!(nearest("1m", SPAN_WINDOWS), "5m");
        assert_eq!(nearest("30s", LEGACY_WINDOWS), "1m");
    }

    #[test]
    fn ties_go_to_the_longer_window() {
        // 3 m is 3 times 1 m and a third of 9 m; 10 m is twice 5 m and half of 20 m.
        assert_eq!(nearest_window(d("3m"), &[60, 540]), Some(540));
        assert_eq!(nearest_window(d("10m"), &[300, 1200]), Some(1200));
    }

    #[test]
    fn no_allowed_windows_means_none() {
        assert_eq!(nearest_window(d("1h"), &[]), None);
    }

    #[test]
    fn uptime_intervals_never_check_less_often() {
        let interval = |text: &str| seconds(uptime_interval(d(text))).prometheus();
        assert_eq!(interval("5m"), "5m");
        assert_eq!(interval("2m"), "1m");
        assert_eq!(interval("15m"), "10m");
        assert_eq!(interval("2h"), "1h");
        assert_eq!(interval("30s"), "1m");
    }

    #[test]
    fn queries_exclude_and_escape() {
        let sli = SentrySli {
            organization: None,
            project: "api".into(),
            transaction: "POST /a \"b\"".into(),
            failure: "http.status_code:5*".into(),
            exclude: Some("http.status_code:401".into()),
            environment: None,
            channels: Vec::new(),
        };
        assert_eq!(
            search_query(&sli, SentryApi::Current),
            r#"is_transaction:true transaction:"POST /a \"b\"" !span.status_code:401"#
        );
        assert_eq!(
            search_query(&sli, SentryApi::Legacy),
            r#"transaction:"POST /a \"b\"" !http.status_code:401"#
        );
        let spans = SentrySli {
            exclude: Some("!span.status_code:[401,403]".into()),
            ..sli.clone()
        };
        assert_eq!(
            search_query(&spans, SentryApi::Legacy),
            r#"transaction:"POST /a \"b\"" http.status_code:[401,403]"#
        );
        // Only the key itself is rewritten, not a longer key that starts with it.
        let other = SentrySli {
            exclude: Some("http.status_code_class:4xx".into()),
            ..sli.clone()
        };
        assert!(search_query(&other, SentryApi::Current).ends_with(" !http.status_code_class:4xx"));
        let negated = SentrySli {
            exclude: Some("!has:user".into()),
            ..sli
        };
        assert_eq!(
            search_query(&negated, SentryApi::Legacy),
            r#"transaction:"POST /a \"b\"" has:user"#
        );
    }

    #[test]
    fn a_single_status_class_is_measured_exactly() {
        for (failure, class) in [
            ("http.status_code:5*", Some(5)),
            ("http.status_code:5xx", Some(5)),
            ("span.status_code:4*", Some(4)),
            (" http.status_code:3XX ", Some(3)),
            ("http.status_code:2*", None),
            ("http.status_code:50*", None),
            ("http.status_code:[500,503]", None),
            ("!http.status_code:5*", None),
            ("transaction.status:internal_error", None),
        ] {
            assert_eq!(status_class(failure), class, "{failure}");
        }
        let current = FailureMeasure::of("http.status_code:5*", SentryApi::Current);
        assert_eq!(current.aggregate(), "http_response_rate(5)");
        let legacy = FailureMeasure::of("http.status_code:5*", SentryApi::Legacy);
        assert_eq!(legacy.aggregate(), "failure_rate()");
        let other = FailureMeasure::of("http.status_code:[500,503]", SentryApi::Current);
        assert_eq!(other, FailureMeasure::FailureRate);
    }
}
