//! Sloth specs as a first-class input: the plain `version: prometheus/v1` format, Kubernetes
//! `PrometheusServiceLevel` resources (`apiVersion: sloth.slok.dev/v1`), and `AlertWindows`
//! resources that set custom alert windows for an SLO period.
//!
//! How Sloth maps onto slofile:
//!
//! - **Ids.** Names are checked with Sloth's rule (see [`sloth_name`]) and mapped to slofile ids
//!   ([`slofile_id`]: `example_profile_availability` is `example-profile-availability`). The SLO
//!   id is `<service>-<name>` of the mapped names, Sloth's `sloth_id` spelled as an id; the names
//!   as written stay the title and [`SlothSource`]. Documents that name the same service form one
//!   slofile service.
//! - **SLIs.** `events` become the error ratio `(error_query) / (total_query)` and `raw` its
//!   `error_ratio_query`, both with `{{.window}}` standing for each alert window, exactly as Sloth
//!   builds them. SLI plugins run Sloth's own Go code and are reported as unsupported.
//! - **Period.** 30 days, as in Sloth, or `--sloth-period`.
//! - **Alerts.** Sloth's default windows are the Google SRE workbook's: pages on 2% of the budget
//!   in 1 h (5 m short window) and 5% in 6 h (30 m), tickets on 10% in 1 d (2 h) and 10% in 3 d
//!   (6 h). For a 30-day period these are the factors 14.4, 6, 3 and 1; for 28 days 13.44, 5.6,
//!   2.8 and 0.9333. slofile keeps the budget shares, so the factors are exact for any period,
//!   and writes one alert per tier where Sloth ORs two tiers into one page and one ticket alert.
//!   Sloth's alerts have no `for:`, and neither have these tiers (slofile's built-in `workbook`
//!   policy waits 2 m, 15 m, 1 h and 1 h). An `AlertWindows` resource in the same run replaces
//!   the windows for its `sloPeriod`, as Sloth's `--alert-window-dir` does.
//! - **Alert labels.** `severity` in `page_alert.labels` or `ticket_alert.labels` (else in
//!   `alerting.labels`) becomes the tiers' severity label, `page` and `ticket` by default. Other
//!   labels of `alerting` go on every alert of the SLO; those of `page_alert` or `ticket_alert`
//!   on that alert's tiers only (a paging `routing_key` must not reach tickets), over those of
//!   `alerting`, as in Sloth. `runbook_url` and `dashboard` annotations are kept; Sloth's alert
//!   names and other annotations are not carried into slofile's own rules, and an info says so.
//!   They are kept in [`SlothSource`], with Sloth's own labels of each alert, for
//!   `build --compat sloth` (see `crate::emit::sloth_compat`).
//! - **Plugins.** SLO plugins of Sloth's core (`sloth.dev/core/...`) only shape Sloth's own
//!   rules, which slofile writes itself; other plugins change the rules and are reported as
//!   unsupported.
//!
//! [`SlothSource`]: super::SlothSource

mod alerting;
mod names;
mod slo;

use super::collect::{first_of_each_id, read_document};
use super::load::{LoadedDocument, SLOTH_K8S_V1, SLOTH_PROMETHEUS_V1};
use super::validate::builtin_tiers;
use super::walk::{Loc, Map, Walk, bare_service_meta};
use super::{Service, ServiceMeta, Slo, Tier};
use crate::diagnostics::{Code, Diagnostic};
use crate::units::Duration;
use alerting::{AlertWindows, TierAlert, read_alert_windows};
pub use names::slofile_id;
use names::sloth_name;
use serde_json::Value;
use slo::read_slo;
use std::collections::BTreeMap;

/// Sloth's default SLO period.
pub const DEFAULT_PERIOD: &str = "30d";

/// Every Sloth document of a run, gathered so that documents of one service merge and
/// `AlertWindows` apply to all of them.
#[derive(Debug, Default)]
pub struct Collection {
    levels: Vec<ServiceLevel>,
    windows: Vec<AlertWindows>,
}

/// One `prometheus/v1` document or `PrometheusServiceLevel` resource.
#[derive(Debug)]
struct ServiceLevel {
    /// The service's slofile id, from its Sloth name (see [`slofile_id`]).
    service: String,
    /// The service as written, Sloth's `sloth_service`.
    sloth_service: String,
    /// `sloth_spec`: which of Sloth's formats the document is.
    spec: &'static str,
    service_loc: Loc,
    labels: BTreeMap<String, String>,
    slos: Vec<SlothSlo>,
    /// False when the document had errors: its service is then not built.
    complete: bool,
}

#[derive(Debug)]
struct SlothSlo {
    /// Complete but for the window and tiers, which depend on the period, and the Sloth source's
    /// service, spec and tier sides, which depend on the document.
    slo: Slo,
    page: TierAlert,
    ticket: TierAlert,
}

/// Field names of the two spellings: the plain format's snake_case, Kubernetes' camelCase.
struct Names {
    k8s: bool,
}

impl Names {
    fn get(&self, snake: &'static str) -> &'static str {
        if !self.k8s {
            return snake;
        }
        match snake {
            "error_query" => "errorQuery",
            "total_query" => "totalQuery",
            "error_ratio_query" => "errorRatioQuery",
            "page_alert" => "pageAlert",
            "ticket_alert" => "ticketAlert",
            "slo_plugins" => "sloPlugins",
            other => other,
        }
    }
}

impl Collection {
    /// Reads one Sloth document.
    pub fn add(&mut self, loaded: LoadedDocument) -> Vec<Diagnostic> {
        read_document(loaded, |walk, json| self.read(walk, json))
    }

    fn read(&mut self, walk: &mut Walk, json: &Value) {
        let kind = json.get("kind").and_then(Value::as_str);
        let api_version = json.get("apiVersion").and_then(Value::as_str);
        match (api_version, kind) {
            (Some(SLOTH_K8S_V1), Some("AlertWindows")) => {
                if let Some(windows) = read_alert_windows(walk, json) {
                    self.windows.push(windows);
                }
            }
            (Some(SLOTH_K8S_V1), _) => {
                if let Some(level) = read_k8s(walk, json) {
                    self.levels.push(level);
                }
            }
            _ => {
                if let Some(level) = read_plain(walk, json) {
                    self.levels.push(level);
                }
            }
        }
    }

    /// Adds the documents another collection read, after this one's.
    pub fn append(&mut self, mut other: Collection) {
        self.levels.append(&mut other.levels);
        self.windows.append(&mut other.windows);
    }

    /// Builds the services, with SLO windows of `period`. Call once, after every file is read.
    pub fn resolve(self, period: Duration) -> (Vec<Service>, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let mut windows: Option<&AlertWindows> = None;
        for candidate in self.windows.iter().filter(|w| w.period == period) {
            match windows {
                Some(_) => diagnostics.push(
                    Diagnostic::error(
                        Code::DuplicateId,
                        format!("two AlertWindows resources are for the period {period}"),
                    )
                    .at_origin(&candidate.loc.origin())
                    .with_help("keep one AlertWindows per `sloPeriod`"),
                ),
                None => windows = Some(candidate),
            }
        }
        let default_tiers = windows.map_or_else(sloth_tiers, |w| w.tiers.clone());
        let mut grouped: BTreeMap<String, Vec<ServiceLevel>> = BTreeMap::new();
        for level in self.levels {
            grouped
                .entry(level.service.clone())
                .or_default()
                .push(level);
        }
        let mut services = Vec::new();
        for (id, levels) in grouped {
            if let Some(service) =
                build_service(id, levels, period, &default_tiers, &mut diagnostics)
            {
                services.push(service);
            }
        }
        (services, diagnostics)
    }
}

/// Sloth's default tiers, by budget share so that any period gets exact factors.
fn sloth_tiers() -> Vec<Tier> {
    builtin_tiers("workbook")
        .unwrap_or_default()
        .into_iter()
        .map(|tier| Tier {
            for_: Duration::default(),
            ..tier
        })
        .collect()
}

fn build_service(
    id: String,
    levels: Vec<ServiceLevel>,
    period: Duration,
    tiers: &[Tier],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Service> {
    let errors_before = diagnostics.iter().filter(|d| d.is_error()).count();
    let complete = levels.iter().all(|l| l.complete);
    let first = levels.first()?;
    let (origin, source) = (
        first.service_loc.origin(),
        first.service_loc.file.name.clone(),
    );
    // Labels shared by every document belong to the service; otherwise each SLO keeps its own.
    let shared = levels
        .iter()
        .all(|l| l.labels == first.labels)
        .then(|| first.labels.clone());
    let mut slos: Vec<Slo> = Vec::new();
    for level in levels {
        for sloth in level.slos {
            let mut slo = sloth.slo;
            if shared.is_none() {
                let mut labels = level.labels.clone();
                labels.extend(std::mem::take(&mut slo.labels));
                slo.labels = labels;
            }
            slo.window = period;
            let mut page_tiers = Vec::new();
            slo.tiers = tiers
                .iter()
                .filter_map(|tier| {
                    let page = tier.severity == "page";
                    let side = if page { &sloth.page } else { &sloth.ticket };
                    let severity = side.severity.clone()?;
                    page_tiers.push(page);
                    Some(Tier {
                        severity,
                        labels: side.labels.clone(),
                        ..tier.clone()
                    })
                })
                .collect();
            if let Some(source) = slo.sloth.as_mut() {
                source.service.clone_from(&level.sloth_service);
                level.spec.clone_into(&mut source.spec);
                source.page_tiers = page_tiers;
            }
            slo.burn_policy = (!slo.tiers.is_empty()).then(|| "sloth".to_owned());
            slos.push(slo);
        }
    }
    let slos = first_of_each_id(
        slos,
        "Sloth SLO ids are `<service>-<name>`; give each SLO of a service its own name",
        diagnostics,
    );
    if !complete || diagnostics.iter().filter(|d| d.is_error()).count() > errors_before {
        return None;
    }
    Some(Service {
        slos,
        meta: ServiceMeta {
            labels: shared.unwrap_or_default(),
            ..bare_service_meta(id, origin, source)
        },
    })
}

fn read_plain(w: &mut Walk, json: &Value) -> Option<ServiceLevel> {
    let root = w.mapping("", json, "a Sloth spec")?;
    w.only_keys(
        &root,
        &["version", "service", "labels", "slos", "slo_plugins"],
        "a Sloth spec",
        false,
    );
    read_service_level(w, &root, &Names { k8s: false })
}

fn read_k8s(w: &mut Walk, json: &Value) -> Option<ServiceLevel> {
    let root = w.mapping("", json, "a PrometheusServiceLevel")?;
    w.only_keys(
        &root,
        &["apiVersion", "kind", "metadata", "spec", "status"],
        "a PrometheusServiceLevel",
        false,
    );
    let Some(spec) = w.map_at(&root, "spec", "`spec`") else {
        w.error(
            Code::MissingField,
            "",
            "a PrometheusServiceLevel needs `spec`",
            "give the service and its SLOs under `spec`",
        );
        return None;
    };
    w.only_keys(
        &spec,
        &["service", "labels", "slos", "sloPlugins"],
        "a PrometheusServiceLevel's `spec`",
        false,
    );
    read_service_level(w, &spec, &Names { k8s: true })
}

fn read_service_level(w: &mut Walk, root: &Map, names: &Names) -> Option<ServiceLevel> {
    let before = w.error_count();
    let service = w.required_string(
        root,
        "service",
        "a Sloth spec",
        "name the service, e.g. `service: checkout`",
    );
    if let Some(service) = service {
        sloth_name(w, &root.child("service"), service, "service");
    }
    // SLO ids start with the service; with a broken service they would only repeat its error.
    let service_ok = w.error_count() == before;
    let labels = labels(w, root, "labels");
    check_labels(w, &root.child("labels"), &labels);
    plugins(w, root, names.get("slo_plugins"));
    let mut slos = Vec::new();
    match w.list(root, "slos") {
        Some(items) if !items.is_empty() => {
            for (pointer, value) in items {
                let service = service.filter(|_| service_ok).unwrap_or_default();
                if let Some(slo) = read_slo(w, &pointer, value, service, names) {
                    slos.push(slo);
                }
            }
        }
        Some(_) => w.error(
            Code::MissingField,
            &root.child("slos"),
            "the service has no SLOs",
            "add at least one SLO under `slos:`",
        ),
        None => w.error(
            Code::MissingField,
            &root.pointer,
            "a Sloth spec needs `slos`",
            "add the SLOs under `slos:`",
        ),
    }
    Some(ServiceLevel {
        service: slofile_id(service?),
        sloth_service: service?.to_owned(),
        spec: if names.k8s {
            SLOTH_K8S_V1
        } else {
            SLOTH_PROMETHEUS_V1
        },
        service_loc: w.loc(&root.child("service")),
        labels,
        slos,
        complete: w.error_count() == before,
    })
}

/// A label map: names checked as Prometheus label names, scalar values read as text.
fn labels(w: &mut Walk, map: &Map, key: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let Some(inner) = w.map_at(map, key, &format!("`{key}`")) else {
        return labels;
    };
    for (name, value) in inner.map {
        let pointer = inner.child(name);
        if let Some(text) = w.scalar_text(&pointer, name, value) {
            labels.insert(name.clone(), text);
        }
    }
    labels
}

fn check_labels(w: &mut Walk, pointer: &str, labels: &BTreeMap<String, String>) {
    w.checker.labels(pointer, labels);
}

/// SLO plugin chains: Sloth's core plugins shape only Sloth's own rules; others are reported.
fn plugins(w: &mut Walk, map: &Map, key: &str) {
    let Some(plugins) = w.map_at(map, key, &format!("`{key}`")) else {
        return;
    };
    for (pointer, item) in w.list(&plugins, "chain").unwrap_or_default() {
        let Some(item) = w.mapping(&pointer, item, "a plugin") else {
            continue;
        };
        let Some(id) = w.string(&item, "id") else {
            continue;
        };
        if id.starts_with("sloth.dev/core/") {
            continue;
        }
        w.error(
            Code::UnsupportedFeature,
            &item.child("id"),
            format!("Sloth SLO plugin `{id}` is not supported"),
            "plugins run Sloth's own Go code to change its rules; slofile writes its own rules and cannot \
             run them. Remove the plugin, or keep generating this SLO with Sloth",
        );
    }
}
