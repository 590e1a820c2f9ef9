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

mod alerting;
mod service;
mod sli;
mod slo;

use super::{Collection, Kind, Object};
use crate::diagnostics::{Code, Diagnostic, Origin, Severity, typo_help};
use crate::spec::raw::Channel;
use crate::spec::validate::Checker;
use crate::spec::walk::Loc;
use crate::spec::{EscalationLevel, MissingData, Service, Slo, Tier};
use std::collections::{BTreeMap, HashMap, HashSet};

pub(super) fn resolve(collection: &Collection) -> (Vec<Service>, Vec<Diagnostic>) {
    let mut index: HashMap<(Kind, &str), Vec<usize>> = HashMap::new();
    for (i, object) in collection.objects.iter().enumerate() {
        index
            .entry((object.kind(), object.meta().name.as_str()))
            .or_default()
            .push(i);
    }
    let mut r = Resolver {
        collection,
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
                let help = typo_help(name, names.iter().copied(), || {
                    format!(
                        "define {} {} named `{name}` in any file of this run, or write it in place",
                        article(kind.name()),
                        kind.name()
                    )
                });
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

    /// Runs checks shared with native specs at `at`, keeping their diagnostics.
    fn check<T>(&mut self, at: &Loc, run: impl FnOnce(&mut Checker) -> T) -> T {
        let mut checker = at.checker();
        let result = run(&mut checker);
        for diagnostic in checker.diagnostics {
            self.push(diagnostic);
        }
        result
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

/// Lower-case letters and digits, other runs of characters turned into one `-`: the id slug.
pub(crate) use crate::spec::validate::suggest_id as slug;
