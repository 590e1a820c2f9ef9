//! OpenSLO v1 (`apiVersion: openslo/v1`) as a first-class input, and the part of v1alpha that
//! Sloth reads (see [`v1alpha`]), read into the same objects.
//!
//! Reading happens in two steps, because OpenSLO objects refer to each other by name across
//! documents and files:
//!
//! 1. [`Collection::add`] reads every object of a document and checks it by the rules of the
//!    OpenSLO Go SDK (`pkg/openslo/v1`): required fields, exclusive fields, names, durations,
//!    ranges and unknown keys. These problems are errors whether or not anything uses the object.
//! 2. [`Collection::resolve`] runs once all files are read. It follows `indicatorRef`,
//!    `alertPolicyRef`, `conditionRef`, `targetRef` and `metricSourceRef`, and turns every SLO into
//!    validated [`crate::spec::Slo`]s of a [`crate::spec::Service`] named by the SLO's
//!    `spec.service`. What slofile cannot compile (other data sources, calendar windows, ...) is an
//!    error at the node that asks for it. Objects no SLO uses are not compiled; their dangling
//!    references and duplicate names are warnings, because another run may supply them.
//!
//! See [`resolve`] for how each OpenSLO construct maps onto slofile's model.

mod resolve;
mod v1alpha;

pub(crate) use resolve::slug;

use super::load::{LoadedDocument, OPENSLO_V1, OPENSLO_V1ALPHA, unsupported_openslo_version};
use super::walk::{Loc, Map, Walk, type_name};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::units::{Duration, Ratio};
use serde_json::Value;
use std::sync::Arc;

/// The kinds of OpenSLO v1 objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Kind {
    Service,
    Sli,
    Slo,
    DataSource,
    AlertPolicy,
    AlertCondition,
    AlertNotificationTarget,
}

const KINDS: &[(Kind, &str)] = &[
    (Kind::Service, "Service"),
    (Kind::Sli, "SLI"),
    (Kind::Slo, "SLO"),
    (Kind::DataSource, "DataSource"),
    (Kind::AlertPolicy, "AlertPolicy"),
    (Kind::AlertCondition, "AlertCondition"),
    (Kind::AlertNotificationTarget, "AlertNotificationTarget"),
];

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        KINDS
            .iter()
            .find(|(k, _)| *k == self)
            .map_or("?", |(_, n)| n)
    }

    fn parse(text: &str) -> Option<Kind> {
        KINDS.iter().find(|(_, n)| *n == text).map(|(k, _)| *k)
    }
}

/// `metadata` of an object.
#[derive(Debug, Clone)]
pub(crate) struct Metadata {
    pub(crate) name: String,
    pub(crate) display_name: Option<String>,
    /// The `metadata` mapping.
    pub(crate) loc: Loc,
}

/// A named reference, or the object written in place.
#[derive(Debug, Clone)]
pub(crate) enum RefOr<T> {
    Ref(String, Loc),
    Inline(T),
}

#[derive(Debug, Clone)]
pub(crate) struct ServiceSpec {
    pub(crate) meta: Metadata,
    pub(crate) description: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct DataSourceSpec {
    pub(crate) meta: Metadata,
    pub(crate) source_type: String,
    pub(crate) type_loc: Loc,
}

/// Where an SLI's numbers come from. The `spec` is free-form; Prometheus needs `query`.
#[derive(Debug, Clone)]
pub(crate) struct MetricSource {
    pub(crate) source_ref: Option<(String, Loc)>,
    pub(crate) source_type: Option<(String, Loc)>,
    pub(crate) spec: serde_json::Map<String, Value>,
    pub(crate) spec_loc: Loc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawType {
    Success,
    Failure,
}

#[derive(Debug, Clone)]
pub(crate) struct RatioMetric {
    pub(crate) counter: bool,
    /// `good` (true) or `bad` (false), with its source.
    pub(crate) numerator: Option<(bool, MetricSource)>,
    pub(crate) total: Option<MetricSource>,
    pub(crate) raw: Option<(RawType, MetricSource)>,
}

// Read once per object and never copied in bulk: boxing would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub(crate) enum SliMetric {
    Threshold(MetricSource),
    Ratio(RatioMetric),
}

#[derive(Debug, Clone)]
pub(crate) struct SliSpec {
    pub(crate) meta: Metadata,
    pub(crate) description: Option<String>,
    pub(crate) metric: SliMetric,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Budgeting {
    Occurrences,
    Timeslices,
    RatioTimeslices,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Lt,
    Lte,
    Gt,
    Gte,
}

impl Op {
    fn parse(text: &str) -> Option<Op> {
        match text {
            "lt" => Some(Op::Lt),
            "lte" => Some(Op::Lte),
            "gt" => Some(Op::Gt),
            "gte" => Some(Op::Gte),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Op::Lt => "lt",
            Op::Lte => "lte",
            Op::Gt => "gt",
            Op::Gte => "gte",
        }
    }

    /// The PromQL comparison.
    pub(crate) fn promql(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Lte => "<=",
            Op::Gt => ">",
            Op::Gte => ">=",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct TimeWindow {
    pub(crate) duration: Duration,
    pub(crate) calendar: Option<Loc>,
}

#[derive(Debug, Clone)]
pub(crate) struct ObjectiveSpec {
    pub(crate) display_name: Option<String>,
    pub(crate) op: Option<(Op, Loc)>,
    pub(crate) value: Option<(Ratio, Loc)>,
    /// The target as a ratio, and where it is written.
    pub(crate) target: (Ratio, Loc),
    pub(crate) slice_target: Option<Ratio>,
    pub(crate) slice_window: Option<Duration>,
    /// Set for composite SLOs, whose objectives carry their own indicator.
    pub(crate) composite: Option<Loc>,
    /// v1alpha's `ratioMetrics`: the objective's own ratio, which v1 keeps in the SLI.
    pub(crate) ratio: Option<RatioMetric>,
    pub(crate) loc: Loc,
}

/// The OpenSLO version an object is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    V1,
    /// The subset of `openslo/v1alpha` that Sloth reads; see [`v1alpha`].
    V1alpha,
}

impl Version {
    fn short(self) -> &'static str {
        match self {
            Version::V1 => "v1",
            Version::V1alpha => "v1alpha",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct SloSpec {
    pub(crate) version: Version,
    pub(crate) meta: Metadata,
    pub(crate) description: Option<String>,
    pub(crate) service: (String, Loc),
    pub(crate) indicator: Option<RefOr<SliSpec>>,
    pub(crate) budgeting: (Budgeting, Loc),
    pub(crate) window: TimeWindow,
    pub(crate) objectives: Vec<ObjectiveSpec>,
    pub(crate) policies: Vec<RefOr<PolicySpec>>,
}

#[derive(Debug, Clone)]
pub(crate) struct PolicySpec {
    pub(crate) meta: Metadata,
    pub(crate) description: Option<String>,
    pub(crate) when_no_data: bool,
    pub(crate) when_breaching: bool,
    pub(crate) when_resolved: bool,
    pub(crate) conditions: Vec<RefOr<ConditionSpec>>,
    pub(crate) targets: Vec<RefOr<TargetSpec>>,
    pub(crate) loc: Loc,
}

#[derive(Debug, Clone)]
pub(crate) struct ConditionSpec {
    pub(crate) meta: Metadata,
    pub(crate) description: Option<String>,
    pub(crate) severity: String,
    pub(crate) op: (Op, Loc),
    pub(crate) threshold: (Ratio, Loc),
    pub(crate) lookback: (Duration, Loc),
    pub(crate) alert_after: Option<Duration>,
}

#[derive(Debug, Clone)]
pub(crate) struct TargetSpec {
    pub(crate) meta: Metadata,
    pub(crate) target: String,
    pub(crate) target_loc: Loc,
    pub(crate) description: Option<String>,
}

/// One valid top-level object.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub(crate) enum Object {
    Service(ServiceSpec),
    Sli(SliSpec),
    Slo(SloSpec),
    DataSource(DataSourceSpec),
    AlertPolicy(PolicySpec),
    AlertCondition(ConditionSpec),
    AlertNotificationTarget(TargetSpec),
}

impl Object {
    pub(crate) fn kind(&self) -> Kind {
        match self {
            Object::Service(_) => Kind::Service,
            Object::Sli(_) => Kind::Sli,
            Object::Slo(_) => Kind::Slo,
            Object::DataSource(_) => Kind::DataSource,
            Object::AlertPolicy(_) => Kind::AlertPolicy,
            Object::AlertCondition(_) => Kind::AlertCondition,
            Object::AlertNotificationTarget(_) => Kind::AlertNotificationTarget,
        }
    }

    pub(crate) fn meta(&self) -> &Metadata {
        match self {
            Object::Service(s) => &s.meta,
            Object::Sli(s) => &s.meta,
            Object::Slo(s) => &s.meta,
            Object::DataSource(s) => &s.meta,
            Object::AlertPolicy(s) => &s.meta,
            Object::AlertCondition(s) => &s.meta,
            Object::AlertNotificationTarget(s) => &s.meta,
        }
    }
}

/// Every OpenSLO object of a run, gathered before any is resolved.
#[derive(Debug, Default)]
pub struct Collection {
    pub(crate) objects: Vec<Object>,
    /// Objects with errors of their own, by kind and name: references to them are not reported
    /// again as dangling.
    pub(crate) broken: Vec<(Kind, String)>,
}

impl Collection {
    /// Reads every object of one document and checks each by the OpenSLO rules.
    pub fn add(&mut self, loaded: LoadedDocument) -> Vec<Diagnostic> {
        // What is read keeps its document for later diagnostics, which need only the spans: the
        // JSON tree, the bulk of a document, goes once the objects are read.
        let mut document = loaded.document;
        let json = std::mem::take(&mut document.json);
        let document = Arc::new(document);
        let mut walk = Walk::new(&loaded.file, &document);
        match &json {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.read(&mut walk, &format!("/{i}"), item);
                }
            }
            value => self.read(&mut walk, "", value),
        }
        walk.checker.diagnostics
    }

    fn read(&mut self, w: &mut Walk, base: &str, value: &Value) {
        let before = w.error_count();
        let name = value
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let kind = value
            .get("kind")
            .and_then(Value::as_str)
            .and_then(Kind::parse);
        let object = read_object(w, base, value);
        match object {
            Some(object) if w.error_count() == before => self.objects.push(object),
            _ => {
                if let (Some(kind), Some(name)) = (kind, name) {
                    self.broken.push((kind, name));
                }
            }
        }
    }

    /// Adds the objects another collection read, after this one's.
    pub fn append(&mut self, mut other: Collection) {
        self.objects.append(&mut other.objects);
        self.broken.append(&mut other.broken);
    }

    /// Resolves references and builds the services. Call once, after every file is read.
    pub fn resolve(self) -> (Vec<crate::spec::Service>, Vec<Diagnostic>) {
        resolve::resolve(self)
    }
}

fn read_object(w: &mut Walk, base: &str, value: &Value) -> Option<Object> {
    let obj = w.mapping(base, value, "an OpenSLO object")?;
    let version = match obj.get("apiVersion") {
        Some(Value::String(v)) if v == OPENSLO_V1 => Version::V1,
        Some(Value::String(v)) if v == OPENSLO_V1ALPHA => Version::V1alpha,
        Some(Value::String(v)) => {
            let diagnostic = unsupported_openslo_version(v).at(
                w.checker.file,
                w.checker.document.span(&obj.child("apiVersion")),
            );
            w.push(diagnostic);
            return None;
        }
        _ => {
            w.error(
                Code::MissingField,
                base,
                "this OpenSLO object has no `apiVersion: openslo/v1`",
                "start every object with `apiVersion: openslo/v1`",
            );
            return None;
        }
    };
    w.only_keys(
        &obj,
        &["apiVersion", "kind", "metadata", "spec"],
        "an OpenSLO object",
        version == Version::V1,
    );
    let kinds: &[Kind] = match version {
        Version::V1 => &[
            Kind::Service,
            Kind::Sli,
            Kind::Slo,
            Kind::DataSource,
            Kind::AlertPolicy,
            Kind::AlertCondition,
            Kind::AlertNotificationTarget,
        ],
        Version::V1alpha => &[Kind::Service, Kind::Slo],
    };
    let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
    let kind_text = w.required_string(
        &obj,
        "kind",
        "an OpenSLO object",
        &format!("name the kind: {}", names.join(", ")),
    )?;
    let Some(kind) = Kind::parse(kind_text).filter(|k| kinds.contains(k)) else {
        let (message, help) = match (version, Kind::parse(kind_text)) {
            (Version::V1alpha, Some(v1_kind)) => (
                format!("`{}` is an openslo/v1 kind; OpenSLO v1alpha has none", v1_kind.name()),
                "v1alpha defines `SLO` and `Service`; write this object, and the SLOs that use it, \
                 as `apiVersion: openslo/v1`"
                    .to_owned(),
            ),
            _ => (
                format!("unknown OpenSLO kind `{kind_text}`"),
                match did_you_mean(kind_text, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("OpenSLO {} kinds are {}", version.short(), names.join(", ")),
                },
            ),
        };
        w.error(Code::InvalidValue, &obj.child("kind"), message, help);
        return None;
    };
    let meta = required_metadata(w, &obj, kind.name());
    let empty = serde_json::Map::new();
    let spec = match obj.get("spec") {
        Some(value) => w.mapping(&obj.child("spec"), value, "`spec`")?,
        None if kind == Kind::Slo => {
            w.error(
                Code::MissingField,
                base,
                "an SLO needs `spec`",
                "add the SLO's `spec`",
            );
            return None;
        }
        None => Map {
            map: &empty,
            pointer: obj.child("spec"),
        },
    };
    // A broken name does not stop the checks of the rest; the object is dropped all the same.
    let meta = meta.unwrap_or_else(|| Metadata {
        name: String::new(),
        display_name: None,
        loc: w.loc(&obj.child("metadata")),
    });
    Some(match kind {
        Kind::Service => Object::Service(ServiceSpec {
            description: description(w, &spec),
            meta: {
                w.only_keys(
                    &spec,
                    &["description"],
                    "a Service's `spec`",
                    version == Version::V1,
                );
                meta
            },
        }),
        Kind::DataSource => Object::DataSource(read_data_source(w, &spec, meta)?),
        Kind::Sli => Object::Sli(read_sli_spec(w, &spec, meta)?),
        Kind::Slo if version == Version::V1alpha => {
            Object::Slo(v1alpha::read_slo_spec(w, &spec, meta)?)
        }
        Kind::Slo => Object::Slo(read_slo_spec(w, &spec, meta)?),
        Kind::AlertPolicy => Object::AlertPolicy(read_policy_spec(w, &spec, meta)?),
        Kind::AlertCondition => Object::AlertCondition(read_condition_spec(w, &spec, meta)?),
        Kind::AlertNotificationTarget => {
            Object::AlertNotificationTarget(read_target_spec(w, &spec, meta)?)
        }
    })
}

/// RFC 1123 label names, which OpenSLO requires of every `metadata.name` and reference.
pub(crate) fn is_dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

fn dns_label(w: &mut Walk, pointer: &str, name: &str, what: &str) -> bool {
    if is_dns_label(name) {
        return true;
    }
    let suggestion: String = super::validate::suggest_id(name).chars().take(63).collect();
    let help = if suggestion.is_empty() {
        "an RFC 1123 label: at most 63 lower-case letters, digits and `-`, starting and ending with a letter or digit".to_owned()
    } else {
        format!(
            "an RFC 1123 label: at most 63 lower-case letters, digits and `-`, starting and ending with a letter or digit, e.g. `{}`",
            suggestion.trim_end_matches('-')
        )
    };
    w.error(
        Code::InvalidId,
        pointer,
        format!("{what} `{name}` is not a valid OpenSLO name"),
        help,
    );
    false
}

fn required_metadata(w: &mut Walk, obj: &Map, what: &str) -> Option<Metadata> {
    if let Some(value) = obj.get("metadata") {
        read_metadata(w, &obj.child("metadata"), value)
    } else {
        w.error(
            Code::MissingField,
            &obj.pointer,
            format!("{what} needs `metadata` with a `name`"),
            "add `metadata: {name: my-name}`",
        );
        None
    }
}

fn read_metadata(w: &mut Walk, pointer: &str, value: &Value) -> Option<Metadata> {
    let meta = w.mapping(pointer, value, "`metadata`")?;
    w.only_keys(
        &meta,
        &["name", "displayName", "labels", "annotations"],
        "`metadata`",
        true,
    );
    let name = w.required_string(
        &meta,
        "name",
        "`metadata`",
        "name the object, e.g. `name: checkout-availability`",
    );
    let display_name = w.string(&meta, "displayName").map(str::to_owned);
    if let Some(display) = &display_name
        && display.chars().count() > 63
    {
        w.error(
            Code::InvalidValue,
            &meta.child("displayName"),
            format!(
                "`displayName` has {} characters; OpenSLO allows at most 63",
                display.chars().count()
            ),
            "shorten the display name; longer text belongs in `spec.description`",
        );
    }
    if let Some(labels) = w.map_at(&meta, "labels", "`labels`") {
        for (key, value) in labels.map {
            let at = labels.child(key);
            if !is_label_key(key) {
                w.error_at_key(
                    Code::InvalidValue,
                    &at,
                    format!("label key `{key}` is not a valid OpenSLO label key"),
                    "at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit",
                );
            }
            match value {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if !matches!(item, Value::String(_) | Value::Number(_) | Value::Bool(_)) {
                            w.error(
                                Code::WrongType,
                                &format!("{at}/{i}"),
                                format!("label values must be strings, not {}", type_name(item)),
                                "write each value as a string",
                            );
                        }
                    }
                }
                Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => {}
                other => w.error(
                    Code::WrongType,
                    &at,
                    format!(
                        "a label value must be a string or a list of strings, not {}",
                        type_name(other)
                    ),
                    "write `team: payments` or `team: [payments, checkout]`",
                ),
            }
        }
    }
    if let Some(annotations) = w.map_at(&meta, "annotations", "`annotations`") {
        for (key, value) in annotations.map {
            let at = annotations.child(key);
            if !is_annotation_key(key) {
                w.error_at_key(
                    Code::InvalidValue,
                    &at,
                    format!("annotation key `{key}` is not a valid OpenSLO annotation key"),
                    "an optional DNS-subdomain prefix and `/`, then a name of at most 63 letters, digits, `-`, `_` and `.`, e.g. `example.com/owner`",
                );
            }
            if !matches!(value, Value::String(_) | Value::Null) {
                w.error(
                    Code::WrongType,
                    &at,
                    format!(
                        "annotation values must be strings, not {}",
                        type_name(value)
                    ),
                    "quote the value",
                );
            }
        }
    }
    let name = name?;
    if !dns_label(w, &meta.child("name"), name, "`metadata.name`") {
        return None;
    }
    Some(Metadata {
        name: name.to_owned(),
        display_name,
        loc: w.loc(pointer),
    })
}

fn is_name_segment(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    !chars.is_empty()
        && chars.len() <= 63
        && chars[0].is_ascii_alphanumeric()
        && chars[chars.len() - 1].is_ascii_alphanumeric()
        && chars
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn is_label_key(key: &str) -> bool {
    is_name_segment(key)
}

fn is_annotation_key(key: &str) -> bool {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let prefix_ok = prefix.is_none_or(|p| {
        p.len() <= 253
            && p.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            })
    });
    prefix_ok && is_name_segment(name)
}

fn description(w: &mut Walk, spec: &Map) -> Option<String> {
    let text = w.string(spec, "description")?;
    let length = text.chars().count();
    if length > 1050 {
        w.error(
            Code::InvalidValue,
            &spec.child("description"),
            format!("`description` has {length} characters; OpenSLO allows at most 1050"),
            "shorten the description",
        );
    }
    Some(text.to_owned())
}

fn read_data_source(w: &mut Walk, spec: &Map, meta: Metadata) -> Option<DataSourceSpec> {
    w.only_keys(
        spec,
        &["description", "type", "connectionDetails"],
        "a DataSource's `spec`",
        true,
    );
    description(w, spec);
    let source_type = w.required_string(
        spec,
        "type",
        "a DataSource",
        "name the source type, e.g. `type: Prometheus`",
    );
    if !spec.has("connectionDetails") {
        w.error(
            Code::MissingField,
            &spec.pointer,
            "a DataSource needs `connectionDetails`",
            "say how to reach the source, e.g. `connectionDetails: {url: http://prometheus:9090}`",
        );
    }
    Some(DataSourceSpec {
        meta,
        source_type: source_type?.to_owned(),
        type_loc: w.loc(&spec.child("type")),
    })
}

/// Exactly one of `keys` must be present; returns the one that is.
fn exactly_one<'k>(
    w: &mut Walk,
    map: &Map,
    keys: &[&'k str],
    what: &str,
    help: &str,
) -> Option<&'k str> {
    let present: Vec<&str> = keys.iter().copied().filter(|k| map.has(k)).collect();
    match present.as_slice() {
        [one] => Some(one),
        [] => {
            let list = keys
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(" or ");
            w.error(
                Code::MissingField,
                &map.pointer,
                format!("{what} needs {list}"),
                help,
            );
            None
        }
        [_, second, ..] => {
            let list = present
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(" and ");
            w.error_at_key(
                Code::ConflictingFields,
                &map.child(second),
                format!("{what} takes one of {list}, not several"),
                help,
            );
            None
        }
    }
}

fn read_sli_spec(w: &mut Walk, spec: &Map, meta: Metadata) -> Option<SliSpec> {
    w.only_keys(
        spec,
        &["description", "thresholdMetric", "ratioMetric"],
        "an SLI's `spec`",
        true,
    );
    let description = description(w, spec);
    let which = exactly_one(
        w,
        spec,
        &["thresholdMetric", "ratioMetric"],
        "an SLI",
        "measure with `ratioMetric` (good or bad events over total) or `thresholdMetric` (a value compared with the objective)",
    )?;
    let metric = if which == "thresholdMetric" {
        let metric = w.map_at(spec, "thresholdMetric", "`thresholdMetric`")?;
        SliMetric::Threshold(read_metric_spec(w, &metric, "`thresholdMetric`")?)
    } else {
        let ratio = w.map_at(spec, "ratioMetric", "`ratioMetric`")?;
        SliMetric::Ratio(read_ratio_metric(w, &ratio)?)
    };
    Some(SliSpec {
        meta,
        description,
        metric,
    })
}

fn read_ratio_metric(w: &mut Walk, ratio: &Map) -> Option<RatioMetric> {
    w.only_keys(
        ratio,
        &["counter", "good", "bad", "total", "rawType", "raw"],
        "`ratioMetric`",
        true,
    );
    let counter = w.boolean(ratio, "counter").unwrap_or(false);
    let before = w.error_count();
    let form = exactly_one(
        w,
        ratio,
        &["total", "raw"],
        "`ratioMetric`",
        "give `good` or `bad` with `total`, or a precomputed ratio as `raw` with `rawType`",
    );
    if ratio.has("raw") {
        for key in ["good", "bad"] {
            if ratio.has(key) {
                w.error_at_key(
                    Code::ConflictingFields,
                    &ratio.child(key),
                    format!("`{key}` cannot be used with `raw`"),
                    "`raw` is a precomputed ratio; `good` and `bad` go with `total`",
                );
            }
        }
    }
    let mut numerator = None;
    let mut total = None;
    let mut raw = None;
    match form {
        Some("total") if w.error_count() == before => {
            let which = exactly_one(
                w,
                ratio,
                &["good", "bad"],
                "a ratio with `total`",
                "count good events with `good`, or bad ones with `bad`",
            );
            let total_map = w.map_at(ratio, "total", "`total`");
            total = total_map.and_then(|m| read_metric_spec(w, &m, "`total`"));
            if let Some(key) = which
                && let Some(map) = w.map_at(ratio, key, &format!("`{key}`"))
            {
                numerator =
                    read_metric_spec(w, &map, &format!("`{key}`")).map(|m| (key == "good", m));
            }
        }
        Some("raw") if w.error_count() == before => {
            let raw_type = match w.string(ratio, "rawType") {
                Some("success") => Some(RawType::Success),
                Some("failure") => Some(RawType::Failure),
                Some(other) => {
                    w.error(
                        Code::InvalidValue,
                        &ratio.child("rawType"),
                        format!("`rawType` `{other}` is not `success` or `failure`"),
                        "`success` if the raw ratio is good/total, `failure` if it is bad/total",
                    );
                    None
                }
                None => {
                    w.error(
                        Code::MissingField,
                        &ratio.pointer,
                        "a `raw` ratio needs `rawType`",
                        "`rawType: success` if the raw ratio is good/total, `failure` if it is bad/total",
                    );
                    None
                }
            };
            let source = w
                .map_at(ratio, "raw", "`raw`")
                .and_then(|m| read_metric_spec(w, &m, "`raw`"));
            raw = raw_type.zip(source);
        }
        _ => {}
    }
    if w.error_count() > before {
        return None;
    }
    Some(RatioMetric {
        counter,
        numerator,
        total,
        raw,
    })
}

fn read_metric_spec(w: &mut Walk, metric: &Map, what: &str) -> Option<MetricSource> {
    w.only_keys(metric, &["metricSource"], what, true);
    let Some(source) = w.map_at(metric, "metricSource", "`metricSource`") else {
        if !metric.has("metricSource") {
            w.error(
                Code::MissingField,
                &metric.pointer,
                format!("{what} needs `metricSource`"),
                "e.g. `metricSource: {type: Prometheus, spec: {query: 'sum(http_requests_total)'}}`",
            );
        }
        return None;
    };
    w.only_keys(
        &source,
        &["metricSourceRef", "type", "spec"],
        "`metricSource`",
        true,
    );
    let before = w.error_count();
    let source_ref = w
        .string(&source, "metricSourceRef")
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    if let Some(name) = &source_ref {
        dns_label(
            w,
            &source.child("metricSourceRef"),
            name,
            "`metricSourceRef`",
        );
    }
    let source_type = w
        .string(&source, "type")
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let spec = w.map_at(&source, "spec", "the metric source's `spec`");
    match &spec {
        Some(spec) if spec.map.is_empty() => w.error(
            Code::MissingField,
            &spec.pointer,
            "the metric source's `spec` is empty",
            "give the source's query, e.g. `spec: {query: 'sum(http_requests_total)'}`",
        ),
        Some(_) => {}
        None if !source.has("spec") => w.error(
            Code::MissingField,
            &source.pointer,
            "`metricSource` needs `spec`",
            "give the source's query, e.g. `spec: {query: 'sum(http_requests_total)'}`",
        ),
        None => {}
    }
    let spec = spec?;
    if w.error_count() > before {
        return None;
    }
    Some(MetricSource {
        source_ref: source_ref.map(|r| (r, w.loc(&source.child("metricSourceRef")))),
        source_type: source_type.map(|t| (t, w.loc(&source.child("type")))),
        spec: spec.map.clone(),
        spec_loc: w.loc(&spec.pointer),
    })
}

fn read_slo_spec(w: &mut Walk, spec: &Map, meta: Metadata) -> Option<SloSpec> {
    w.only_keys(
        spec,
        &[
            "description",
            "service",
            "indicator",
            "indicatorRef",
            "budgetingMethod",
            "timeWindow",
            "objectives",
            "alertPolicies",
        ],
        "an SLO's `spec`",
        true,
    );
    let before = w.error_count();
    let (description, service) = slo_description_and_service(w, spec);
    let objectives_raw = w.list(spec, "objectives").unwrap_or_default();
    let composite = objectives_raw.iter().any(|(_, o)| {
        o.get("indicator").is_some_and(|v| !v.is_null())
            || o.get("indicatorRef").is_some_and(|v| !v.is_null())
    });
    let has_indicator = spec.has("indicator") || spec.has("indicatorRef");
    let rule = "`indicator` or `indicatorRef` belongs either in `spec` (a standard SLO) or in each objective (a composite SLO)";
    if composite && has_indicator {
        w.error(
            Code::ConflictingFields,
            &spec.pointer,
            format!("{rule}, not both"),
            "keep the SLO's own indicator, or the objectives' ones",
        );
    } else if !composite && !has_indicator {
        w.error(
            Code::MissingField,
            &spec.pointer,
            "an SLO needs `indicator` or `indicatorRef`",
            "define the SLI inline under `indicator`, or name an SLI object with `indicatorRef`",
        );
    }
    let indicator = read_indicator(w, spec);
    // Told from the YAML, so that the objective rules apply even when the indicator is broken.
    let inline_spec = spec.get("indicator").and_then(|i| i.get("spec"));
    let inline_is_ratio = inline_spec.and_then(|s| {
        match (
            s.get("ratioMetric").is_some(),
            s.get("thresholdMetric").is_some(),
        ) {
            (true, false) => Some(true),
            (false, true) => Some(false),
            _ => None,
        }
    });
    let budgeting = read_budgeting(
        w,
        spec,
        &[
            ("Occurrences", Budgeting::Occurrences),
            ("Timeslices", Budgeting::Timeslices),
            ("RatioTimeslices", Budgeting::RatioTimeslices),
        ],
    );
    let window = read_time_window(w, spec);
    let objectives = read_objectives(w, spec, budgeting, inline_is_ratio, Version::V1);
    let mut policies = Vec::new();
    for (pointer, value) in w.list(spec, "alertPolicies").unwrap_or_default() {
        if let Some(policy) = read_ref_or(
            w,
            &pointer,
            value,
            "alertPolicyRef",
            Kind::AlertPolicy,
            read_policy_spec,
        ) {
            policies.push(policy);
        }
    }
    if w.error_count() > before {
        return None;
    }
    Some(SloSpec {
        version: Version::V1,
        meta,
        description,
        service: (service?.to_owned(), w.loc(&spec.child("service"))),
        indicator,
        budgeting: (budgeting?, w.loc(&spec.child("budgetingMethod"))),
        window: window?,
        objectives,
        policies,
    })
}

/// An SLO's `description` and `service`, alike in every version.
fn slo_description_and_service<'v>(
    w: &mut Walk,
    spec: &Map<'v>,
) -> (Option<String>, Option<&'v str>) {
    let description = description(w, spec);
    let service = w.required_string(
        spec,
        "service",
        "an SLO",
        "name the service the SLO belongs to, e.g. `service: checkout`",
    );
    (description, service)
}

/// An SLO's `objectives`, at least one; those with errors are left out.
fn read_objectives(
    w: &mut Walk,
    spec: &Map,
    budgeting: Option<Budgeting>,
    inline_is_ratio: Option<bool>,
    version: Version,
) -> Vec<ObjectiveSpec> {
    let objectives = w.list(spec, "objectives").unwrap_or_default();
    if objectives.is_empty() && spec.get("objectives").is_none_or(Value::is_array) {
        w.error(
            Code::MissingObjective,
            &spec.pointer,
            "an SLO needs at least one objective",
            "e.g. `objectives: [{target: 0.995}]`",
        );
    }
    objectives
        .iter()
        .filter_map(|(pointer, value)| {
            read_objective(w, pointer, value, budgeting, inline_is_ratio, version)
        })
        .collect()
}

/// `budgetingMethod`, one of `methods`.
fn read_budgeting(w: &mut Walk, spec: &Map, methods: &[(&str, Budgeting)]) -> Option<Budgeting> {
    let names: Vec<&str> = methods.iter().map(|(name, _)| *name).collect();
    let list = || {
        let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        match quoted.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    };
    if let Some(text) = w.string(spec, "budgetingMethod") {
        if let Some((_, method)) = methods.iter().find(|(name, _)| *name == text) {
            Some(*method)
        } else {
            let help = match did_you_mean(text, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("use {}", list()),
            };
            w.error(
                Code::InvalidValue,
                &spec.child("budgetingMethod"),
                format!("unknown `budgetingMethod` `{text}`"),
                help,
            );
            None
        }
    } else {
        if !spec.has("budgetingMethod") {
            w.error(
                Code::MissingField,
                &spec.pointer,
                "an SLO needs `budgetingMethod`",
                "`Occurrences` counts good events; `Timeslices` counts good time slices",
            );
        }
        None
    }
}

fn read_indicator(w: &mut Walk, spec: &Map) -> Option<RefOr<SliSpec>> {
    if let Some(name) = w.string(spec, "indicatorRef") {
        let pointer = spec.child("indicatorRef");
        return dns_label(w, &pointer, name, "`indicatorRef`")
            .then(|| RefOr::Ref(name.to_owned(), w.loc(&pointer)));
    }
    let inline = w.map_at(spec, "indicator", "`indicator`")?;
    w.only_keys(&inline, &["metadata", "spec"], "`indicator`", true);
    let meta = required_metadata(w, &inline, "an inline indicator");
    let sli_spec = if let Some(value) = inline.get("spec") {
        w.mapping(&inline.child("spec"), value, "`spec`")
    } else {
        w.error(
            Code::MissingField,
            &inline.pointer,
            "an inline indicator needs `spec`",
            "give the SLI's `ratioMetric` or `thresholdMetric` under `spec`",
        );
        None
    }?;
    Some(RefOr::Inline(read_sli_spec(w, &sli_spec, meta?)?))
}

fn read_time_window(w: &mut Walk, spec: &Map) -> Option<TimeWindow> {
    let items = w.list(spec, "timeWindow");
    let items = match items {
        Some(items) if items.len() == 1 => items,
        Some(items) => {
            w.error(
                Code::InvalidValue,
                &spec.child("timeWindow"),
                format!(
                    "`timeWindow` has {} items; OpenSLO takes exactly one",
                    items.len()
                ),
                "e.g. `timeWindow: [{duration: 28d, isRolling: true}]`",
            );
            return None;
        }
        None => {
            if !spec.has("timeWindow") {
                w.error(
                    Code::MissingField,
                    &spec.pointer,
                    "an SLO needs `timeWindow`",
                    "e.g. `timeWindow: [{duration: 28d, isRolling: true}]`",
                );
            }
            return None;
        }
    };
    let (pointer, value) = &items[0];
    let window = w.mapping(pointer, value, "a time window")?;
    w.only_keys(
        &window,
        &["duration", "isRolling", "calendar"],
        "a time window",
        true,
    );
    let rolling = w.boolean(&window, "isRolling").unwrap_or(false);
    let calendar = w.map_at(&window, "calendar", "`calendar`");
    if let Some(calendar) = &calendar {
        w.only_keys(calendar, &["startTime", "timeZone"], "`calendar`", true);
        if let Some(start) = w.string(calendar, "startTime")
            && !is_date_time(start)
        {
            w.error(
                Code::InvalidValue,
                &calendar.child("startTime"),
                format!("`startTime` `{start}` is not a date and time"),
                "write it as `YYYY-MM-DD HH:MM:SS`, e.g. `2022-01-01 00:00:00`",
            );
        }
        if let Some(zone) = w.string(calendar, "timeZone")
            && !is_time_zone_name(zone)
        {
            w.error(
                Code::InvalidValue,
                &calendar.child("timeZone"),
                format!("`timeZone` `{zone}` is not an IANA time zone name"),
                "e.g. `UTC`, `Europe/Warsaw` or `America/New_York`",
            );
        }
    }
    if rolling && window.has("calendar") {
        w.error_at_key(
            Code::ConflictingFields,
            &window.child("calendar"),
            "`calendar` cannot be set when `isRolling` is true",
            "a rolling window has no calendar start; remove `calendar` or set `isRolling: false`",
        );
    } else if !rolling && !window.has("calendar") {
        w.error(Code::MissingField, &window.pointer, "`calendar` must be set when `isRolling` is false", "set `isRolling: true` for a rolling window, or give the calendar's `startTime` and `timeZone`");
    }
    let duration = if let Some(value) = window.get("duration") {
        w.shorthand(&window.child("duration"), "duration", value)
    } else {
        w.error(
            Code::MissingField,
            &window.pointer,
            "a time window needs `duration`",
            "e.g. `duration: 28d`",
        );
        None
    };
    Some(TimeWindow {
        duration: duration?,
        calendar: window
            .has("calendar")
            .then(|| w.loc(&window.child("calendar"))),
    })
}

fn is_date_time(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    let number = |range: std::ops::Range<usize>| {
        text.get(range)
            .and_then(|s| s.parse::<u32>().ok())
            .unwrap_or(99)
    };
    b.len() == 19
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b' '
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && (1..=12).contains(&number(5..7))
        && (1..=31).contains(&number(8..10))
        && number(11..13) < 24
        && number(14..16) < 60
        && number(17..19) < 60
}

// slofile carries no time zone database; it checks the shape of the name, which is all that
// matters for specs it cannot compile anyway (calendar windows are reported as unsupported).
fn is_time_zone_name(zone: &str) -> bool {
    !zone.is_empty()
        && zone.split('/').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
        })
        && zone.starts_with(|c: char| c.is_ascii_alphabetic())
}

fn read_objective(
    w: &mut Walk,
    pointer: &str,
    value: &Value,
    budgeting: Option<Budgeting>,
    inline_is_ratio: Option<bool>,
    version: Version,
) -> Option<ObjectiveSpec> {
    let objective = w.mapping(pointer, value, "an objective")?;
    let (keys, targets): (&[&str], &[&str]) = match version {
        Version::V1 => (
            &[
                "displayName",
                "op",
                "value",
                "target",
                "targetPercent",
                "timeSliceTarget",
                "timeSliceWindow",
                "indicator",
                "indicatorRef",
                "compositeWeight",
            ],
            &["target", "targetPercent"],
        ),
        Version::V1alpha => (
            &[
                "displayName",
                "op",
                "value",
                "target",
                "timeSliceTarget",
                "ratioMetrics",
            ],
            &["target"],
        ),
    };
    // The v1 SDK refuses unknown keys; oslo and Sloth read v1alpha leniently.
    w.only_keys(&objective, keys, "an objective", version == Version::V1);
    let before = w.error_count();
    let display_name = w.string(&objective, "displayName").map(str::to_owned);
    let op = match w.string(&objective, "op") {
        Some(text) => {
            if let Some(op) = Op::parse(text) {
                Some((op, w.loc(&objective.child("op"))))
            } else {
                w.error(
                    Code::InvalidValue,
                    &objective.child("op"),
                    format!("`op` `{text}` is not an OpenSLO operator"),
                    "use `lt`, `lte`, `gt` or `gte`",
                );
                None
            }
        }
        None => None,
    };
    let value_number = w
        .number(&objective, "value")
        .map(|v| (v, w.loc(&objective.child("value"))));
    match inline_is_ratio {
        Some(true) => {
            for key in ["op", "value"] {
                if objective.has(key) {
                    w.error_at_key(
                        Code::ConflictingFields,
                        &objective.child(key),
                        format!("`{key}` is forbidden on an objective of a `ratioMetric` SLI"),
                        "`op` and `value` compare a `thresholdMetric`; a ratio objective needs only `target` or `targetPercent`",
                    );
                }
            }
        }
        Some(false) => {
            for key in ["op", "value"] {
                if !objective.has(key) {
                    w.error(
                        Code::MissingField,
                        &objective.pointer,
                        format!("an objective of a `thresholdMetric` SLI needs `{key}`"),
                        "e.g. `op: lte` and `value: 0.5`: a value is good while the metric is at or below 0.5",
                    );
                }
            }
        }
        None => {}
    }
    let target = match exactly_one(
        w,
        &objective,
        targets,
        "an objective",
        if version == Version::V1 {
            "`target: 0.995` and `targetPercent: 99.5` say the same; give one"
        } else {
            "give the target as a ratio, e.g. `target: 0.995` for 99.5%"
        },
    ) {
        Some("target") => w.number(&objective, "target").and_then(|t| {
            let at = objective.child("target");
            if t.numer() < 0 || t >= Ratio::ONE {
                w.error(
                    Code::ObjectiveRange,
                    &at,
                    format!("`target` {t} is not in [0, 1)"),
                    "write the target as a ratio, e.g. `target: 0.995` for 99.5%",
                );
                None
            } else {
                Some((t, w.loc(&at)))
            }
        }),
        Some(_) => w.number(&objective, "targetPercent").and_then(|t| {
            let at = objective.child("targetPercent");
            if t.numer() < 0 || t >= Ratio::integer(100) {
                w.error(
                    Code::ObjectiveRange,
                    &at,
                    format!("`targetPercent` {t} is not in [0, 100)"),
                    "write the target as a percentage, e.g. `targetPercent: 99.5`",
                );
                None
            } else {
                t.checked_div(Ratio::integer(100))
                    .ok()
                    .map(|r| (r, w.loc(&at)))
            }
        }),
        None => None,
    };
    let slice_target = w.number(&objective, "timeSliceTarget");
    if let Some(t) = slice_target
        && (t.numer() <= 0 || t > Ratio::ONE)
    {
        w.error(
            Code::ObjectiveRange,
            &objective.child("timeSliceTarget"),
            format!("`timeSliceTarget` {t} is not in (0, 1]"),
            "the share of good events that makes a time slice good, e.g. `0.95`",
        );
    }
    let slice_window = objective
        .get("timeSliceWindow")
        .and_then(|v| w.shorthand(&objective.child("timeSliceWindow"), "timeSliceWindow", v));
    match budgeting {
        // oslo's v1alpha rule; slofile then reports time slices of a ratio as unsupported.
        Some(Budgeting::Timeslices) if version == Version::V1alpha => {
            for key in ["timeSliceTarget", "value"] {
                if !objective.has(key) {
                    w.error(
                        Code::MissingField,
                        &objective.pointer,
                        format!("with `budgetingMethod: Timeslices` an objective needs `{key}`"),
                        "e.g. `timeSliceTarget: 0.95`; or use `budgetingMethod: Occurrences`",
                    );
                }
            }
        }
        _ if version == Version::V1alpha => {}
        Some(Budgeting::Timeslices) => {
            for key in ["timeSliceTarget", "timeSliceWindow"] {
                if !objective.has(key) {
                    w.error(
                        Code::MissingField,
                        &objective.pointer,
                        format!("with `budgetingMethod: Timeslices` an objective needs `{key}`"),
                        "e.g. `timeSliceTarget: 0.95` and `timeSliceWindow: 1m`",
                    );
                }
            }
        }
        Some(Budgeting::RatioTimeslices) if !objective.has("timeSliceWindow") => {
            w.error(
                Code::MissingField,
                &objective.pointer,
                "with `budgetingMethod: RatioTimeslices` an objective needs `timeSliceWindow`",
                "e.g. `timeSliceWindow: 1m`",
            );
        }
        _ => {}
    }
    if let Some(weight) = w.number(&objective, "compositeWeight")
        && weight.numer() <= 0
    {
        w.error(
            Code::InvalidQuantity,
            &objective.child("compositeWeight"),
            format!("`compositeWeight` {weight} is not positive"),
            "weights are positive numbers",
        );
    }
    if version == Version::V1
        && let Some(name) = w.string(&objective, "indicatorRef")
    {
        dns_label(w, &objective.child("indicatorRef"), name, "`indicatorRef`");
    }
    if version == Version::V1 && objective.has("indicator") && objective.has("indicatorRef") {
        w.error_at_key(
            Code::ConflictingFields,
            &objective.child("indicatorRef"),
            "an objective takes `indicator` or `indicatorRef`, not both",
            "keep one",
        );
    }
    if version == Version::V1
        && let Some(inline) = w.map_at(&objective, "indicator", "`indicator`")
    {
        w.only_keys(&inline, &["metadata", "spec"], "`indicator`", true);
        let meta = required_metadata(w, &inline, "an inline indicator");
        if let (Some(meta), Some(spec)) = (meta, inline.get("spec")) {
            let spec_pointer = inline.child("spec");
            if let Some(spec) = w.mapping(&spec_pointer, spec, "`spec`") {
                read_sli_spec(w, &spec, meta);
            }
        }
    }
    let composite = ["indicator", "indicatorRef"]
        .into_iter()
        .filter(|_| version == Version::V1)
        .find(|k| objective.has(k))
        .map(|k| w.loc(&objective.child(k)));
    let ratio = match version {
        Version::V1 => None,
        // A v1alpha SLO with a (threshold) `indicator` is reported as unsupported already.
        Version::V1alpha if inline_is_ratio == Some(false) => None,
        Version::V1alpha => v1alpha::read_ratio_metrics(w, &objective),
    };
    if w.error_count() > before {
        return None;
    }
    Some(ObjectiveSpec {
        display_name,
        op,
        value: value_number,
        target: target?,
        slice_target,
        slice_window,
        composite,
        ratio,
        loc: w.loc(&objective.pointer),
    })
}

/// A list item that is either `{<ref_key>: name}` or an inline object of `kind`.
fn read_ref_or<T>(
    w: &mut Walk,
    pointer: &str,
    value: &Value,
    ref_key: &str,
    kind: Kind,
    read: fn(&mut Walk, &Map, Metadata) -> Option<T>,
) -> Option<RefOr<T>> {
    let item = w.mapping(
        pointer,
        value,
        &format!("an {} or `{ref_key}`", kind.name()),
    )?;
    if item.has(ref_key) {
        w.only_keys(&item, &[ref_key], &format!("a `{ref_key}` item"), true);
        let name = w.required_string(&item, ref_key, "a reference", "name the object")?;
        let at = item.child(ref_key);
        return dns_label(w, &at, name, &format!("`{ref_key}`"))
            .then(|| RefOr::Ref(name.to_owned(), w.loc(&at)));
    }
    w.only_keys(
        &item,
        &["kind", "metadata", "spec"],
        &format!("an inline {}", kind.name()),
        true,
    );
    let before = w.error_count();
    match w.string(&item, "kind") {
        Some(k) if k == kind.name() => {}
        Some(other) => w.error(
            Code::InvalidValue,
            &item.child("kind"),
            format!("an inline object here must be of kind `{}`, not `{other}`", kind.name()),
            format!("write `kind: {}`, or refer to one with `{ref_key}`", kind.name()),
        ),
        None => w.error(
            Code::MissingField,
            &item.pointer,
            format!("an inline {} needs `kind: {}`", kind.name(), kind.name()),
            format!("write the object in place with `kind`, `metadata` and `spec`, or refer to one with `{ref_key}: name`"),
        ),
    }
    let meta = required_metadata(w, &item, &format!("an inline {}", kind.name()));
    let spec = if let Some(value) = item.get("spec") {
        w.mapping(&item.child("spec"), value, "`spec`")
    } else {
        w.error(
            Code::MissingField,
            &item.pointer,
            format!("an inline {} needs `spec`", kind.name()),
            "give the object's `spec`",
        );
        None
    };
    let (meta, spec) = (meta?, spec?);
    let object = read(w, &spec, meta);
    (w.error_count() == before)
        .then_some(object)
        .flatten()
        .map(RefOr::Inline)
}

fn read_policy_spec(w: &mut Walk, spec: &Map, meta: Metadata) -> Option<PolicySpec> {
    w.only_keys(
        spec,
        &[
            "description",
            "alertWhenNoData",
            "alertWhenBreaching",
            "alertWhenResolved",
            "conditions",
            "notificationTargets",
        ],
        "an AlertPolicy's `spec`",
        true,
    );
    let before = w.error_count();
    let description = description(w, spec);
    let when_no_data = w.boolean(spec, "alertWhenNoData").unwrap_or(false);
    let when_breaching = w.boolean(spec, "alertWhenBreaching").unwrap_or(false);
    let when_resolved = w.boolean(spec, "alertWhenResolved").unwrap_or(false);
    let conditions = w.list(spec, "conditions").unwrap_or_default();
    if conditions.len() != 1 {
        let at = if spec.has("conditions") {
            spec.child("conditions")
        } else {
            spec.pointer.clone()
        };
        w.error_at_key(
            Code::InvalidValue,
            &at,
            format!(
                "an AlertPolicy has exactly one condition, not {}",
                conditions.len()
            ),
            "OpenSLO v1 allows one condition per policy; use one policy per condition",
        );
    }
    let conditions = conditions
        .iter()
        .filter_map(|(p, v)| {
            read_ref_or(
                w,
                p,
                v,
                "conditionRef",
                Kind::AlertCondition,
                read_condition_spec,
            )
        })
        .collect();
    let targets = w.list(spec, "notificationTargets").unwrap_or_default();
    if targets.is_empty() {
        let at = if spec.has("notificationTargets") {
            spec.child("notificationTargets")
        } else {
            spec.pointer.clone()
        };
        w.error(
            Code::MissingField,
            &at,
            "an AlertPolicy needs at least one notification target",
            "add `notificationTargets: [{targetRef: on-call}]`",
        );
    }
    let targets = targets
        .iter()
        .filter_map(|(p, v)| {
            read_ref_or(
                w,
                p,
                v,
                "targetRef",
                Kind::AlertNotificationTarget,
                read_target_spec,
            )
        })
        .collect();
    (w.error_count() == before).then(|| PolicySpec {
        meta,
        description,
        when_no_data,
        when_breaching,
        when_resolved,
        conditions,
        targets,
        loc: w.loc(&spec.pointer),
    })
}

fn read_condition_spec(w: &mut Walk, spec: &Map, meta: Metadata) -> Option<ConditionSpec> {
    w.only_keys(
        spec,
        &["description", "severity", "condition"],
        "an AlertCondition's `spec`",
        true,
    );
    let before = w.error_count();
    let description = description(w, spec);
    let severity = w.required_string(
        spec,
        "severity",
        "an AlertCondition",
        "name the severity, e.g. `severity: page`",
    );
    let Some(condition) = w.map_at(spec, "condition", "`condition`") else {
        if !spec.has("condition") {
            w.error(Code::MissingField, &spec.pointer, "an AlertCondition needs `condition`", "e.g. `condition: {kind: burnrate, op: gt, threshold: 14.4, lookbackWindow: 1h, alertAfter: 2m}`");
        }
        return None;
    };
    w.only_keys(
        &condition,
        &["kind", "op", "threshold", "lookbackWindow", "alertAfter"],
        "`condition`",
        true,
    );
    match w.string(&condition, "kind") {
        Some("burnrate") => {}
        Some(other) => w.error(
            Code::InvalidValue,
            &condition.child("kind"),
            format!("condition kind `{other}` is not `burnrate`"),
            "OpenSLO v1 defines `kind: burnrate` only",
        ),
        None => w.error(
            Code::MissingField,
            &condition.pointer,
            "a condition needs `kind: burnrate`",
            "OpenSLO v1 defines `kind: burnrate` only",
        ),
    }
    let op = if let Some(text) = w.string(&condition, "op") {
        if let Some(op) = Op::parse(text) {
            Some((op, w.loc(&condition.child("op"))))
        } else {
            w.error(
                Code::InvalidValue,
                &condition.child("op"),
                format!("`op` `{text}` is not an OpenSLO operator"),
                "use `gt` or `gte` for a burn rate above the threshold",
            );
            None
        }
    } else {
        w.error(
            Code::MissingField,
            &condition.pointer,
            "a burn-rate condition needs `op`",
            "e.g. `op: gt`: fire while the burn rate is above `threshold`",
        );
        None
    };
    let threshold = w.number(&condition, "threshold");
    if threshold.is_none() && !condition.has("threshold") {
        w.error(Code::MissingField, &condition.pointer, "a burn-rate condition needs `threshold`", "the burn rate to alert on, as a multiple of the rate that spends the budget exactly over the window, e.g. `threshold: 14.4`");
    }
    let lookback = if let Some(value) = condition.get("lookbackWindow") {
        w.shorthand(&condition.child("lookbackWindow"), "lookbackWindow", value)
    } else {
        w.error(
            Code::MissingField,
            &condition.pointer,
            "a burn-rate condition needs `lookbackWindow`",
            "e.g. `lookbackWindow: 1h`",
        );
        None
    };
    let alert_after = condition
        .get("alertAfter")
        .and_then(|v| w.shorthand(&condition.child("alertAfter"), "alertAfter", v));
    if w.error_count() > before {
        return None;
    }
    Some(ConditionSpec {
        meta,
        description,
        severity: severity?.to_owned(),
        op: op?,
        threshold: (threshold?, w.loc(&condition.child("threshold"))),
        lookback: (lookback?, w.loc(&condition.child("lookbackWindow"))),
        alert_after,
    })
}

fn read_target_spec(w: &mut Walk, spec: &Map, meta: Metadata) -> Option<TargetSpec> {
    w.only_keys(
        spec,
        &["description", "target"],
        "an AlertNotificationTarget's `spec`",
        true,
    );
    let description = description(w, spec);
    let target = w.required_string(
        spec,
        "target",
        "an AlertNotificationTarget",
        "say where notifications go, e.g. `target: slack`",
    )?;
    Some(TargetSpec {
        meta,
        target: target.to_owned(),
        target_loc: w.loc(&spec.child("target")),
        description,
    })
}
