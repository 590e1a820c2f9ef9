//! A small blocking client for Prometheus's instant-query API (`POST /api/v1/query`), its other
//! JSON endpoints (`GET`, e.g. `/api/v1/rules`) and Alertmanager's, and the one-line errors of a
//! server that cannot answer.
//!
//! Queries go as a form body rather than in the URL, so that long PromQL fits. TLS uses rustls
//! with the platform's verifier (the system's roots). The bearer token is sent and never shown:
//! no error message carries a header, and the URL is shown without any user information.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration as StdDuration;

/// Where and how to ask.
#[derive(Clone)]
pub struct Connection {
    /// The server's base URL, e.g. `https://prometheus.example.com` or a Mimir
    /// `https://mimir.example.com/prometheus`.
    pub url: String,
    /// Sent as `Authorization: Bearer …`.
    pub token: Option<String>,
    /// Extra headers, e.g. `X-Scope-OrgID` for a multi-tenant front.
    pub headers: Vec<(String, String)>,
    /// For the whole of each query: connecting, sending and reading the answer.
    pub timeout: StdDuration,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("url", &shown_url(&self.url))
            .field("token", &self.token.as_ref().map(|_| "(hidden)"))
            .field("headers", &self.headers.len())
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// One series of a range query: its labels and `(unix seconds, value)` points in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    pub points: Vec<(i64, f64)>,
}

/// One series of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// Why a query got no answer. Displayed as one line naming the server and the cause.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryError {
    /// What the server is: `Prometheus` or `Alertmanager`.
    pub product: &'static str,
    /// The server, without user information.
    pub server: String,
    pub cause: Cause,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cause {
    /// Not reachable: refused, unresolvable, TLS failure.
    Unreachable(String),
    /// No complete answer within the timeout.
    Timeout(StdDuration),
    /// An HTTP error status without a Prometheus error body.
    Status { code: u16, text: String },
    /// Prometheus rejected or failed the query.
    Query { kind: String, message: String },
    /// The answer is not what Prometheus sends.
    Malformed(String),
    /// The answer of an endpoint other than a query is not what the server sends.
    Unexpected(String),
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (product, server) = (self.product, &self.server);
        match &self.cause {
            Cause::Unreachable(why) => write!(f, "cannot reach {product} at {server}: {why}"),
            Cause::Timeout(limit) => write!(
                f,
                "{product} at {server} did not answer within {} (raise --timeout)",
                crate::units::Duration::from_millis(limit.as_millis() as u64).human()
            ),
            Cause::Status { code, text } if text.is_empty() => {
                write!(f, "{product} at {server} answered HTTP {code}")
            }
            Cause::Status { code, text } => {
                write!(f, "{product} at {server} answered HTTP {code}: {text}")
            }
            Cause::Query { kind, message } => {
                write!(
                    f,
                    "{product} at {server} rejected a query ({kind}): {message}"
                )
            }
            Cause::Malformed(why) => write!(
                f,
                "{product} at {server} sent an answer that is not a Prometheus query result: {why}"
            ),
            Cause::Unexpected(why) => write!(
                f,
                "{product} at {server} sent an answer slofile cannot read: {why}"
            ),
        }
    }
}

impl std::error::Error for QueryError {}

/// The most of an answer read; a status report needs a few series per SLO.
const BODY_LIMIT: u64 = 64 * 1024 * 1024;
/// The most of a server's error text shown.
const ERROR_TEXT_LIMIT: usize = 200;

/// A client for one server.
pub struct Client {
    agent: ureq::Agent,
    connection: Connection,
    /// The API's base, `<url>/api/v1`.
    api: String,
    /// What the server is, for messages.
    product: &'static str,
}

impl Client {
    /// A client of a Prometheus (or of a server with its query API).
    pub fn new(connection: Connection) -> Client {
        Client::of("Prometheus", connection)
    }

    /// A client of an Alertmanager's API.
    pub fn alertmanager(connection: Connection) -> Client {
        Client::of("Alertmanager", connection)
    }

    /// A client of `product` (`Alertmanager`, say), named so in every message.
    pub fn of(product: &'static str, connection: Connection) -> Client {
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build();
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(connection.timeout))
            .http_status_as_error(false)
            .tls_config(tls)
            .user_agent(concat!("slofile/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        let api = format!("{}/api/v1", connection.url.trim_end_matches('/'));
        Client {
            agent,
            connection,
            api,
            product,
        }
    }

    /// The server's URL as messages show it: without user information.
    pub fn shown_url(&self) -> String {
        shown_url(&self.connection.url)
    }

    /// An answer that is not what the server sends, e.g. `data.groups` that is not a list.
    pub fn unexpected(&self, why: impl Into<String>) -> QueryError {
        self.error(Cause::Unexpected(why.into()))
    }

    fn error(&self, cause: Cause) -> QueryError {
        QueryError {
            product: self.product,
            server: shown_url(&self.connection.url),
            cause,
        }
    }

    /// Evaluates `expr` at Unix time `at`; the answer must be an instant vector.
    pub fn query(&self, expr: &str, at: i64) -> Result<Vec<Sample>, QueryError> {
        let time = at.to_string();
        let (code, body) = self.post("query", &[("query", expr), ("time", time.as_str())])?;
        parse_answer(code, &body).map_err(|cause| self.error(cause))
    }

    /// Evaluates `expr` at every `step` seconds from `start` to `end` (Unix seconds); the answer
    /// is a matrix, one [`Series`] per label set.
    pub fn query_range(
        &self,
        expr: &str,
        start: i64,
        end: i64,
        step: i64,
    ) -> Result<Vec<Series>, QueryError> {
        let (start, end, step) = (start.to_string(), end.to_string(), step.to_string());
        let form = [
            ("query", expr),
            ("start", start.as_str()),
            ("end", end.as_str()),
            ("step", step.as_str()),
        ];
        let (code, body) = self.post("query_range", &form)?;
        parse_range_answer(code, &body).map_err(|cause| self.error(cause))
    }

    /// The JSON answer of `GET <url>/<path>` (`api/v1/rules`, `api/v2/status`), as sent: a
    /// Prometheus error body or an HTTP error status is the error.
    pub fn get_json(&self, path: &str) -> Result<serde_json::Value, QueryError> {
        let (code, body) = self.fetch(path)?;
        parse_json(code, &body).map_err(|cause| self.error(cause))
    }

    /// The body of `GET <url>/<path>` (`metrics`, say): an HTTP error status is the error.
    pub fn get(&self, path: &str) -> Result<String, QueryError> {
        self.success(self.fetch(path)?)
    }

    /// `GET <url>/<path>` with the connection's headers: the status and body.
    fn fetch(&self, path: &str) -> Result<(u16, String), QueryError> {
        let request = self.with_headers(self.agent.get(self.url_of(path)));
        let response = request
            .call()
            .map_err(|error| self.error(self.cause_of(error)))?;
        self.read(response)
    }

    /// `POST <url>/<path>` with a JSON body (Alertmanager's `api/v2/alerts`, say): the answer's
    /// body; an HTTP error status is the error.
    pub fn post_json(&self, path: &str, body: &str) -> Result<String, QueryError> {
        let request = self
            .with_headers(self.agent.post(self.url_of(path)))
            .content_type("application/json");
        let response = request
            .send(body)
            .map_err(|error| self.error(self.cause_of(error)))?;
        self.success(self.read(response)?)
    }

    fn url_of(&self, path: &str) -> String {
        format!("{}/{path}", self.connection.url.trim_end_matches('/'))
    }

    /// The body of a 2xx answer; another status is one line with the server's text.
    fn success(&self, (code, body): (u16, String)) -> Result<String, QueryError> {
        if (200..300).contains(&code) {
            Ok(body)
        } else {
            Err(self.error(Cause::Status {
                code,
                text: one_line(&body),
            }))
        }
    }

    /// The request with the connection's token and headers.
    fn with_headers<B>(&self, mut request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        if let Some(token) = &self.connection.token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        for (name, value) in &self.connection.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        request
    }

    /// Posts `form` to the API's `endpoint` with the connection's headers: the status and body.
    fn post(&self, endpoint: &str, form: &[(&str, &str)]) -> Result<(u16, String), QueryError> {
        let request = self.with_headers(self.agent.post(format!("{}/{endpoint}", self.api)));
        let response = request
            .send_form(form.iter().copied())
            .map_err(|error| self.error(self.cause_of(error)))?;
        self.read(response)
    }

    /// The status and body of an answer, the body read up to [`BODY_LIMIT`].
    fn read(
        &self,
        mut response: ureq::http::Response<ureq::Body>,
    ) -> Result<(u16, String), QueryError> {
        let code = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_string()
            .map_err(|error| self.error(self.cause_of(error)))?;
        Ok((code, body))
    }

    fn cause_of(&self, error: ureq::Error) -> Cause {
        match error {
            ureq::Error::Timeout(_) => Cause::Timeout(self.connection.timeout),
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
                Cause::Timeout(self.connection.timeout)
            }
            ureq::Error::Io(io) => Cause::Unreachable(io.to_string()),
            ureq::Error::HostNotFound => Cause::Unreachable("host not found".to_owned()),
            ureq::Error::BadUri(uri) => Cause::Unreachable(format!("not a usable URL: {uri}")),
            ureq::Error::Protocol(error) => Cause::Malformed(format!("not HTTP: {error}")),
            ureq::Error::BodyExceedsLimit(limit) => {
                Cause::Malformed(format!("the answer is larger than {limit} bytes"))
            }
            other => Cause::Unreachable(other.to_string()),
        }
    }
}

/// The JSON of an answer that is not a query result: an error body or status is the error.
pub fn parse_json(code: u16, body: &str) -> Result<serde_json::Value, Cause> {
    let json: Option<serde_json::Value> = serde_json::from_str(body).ok();
    match (code, json) {
        (_, Some(json)) if json["status"] == "error" => Err(Cause::Query {
            kind: text_of(&json["errorType"]),
            message: one_line(&text_of(&json["error"])),
        }),
        (200, Some(json)) => Ok(json),
        (200, None) => Err(Cause::Unexpected("the body is not JSON".to_owned())),
        (code, _) => Err(Cause::Status {
            code,
            text: one_line(body),
        }),
    }
}

/// The samples of an instant query's answer, or why there are none.
pub fn parse_answer(code: u16, body: &str) -> Result<Vec<Sample>, Cause> {
    let data = answer_data(code, body, "vector")?;
    let Some(result) = data["result"].as_array() else {
        return Err(Cause::Malformed("`data.result` is not a list".to_owned()));
    };
    result.iter().map(sample).collect()
}

/// The series of a range query's answer, or why there are none.
pub fn parse_range_answer(code: u16, body: &str) -> Result<Vec<Series>, Cause> {
    let data = answer_data(code, body, "matrix")?;
    let Some(result) = data["result"].as_array() else {
        return Err(Cause::Malformed("`data.result` is not a list".to_owned()));
    };
    result.iter().map(series).collect()
}

/// The `data` of a successful answer of `result_type`, or why there is none.
fn answer_data(code: u16, body: &str, result_type: &str) -> Result<serde_json::Value, Cause> {
    let json: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let json = match (code, json) {
        (_, Some(json)) if json["status"] == "error" => {
            return Err(Cause::Query {
                kind: text_of(&json["errorType"]),
                message: one_line(&text_of(&json["error"])),
            });
        }
        (200, Some(json)) => json,
        (200, None) => return Err(Cause::Malformed("the body is not JSON".to_owned())),
        (code, _) => {
            return Err(Cause::Status {
                code,
                text: one_line(body),
            });
        }
    };
    if json["status"] != "success" {
        return Err(Cause::Malformed("no `status: success`".to_owned()));
    }
    let mut json = json;
    let data = json["data"].take();
    if data["resultType"] != result_type {
        return Err(Cause::Malformed(format!(
            "expected resultType {result_type}, got {}",
            data["resultType"]
        )));
    }
    Ok(data)
}

fn malformed(what: &str) -> Cause {
    Cause::Malformed(format!("a series without {what}"))
}

fn sample(item: &serde_json::Value) -> Result<Sample, Cause> {
    let value =
        point_value(&item["value"]).ok_or_else(|| malformed("a `value` [time, \"number\"]"))?;
    Ok(Sample {
        labels: labels_of(item)?,
        value,
    })
}

fn series(item: &serde_json::Value) -> Result<Series, Cause> {
    let points = item["values"]
        .as_array()
        .ok_or_else(|| malformed("`values`"))?
        .iter()
        .map(|point| {
            let time = point[0].as_f64().map(|t| t as i64);
            time.zip(point_value(point))
                .ok_or_else(|| malformed("`values` of [time, \"number\"]"))
        })
        .collect::<Result<_, _>>()?;
    Ok(Series {
        labels: labels_of(item)?,
        points,
    })
}

/// The number of a `[time, "number"]` pair.
fn point_value(point: &serde_json::Value) -> Option<f64> {
    point[1].as_str().and_then(|text| text.parse::<f64>().ok())
}

fn labels_of(item: &serde_json::Value) -> Result<BTreeMap<String, String>, Cause> {
    item["metric"]
        .as_object()
        .ok_or_else(|| malformed("`metric` labels"))?
        .iter()
        .map(|(name, value)| {
            value
                .as_str()
                .map(|value| (name.clone(), value.to_owned()))
                .ok_or_else(|| malformed("string label values"))
        })
        .collect()
}

fn text_of(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Null => "unknown".to_owned(),
        other => other.to_string(),
    }
}

/// A server's text on one short line.
fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(ERROR_TEXT_LIMIT) {
        Some((cut, _)) => format!("{}…", &joined[..cut]),
        None => joined,
    }
}

/// The URL without user information (`https://user:secret@host` shows as `https://host`).
pub fn shown_url(url: &str) -> String {
    let trimmed = url.trim_end_matches('/');
    let Some((scheme, rest)) = trimmed.split_once("://") else {
        return trimmed.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => trimmed.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // Prometheus's text "0.25" and "+Inf" parse to exactly these floats; nothing is computed.
    #[allow(clippy::float_cmp)]
    fn answers_parse_into_samples() {
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"tenant":"2"},"value":[1767225600,"0.25"]},
            {"metric":{},"value":[1767225600,"NaN"]},
            {"metric":{},"value":[1767225600,"+Inf"]}]}}"#;
        let samples = parse_answer(200, body).unwrap();
        assert_eq!(samples.len(), 3);
        assert_eq!(samples[0].labels["tenant"], "2");
        assert_eq!(samples[0].value, 0.25);
        assert!(samples[1].value.is_nan());
        assert_eq!(samples[2].value, f64::INFINITY);
    }

    #[test]
    fn range_answers_parse_into_series() {
        let body = r#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"tenant":"2"},"values":[[1700000000,"0.5"],[1700000060.5,"1"]]}]}}"#;
        let series = parse_range_answer(200, body).unwrap();
        assert_eq!(series.len(), 1);
        assert_eq!(series[0].labels["tenant"], "2");
        assert_eq!(
            series[0].points,
            vec![(1_700_000_000, 0.5), (1_700_000_060, 1.0)]
        );
        let vector = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert!(matches!(
            parse_range_answer(200, vector),
            Err(Cause::Malformed(_))
        ));
        let bad_point = r#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{},"values":[[1700000000]]}]}}"#;
        assert!(matches!(
            parse_range_answer(200, bad_point),
            Err(Cause::Malformed(_))
        ));
    }

    #[test]
    fn bad_answers_say_why_in_one_line() {
        let error = parse_answer(
            400,
            r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error:\nunexpected"}"#,
        )
        .unwrap_err();
        assert_eq!(
            error,
            Cause::Query {
                kind: "bad_data".to_owned(),
                message: "1:5: parse error: unexpected".to_owned()
            }
        );
        assert_eq!(
            parse_answer(502, "<html>\n<b>Bad gateway</b></html>").unwrap_err(),
            Cause::Status {
                code: 502,
                text: "<html> <b>Bad gateway</b></html>".to_owned()
            }
        );
        assert!(matches!(
            parse_answer(200, "{\"status\":\"success\""),
            Err(Cause::Malformed(_))
        ));
        assert!(matches!(
            parse_answer(
                200,
                r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#
            ),
            Err(Cause::Malformed(_))
        ));
        let long = "x".repeat(1000);
        let Cause::Status { text, .. } = parse_answer(500, &long).unwrap_err() else {
            panic!()
        };
        assert_eq!(text.chars().count(), ERROR_TEXT_LIMIT + 1);
    }

    #[test]
    fn urls_are_shown_without_credentials() {
        assert_eq!(
            shown_url("https://user:secret@prom.example.com/prometheus/"),
            "https://prom.example.com/prometheus"
        );
        assert_eq!(shown_url("http://127.0.0.1:9090"), "http://127.0.0.1:9090");
        let connection = Connection {
            url: "https://a:b@x".to_owned(),
            token: Some("s3cret".to_owned()),
            headers: Vec::new(),
            timeout: StdDuration::from_secs(1),
        };
        assert!(!format!("{connection:?}").contains("s3cret"));
        assert!(!format!("{connection:?}").contains("a:b"));
    }
}
