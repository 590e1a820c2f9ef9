//! OpenSLO v1 (`apiVersion: openslo/v1`, or `openslo.com/v1`, the same objects as Kubernetes
//! resources) as a first-class input, and the part of v1alpha that Sloth reads (see [`v1alpha`]),
//! read into the same objects.
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

mod alerting;
mod metadata;
mod objective;
mod objects;
mod resolve;
pub(crate) mod shorthand;
mod sli;
mod slo;
mod v1alpha;

pub(crate) use objects::{
    Budgeting, ConditionSpec, DataSourceSpec, Kind, Metadata, MetricSource, Object, ObjectiveSpec,
    Op, PolicySpec, RatioMetric, RawType, RefOr, ServiceSpec, SliMetric, SliSpec, SloSpec,
    TargetSpec, TimeWindow, Version,
};
pub(crate) use resolve::slug;

use alerting::{read_condition_spec, read_policy_spec, read_target_spec};
use metadata::{description, dns_label, required_metadata, required_metadata_with};

use objective::read_objectives;
use sli::{exactly_one, read_data_source, read_sli_spec};
use slo::{read_budgeting, read_slo_spec, slo_description_and_service};

use super::collect::read_document;
use super::load::{
    LoadedDocument, OPENSLO_COM_V1, OPENSLO_V1, OPENSLO_V1ALPHA, unsupported_openslo_version,
};
use super::walk::{Map, Walk};
use crate::diagnostics::{Code, Diagnostic, typo_help};
use serde_json::Value;

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
        read_document(loaded, |walk, json| match json {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.read(walk, &format!("/{i}"), item);
                }
            }
            value => self.read(walk, "", value),
        })
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
        resolve::resolve(&self)
    }
}

fn read_object(w: &mut Walk, base: &str, value: &Value) -> Option<Object> {
    let obj = w.mapping(base, value, "an OpenSLO object")?;
    let version = match obj.get("apiVersion") {
        Some(Value::String(v)) if v == OPENSLO_V1 || v == OPENSLO_COM_V1 => Version::V1,
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
    // `openslo.com/v1` objects are Kubernetes resources: what `kubectl get -o yaml` adds to them
    // is read for nothing, as the operator does.
    let kubernetes = matches!(obj.get("apiVersion"), Some(Value::String(v)) if v == OPENSLO_COM_V1);
    let top_keys: &[&str] = if kubernetes {
        &["apiVersion", "kind", "metadata", "spec", "status"]
    } else {
        &["apiVersion", "kind", "metadata", "spec"]
    };
    w.only_keys(&obj, top_keys, "an OpenSLO object", version == Version::V1);
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
                typo_help(kind_text, names.iter().copied(), || {
                    format!("OpenSLO {} kinds are {}", version.short(), names.join(", "))
                }),
            ),
        };
        w.error(Code::InvalidValue, &obj.child("kind"), message, help);
        return None;
    };
    let meta = required_metadata_with(w, &obj, kind.name(), kubernetes);
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

/// A list item that is either `{<ref_key>: name}` or an inline object of `kind`.
pub(super) fn read_ref_or<T>(
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
            .map(|name| RefOr::Ref(name, w.loc(&at)));
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
