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

use super::collect::{first_of_each_id, read_document};
use super::load::{LoadedDocument, SLOTH_K8S_V1, SLOTH_PROMETHEUS_V1};
use super::model::Quantity;
use super::validate::builtin_tiers;
use super::walk::{Loc, Map, Walk, bare_service_meta};
use super::{Objective, RatioSli, Service, ServiceMeta, Sli, Slo, SlothSource, Tier};
use crate::diagnostics::{Code, Diagnostic};
use crate::units::{Duration, Ratio};
use serde_json::Value;
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

/// An `AlertWindows` resource: the tiers for one SLO period.
#[derive(Debug)]
struct AlertWindows {
    period: Duration,
    tiers: Vec<Tier>,
    loc: Loc,
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

/// Whether Sloth accepts `name` as a service or SLO name, and an error at `pointer` if not.
///
/// Sloth's rule (`NameRegexpStr` in its `pkg/common/conventions`, checked by its
/// `pkg/common/validation` for the service, the SLO name and the id):
/// `^[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]$`, i.e. at least two characters, only ASCII letters,
/// digits, `-`, `_` and `.`, starting and ending with a letter or digit.
fn sloth_name(w: &mut Walk, pointer: &str, name: &str, what: &str) -> bool {
    let alphanumeric = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let valid = name.len() >= 2
        && alphanumeric(name.chars().next())
        && alphanumeric(name.chars().last())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid {
        w.error(
            Code::InvalidId,
            pointer,
            format!("invalid Sloth {what} name `{name}`"),
            "Sloth names have at least two characters: letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit",
        );
    }
    valid
}

/// The slofile id of a name Sloth accepts: lower case, with `_` and `.` as `-`, so that
/// `example_profile_availability` is `example-profile-availability`. The name as written stays
/// the SLO's title and Sloth's `sloth_service` and `sloth_slo`.
pub fn slofile_id(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '_' | '.' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// slofile ids have at most 63 characters (they become file names and label values); Sloth's
/// have no limit. A longer id keeps its first 54 characters and a hash of the whole, so that it
/// stays unique and the same on every run.
fn shorten_id(id: &str) -> String {
    const MAX: usize = 63;
    if id.len() <= MAX {
        return id.to_owned();
    }
    // FNV-1a: stable across platforms and releases, unlike the standard library's hasher.
    let hash = id.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    let head = id[..MAX - 9].trim_end_matches('-');
    format!("{head}-{hash:08x}")
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

fn read_slo(
    w: &mut Walk,
    pointer: &str,
    value: &Value,
    service: &str,
    names: &Names,
) -> Option<SlothSlo> {
    let slo = w.mapping(pointer, value, "an SLO")?;
    w.only_keys(
        &slo,
        &[
            "name",
            "objective",
            "description",
            "labels",
            "sli",
            "alerting",
            "plugins",
        ],
        "a Sloth SLO",
        false,
    );
    let before = w.error_count();
    let name = w.required_string(
        &slo,
        "name",
        "a Sloth SLO",
        "name the SLO, e.g. `name: requests-availability`",
    );
    let name_ok = name.is_some_and(|n| sloth_name(w, &slo.child("name"), n, "SLO"));
    let id = name
        .filter(|_| name_ok)
        .map(|n| shorten_id(&format!("{}-{}", slofile_id(service), slofile_id(n))));
    let target = match slo.get("objective") {
        Some(Value::Number(n)) => {
            let quantity = Quantity::Text(super::walk::number_text(n));
            w.checker.objective(&slo.child("objective"), &quantity)
        }
        Some(other) => {
            w.error(
                Code::WrongType,
                &slo.child("objective"),
                format!(
                    "`objective` must be a number, not {}",
                    super::walk::type_name(other)
                ),
                "write the objective as a percentage number, e.g. `objective: 99.9`",
            );
            None
        }
        None => {
            w.error(
                Code::MissingObjective,
                &slo.pointer,
                "a Sloth SLO needs `objective`",
                "e.g. `objective: 99.9` for 99.9%",
            );
            None
        }
    };
    let description = w.string(&slo, "description").map(str::to_owned);
    let slo_labels = labels(w, &slo, "labels");
    check_labels(w, &slo.child("labels"), &slo_labels);
    plugins(w, &slo, "plugins");
    let (sli, events) = read_sli(w, &slo, names).unzip();
    let alerting = read_alerting(w, &slo, names);
    if w.error_count() > before {
        return None;
    }
    let (sli, target, id) = (sli?, target?, id?);
    let objective_text = match slo.get("objective") {
        Some(Value::Number(n)) => format!("{}%", super::walk::number_text(n)),
        _ => target.percent(),
    };
    Some(SlothSlo {
        slo: Slo {
            events: None,
            origin: w.loc(&slo.child("name")).origin(),
            title: name.unwrap_or_default().to_owned(),
            id,
            group: None,
            journey: description,
            failure_signal: None,
            window: Duration::default(),
            sli,
            objectives: vec![Objective {
                name: None,
                percentile: None,
                target,
                threshold: None,
                written: objective_text,
                origin: w.loc(&slo.child("objective")).origin(),
            }],
            min_events: None,
            group_by: Vec::new(),
            labels: slo_labels,
            burn_policy: None,
            tiers: Vec::new(),
            missing_data: None,
            budget_exhausted: None,
            alert_labels: alerting.labels,
            runbook_url: alerting.runbook_url,
            dashboard: alerting.dashboard,
            alerts: Vec::new(),
            measurement: None,
            verify: Vec::new(),
            tests: Vec::new(),
            notes: Vec::new(),
            k6: None,
            sloth: Some(Box::new(SlothSource {
                name: name.unwrap_or_default().to_owned(),
                alert_name: alerting.name,
                annotations: alerting.annotations,
                page_annotations: alerting.page.annotations.clone(),
                ticket_annotations: alerting.ticket.annotations.clone(),
                page_labels: alerting.page_labels,
                ticket_labels: alerting.ticket_labels,
                events: events.flatten(),
                ..SlothSource::default()
            })),
        },
        page: alerting.page,
        ticket: alerting.ticket,
    })
}

/// The SLI, and for `events` its error and total queries.
fn read_sli(w: &mut Walk, slo: &Map, names: &Names) -> Option<(Sli, Option<(String, String)>)> {
    let Some(sli) = w.map_at(slo, "sli", "`sli`") else {
        if !slo.has("sli") {
            w.error(
                Code::MissingField,
                &slo.pointer,
                "a Sloth SLO needs `sli`",
                "give `events` (error and total queries) or `raw` (an error-ratio query)",
            );
        }
        return None;
    };
    w.only_keys(&sli, &["events", "raw", "plugin"], "`sli`", false);
    let kinds: Vec<&str> = ["events", "raw", "plugin"]
        .into_iter()
        .filter(|k| sli.has(k))
        .collect();
    match kinds.as_slice() {
        ["plugin"] => {
            let plugin = w.map_at(&sli, "plugin", "`plugin`");
            let id = plugin
                .as_ref()
                .and_then(|p| w.string(p, "id"))
                .unwrap_or("?")
                .to_owned();
            w.error(
                Code::UnsupportedFeature,
                &sli.child("plugin"),
                format!("Sloth SLI plugin `{id}` is not supported"),
                "SLI plugins are Go code that Sloth runs to write the error-ratio query; write the query \
                 the plugin would produce as `raw.error_ratio_query`, or `events` with error and total queries",
            );
            None
        }
        ["events"] => {
            let events = w.map_at(&sli, "events", "`events`")?;
            let (error_key, total_key) = (names.get("error_query"), names.get("total_query"));
            w.only_keys(&events, &[error_key, total_key], "`events`", false);
            let error = window_query(w, &events, error_key);
            let total = window_query(w, &events, total_key);
            let (error, total) = (error?, total?);
            let (error, total) = (error.trim().to_owned(), total.trim().to_owned());
            let ratio = Sli::Ratio(RatioSli::Query(format!("({error})\n/\n({total})")));
            Some((ratio, Some((error, total))))
        }
        ["raw"] => {
            let raw = w.map_at(&sli, "raw", "`raw`")?;
            let key = names.get("error_ratio_query");
            w.only_keys(&raw, &[key], "`raw`", false);
            let query = window_query(w, &raw, key)?;
            Some((Sli::Ratio(RatioSli::Query(query.trim().to_owned())), None))
        }
        [] => {
            w.error(
                Code::MissingField,
                &sli.pointer,
                "the SLI needs `events` or `raw`",
                "give `events` (error and total queries) or `raw` (an error-ratio query)",
            );
            None
        }
        _ => {
            w.error(
                Code::ConflictingFields,
                &sli.pointer,
                "the SLI takes one of `events`, `raw` and `plugin`, not several",
                "keep one",
            );
            None
        }
    }
}

/// A query with Sloth's `{{.window}}`, rewritten to slofile's `{{window}}` and checked.
fn window_query(w: &mut Walk, map: &Map, key: &str) -> Option<String> {
    let query = w.required_string(
        map,
        key,
        "the SLI",
        "give a PromQL query with `[{{.window}}]` as its range",
    )?;
    let pointer = map.child(key);
    let Some(query) = super::walk::window_placeholder(query) else {
        w.error(
            Code::MissingField,
            &pointer,
            format!("`{key}` has no `{{{{.window}}}}` placeholder"),
            "write the range as `[{{.window}}]`, so that each alert window gets its own rate",
        );
        return None;
    };
    w.checker
        .promql(&pointer, &query.replace("{{window}}", "5m"))
        .then(|| crate::promql::without_comments(&query).into_owned())
}

#[derive(Default)]
struct SlothAlerting {
    labels: BTreeMap<String, String>,
    /// `alerting.name`.
    name: Option<String>,
    /// `alerting.annotations`, all of them.
    annotations: BTreeMap<String, String>,
    /// The labels Sloth puts on the page and on the ticket alert.
    page_labels: BTreeMap<String, String>,
    ticket_labels: BTreeMap<String, String>,
    page: TierAlert,
    ticket: TierAlert,
    runbook_url: Option<String>,
    dashboard: Option<String>,
}

/// What the page or the ticket alert gives its tiers.
#[derive(Debug, Default)]
struct TierAlert {
    /// `None` when the alert is disabled.
    severity: Option<String>,
    /// The alert's labels but `severity`: they go on its tiers' alerts only.
    labels: BTreeMap<String, String>,
    /// The alert's own annotations.
    annotations: BTreeMap<String, String>,
}

/// One of `page_alert` and `ticket_alert`.
struct AlertSide {
    enabled: bool,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
}

fn read_side(w: &mut Walk, alerting: Option<&Map>, key: &str) -> AlertSide {
    let mut side = AlertSide {
        enabled: true,
        labels: BTreeMap::new(),
        annotations: BTreeMap::new(),
    };
    let Some(map) = alerting.and_then(|a| w.map_at(a, key, &format!("`{key}`"))) else {
        return side;
    };
    w.only_keys(
        &map,
        &["disable", "labels", "annotations"],
        &format!("`{key}`"),
        false,
    );
    side.enabled = !w.boolean(&map, "disable").unwrap_or(false);
    side.labels = labels(w, &map, "labels");
    side.annotations = labels(w, &map, "annotations");
    side
}

fn read_alerting(w: &mut Walk, slo: &Map, names: &Names) -> SlothAlerting {
    let alerting = w.map_at(slo, "alerting", "`alerting`");
    let (page_key, ticket_key) = (names.get("page_alert"), names.get("ticket_alert"));
    if let Some(alerting) = &alerting {
        w.only_keys(
            alerting,
            &["name", "labels", "annotations", page_key, ticket_key],
            "`alerting`",
            false,
        );
    }
    let mut common = alerting
        .as_ref()
        .map(|a| labels(w, a, "labels"))
        .unwrap_or_default();
    let all_annotations = alerting
        .as_ref()
        .map(|a| labels(w, a, "annotations"))
        .unwrap_or_default();
    let mut annotations = all_annotations.clone();
    let mut page = read_side(w, alerting.as_ref(), page_key);
    let mut ticket = read_side(w, alerting.as_ref(), ticket_key);
    // Sloth's own labels of each alert, `severity` included: `alerting`'s, then the alert's.
    let sloth_labels = |side: &AlertSide| {
        let mut labels = common.clone();
        labels.extend(side.labels.clone());
        labels
    };
    let (page_labels, ticket_labels) = (sloth_labels(&page), sloth_labels(&ticket));
    let common_severity = common.remove("severity");
    let at = alerting
        .as_ref()
        .map_or_else(|| slo.pointer.clone(), |a| a.pointer.clone());
    check_labels(w, &format!("{at}/labels"), &common);
    // As in Sloth, each alert has the labels of `alerting` and its own, its own winning; its own
    // go on its tiers only, so that a page's routing key never reaches a ticket.
    let mut tier_alert = |side: &mut AlertSide, key: &str, default: &str| {
        let severity = side.labels.remove("severity");
        check_labels(w, &format!("{at}/{key}/labels"), &side.labels);
        TierAlert {
            severity: side.enabled.then(|| {
                severity
                    .or_else(|| common_severity.clone())
                    .unwrap_or_else(|| default.to_owned())
            }),
            labels: std::mem::take(&mut side.labels),
            annotations: side.annotations.clone(),
        }
    };
    let result = SlothAlerting {
        page: tier_alert(&mut page, page_key, "page"),
        ticket: tier_alert(&mut ticket, ticket_key, "ticket"),
        runbook_url: annotations
            .remove("runbook_url")
            .or_else(|| annotations.remove("runbook")),
        dashboard: annotations.remove("dashboard"),
        labels: common,
        name: alerting
            .as_ref()
            .and_then(|a| w.string(a, "name"))
            .map(str::to_owned),
        annotations: all_annotations,
        page_labels,
        ticket_labels,
    };
    // Sloth names both alerts after `alerting.name` and refuses a spec without one; slofile names
    // its alerts itself, but keeps the rule so that a spec it accepts stays valid for Sloth.
    let name = alerting.as_ref().and_then(|a| w.string(a, "name"));
    if (page.enabled || ticket.enabled) && name.is_none_or(|n| n.trim().is_empty()) {
        let (pointer, message) = match (&alerting, name) {
            (Some(a), Some(_)) => (a.child("name"), "`alerting.name` is empty"),
            (Some(a), None) => (
                a.pointer.clone(),
                "`alerting` needs `name` while an alert is enabled",
            ),
            (None, _) => (
                slo.pointer.clone(),
                "a Sloth SLO needs `alerting` with a `name` while its alerts are enabled",
            ),
        };
        w.error(
            Code::MissingField,
            &pointer,
            message,
            "Sloth requires the alert name; set `alerting.name`, or disable both `page_alert` and `ticket_alert`",
        );
    }
    let mut not_carried = Vec::new();
    if let Some(name) = alerting
        .as_ref()
        .and_then(|a| a.get("name"))
        .and_then(Value::as_str)
    {
        not_carried.push(format!("the alert name `{name}`"));
    }
    let mut skipped: Vec<String> = annotations.into_keys().collect();
    skipped.extend(
        page.annotations
            .keys()
            .chain(ticket.annotations.keys())
            .cloned(),
    );
    skipped.sort();
    skipped.dedup();
    if !skipped.is_empty() {
        not_carried.push(format!(
            "{} {}",
            if skipped.len() > 1 {
                "annotations"
            } else {
                "annotation"
            },
            skipped
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !not_carried.is_empty() {
        w.info(
            Code::NotCarried,
            &at,
            format!("{} {} not carried into slofile's own rules", not_carried.join(" and "), if not_carried.len() > 1 { "are" } else { "is" }),
            "slofile names its alerts and writes their summary and description itself, with the burn \
             rate, budget share and windows; `runbook_url` and `dashboard` annotations are kept. \
             `slofile build --compat sloth` writes Sloth's alerts, with these names and annotations",
        );
    }
    result
}

fn read_alert_windows(w: &mut Walk, json: &Value) -> Option<AlertWindows> {
    let root = w.mapping("", json, "AlertWindows")?;
    w.only_keys(
        &root,
        &["apiVersion", "kind", "metadata", "spec"],
        "AlertWindows",
        false,
    );
    let Some(spec) = w.map_at(&root, "spec", "`spec`") else {
        w.error(
            Code::MissingField,
            "",
            "AlertWindows needs `spec`",
            "give `sloPeriod`, `page` and `ticket`",
        );
        return None;
    };
    w.only_keys(
        &spec,
        &["sloPeriod", "page", "ticket"],
        "AlertWindows `spec`",
        false,
    );
    let before = w.error_count();
    let period = w
        .required_string(&spec, "sloPeriod", "AlertWindows", "e.g. `sloPeriod: 30d`")
        .and_then(|p| w.checker.duration(&spec.child("sloPeriod"), p));
    let mut tiers = Vec::new();
    for severity in ["page", "ticket"] {
        let Some(side) = w.map_at(&spec, severity, &format!("`{severity}`")) else {
            w.error(
                Code::MissingField,
                &spec.pointer,
                format!("AlertWindows needs `{severity}`"),
                "give its `quick` and `slow` windows",
            );
            continue;
        };
        w.only_keys(&side, &["quick", "slow"], &format!("`{severity}`"), false);
        for speed in ["quick", "slow"] {
            let Some(window) = w.map_at(&side, speed, &format!("`{speed}`")) else {
                w.error(
                    Code::MissingField,
                    &side.pointer,
                    format!("`{severity}` needs `{speed}`"),
                    "give `errorBudgetPercent`, `shortWindow` and `longWindow`",
                );
                continue;
            };
            w.only_keys(
                &window,
                &["errorBudgetPercent", "shortWindow", "longWindow"],
                &format!("`{speed}`"),
                false,
            );
            let share = w.number(&window, "errorBudgetPercent").and_then(|p| {
                let share = p.checked_div(Ratio::integer(100)).ok()?;
                if share.is_zero() || share.numer() < 0 || share > Ratio::ONE {
                    w.error(
                        Code::InvalidQuantity,
                        &window.child("errorBudgetPercent"),
                        format!("`errorBudgetPercent` {p} is not in (0, 100]"),
                        "the share of the period's error budget spent in the long window, e.g. `2`",
                    );
                    return None;
                }
                Some(share)
            });
            let short = w
                .required_string(
                    &window,
                    "shortWindow",
                    "an alert window",
                    "e.g. `shortWindow: 5m`",
                )
                .and_then(|s| w.checker.duration(&window.child("shortWindow"), s));
            let long = w
                .required_string(
                    &window,
                    "longWindow",
                    "an alert window",
                    "e.g. `longWindow: 1h`",
                )
                .and_then(|s| w.checker.duration(&window.child("longWindow"), s));
            if let (Some(share), Some(short), Some(long)) = (share, short, long) {
                if short >= long {
                    w.error(
                        Code::WindowOrder,
                        &window.child("shortWindow"),
                        format!("short window {short} is not shorter than long window {long}"),
                        "the short window resets the alert quickly; make it about 1/12 of the long window",
                    );
                }
                tiers.push(Tier {
                    severity: severity.to_owned(),
                    budget_share: Some(share),
                    factor: None,
                    long,
                    short,
                    for_: Duration::default(),
                    escalation: None,
                    labels: BTreeMap::new(),
                });
            }
        }
    }
    if w.error_count() > before {
        return None;
    }
    Some(AlertWindows {
        period: period?,
        tiers,
        loc: w.loc(&spec.child("sloPeriod")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sloth_names_map_to_slofile_ids() {
        assert_eq!(
            slofile_id("example_profile_availability"),
            "example-profile-availability"
        );
        assert_eq!(slofile_id("Latency.P99"), "latency-p99");
        assert_eq!(shorten_id("myservice-requests"), "myservice-requests");
        let long = format!("svc-{}", "a".repeat(80));
        let short = shorten_id(&long);
        assert_eq!(short.len(), 63);
        assert_eq!(short, shorten_id(&long), "deterministic");
        assert_ne!(short, shorten_id(&format!("{long}b")), "unique");
        assert!(short.starts_with("svc-aaaa"));
    }
}
