//! An SLI in words: in `explain`, in documents (long and short, Markdown), and in `diff`.

use super::{above_or_below, code, good_or_bad};
use crate::spec::{KeywordCase, RatioSli, Sli};

/// For `explain`: what measures the SLO, in one terminal line.
pub fn explained(sli: &Sli) -> String {
    match sli {
        Sli::Ratio(RatioSli::Events {
            good,
            events,
            total,
        }) => format!(
            "ratio of {} events `{events}` over `{total}`",
            good_or_bad(*good)
        ),
        Sli::Ratio(RatioSli::Query(query)) => format!("error-ratio query `{query}`"),
        Sli::Latency(h) => format!("latency histogram `{}`", h.histogram),
        Sli::Freshness {
            from,
            to,
            histogram,
        } => match histogram {
            Some(h) => format!("freshness {from} → {to}, lag histogram `{}`", h.histogram),
            None => format!("freshness {from} → {to}, measured outside Prometheus"),
        },
        Sli::Gauge(g) => format!(
            "gauge `{}`, good while {} {} in each {} slice",
            g.query,
            above_or_below(!g.good_below),
            g.threshold,
            g.slice.human()
        ),
        // The URL is the user's, to the letter: paths and query strings are case-sensitive.
        Sli::Probe(p) => format!(
            "{} probe of {} every {}",
            p.provider.display_name(),
            p.url,
            p.interval.human()
        ),
        Sli::Sentry(s) => format!(
            "Sentry transaction `{}` in project `{}`, failure `{}`",
            s.transaction, s.project, s.failure
        ),
        Sli::Documentary { measured_by, .. } => match measured_by {
            Some(how) => format!("{how} (documentation only)"),
            None => "documentation only".to_owned(),
        },
    }
}

/// For documents: the data source in words, Markdown with code spans.
pub fn source(sli: &Sli) -> String {
    match sli {
        Sli::Ratio(RatioSli::Events {
            good,
            events,
            total,
        }) => format!(
            "Prometheus counters: {} events {} out of {}",
            good_or_bad(*good),
            code(events),
            code(total)
        ),
        Sli::Ratio(RatioSli::Query(query)) => {
            format!("Prometheus error-ratio query {}", code(query))
        }
        Sli::Latency(h) => format!("Prometheus histogram {}", code(&h.histogram)),
        Sli::Freshness {
            from,
            to,
            histogram,
        } => match histogram {
            Some(h) => format!(
                "Prometheus lag histogram {} (lag from {from} to {to})",
                code(&h.histogram)
            ),
            None => format!("Lag from {from} to {to}, measured outside slofile"),
        },
        Sli::Gauge(g) => format!(
            "Prometheus gauge {}, sampled in {} slices",
            code(&g.query),
            g.slice.adjective()
        ),
        Sli::Probe(p) => {
            let mut text = format!(
                "{} probe: {} {} every {}",
                p.provider.display_name(),
                p.method,
                p.url,
                p.interval.human()
            );
            if let Some(timeout) = p.timeout {
                text.push_str(&format!(", timeout {}", timeout.spoken()));
            }
            if !p.expected_status.is_empty() {
                text.push_str(&format!(", up on {}", p.expected_status.join(" or ")));
            }
            if let Some(keyword) = &p.keyword {
                text.push_str(&format!(", response must contain {}", code(keyword)));
                if p.keyword_case == KeywordCase::Sensitive {
                    text.push_str(" (case-sensitive)");
                }
            }
            if !p.follow_redirects {
                text.push_str(", redirects not followed");
            }
            if let Some(slow) = p.response_time_threshold {
                text.push_str(&format!(", slow above {}", slow.in_millis()));
            }
            if let Some(metric) = &p.metric {
                text.push_str(&format!("; Prometheus metric {}", code(metric)));
            }
            text
        }
        Sli::Sentry(s) => {
            let mut text = format!(
                "Sentry transaction metrics for {} in project {}",
                code(&s.transaction),
                code(&s.project)
            );
            if let Some(org) = &s.organization {
                text.push_str(&format!(" of organization {}", code(org)));
            }
            text.push_str(&format!("; failures match {}", code(&s.failure)));
            if let Some(exclude) = &s.exclude {
                text.push_str(&format!(", excluding {}", code(exclude)));
            }
            text
        }
        Sli::Documentary { measured_by, .. } => match measured_by {
            Some(how) => format!("Documented, not measured by slofile; assured by {how}"),
            None => "Documented, not measured by slofile".to_owned(),
        },
    }
}

/// For documents' tables: the data source in a few words.
pub fn source_short(sli: &Sli) -> String {
    match sli {
        Sli::Ratio(_) => "Prometheus counters".to_owned(),
        Sli::Latency(_) => "Prometheus histogram".to_owned(),
        Sli::Freshness { histogram, .. } => match histogram {
            Some(_) => "Prometheus lag histogram".to_owned(),
            None => "Outside slofile".to_owned(),
        },
        Sli::Gauge(_) => "Prometheus gauge".to_owned(),
        Sli::Probe(p) => format!("{} on {}", p.provider.display_name(), p.url),
        Sli::Sentry(s) => format!("Sentry transaction {}", code(&s.transaction)),
        Sli::Documentary { measured_by, .. } => measured_by.clone().unwrap_or_default(),
    }
}

/// For `diff`: what now measures an SLO whose SLI changed kind.
pub fn kind_phrase(sli: &Sli) -> String {
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
