//! What a Sentry monitor searches and measures: the SLI's transaction as a search query, and its
//! failures as an aggregate Sentry has.

use super::SentryApi;
use crate::spec::{Channel, ChannelType, SentrySli};

/// How a failure-rate monitor measures the SLO's failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureMeasure {
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
    pub fn of(failure: &str, api: SentryApi) -> FailureMeasure {
        match (api, status_class(failure)) {
            (SentryApi::Current, Some(class)) => FailureMeasure::StatusClass(class),
            _ => FailureMeasure::FailureRate,
        }
    }

    /// The aggregate of the monitor's data source.
    pub fn aggregate(self) -> String {
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
pub fn status_class(failure: &str) -> Option<u8> {
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

/// The search query: the SLI's transaction, without the excluded events. A status-code filter
/// is written with the key `api` searches (`span.status_code` on spans).
pub fn search_query(sli: &SentrySli, api: SentryApi) -> String {
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

/// Pagers only hear about high-priority issues; every other channel hears about all of them.
pub fn is_pager(channel: &Channel) -> bool {
    channel.kind == ChannelType::Pagerduty
}

/// `team:<id>` or `user:<id>` of a `sentry` channel.
pub fn sentry_recipient(channel: &Channel) -> Option<(&'static str, &str)> {
    let target = channel.target.as_deref()?;
    let (kind, id) = target.split_once(':')?;
    let kind = match kind {
        "team" => "team",
        "user" => "user",
        _ => return None,
    };
    (!id.is_empty() && id.chars().all(|ch| ch.is_ascii_digit())).then_some((kind, id))
}

#[cfg(test)]
mod tests {
    use super::*;

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
