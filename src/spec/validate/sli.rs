//! The SLI of an SLO, by kind: ratios, histograms, freshness, gauges, probes, Sentry.

use super::SloContext;
use super::checker::Checker;
use crate::diagnostics::Code;
use crate::spec::raw::{RawSli, RawSlo};
use crate::spec::{
    GaugeSli, HistogramSli, Objective, ProbeProvider, ProbeSli, RatioSli, SentryScope, SentrySli,
    Sli,
};
use crate::units::{Duration, Ratio};
use std::collections::HashSet;

/// The histogram of a latency or freshness SLI. `buckets: None` (not listed) is allowed: the
/// thresholds are then checked at run time by a generated alert.
pub(super) fn check_histogram(
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

pub(super) fn histogram_is_bucket_selector(query: &str) -> bool {
    matches!(
        crate::promql::parse_shape(query),
        Ok(promql_parser::parser::Expr::VectorSelector(ref v))
            if v.name.as_deref().is_some_and(|n| n.ends_with("_bucket"))
    )
}

pub(super) fn check_threshold_is_bucket(
    c: &mut Checker,
    pointer: &str,
    threshold: Duration,
    buckets: &[f64],
) {
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

pub(super) fn check_sli(
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
            check_monitor_channels(c, &at, &p.channels, p.provider, context);
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
            check_monitor_channels(c, &at, &s.channels, ProbeProvider::Sentry, context);
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
