//! From OpenSLO objects to slofile services.
//!
//! How OpenSLO maps onto slofile:
//!
//! - **Services.** Every SLO belongs to the slofile service named by its `spec.service`; a
//!   `Service` object of that name, when the run has one, gives its title and description. SLOs of
//!   one service may come from any number of files.
//! - **SLO ids.** An SLO with one objective keeps its `metadata.name` as id, so alerts carry
//!   `slo=<name>`. An SLO with several objectives becomes one slofile SLO per objective, with ids
//!   `<name>-<displayName slug>` (or `<name>-<n>` when an objective has no display name).
//! - **Ratio SLIs, `counter: true`.** `good` or `bad` and `total` become a ratio SLI over counters:
//!   the Prometheus backend inserts `rate(...[w])` into each selector for every window it needs.
//! - **Ratio SLIs, `counter: false`.** The queries are gauges read as they are. The error ratio
//!   over a window `w` is `sum_over_time(bad[w:]) / sum_over_time(total[w:])`: a ratio of sums
//!   over the evaluation steps, so busy moments weigh more than quiet ones, as with counters. An
//!   average of per-step ratios would let one request at 3 am weigh as much as a peak minute.
//! - **Queries with `{{.window}}`** (Sloth's convention, also in the OpenSLO SDK's examples) are
//!   already windowed: they are used as written, `{{.window}}` standing for each alert window.
//! - **`raw` ratios.** A precomputed ratio with `{{.window}}` is used as written; without it, it
//!   is averaged over the window (`avg_over_time(raw[w:])`), as nothing weighs it by traffic.
//!   `rawType: success` is turned into an error ratio as `1 - raw`.
//! - **`thresholdMetric`** becomes a gauge SLI: the share of time slices in which the value meets
//!   the objective's `op` and `value`. Slices are 1 minute with `Occurrences` (each evaluation is
//!   an event), `timeSliceWindow` with `Timeslices`. Comparisons slofile's gauge cannot state
//!   exactly (`lte`, `gte`, and a `timeSliceTarget` below 1) are folded into the query with
//!   PromQL's `bool` modifier, so that the gauge is 1 in a good slice and 0 in a bad one.
//! - **Burn-rate conditions** become multiwindow tiers: long window = `lookbackWindow`, short
//!   window = `lookbackWindow / 12`, factor = `threshold`, `for` = `alertAfter`, severity label =
//!   the condition's `severity`. `op: gte` is read as `gt` (a float rate equal to the threshold
//!   is not a state worth telling apart); `lt` and `lte` would alert while the budget is safe and
//!   are rejected. An SLO without alert policies gets no burn-rate alerts.
//! - **Notification targets** become channels (Slack, e-mail, PagerDuty, webhook, SMS), listed in
//!   an escalation level named after the alert policy; each tier routes to its policy's level.
//!   A target of `alertmanager` means Alertmanager's own routing on the alert's labels.
//! - **`alertWhenNoData`** turns on the missing-data alert, after the condition's `alertAfter`
//!   (10 minutes when it has none), at the condition's severity.
//!
//! Not compiled, each with an error at the node that asks for it: data sources other than
//! Prometheus, calendar-aligned windows (slofile's windows roll), `RatioTimeslices`, time-slice
//! budgeting of ratio SLIs, and composite SLOs.

use super::{
    Budgeting, Collection, ConditionSpec, Kind, MetricSource, Object, ObjectiveSpec, Op,
    PolicySpec, RatioMetric, RawType, RefOr, SliMetric, SliSpec, SloSpec, TargetSpec, Version,
};
use crate::diagnostics::{Code, Diagnostic, Origin, Severity, did_you_mean};
use crate::spec::model::Quantity;
use crate::spec::model::{Channel, ChannelType};
use crate::spec::validate::Checker;
use crate::spec::walk::{Loc, bare_service_meta, window_placeholder};
use crate::spec::{
    EscalationLevel, GaugeSli, MissingData, Objective, RatioSli, Service, ServiceMeta, Sli, Slo,
    Tier,
};
use crate::units::{Duration, Ratio};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Slices of a gauge SLI under `Occurrences`: one evaluation each.
fn occurrence_slice() -> Duration {
    Duration::from_secs(60)
}

/// The missing-data alert's hold when the condition has no `alertAfter`.
fn default_no_data_for() -> Duration {
    Duration::from_secs(600)
}

pub(super) fn resolve(collection: Collection) -> (Vec<Service>, Vec<Diagnostic>) {
    let mut index: HashMap<(Kind, &str), Vec<usize>> = HashMap::new();
    for (i, object) in collection.objects.iter().enumerate() {
        index
            .entry((object.kind(), object.meta().name.as_str()))
            .or_default()
            .push(i);
    }
    let mut r = Resolver {
        collection: &collection,
        index,
        diagnostics: Vec::new(),
        errors: 0,
        used: HashSet::new(),
        lenient: false,
    };
    let mut services: BTreeMap<String, ServiceBuild> = BTreeMap::new();
    for object in &collection.objects {
        if let Object::Slo(slo) = object {
            r.slo(slo, &mut services);
        }
    }
    let mut built = Vec::new();
    for (id, build) in services {
        if let Some(service) = r.service(id, build) {
            built.push(service);
        }
    }
    r.unused();
    (built, r.diagnostics)
}

struct Resolver<'c> {
    collection: &'c Collection,
    /// Positions of the objects of each kind and name, in input order.
    index: HashMap<(Kind, &'c str), Vec<usize>>,
    diagnostics: Vec<Diagnostic>,
    /// How many of `diagnostics` are errors.
    errors: usize,
    /// Objects some SLO uses, by kind and name.
    used: HashSet<(Kind, String)>,
    /// Set while checking objects no SLO uses: their problems are warnings.
    lenient: bool,
}

/// The parts of one slofile service gathered from its SLOs.
struct ServiceBuild {
    origin: Origin,
    source: String,
    slos: Vec<Slo>,
    channels: Vec<(Channel, Loc)>,
    escalation: Vec<(EscalationLevel, Loc)>,
    failed: bool,
}

/// Burn-rate alerting of one SLO, from its alert policies.
#[derive(Default)]
struct Alerting {
    tiers: Vec<Tier>,
    missing_data: Option<MissingData>,
    policies: Vec<String>,
    channels: Vec<(Channel, Loc)>,
    escalation: Vec<(EscalationLevel, Loc)>,
}

impl<'c> Resolver<'c> {
    fn push(&mut self, mut diagnostic: Diagnostic) {
        if self.lenient && diagnostic.severity == Severity::Error {
            diagnostic.severity = Severity::Warning;
            diagnostic.message.push_str(" (no SLO of this run uses it)");
        }
        self.errors += usize::from(diagnostic.is_error());
        self.diagnostics.push(diagnostic);
    }

    fn error(&mut self, code: Code, at: &Loc, message: impl Into<String>, help: impl Into<String>) {
        self.push(
            Diagnostic::error(code, message)
                .at_origin(&at.origin())
                .with_help(help),
        );
    }

    fn error_at_key(
        &mut self,
        code: Code,
        at: &Loc,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.push(
            Diagnostic::error(code, message)
                .at_origin(&at.key_origin())
                .with_help(help),
        );
    }

    fn error_count(&self) -> usize {
        self.errors
    }

    /// The object of `kind` named `name`; a missing or ambiguous one is reported at `at`.
    fn find(&mut self, kind: Kind, name: &str, at: &Loc) -> Option<&'c Object> {
        let collection = self.collection;
        let found: Vec<&Object> = self
            .index
            .get(&(kind, name))
            .map(|positions| positions.iter().map(|&i| &collection.objects[i]).collect())
            .unwrap_or_default();
        if !self.lenient {
            self.used.insert((kind, name.to_owned()));
        }
        match found.as_slice() {
            [one] => Some(one),
            [] => {
                if collection
                    .broken
                    .iter()
                    .any(|(k, n)| *k == kind && n == name)
                {
                    // Its own errors are reported; a second message would only repeat them.
                    return None;
                }
                let names: Vec<&str> = collection
                    .objects
                    .iter()
                    .filter(|o| o.kind() == kind)
                    .map(|o| o.meta().name.as_str())
                    .collect();
                let help = match did_you_mean(name, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "define {} {} named `{name}` in any file of this run, or write it in place",
                        article(kind.name()),
                        kind.name()
                    ),
                };
                self.error(
                    Code::UnknownReference,
                    at,
                    format!("no {} named `{name}` in the inputs", kind.name()),
                    help,
                );
                None
            }
            [first, ..] => {
                let origin = first.meta().loc.key("name").origin();
                let (line, _) = origin.file.line_col(origin.span.offset);
                let file = origin.file.name.clone();
                self.error(
                    Code::DuplicateId,
                    at,
                    format!(
                        "{} {} objects are named `{name}` (the first in {file} at line {line}), so this reference is ambiguous",
                        found.len(),
                        kind.name()
                    ),
                    "give every object of a kind its own name",
                );
                None
            }
        }
    }

    fn slo(&mut self, slo: &'c SloSpec, services: &mut BTreeMap<String, ServiceBuild>) {
        let errors_before = self.error_count();
        let (service_id, service_loc) = &slo.service;
        self.check(service_loc, |c| {
            c.id(&service_loc.pointer, service_id, "service");
        });
        if let Some(calendar) = &slo.window.calendar {
            self.error_at_key(
                Code::UnsupportedFeature,
                calendar,
                "calendar-aligned time windows are not supported",
                "slofile's SLO windows roll: set `isRolling: true` and remove `calendar`. A rolling 30d \
                 window is close to a calendar month, and its budget never resets all at once",
            );
        }
        let (budgeting, budgeting_loc) = &slo.budgeting;
        if *budgeting == Budgeting::RatioTimeslices {
            self.error(
                Code::UnsupportedFeature,
                budgeting_loc,
                "`budgetingMethod: RatioTimeslices` is not supported",
                "slofile compiles `Occurrences` (good events over all events) and `Timeslices` of a \
                 `thresholdMetric`; use one of those",
            );
        }
        for objective in &slo.objectives {
            if let Some(at) = &objective.composite {
                self.error(
                    Code::UnsupportedFeature,
                    at,
                    "composite SLOs (an indicator per objective) are not supported",
                    "write one SLO per indicator; slofile alerts on each of them",
                );
            }
        }
        let sli = match &slo.indicator {
            Some(RefOr::Inline(sli)) => Some(sli),
            Some(RefOr::Ref(name, at)) => match self.find(Kind::Sli, name, at) {
                Some(Object::Sli(sli)) => Some(sli),
                _ => None,
            },
            None => None,
        };
        let alerting = self.alerting(slo);
        let mut slos = Vec::new();
        let several = slo.objectives.len() > 1;
        for (i, objective) in slo.objectives.iter().enumerate() {
            // A v1alpha objective measures its own ratio, named after its SLO in messages.
            let own_sli = objective.ratio.as_ref().map(|ratio| SliSpec {
                meta: slo.meta.clone(),
                description: None,
                metric: SliMetric::Ratio(ratio.clone()),
            });
            let Some(sli) = own_sli.as_ref().or(sli) else {
                continue;
            };
            if matches!(slo.indicator, Some(RefOr::Ref(..))) {
                self.objective_fits_sli(objective, sli);
            }
            let built_sli = self.sli(sli, *budgeting, budgeting_loc, objective);
            let target = self.target(objective);
            if let (Some(sli), Some(target)) = (built_sli, target) {
                let (id, title) = slo_id_and_title(slo, objective, i, several);
                slos.push(Slo {
                    events: None,
                    id,
                    origin: if several {
                        objective.loc.origin()
                    } else {
                        slo.meta.loc.key("name").origin()
                    },
                    title,
                    group: None,
                    journey: slo.description.clone().or_else(|| sli_description(slo)),
                    failure_signal: None,
                    window: slo.window.duration,
                    sli,
                    objectives: vec![target],
                    min_events: None,
                    group_by: Vec::new(),
                    labels: BTreeMap::new(),
                    burn_policy: (!alerting.tiers.is_empty()).then(|| alerting.policies.join(", ")),
                    tiers: alerting.tiers.clone(),
                    missing_data: alerting.missing_data.clone(),
                    budget_exhausted: None,
                    alert_labels: BTreeMap::new(),
                    runbook_url: None,
                    dashboard: None,
                    alerts: Vec::new(),
                    measurement: None,
                    verify: Vec::new(),
                    tests: Vec::new(),
                    notes: Vec::new(),
                    k6: None,
                });
            }
        }
        let failed = self.error_count() > errors_before;
        let build = services
            .entry(service_id.clone())
            .or_insert_with(|| ServiceBuild {
                origin: service_loc.origin(),
                source: service_loc.file.name.clone(),
                slos: Vec::new(),
                channels: Vec::new(),
                escalation: Vec::new(),
                failed: false,
            });
        build.failed |= failed;
        build.slos.extend(slos);
        build.channels.extend(alerting.channels);
        build.escalation.extend(alerting.escalation);
    }

    /// The OpenSLO rules on `op` and `value` that the SDK can only check for inline indicators.
    fn objective_fits_sli(&mut self, objective: &ObjectiveSpec, sli: &SliSpec) {
        match &sli.metric {
            SliMetric::Ratio(_) => {
                for at in [
                    objective.op.as_ref().map(|o| &o.1),
                    objective.value.as_ref().map(|v| &v.1),
                ]
                .into_iter()
                .flatten()
                {
                    self.push(
                        Diagnostic::error(
                            Code::ConflictingFields,
                            format!(
                                "`{}` is forbidden here: SLI `{}` is a `ratioMetric`",
                                at.pointer.rsplit('/').next().unwrap_or("op"),
                                sli.meta.name
                            ),
                        )
                        .at_origin(&at.key_origin())
                        .with_help("`op` and `value` compare a `thresholdMetric`; a ratio objective needs only `target`"),
                    );
                }
            }
            SliMetric::Threshold(_) => {
                for (present, key) in [
                    (objective.op.is_some(), "op"),
                    (objective.value.is_some(), "value"),
                ] {
                    if !present {
                        self.error(
                            Code::MissingField,
                            &objective.loc,
                            format!("SLI `{}` is a `thresholdMetric`, so this objective needs `{key}`", sli.meta.name),
                            "e.g. `op: lte` and `value: 0.5`: a value is good while the metric is at or below 0.5",
                        );
                    }
                }
            }
        }
    }

    fn target(&mut self, objective: &ObjectiveSpec) -> Option<Objective> {
        let (target, at) = &objective.target;
        // The objective checks of native specs, on the target as a percentage.
        let hundred = target.checked_mul(Ratio::integer(100)).ok()?;
        let written = format!("{}%", hundred.to_decimal());
        let quantity = Quantity::Text(written.clone());
        let target = self.check(at, |c| c.objective(&at.pointer, &quantity))?;
        Some(Objective {
            name: None,
            percentile: None,
            target,
            threshold: None,
            written,
            origin: at.origin(),
        })
    }

    /// Runs checks shared with native specs at `at`, keeping their diagnostics.
    fn check<T>(&mut self, at: &Loc, run: impl FnOnce(&mut Checker) -> T) -> T {
        let mut checker = at.checker();
        let result = run(&mut checker);
        for diagnostic in checker.diagnostics {
            self.push(diagnostic);
        }
        result
    }

    fn sli(
        &mut self,
        sli: &SliSpec,
        budgeting: Budgeting,
        budgeting_loc: &Loc,
        objective: &ObjectiveSpec,
    ) -> Option<Sli> {
        match &sli.metric {
            SliMetric::Ratio(ratio) => {
                if budgeting == Budgeting::Timeslices {
                    self.error(
                        Code::UnsupportedFeature,
                        budgeting_loc,
                        format!("time-slice budgeting of a ratio SLI (`{}`) is not supported", sli.meta.name),
                        "use `budgetingMethod: Occurrences` (good events over all events), or judge each slice \
                         by a value with a `thresholdMetric`",
                    );
                    return None;
                }
                self.ratio(ratio)
            }
            SliMetric::Threshold(source) => {
                let (query, at) = self.prometheus_query(source)?;
                if window_placeholder(&query).is_some() {
                    self.error(
                        Code::InvalidValue,
                        &at,
                        "a `thresholdMetric` query takes no `{{.window}}`",
                        "the value is compared with the objective at every slice; write an instant query",
                    );
                    return None;
                }
                let (op, _) = objective.op.as_ref()?;
                let (value, _) = objective.value.as_ref()?;
                let (slice, slice_target) = match budgeting {
                    Budgeting::Timeslices => (objective.slice_window?, objective.slice_target),
                    _ => (occurrence_slice(), None),
                };
                Some(Sli::Gauge(gauge(&query, *op, *value, slice, slice_target)))
            }
        }
    }

    fn ratio(&mut self, ratio: &RatioMetric) -> Option<Sli> {
        if let Some((raw_type, source)) = &ratio.raw {
            let (query, at) = self.prometheus_query(source)?;
            let error_ratio = match (window_placeholder(&query), raw_type) {
                (Some(windowed), RawType::Failure) => windowed.trim().to_owned(),
                (Some(windowed), RawType::Success) => format!("1 - ({})", windowed.trim()),
                (None, RawType::Failure) => {
                    format!("avg_over_time(({})[{{{{window}}}}:])", query.trim())
                }
                (None, RawType::Success) => {
                    format!("1 - avg_over_time(({})[{{{{window}}}}:])", query.trim())
                }
            };
            return self.checked_query(error_ratio, &at);
        }
        let (good, numerator) = ratio.numerator.as_ref()?;
        // Both queries are checked before either problem stops the SLI.
        let events = self.prometheus_query(numerator);
        let total = ratio.total.as_ref().and_then(|t| self.prometheus_query(t));
        // Parsing is the costly part of these checks, so each query is asked once.
        let mut ranged = false;
        if ratio.counter {
            for (query, at) in [&events, &total].into_iter().flatten() {
                if window_placeholder(query).is_none() && has_range(query) {
                    ranged = true;
                    self.error(
                        Code::InvalidValue,
                        at,
                        "with `counter: true` the query selects counters, and slofile adds `rate()` for each window; this one already has a range",
                        "write the counter selector or aggregation without `rate(...[5m])`, e.g. `sum(http_requests_total{code=~\"5..\"})`, or use `{{.window}}` for the range and slofile uses the query as written",
                    );
                }
            }
        }
        let ((events, events_at), (total, total_at)) = (events?, total?);
        match (window_placeholder(&events), window_placeholder(&total)) {
            (Some(events), Some(total)) => {
                let quotient = format!("({}) / ({})", events.trim(), total.trim());
                let error_ratio = if *good {
                    format!("1 - ({quotient})")
                } else {
                    quotient
                };
                self.checked_query(error_ratio, &events_at)
            }
            (None, None) if ratio.counter => {
                if ranged {
                    return None;
                }
                Some(Sli::Ratio(RatioSli::Events {
                    good: *good,
                    events: events.trim().to_owned(),
                    total: total.trim().to_owned(),
                }))
            }
            (None, None) => {
                let sum = |q: &str| format!("sum_over_time(({})[{{{{window}}}}:])", q.trim());
                let quotient = format!("{} / {}", sum(&events), sum(&total));
                let error_ratio = if *good {
                    format!("1 - ({quotient})")
                } else {
                    quotient
                };
                self.checked_query(error_ratio, &events_at)
            }
            (Some(_), None) | (None, Some(_)) => {
                let at = if window_placeholder(&events).is_none() {
                    &events_at
                } else {
                    &total_at
                };
                self.error(
                    Code::ConflictingFields,
                    at,
                    "one query of the ratio uses `{{.window}}` and the other does not",
                    "use `{{.window}}` in both queries (each is then used as written), or in neither",
                );
                None
            }
        }
    }

    /// An error-ratio query built from user queries: it must still parse.
    fn checked_query(&mut self, query: String, at: &Loc) -> Option<Sli> {
        let substituted = query.replace("{{window}}", "5m");
        let ok = self.check(at, |c| c.promql(&at.pointer, &substituted));
        ok.then_some(Sli::Ratio(RatioSli::Query(query)))
    }

    /// The PromQL query of a Prometheus metric source, checked; other sources are reported.
    fn prometheus_query(&mut self, source: &MetricSource) -> Option<(String, Loc)> {
        let referenced = match &source.source_ref {
            Some((name, at)) => match self.find(Kind::DataSource, name, at) {
                Some(Object::DataSource(ds)) => Some(ds),
                _ => return None,
            },
            None => None,
        };
        let (source_type, type_at) = match (&source.source_type, referenced) {
            (Some((t, at)), _) => (t.clone(), at.clone()),
            (None, Some(ds)) => (ds.source_type.clone(), ds.type_loc.clone()),
            (None, None) => {
                self.error(
                    Code::MissingField,
                    &source.spec_loc,
                    "the metric source has neither `type` nor `metricSourceRef`",
                    "add `type: Prometheus`, or refer to a DataSource with `metricSourceRef`",
                );
                return None;
            }
        };
        if let (Some((written, at)), Some(ds)) = (&source.source_type, referenced)
            && !written.eq_ignore_ascii_case(&ds.source_type)
        {
            self.error(
                Code::ConflictingFields,
                at,
                format!(
                    "`type` {written} differs from the type of DataSource `{}`, {}",
                    ds.meta.name, ds.source_type
                ),
                "drop `type`: it comes from the DataSource",
            );
            return None;
        }
        if !source_type.eq_ignore_ascii_case("prometheus") {
            self.error(
                Code::UnsupportedSource,
                &type_at,
                format!("data source type `{source_type}` is not supported"),
                "slofile compiles SLIs measured in Prometheus (`type: Prometheus` with a PromQL `query`); \
                 SLOs on other sources need that vendor's own tooling",
            );
            return None;
        }
        let query_at = source.spec_loc.key("query");
        let query = match source.spec.get("query") {
            Some(serde_json::Value::String(q)) if !q.trim().is_empty() => q.clone(),
            _ => {
                self.error(
                    Code::MissingField,
                    &source.spec_loc,
                    "a Prometheus metric source needs `query` in its `spec`",
                    "give an instant-vector PromQL expression, e.g. `query: sum(http_requests_total{code=~\"5..\"})`",
                );
                return None;
            }
        };
        for key in source.spec.keys().filter(|k| *k != "query") {
            self.push(
                Diagnostic::warning(Code::NotCarried, format!("`{key}` of a Prometheus source is ignored"))
                    .at_origin(&source.spec_loc.key(key).key_origin())
                    .with_help("slofile reads `query` only; it writes rules for whichever Prometheus loads them"),
            );
        }
        // Parsed with a window standing in for `{{.window}}`, whichever spelling it has.
        let substituted = window_placeholder(&query)
            .map_or_else(|| query.clone(), |q| q.replace("{{window}}", "5m"));
        let ok = self.check(&query_at, |c| c.promql(&query_at.pointer, &substituted));
        ok.then_some((query, query_at))
    }

    fn alerting(&mut self, slo: &SloSpec) -> Alerting {
        let mut alerting = Alerting::default();
        if slo.policies.is_empty() {
            let (message, help) = match slo.version {
                Version::V1 => (
                    format!(
                        "SLO `{}` has no alert policies, so it gets no burn-rate alerts",
                        slo.meta.name
                    ),
                    "add `alertPolicies` with burn-rate AlertConditions, e.g. `threshold: 14.4` over \
                     `lookbackWindow: 1h` to page on fast burns and `threshold: 1` over `3d` for tickets",
                ),
                Version::V1alpha => (
                    format!(
                        "SLO `{}` is OpenSLO v1alpha, which has no alert policies, so it gets no burn-rate \
                         alerts (Sloth generates none for it either)",
                        slo.meta.name
                    ),
                    "to be alerted, turn it into openslo/v1 with `slofile convert --to openslo` and add \
                     `alertPolicies`, or write it as a Sloth or slofile spec, which alert by default",
                ),
            };
            self.push(
                Diagnostic::info(Code::NoAlertPolicy, message)
                    .at_origin(&slo.meta.loc.key("name").origin())
                    .with_help(help),
            );
        }
        for policy in &slo.policies {
            let policy = match policy {
                RefOr::Inline(p) => p,
                RefOr::Ref(name, at) => match self.find(Kind::AlertPolicy, name, at) {
                    Some(Object::AlertPolicy(p)) => p,
                    _ => continue,
                },
            };
            self.policy(policy, slo.window.duration, &mut alerting);
        }
        alerting
    }

    fn policy(&mut self, policy: &PolicySpec, window: Duration, alerting: &mut Alerting) {
        let Some(condition) = policy.conditions.first().and_then(|c| match c {
            RefOr::Inline(c) => Some(c),
            RefOr::Ref(name, at) => match self.find(Kind::AlertCondition, name, at) {
                Some(Object::AlertCondition(c)) => Some(c),
                _ => None,
            },
        }) else {
            return;
        };
        let targets: Vec<&TargetSpec> = policy
            .targets
            .iter()
            .filter_map(|t| match t {
                RefOr::Inline(t) => Some(t),
                RefOr::Ref(name, at) => match self.find(Kind::AlertNotificationTarget, name, at) {
                    Some(Object::AlertNotificationTarget(t)) => Some(t),
                    _ => None,
                },
            })
            .collect();
        let channels: Vec<(Channel, Loc)> =
            targets.iter().filter_map(|t| self.channel(t)).collect();
        let escalation = (!channels.is_empty()).then(|| policy.meta.name.clone());
        if let Some(severity) = &escalation {
            alerting.escalation.push((
                EscalationLevel {
                    severity: severity.clone(),
                    name: policy.meta.display_name.clone(),
                    condition: condition
                        .description
                        .clone()
                        .unwrap_or_else(|| burn_words(condition)),
                    response: policy.description.clone().unwrap_or_else(|| {
                        let names: Vec<String> = channels
                            .iter()
                            .map(|(c, _)| format!("`{}`", c.id))
                            .collect();
                        format!("Notify {}", names.join(", "))
                    }),
                    response_time: None,
                    runbook: None,
                    channels: channels.iter().map(|(c, _)| c.id.clone()).collect(),
                },
                policy.meta.loc.key("name"),
            ));
        }
        alerting.channels.extend(channels);
        if policy.when_resolved {
            self.push(
                Diagnostic::info(Code::NotCarried, format!("`alertWhenResolved` of policy `{}` is Alertmanager's to honour", policy.meta.name))
                    .at_origin(&policy.loc.key("alertWhenResolved").key_origin())
                    .with_help("resolved notifications are Alertmanager's `send_resolved` setting of each receiver"),
            );
        }
        if policy.when_no_data {
            let missing = MissingData {
                for_: condition.alert_after.unwrap_or_else(default_no_data_for),
                severity: condition.severity.clone(),
            };
            alerting.missing_data = Some(match alerting.missing_data.take() {
                Some(earlier) if earlier.for_ <= missing.for_ => earlier,
                _ => missing,
            });
        }
        if !policy.when_breaching {
            self.push(
                Diagnostic::warning(
                    Code::NotCarried,
                    format!("policy `{}` does not set `alertWhenBreaching: true`, so its burn-rate condition raises no alert", policy.meta.name),
                )
                .at_origin(&policy.meta.loc.key("name").origin())
                .with_help("set `alertWhenBreaching: true` to be alerted while the burn rate is above the threshold"),
            );
            return;
        }
        if let Some(tier) = self.tier(condition, window, escalation) {
            alerting.policies.push(policy.meta.name.clone());
            alerting.tiers.push(tier);
        }
    }

    fn tier(
        &mut self,
        condition: &ConditionSpec,
        window: Duration,
        escalation: Option<String>,
    ) -> Option<Tier> {
        let errors_before = self.error_count();
        let (op, op_at) = &condition.op;
        if matches!(op, Op::Lt | Op::Lte) {
            self.error(
                Code::UnsupportedFeature,
                op_at,
                format!("a burn-rate condition with `op: {}` would alert while the budget is safe", op.name()),
                "use `op: gt`: alert while the budget burns faster than `threshold` times the rate that spends it exactly over the window",
            );
        }
        let (factor, threshold_at) = &condition.threshold;
        if factor.numer() <= 0 {
            self.error(
                Code::InvalidQuantity,
                threshold_at,
                format!("burn-rate threshold {factor} is not positive"),
                "a threshold is a multiple of the sustainable burn rate, e.g. `14.4`",
            );
        } else if factor.denom() > 1_000_000_000_000 {
            // Twelve places: enough for the rounded factors of `slofile convert --to openslo`.
            self.error(
                Code::InvalidQuantity,
                threshold_at,
                format!("burn-rate threshold {factor} has more than 12 decimal places"),
                "round the threshold; a burn rate is never known that precisely",
            );
        }
        let (long, lookback_at) = &condition.lookback;
        if *long > window {
            self.error(
                Code::WindowOrder,
                lookback_at,
                format!("`lookbackWindow` {long} is longer than the SLO window {window}"),
                "look back over at most the SLO window",
            );
        }
        // Exact: every OpenSLO duration is whole minutes, and a minute is 12 × 5 s.
        let short = Duration::from_millis(long.millis() / 12);
        if short < Duration::from_secs(60) {
            self.push(
                Diagnostic::warning(
                    Code::WindowOrder,
                    format!("the short window {short} (a twelfth of `lookbackWindow` {long}) is shorter than a minute"),
                )
                .at_origin(&lookback_at.origin())
                .with_help("a rate over less than a few scrape intervals is usually empty, and the alert never fires; use a lookback of at least 12m"),
            );
        }
        (self.error_count() == errors_before).then(|| Tier {
            severity: condition.severity.clone(),
            budget_share: None,
            factor: Some(*factor),
            long: *long,
            short,
            for_: condition.alert_after.unwrap_or_default(),
            escalation,
            labels: BTreeMap::new(),
        })
    }

    fn channel(&mut self, target: &TargetSpec) -> Option<(Channel, Loc)> {
        let normalized: String = target
            .target
            .to_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let kind = match normalized.as_str() {
            "slack" => ChannelType::Slack,
            "email" | "mail" => ChannelType::Email,
            "pagerduty" => ChannelType::Pagerduty,
            "webhook" => ChannelType::Webhook,
            "sms" => ChannelType::Sms,
            "alertmanager" => return None,
            _ => {
                self.push(
                    Diagnostic::warning(
                        Code::NotCarried,
                        format!("notification target `{}` has no slofile channel type", target.target),
                    )
                    .at_origin(&target.target_loc.origin())
                    .with_help(
                        "slofile's channels are slack, email, pagerduty, webhook and sms; the alert still reaches \
                         Alertmanager, so route it there on its `severity` label",
                    ),
                );
                return None;
            }
        };
        Some((
            Channel {
                uptimerobot_threshold: None,
                uptimerobot_recurrence: None,
                id: target.meta.name.clone(),
                kind,
                name: target
                    .meta
                    .display_name
                    .clone()
                    .or_else(|| target.description.clone()),
                target: None,
                uptimerobot_contact_id: None,
                sentry_integration_id: None,
                secret_file: None,
                optional: false,
            },
            target.meta.loc.key("name"),
        ))
    }

    fn service(&mut self, id: String, build: ServiceBuild) -> Option<Service> {
        let errors_before = self.error_count();
        let mut seen: HashSet<&str> = HashSet::new();
        for slo in &build.slos {
            if !seen.insert(&slo.id) {
                self.push(
                    Diagnostic::error(
                        Code::DuplicateId,
                        format!("service `{id}` has two SLOs with id `{}`", slo.id),
                    )
                    .at_origin(&slo.origin)
                    .with_help("give every SLO of a service its own `metadata.name`"),
                );
            }
        }
        let channels = self.merge(
            build.channels,
            |c| c.id.clone(),
            |a, b| a.kind == b.kind && a.name == b.name,
            "notification target",
        );
        let escalation = self.merge(
            build.escalation,
            |e| e.severity.clone(),
            |a, b| {
                a.channels == b.channels && a.condition == b.condition && a.response == b.response
            },
            "alert policy",
        );
        let collection = self.collection;
        let definition: Vec<&super::ServiceSpec> = self
            .index
            .get(&(Kind::Service, id.as_str()))
            .into_iter()
            .flatten()
            .filter_map(|&i| match &collection.objects[i] {
                Object::Service(s) => Some(s),
                _ => None,
            })
            .collect();
        self.used.insert((Kind::Service, id.clone()));
        if definition.len() > 1 {
            self.push(
                Diagnostic::error(
                    Code::DuplicateId,
                    format!(
                        "{} Service objects are named `{id}`, so the SLOs' service is ambiguous",
                        definition.len()
                    ),
                )
                .at_origin(&definition[1].meta.loc.key("name").origin())
                .with_help("define each Service once"),
            );
        }
        let definition = definition.first();
        if build.failed || self.error_count() > errors_before {
            return None;
        }
        let origin = definition.map_or(build.origin, |d| d.meta.loc.key("name").origin());
        let source = definition.map_or(build.source, |d| d.meta.loc.file.name.clone());
        Some(Service {
            slos: build.slos,
            meta: ServiceMeta {
                title: definition
                    .and_then(|d| d.meta.display_name.clone())
                    .unwrap_or_else(|| id.clone()),
                description: definition.and_then(|d| d.description.clone()),
                channels,
                escalation,
                ..bare_service_meta(id, origin, source)
            },
        })
    }

    /// Keeps one of each id; the same id with another definition is an error.
    fn merge<T>(
        &mut self,
        items: Vec<(T, Loc)>,
        id: impl Fn(&T) -> String,
        same: impl Fn(&T, &T) -> bool,
        what: &str,
    ) -> Vec<T> {
        let mut kept: Vec<T> = Vec::new();
        for (item, at) in items {
            match kept.iter().find(|k| id(k) == id(&item)) {
                Some(earlier) if !same(earlier, &item) => self.error(
                    Code::DuplicateId,
                    &at,
                    format!(
                        "two different {what}s are named `{}` in one service",
                        id(&item)
                    ),
                    format!("give each {what} its own name"),
                ),
                Some(_) => {}
                None => kept.push(item),
            }
        }
        kept
    }

    /// Objects no SLO uses are not compiled, but their references and names are still checked,
    /// as warnings: another run may bring what they miss.
    fn unused(&mut self) {
        self.lenient = true;
        let collection = self.collection;
        for object in &collection.objects {
            let key = (object.kind(), object.meta().name.clone());
            if self.used.contains(&key) {
                continue;
            }
            match object {
                Object::AlertPolicy(policy) => {
                    for condition in &policy.conditions {
                        if let RefOr::Ref(name, at) = condition {
                            self.find(Kind::AlertCondition, name, at);
                        }
                    }
                    for target in &policy.targets {
                        if let RefOr::Ref(name, at) = target {
                            self.find(Kind::AlertNotificationTarget, name, at);
                        }
                    }
                }
                Object::Sli(sli) => {
                    let sources: Vec<&MetricSource> = match &sli.metric {
                        SliMetric::Threshold(s) => vec![s],
                        SliMetric::Ratio(r) => r
                            .numerator
                            .iter()
                            .map(|(_, s)| s)
                            .chain(r.total.iter())
                            .chain(r.raw.iter().map(|(_, s)| s))
                            .collect(),
                    };
                    for source in sources {
                        if let Some((name, at)) = &source.source_ref {
                            self.find(Kind::DataSource, name, at);
                        }
                    }
                }
                _ => {}
            }
            if object.kind() != Kind::Slo {
                let twins = self
                    .index
                    .get(&(object.kind(), object.meta().name.as_str()));
                let first = twins
                    .and_then(|t| t.first())
                    .map(|&i| &collection.objects[i]);
                if twins.is_some_and(|t| t.len() > 1)
                    && first.is_some_and(|f| !std::ptr::eq(f, object))
                {
                    self.error(
                        Code::DuplicateId,
                        &object.meta().loc.key("name"),
                        format!("another {} is named `{}`", object.kind().name(), object.meta().name),
                        "give every object of a kind its own name; a reference to this one would be ambiguous",
                    );
                }
            }
        }
        self.lenient = false;
    }
}

/// `a` or `an` before a kind's name.
fn article(word: &str) -> &'static str {
    if word.starts_with(['A', 'E', 'I', 'O', 'U', 'S']) {
        // SLI, SLO and Service: "an SLI", "an SLO" read as letters; "a Service" does not.
        if word == "Service" { "a" } else { "an" }
    } else {
        "a"
    }
}

fn sli_description(slo: &SloSpec) -> Option<String> {
    match &slo.indicator {
        Some(RefOr::Inline(sli)) => sli.description.clone(),
        _ => None,
    }
}

fn burn_words(condition: &ConditionSpec) -> String {
    format!(
        "Budget burns faster than {}× the sustainable rate over {} (AlertCondition `{}`)",
        condition.threshold.0, condition.lookback.0, condition.meta.name
    )
}

/// Ids and titles of the slofile SLOs one OpenSLO SLO becomes.
fn slo_id_and_title(
    slo: &SloSpec,
    objective: &ObjectiveSpec,
    index: usize,
    several: bool,
) -> (String, String) {
    let title = slo
        .meta
        .display_name
        .clone()
        .unwrap_or_else(|| slo.meta.name.clone());
    // Sloth's `sloth_id`, so that v1alpha SLOs keep the ids Sloth gave them.
    let sloth_id = || format!("{}-{}-{index}", slo.service.0, slo.meta.name);
    if !several {
        let id = match slo.version {
            Version::V1 => slo.meta.name.clone(),
            Version::V1alpha => sloth_id(),
        };
        return (id, title);
    }
    let suffix = objective
        .display_name
        .as_deref()
        .map(slug)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| (index + 1).to_string());
    let room = 63usize.saturating_sub(slo.meta.name.len() + 1);
    let suffix: String = suffix
        .chars()
        .take(room)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned();
    let objective_title = objective
        .display_name
        .clone()
        .unwrap_or_else(|| format!("objective {}", index + 1));
    let id = match slo.version {
        Version::V1 => format!("{}-{suffix}", slo.meta.name),
        Version::V1alpha => sloth_id(),
    };
    (id, format!("{title}: {objective_title}"))
}

/// Lower-case letters and digits, other runs of characters turned into one `-`.
pub(crate) fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// Whether a query already holds a range: a matrix selector or a subquery.
fn has_range(query: &str) -> bool {
    use promql_parser::parser::Expr;
    use promql_parser::util::{ExprVisitor, walk_expr};
    struct FindRange(bool);
    impl ExprVisitor for FindRange {
        type Error = ();
        fn pre_visit(&mut self, expr: &Expr) -> Result<bool, ()> {
            if matches!(expr, Expr::MatrixSelector(_) | Expr::Subquery(_)) {
                self.0 = true;
            }
            Ok(!self.0)
        }
    }
    let Ok(expr) = crate::promql::parse_shape(query) else {
        return false;
    };
    let mut finder = FindRange(false);
    let _ = walk_expr(&mut finder, &expr);
    finder.0
}

/// A gauge SLI for a threshold objective. slofile's gauge compares strictly (`<` or `>`) and
/// judges a slice by one evaluation; other conditions are computed in the query itself, which then
/// is 1 in a good slice and 0 in a bad one.
fn gauge(
    query: &str,
    op: Op,
    value: Ratio,
    slice: Duration,
    slice_target: Option<Ratio>,
) -> GaugeSli {
    let query = query.trim();
    let whole_slice = slice_target.is_none_or(|t| t == Ratio::ONE);
    match op {
        Op::Lt | Op::Gt if whole_slice => GaugeSli {
            query: query.to_owned(),
            good_below: op == Op::Lt,
            threshold: value,
            slice,
            unit: None,
        },
        _ => {
            let good = format!("({query}) {} bool {}", op.promql(), value.to_decimal());
            let query = match slice_target.filter(|t| *t != Ratio::ONE) {
                // The share of good evaluations within the slice, against the slice's target.
                Some(target) => format!(
                    "avg_over_time(({good})[{}:]) >= bool {}",
                    slice.prometheus(),
                    target.to_decimal()
                ),
                None => good,
            };
            GaugeSli {
                query,
                good_below: false,
                threshold: Ratio::new(1, 2).unwrap_or(Ratio::ZERO),
                slice,
                unit: None,
            }
        }
    }
}
