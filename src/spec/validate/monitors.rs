//! The SLIs that outside services measure: probes (UptimeRobot, the blackbox exporter, Sentry
//! uptime monitors) and Sentry transactions, with the channels their monitors notify.

use super::SloContext;
use super::checker::Checker;
use crate::diagnostics::Code;
use crate::spec::raw::{RawProbeSli, RawSentrySli};
use crate::spec::{Objective, ProbeProvider, ProbeSli, SentryScope, SentrySli, Sli};
use crate::units::{Duration, Ratio};

/// A probe SLI at `at`: its URL, interval, metric, method, expected statuses, channels, timeout,
/// Sentry scope, keyword and response-time threshold.
pub(super) fn check_probe(
    c: &mut Checker,
    at: &str,
    p: &RawProbeSli,
    context: &SloContext,
) -> Option<Sli> {
    if !is_http_url(&p.url) {
        c.error(
            Code::InvalidUrl,
            &format!("{at}/url"),
            format!("`{}` is not an absolute http(s) URL", p.url),
            "write the full URL, e.g. `https://api.example.com/health`",
        );
    }
    let interval = check_probe_interval(c, at, p);
    if let Some(metric) = &p.metric {
        c.promql(&format!("{at}/metric"), metric);
    }
    let method = check_probe_method(c, at, p);
    check_expected_status(c, at, &p.expected_status);
    check_monitor_channels(c, at, &p.channels, p.provider, context);
    let timeout = check_probe_timeout(c, at, p);
    let sentry = probe_sentry_scope(c, at, p, context);
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
        p.response_time_threshold.as_deref(),
    );
    Some(Sli::Probe(ProbeSli {
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
    }))
}

/// A probe's `interval`: a whole number of seconds, at least 30 s; below UptimeRobot's free-plan
/// minimum of 5 minutes only with a warning.
fn check_probe_interval(c: &mut Checker, at: &str, p: &RawProbeSli) -> Option<Duration> {
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
        } else if p.provider == ProbeProvider::Uptimerobot && interval < Duration::from_secs(300) {
            c.warning(
                Code::ProbeInterval,
                &format!("{at}/interval"),
                format!(
                    "probe interval {} is below UptimeRobot's free-plan minimum of 5 minutes",
                    interval.human()
                ),
                "paid plans allow down to 30 s; on the free plan the monitor is rejected",
            );
        }
    }
    interval
}

/// A probe's HTTP `method` (default `GET`), upper-cased: one that probe providers send.
fn check_probe_method(c: &mut Checker, at: &str, p: &RawProbeSli) -> String {
    let method = p
        .method
        .clone()
        .unwrap_or_else(|| "GET".to_owned())
        .to_uppercase();
    if !["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].contains(&method.as_str()) {
        c.error(
            Code::InvalidValue,
            &format!("{at}/method"),
            format!("`{method}` is not an HTTP method"),
            "use GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS",
        );
    }
    method
}

/// A probe's `expected_status`: each an HTTP status such as `200` or a class such as `2xx`.
fn check_expected_status(c: &mut Checker, at: &str, expected_status: &[String]) {
    for (i, status) in expected_status.iter().enumerate() {
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
}

/// A probe's `timeout`: for UptimeRobot and Sentry, a whole number of seconds from 1 s to 60 s.
fn check_probe_timeout(c: &mut Checker, at: &str, p: &RawProbeSli) -> Option<Duration> {
    let timeout = c.optional_duration(&format!("{at}/timeout"), p.timeout.as_deref());
    if let Some(timeout) = timeout
        && p.provider != ProbeProvider::Blackbox
        && (timeout < Duration::from_secs(1)
            || timeout > Duration::from_secs(60)
            || !timeout.millis().is_multiple_of(1000))
    {
        c.error(Code::ProbeTimeout, &format!("{at}/timeout"), format!("probe timeout {} is not a whole number of seconds from 1 s to 60 s", timeout.human()), "UptimeRobot and Sentry uptime monitors wait between 1 and 60 seconds; write e.g. `30s`");
    }
    timeout
}

/// Where a probe with `provider: sentry` lives: the service's Sentry organization and project,
/// both of which it needs. `None` for other providers.
fn probe_sentry_scope(
    c: &mut Checker,
    at: &str,
    p: &RawProbeSli,
    context: &SloContext,
) -> Option<SentryScope> {
    if p.provider != ProbeProvider::Sentry {
        return None;
    }
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
}

/// A Sentry SLI at `at`: its channels, an organization (its own or the service's), one search
/// filter in `exclude`, and its latency objective, which is pushed onto `objectives`.
pub(super) fn check_sentry(
    c: &mut Checker,
    at: &str,
    s: &RawSentrySli,
    context: &SloContext,
    objectives: &mut Vec<Objective>,
) -> Option<Sli> {
    check_monitor_channels(c, at, &s.channels, ProbeProvider::Sentry, context);
    let organization = s
        .organization
        .clone()
        .or_else(|| context.sentry.organization.clone());
    if organization.is_none() {
        c.error(Code::MissingField, at, "a Sentry SLI needs a Sentry organization", "add `sentry: {organization: <org slug>}` at the top level of the spec, or `organization: <org slug>` here");
    }
    if let Some(exclude) = &s.exclude
        && !is_single_search_filter(exclude)
    {
        c.error(Code::InvalidValue, &format!("{at}/exclude"), format!("`{exclude}` is not one Sentry search filter"), "write one filter such as `http.status_code:401`; for several values use a list: `http.status_code:[401,403]`");
    }
    if let Some(latency) = &s.latency {
        let percentile = c.percentile(&format!("{at}/latency/percentile"), &latency.percentile);
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
    Some(Sli::Sentry(SentrySli {
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
    }))
}

/// The `channels` of a monitor at `at`: each names a channel of the service, and one the
/// monitor's provider can notify.
fn check_monitor_channels(
    c: &mut Checker,
    at: &str,
    channels: &[String],
    provider: ProbeProvider,
    context: &SloContext,
) {
    for (i, channel) in channels.iter().enumerate() {
        let pointer = format!("{at}/channels/{i}");
        c.reference(&pointer, channel, context.channel_ids, "channel");
        check_monitor_channel(c, &pointer, channel, provider, context);
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

/// One Sentry search filter such as `http.status_code:401` or `key:[a, b]`: a key, a colon, and
/// no unquoted whitespace outside a list.
pub(super) fn is_single_search_filter(text: &str) -> bool {
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

pub(super) fn is_http_url(url: &str) -> bool {
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
}
