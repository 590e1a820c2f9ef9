//! One `ServiceLevelObjective` object: its Kubernetes shell (`metadata`, and the `status` and
//! `creationTimestamp` that exported objects carry), and its `spec`, read into a slofile [`Slo`].

use super::super::Slo;
use super::super::raw::Quantity;
use super::super::walk::{Loc, Map, Walk};
use super::{DEFAULT_NAMESPACE, alerting, indicator};
use crate::diagnostics::{Code, quoted};
use crate::units::Ratio;
use serde_json::Value;
use std::collections::BTreeMap;

/// Pyrra's prefix of the object labels and annotations it copies onto its rules, prefix cut.
const PROPAGATION_PREFIX: &str = "pyrra.dev/";

/// Keys of Kubernetes' `ObjectMeta`: exported objects carry them, and Pyrra ignores them.
const OBJECT_META: &[&str] = &[
    "name",
    "namespace",
    "labels",
    "annotations",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generateName",
    "generation",
    "finalizers",
    "managedFields",
    "ownerReferences",
    "resourceVersion",
    "selfLink",
    "uid",
    "clusterName",
];

/// A Pyrra object as read: its SLO, or `None` when it has errors.
#[derive(Debug)]
pub(super) struct PyrraSlo {
    pub(super) namespace: String,
    /// Where the namespace (or, without one, the name) is written.
    pub(super) namespace_loc: Loc,
    pub(super) slo: Option<Slo>,
}

/// Reads the object at `pointer`: the document's root, or an item of a Kubernetes `List`.
pub(super) fn read(w: &mut Walk, pointer: &str, json: &Value) -> Option<PyrraSlo> {
    let root = w.mapping(pointer, json, "a ServiceLevelObjective")?;
    w.only_keys(
        &root,
        &["apiVersion", "kind", "metadata", "spec", "status"],
        "a ServiceLevelObjective",
        false,
    );
    let before = w.error_count();
    let ObjectMeta {
        metadata,
        name,
        id,
        namespace,
        namespace_loc,
        labels,
        annotations,
    } = read_metadata(w, pointer, &root)?;
    let spec = read_spec_keys(w, pointer, &root)?;
    let target = target(w, &spec);
    let window = w
        .required_string(
            &spec,
            "window",
            "a ServiceLevelObjective",
            "e.g. `window: 28d` or `window: 4w`",
        )
        .and_then(|text| w.checker.duration(&spec.child("window"), text));
    let description = w
        .string(&spec, "description")
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    let indicator = indicator::read(w, &spec, target.as_ref().map(|t| t.0));
    let budget = target
        .as_ref()
        .and_then(|(t, _)| Ratio::ONE.checked_sub(*t).ok());
    let alerting = alerting::read(w, &spec, window, budget);
    let namespace = namespace.unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
    if w.error_count() > before {
        return Some(PyrraSlo {
            namespace,
            namespace_loc,
            slo: None,
        });
    }
    let (id, (target, written), window, indicator) = (id?, target?, window?, indicator?);
    let objective = indicator::objective(
        target,
        written,
        indicator.threshold,
        w.loc(&spec.child("target")).origin(),
    );
    let alert_labels = alert_labels(w, &indicator, &labels);
    let (runbook_url, dashboard) = alert_annotations(w, &metadata, annotations);
    let title = name.unwrap_or_default().to_owned();
    Some(PyrraSlo {
        namespace,
        namespace_loc,
        slo: Some(Slo {
            origin: w.loc(&metadata.child("name")).origin(),
            id,
            title,
            group: None,
            journey: description,
            failure_signal: None,
            events: None,
            window,
            sli: indicator.sli,
            objectives: vec![objective],
            min_events: None,
            group_by: indicator.grouping,
            labels,
            burn_policy: (!alerting.tiers.is_empty()).then(|| "pyrra".to_owned()),
            tiers: alerting.tiers,
            missing_data: alerting.missing_data,
            alert_labels,
            runbook_url,
            dashboard,
            alerts: Vec::new(),
            measurement: None,
            verify: Vec::new(),
            tests: Vec::new(),
            notes: Vec::new(),
            k6: None,
            error_budget_policy: None,
            budget_exhausted: None,
            sloth: None,
        }),
    })
}

/// What an object's `metadata` gives its SLO.
struct ObjectMeta<'v> {
    metadata: Map<'v>,
    name: Option<&'v str>,
    /// The SLO id: the name, dots turned into dashes.
    id: Option<String>,
    namespace: Option<String>,
    /// Where the namespace (or, without one, the name) is written.
    namespace_loc: Loc,
    /// The `pyrra.dev/` labels and annotations, prefix cut.
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
}

/// The object's `metadata`: required, with a `name` that makes a valid SLO id (dots read as
/// dashes), a `namespace` that makes a valid service id, and the labels and annotations Pyrra
/// propagates. Other keys of Kubernetes' `ObjectMeta` are accepted.
fn read_metadata<'v>(w: &mut Walk, pointer: &str, root: &Map<'v>) -> Option<ObjectMeta<'v>> {
    let Some(metadata) = w.map_at(root, "metadata", "`metadata`") else {
        w.error(
            Code::MissingField,
            pointer,
            "a ServiceLevelObjective needs `metadata` with a `name`",
            "e.g. `metadata: {name: api-errors, namespace: monitoring}`",
        );
        return None;
    };
    w.only_keys(&metadata, OBJECT_META, "`metadata`", false);
    let name = w.required_string(
        &metadata,
        "name",
        "`metadata`",
        "name the SLO, e.g. `name: api-errors`",
    );
    // Kubernetes names may hold dots; slofile ids may not, and a dash reads the same.
    let id = name.map(|n| n.replace('.', "-"));
    if let Some(id) = &id {
        w.checker.id(&metadata.child("name"), id, "SLO");
    }
    let namespace = w.string(&metadata, "namespace").map(str::to_owned);
    if let Some(namespace) = &namespace {
        w.checker.id(
            &metadata.child("namespace"),
            namespace,
            "service (namespace)",
        );
    }
    let namespace_loc = w.loc(&metadata.child(if namespace.is_some() {
        "namespace"
    } else {
        "name"
    }));
    let labels = propagated(w, &metadata, "labels", true);
    let annotations = propagated(w, &metadata, "annotations", false);
    Some(ObjectMeta {
        metadata,
        name,
        id,
        namespace,
        namespace_loc,
        labels,
        annotations,
    })
}

/// The object's `spec`: required, with only the keys of Pyrra's CRD; those that only shape
/// Pyrra's own rules get an info that they are not carried.
fn read_spec_keys<'v>(w: &mut Walk, pointer: &str, root: &Map<'v>) -> Option<Map<'v>> {
    let Some(spec) = w.map_at(root, "spec", "`spec`") else {
        w.error(
            Code::MissingField,
            pointer,
            "a ServiceLevelObjective needs `spec`",
            "give `target`, `window` and `indicator` under `spec`",
        );
        return None;
    };
    w.only_keys(
        &spec,
        &[
            "description",
            "target",
            "window",
            "indicator",
            "alerting",
            "partial_response_strategy",
            "performanceOverAccuracy",
            "ruleOutput",
        ],
        "a ServiceLevelObjective's `spec`",
        false,
    );
    let rule_shaping: Vec<&str> = [
        "partial_response_strategy",
        "performanceOverAccuracy",
        "ruleOutput",
    ]
    .into_iter()
    .filter(|k| spec.has(k))
    .collect();
    if !rule_shaping.is_empty() {
        w.info(
            Code::NotCarried,
            &spec.child(rule_shaping[0]),
            format!(
                "{} only shape{} Pyrra's own rules and {} not carried",
                quoted(rule_shaping.iter().copied(), ", "),
                if rule_shaping.len() == 1 { "s" } else { "" },
                if rule_shaping.len() == 1 { "is" } else { "are" },
            ),
            "slofile writes its own rules: long windows from recorded 5m rates, groups of its own; \
             see docs/prometheus.md",
        );
    }
    Some(spec)
}

/// The runbook and dashboard of the alerts, from the propagated `annotations`; the others get an
/// info that they are not carried.
fn alert_annotations(
    w: &mut Walk,
    metadata: &Map,
    mut annotations: BTreeMap<String, String>,
) -> (Option<String>, Option<String>) {
    let runbook_url = annotations
        .remove("runbook_url")
        .or_else(|| annotations.remove("runbook"));
    let dashboard = annotations.remove("dashboard");
    if !annotations.is_empty() {
        w.info(
            Code::NotCarried,
            &metadata.child("annotations"),
            format!(
                "the alert {} {} {} not carried",
                if annotations.len() == 1 {
                    "annotation"
                } else {
                    "annotations"
                },
                annotations
                    .keys()
                    .map(|k| format!("`{PROPAGATION_PREFIX}{k}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if annotations.len() == 1 { "is" } else { "are" },
            ),
            "slofile writes its alerts' summary and description itself; `pyrra.dev/runbook_url` \
             and `pyrra.dev/dashboard` are kept",
        );
    }
    (runbook_url, dashboard)
}

/// `target`: a percentage in a string, as Pyrra's CRD has it (a bare number is read too).
fn target(w: &mut Walk, spec: &Map) -> Option<(Ratio, String)> {
    let pointer = spec.child("target");
    let text = match spec.get("target") {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => super::super::walk::number_text(n),
        Some(other) => {
            w.error(
                Code::WrongType,
                &pointer,
                format!(
                    "`target` must be a percentage, not {}",
                    super::super::walk::type_name(other)
                ),
                "write the target as Pyrra does, a percentage in quotes: `target: \"99.9\"`",
            );
            return None;
        }
        None => {
            w.error(
                Code::MissingObjective,
                &spec.pointer,
                "a ServiceLevelObjective needs `target`",
                "e.g. `target: \"99.9\"` for 99.9%",
            );
            return None;
        }
    };
    let ratio = w
        .checker
        .objective(&pointer, &Quantity::Text(text.clone()))?;
    let written = if text.ends_with('%') {
        text
    } else {
        format!("{text}%")
    };
    Some((ratio, written))
}

/// The `pyrra.dev/`-prefixed entries of `metadata.labels` or `metadata.annotations`, prefix cut;
/// Pyrra ignores the others (they select the PrometheusRule, as `prometheus: k8s` does).
/// With `label_names`, each name, prefix cut, must be a label name slofile lets specs set.
fn propagated(
    w: &mut Walk,
    metadata: &Map,
    key: &str,
    label_names: bool,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(map) = w.map_at(metadata, key, &format!("`{key}`")) else {
        return out;
    };
    for (name, value) in map.map {
        let pointer = map.child(name);
        let Some(text) = w.scalar_text(&pointer, name, value) else {
            continue;
        };
        if let Some(short) = name.strip_prefix(PROPAGATION_PREFIX) {
            if label_names {
                w.checker.label_name(&pointer, short, true);
            }
            out.insert(short.to_owned(), text);
        }
    }
    out
}

/// Pyrra's alerts carry the labels the `total` selector fixes (`job="api"`), but those it groups
/// by; so do these, but for the labels slofile sets itself and those the SLO labels already set.
fn alert_labels(
    w: &mut Walk,
    indicator: &indicator::Indicator,
    labels: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(total) = &indicator.total else {
        return out;
    };
    let loc = w.loc("");
    for (name, value) in total.equalities() {
        if name == "le" || indicator.grouping.iter().any(|g| g == name) || labels.contains_key(name)
        {
            continue;
        }
        // A label name slofile reserves (`service`, `slo`, ...) cannot be set; the probe is silent.
        let mut probe = loc.checker();
        probe.label_name("", name, false);
        if probe.diagnostics.is_empty() {
            out.insert(name.to_owned(), value.to_owned());
        }
    }
    out
}
