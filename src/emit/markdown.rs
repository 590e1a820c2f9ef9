//! Markdown: `docs/<service>.md` and `docs/index.md`, rendered from minijinja templates.
//!
//! The templates in `templates/` are embedded in the binary; `--templates DIR` overrides them file
//! by file. Templates never see the Plan. They get the plain view model below, in which every
//! number is computed here from the exact `Ratio` and `Duration` types: ratios reach templates as
//! exact fractions (`"199/200"`), durations as whole milliseconds, and the filters registered in
//! [`environment`] print them the way people say them.

use super::k6;
use crate::compile::{Evaluator, LeftOut, ObjectivePlan, Plan, ServicePlan, SloPlan, TierPlan};
use crate::diagnostics::{Code, Diagnostic, SourceFile};
use crate::emit::{Backend, EmitOptions, OutputFile, Sink};
use crate::spec::yaml::ByteSpan;
use crate::spec::{
    AlertSignal, AlertSource, ChannelType, Command, EscalationLevel, KeywordCase, RatioSli,
    ServiceMeta, Sli, Slo, StaticAlert, Threshold,
};
use crate::units::{Duration, Ratio};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior, Value};
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The built-in templates, by name. Names starting with `_` are partials.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "service.md.j2",
        include_str!("../../templates/service.md.j2"),
    ),
    ("index.md.j2", include_str!("../../templates/index.md.j2")),
    ("_slo.md.j2", include_str!("../../templates/_slo.md.j2")),
    (
        "_alerts.md.j2",
        include_str!("../../templates/_alerts.md.j2"),
    ),
    (
        "_macros.md.j2",
        include_str!("../../templates/_macros.md.j2"),
    ),
];

/// Burn rates at which the detection chart is drawn, as multiples of the sustainable rate.
const CHART_BURN_RATES: &[i128] = &[1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

pub struct Markdown;

impl Backend for Markdown {
    fn name(&self) -> &'static str {
        "docs"
    }

    /// Renders every document, or none: a template error stops the backend, and the build
    /// writes nothing.
    fn emit(&self, plan: &Plan, options: &EmitOptions, sink: &Sink<'_>) -> Vec<Diagnostic> {
        let renderer = Renderer::new(options.templates.clone());
        let mut files = Vec::new();
        let rendered = crate::parallel::map(&plan.services, |service| {
            let view = service_view(service);
            renderer.render(
                "service.md.j2",
                minijinja::context! { service => Value::from(Serde(&view)) },
            )
        });
        for (service, result) in plan.services.iter().zip(rendered) {
            match result {
                Ok(text) => files.push(OutputFile {
                    path: format!("docs/{}.md", service.meta.id),
                    contents: text,
                }),
                Err(error) => return vec![renderer.diagnostic(&error)],
            }
        }
        let index = index_view(plan);
        match renderer.render(
            "index.md.j2",
            minijinja::context! { services => Value::from(Serde(&index)) },
        ) {
            Ok(text) => files.push(OutputFile {
                path: "docs/index.md".to_owned(),
                contents: text,
            }),
            Err(error) => return vec![renderer.diagnostic(&error)],
        }
        files.into_iter().for_each(sink);
        renderer.unused_overrides()
    }
}

// ---------------------------------------------------------------------------------------------
// Templates: overrides, loading, filters, errors.

/// Template overrides, read from `--templates DIR` before any backend runs (see
/// [`crate::spec::load::template_overrides`]): the backend does no I/O.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// The directory, as the user named it; `None` without `--templates`.
    pub dir: Option<PathBuf>,
    /// The text of every file under it, by `/`-separated path relative to it.
    pub files: BTreeMap<String, String>,
}

impl Overrides {
    /// Where a template override lives, as the user would open it.
    fn path_of(&self, name: &str) -> Option<String> {
        let dir = self.dir.as_ref()?;
        self.files
            .contains_key(name)
            .then(|| crate::spec::load::display_path(&dir.join(name)))
    }
}

struct Renderer {
    env: Environment<'static>,
    overrides: Arc<Overrides>,
    /// Names of the override templates the loader used.
    used: Arc<Mutex<BTreeSet<String>>>,
}

impl Renderer {
    fn new(overrides: Overrides) -> Renderer {
        let used = Arc::new(Mutex::new(BTreeSet::new()));
        let overrides = Arc::new(overrides);
        let env = environment(Arc::clone(&overrides), Arc::clone(&used));
        Renderer {
            env,
            overrides,
            used,
        }
    }

    fn render(&self, name: &str, context: Value) -> Result<String, Error> {
        let template = self.env.get_template(name)?;
        Ok(tidy(&template.render(context)?))
    }

    /// Where a template comes from, as the user would open it.
    fn path_of(&self, name: &str) -> String {
        self.overrides
            .path_of(name)
            .unwrap_or_else(|| format!("templates/{name}"))
    }

    /// A template error as a located `slofile::template` diagnostic.
    fn diagnostic(&self, error: &Error) -> Diagnostic {
        // Errors raised inside an include carry the innermost template's position.
        let mut innermost = error;
        while let Some(cause) = std::error::Error::source(innermost)
            .and_then(|c| c.downcast_ref::<Error>())
            .filter(|c| c.name().is_some())
        {
            innermost = cause;
        }
        let name = innermost.name().unwrap_or("?");
        let what = match innermost.detail() {
            Some(detail) => format!("{}: {detail}", innermost.kind()),
            None => innermost.kind().to_string(),
        };
        let line = innermost
            .line()
            .map(|l| format!(", line {l}"))
            .unwrap_or_default();
        let path = self.path_of(name);
        let mut diagnostic =
            Diagnostic::error(Code::Template, format!("template `{path}`{line}: {what}"))
                .with_help(help_for(innermost.kind()));
        if let Some(source) = innermost.template_source() {
            let file = Arc::new(SourceFile {
                name: path,
                text: source.to_owned(),
            });
            let span = innermost
                .range()
                .map(|r| ByteSpan {
                    offset: r.start,
                    len: r.end.saturating_sub(r.start),
                })
                .or_else(|| innermost.line().map(|l| line_span(source, l)));
            diagnostic = match span {
                Some(span) => diagnostic.at(&file, span),
                None => diagnostic.in_file(&file),
            };
        }
        diagnostic
    }

    /// Templates directly in the override directory that no template loaded: most likely
    /// misspelt.
    fn unused_overrides(&self) -> Vec<Diagnostic> {
        let Some(dir) = &self.overrides.dir else {
            return Vec::new();
        };
        let used = self.used.lock().map(|u| u.clone()).unwrap_or_default();
        self.overrides
            .files
            .keys()
            .filter(|n| !n.contains('/') && n.ends_with(".j2") && !used.contains(*n))
            .map(|name| {
                Diagnostic::warning(
                    Code::Template,
                    format!(
                        "template `{}` overrides nothing: no template uses it",
                        crate::spec::load::display_path(&dir.join(name))
                    ),
                )
                .with_help(format!(
                    "an override must have the name of a built-in template ({}) or be included by one",
                    TEMPLATES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ))
            })
            .collect()
    }
}

fn help_for(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::UndefinedError => {
            "templates are strict: every variable must exist in the view model; compare with the \
             built-in templates in `templates/` and the variables listed in `templates/README.md`"
        }
        ErrorKind::SyntaxError => {
            "fix the template syntax (minijinja, a Jinja2 dialect); the built-in templates in \
             `templates/` are working examples"
        }
        ErrorKind::TemplateNotFound => {
            "an included template exists neither in the override directory nor among the built-in \
             templates"
        }
        ErrorKind::UnknownFilter => {
            "the filters slofile adds are: percent, factor, decimal, duration, approx, rounded, \
             spoken, ms, adjective, cell, inline, code and fence"
        }
        _ => "check the template against the variables listed in `templates/README.md`",
    }
}

fn line_span(source: &str, line: usize) -> ByteSpan {
    let offset: usize = source
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let len = source[offset.min(source.len())..]
        .find('\n')
        .unwrap_or(source.len().saturating_sub(offset));
    ByteSpan { offset, len }
}

/// The text of a template: the override of that name, else the built-in one.
fn load_template(
    overrides: &Overrides,
    used: &Mutex<BTreeSet<String>>,
    name: &str,
) -> Result<Option<String>, Error> {
    if let Some(text) = overrides.files.get(name) {
        if let Ok(mut used) = used.lock() {
            used.insert(name.to_owned());
        }
        return Ok(Some(text.clone()));
    }
    Ok(TEMPLATES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| (*text).to_owned()))
}

/// The template environment: strict undefined, no HTML escaping, and the filters templates need.
fn environment(
    overrides: Arc<Overrides>,
    used: Arc<Mutex<BTreeSet<String>>>,
) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_debug(true);
    if let Ok(syntax) = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    env.set_loader(move |name| load_template(&overrides, &used, name));
    env.add_filter("percent", |v: &str| exact(v).map(Ratio::percent));
    env.add_filter("factor", |v: &str| exact(v).map(|r| r.significant(4)));
    env.add_filter("decimal", |v: &str| exact(v).map(Ratio::to_decimal));
    env.add_filter("duration", |ms: u64| Duration::from_millis(ms).human());
    env.add_filter("approx", |ms: u64| Duration::from_millis(ms).approx());
    env.add_filter("rounded", |ms: u64| Duration::from_millis(ms).rounded());
    env.add_filter("spoken", |ms: u64| Duration::from_millis(ms).spoken());
    env.add_filter("ms", |ms: u64| Duration::from_millis(ms).in_millis());
    env.add_filter("adjective", |ms: u64| Duration::from_millis(ms).adjective());
    env.add_filter("cell", |text: &str| cell(text));
    env.add_filter("inline", |text: &str| inline(text));
    env.add_filter("code", |text: &str| code(text));
    env.add_filter("fence", |text: &str| fence(text));
    env
}

/// Parses an exact ratio as the view model writes it (`199/200`), or a plain decimal.
fn exact(text: &str) -> Result<Ratio, Error> {
    let parsed = match text.split_once('/') {
        Some((num, den)) => num
            .trim()
            .parse::<i128>()
            .ok()
            .zip(den.trim().parse::<i128>().ok())
            .and_then(|(n, d)| Ratio::new(n, d).ok()),
        None => Ratio::parse_decimal(text),
    };
    parsed.ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("`{text}` is not an exact ratio such as `199/200`"),
        )
    })
}

/// Text made safe for one Markdown table cell: no line breaks, `|` escaped.
pub fn cell(text: &str) -> String {
    if is_one_plain_line(text) && !text.contains('|') {
        return text.to_owned();
    }
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect();
    paragraphs.join("<br><br>").replace('|', "\\|")
}

/// Text on one line, for headings, list items and shell comments.
pub fn inline(text: &str) -> String {
    if is_one_plain_line(text) {
        return text.to_owned();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `text` is already one line of words separated by single spaces, which is what `cell`
/// and `inline` make of text, and by far the most common case.
fn is_one_plain_line(text: &str) -> bool {
    !text.starts_with(' ')
        && !text.ends_with(' ')
        && !text.contains("  ")
        && !text.chars().any(|c| c.is_whitespace() && c != ' ')
}

/// An inline code span that survives backticks in its content.
pub fn code(text: &str) -> String {
    let text = text.trim();
    let longest = longest_backtick_run(text);
    let ticks = "`".repeat(longest + 1);
    if longest == 0 {
        format!("`{text}`")
    } else {
        format!("{ticks} {text} {ticks}")
    }
}

/// A code fence longer than any backtick run in `text`.
pub fn fence(text: &str) -> String {
    "`".repeat((longest_backtick_run(text) + 1).max(3))
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// Collapses runs of blank lines outside code fences, so that templates may be written for
/// readability, and ends the file with exactly one newline.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut fence: Option<String> = None;
    let mut blank_run = 0;
    for line in text.lines() {
        let trimmed = line.trim_start();
        match &fence {
            Some(open)
                if trimmed.starts_with(open.as_str())
                    && trimmed.trim_end().trim_start_matches('`').is_empty() =>
            {
                fence = None;
            }
            Some(_) => {}
            None if trimmed.starts_with("```") => {
                let ticks = trimmed.len() - trimmed.trim_start_matches('`').len();
                fence = Some("`".repeat(ticks));
            }
            None if line.trim().is_empty() => {
                blank_run += 1;
                continue;
            }
            None => {}
        }
        if blank_run > 0 && !out.is_empty() {
            out.push('\n');
        }
        blank_run = 0;
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The view model: plain data for templates.

/// An exact ratio, serialised as `num/den` for the `percent`, `factor` and `decimal` filters.
#[derive(Debug, Clone, Copy)]
struct Exact(Ratio);

impl Serialize for Exact {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{}/{}", self.0.numer(), self.0.denom()))
    }
}

#[derive(Debug, Serialize)]
struct ServiceView {
    id: String,
    /// The document's H1.
    title: String,
    /// The service's own title.
    name: String,
    owner: Option<String>,
    source: String,
    description: Option<String>,
    version: Option<String>,
    effective: Option<String>,
    review: Option<String>,
    labels: Vec<Label>,
    sections: Vec<Section>,
    monitoring: Vec<MonitoringRow>,
    verify: Vec<CommandView>,
    /// The k6 release gate, if the spec has one.
    k6_gate: Option<K6GateView>,
    escalation: Vec<Route>,
    channels: Vec<ChannelView>,
    alert_self_test: Vec<CommandView>,
    /// The budget that every SLO with an objective shares, if there is one.
    budget_for_each: Option<BudgetRow>,
    /// How many SLOs have an objective, and so an error budget.
    budgeted_slos: usize,
    budgets: Vec<BudgetRow>,
    error_budget_policy: Option<String>,
    charts: Vec<Chart>,
    candidates: Vec<String>,
}

/// The k6 release gate: its thresholds, and the titles of the SLOs it guards.
#[derive(Debug, Serialize)]
struct K6GateView {
    thresholds: Vec<String>,
    slos: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Label {
    name: String,
    value: String,
}

/// A top-level section: a group of SLOs with its table, or one ungrouped SLO.
#[derive(Debug, Serialize)]
struct Section {
    group: Option<String>,
    /// `SLO n` numbering of ungrouped SLOs.
    number: Option<usize>,
    table: Option<GroupTable>,
    slos: Vec<SloView>,
}

#[derive(Debug, Serialize)]
struct GroupTable {
    /// `percentiles` (one column per percentile) or `standard`.
    layout: &'static str,
    first_column: &'static str,
    target_column: &'static str,
    percentiles: Vec<String>,
    show_measurement: bool,
    show_alerts: bool,
    /// Said once under the table when every row shares it, e.g. `Over a rolling 28 days.`
    window: Option<u64>,
    rows: Vec<GroupRow>,
}

#[derive(Debug, Serialize)]
struct GroupRow {
    title: String,
    target: String,
    /// One cell per percentile column, for the `percentiles` layout.
    percentiles: Vec<String>,
    measurement: String,
    alert: String,
}

#[derive(Debug, Serialize)]
struct SloView {
    id: String,
    title: String,
    kind: &'static str,
    group: Option<String>,
    journey: Option<String>,
    failure_signal: Option<String>,
    /// The target in one sentence, without the final full stop.
    target: String,
    /// The data source, Markdown with code spans.
    source: String,
    source_short: String,
    window: u64,
    min_events: Option<u64>,
    group_by: Vec<String>,
    objectives: Vec<ObjectiveView>,
    measurement: Option<String>,
    /// The k6 thresholds that enforce the SLO: `http_req_duration{category:health}: p(95)<200`.
    k6: Vec<String>,
    verify: Vec<CommandView>,
    tests: Vec<String>,
    notes: Vec<String>,
    dashboard: Option<String>,
    runbook_url: Option<String>,
    alerts: AlertsView,
    /// False for documentary SLOs whose group-table row already says everything.
    has_details: bool,
}

#[derive(Debug, Serialize)]
struct ObjectiveView {
    /// `p95`, or none for the SLO's single objective.
    name: Option<String>,
    /// `99.5%`, or `p95 < 200 ms`.
    label: String,
    target: Exact,
    threshold: Option<u64>,
    budget: Exact,
    budget_time: u64,
    /// What the budget is a share of: `requests`, `1-minute slices`.
    of: String,
}

/// One burn-rate tier of the SLO's policy, and what it means for each objective.
#[derive(Debug, Serialize)]
struct TierView {
    severity: String,
    /// `Page`, `Ticket`, or `Alert \`name\``.
    verb: String,
    route: Option<Route>,
    budget_share: Exact,
    long: u64,
    short: u64,
    #[serde(rename = "for")]
    for_: u64,
    factor: Exact,
    exhaustion: u64,
    /// One per objective, in objective order.
    outcomes: Vec<TierOutcome>,
}

#[derive(Debug, Serialize)]
struct TierOutcome {
    objective: String,
    /// False when the tier is left out of every output: `left_out` says why.
    fires: bool,
    /// Why the tier never fires, as a clause: `it would need an error ratio above 134.4%, more
    /// than 100%`.
    left_out: Option<String>,
    /// The same, short, for table cells.
    left_out_short: Option<String>,
    error_threshold: Exact,
    /// The budget spent, as time, when the tier fires.
    budget_burned: u64,
    /// At 100% errors, how long until it fires.
    detection: u64,
}

/// An escalation level, as alerts route to it.
#[derive(Debug, Clone, Serialize)]
struct Route {
    severity: String,
    /// `P1 - Critical`.
    label: String,
    condition: String,
    response: String,
    runbook: Option<String>,
    repeat: Option<u64>,
    channels: String,
}

#[derive(Debug, Serialize)]
struct AlertsView {
    /// `prometheus`, `sentry`, `probe` or `none`: who evaluates the SLO.
    engine: &'static str,
    burn_policy: Option<String>,
    /// What the external system does by itself (probe and Sentry notifications).
    external: Option<String>,
    /// Alert text of a documentary SLO.
    documented: Option<String>,
    labels: Vec<Label>,
    tiers: Vec<TierView>,
    statics: Vec<StaticAlertView>,
    missing_data: Option<MissingDataView>,
}

#[derive(Debug, Serialize)]
struct StaticAlertView {
    id: String,
    summary: Option<String>,
    verb: String,
    /// Compact, for table cells: `> 1% for 5 minutes → P2 (page)`.
    short: String,
    /// When it fires, in words, without the final full stop.
    condition: String,
    route: Option<Route>,
    /// False when no system evaluates the alert: the document must not say it fires.
    evaluated: bool,
    /// The spec marks it `documentation_only`.
    documentation_only: bool,
    /// Why nothing evaluates it, when the spec does not say it is documentation only.
    not_evaluated: Option<String>,
}

#[derive(Debug, Serialize)]
struct MissingDataView {
    verb: String,
    #[serde(rename = "for")]
    for_: u64,
}

#[derive(Debug, Serialize)]
struct CommandView {
    title: Option<String>,
    run: String,
    description: Option<String>,
}

#[derive(Debug, Serialize)]
struct MonitoringRow {
    system: String,
    interval: String,
    channels: String,
}

#[derive(Debug, Serialize)]
struct ChannelView {
    id: String,
    name: String,
    kind: &'static str,
    target: Option<String>,
    optional: bool,
}

#[derive(Debug, Clone, Serialize)]
struct BudgetRow {
    target: Exact,
    window: u64,
    budget: Exact,
    time: u64,
    objectives: Vec<String>,
}

/// Time to the first alert against burn rate, for one burn policy and window.
#[derive(Debug, Serialize)]
struct Chart {
    policy: String,
    window: u64,
    slos: Vec<String>,
    points: Vec<ChartPoint>,
    /// What a 10× burn means as an error ratio for each objective of the chart.
    examples: Vec<BurnExample>,
}

#[derive(Debug, Serialize)]
struct ChartPoint {
    /// The burn rate, as a multiple of the sustainable rate.
    #[serde(skip)]
    rate: i128,
    burn: String,
    /// Hours to the first alert, with two decimals, for the chart.
    hours: String,
    after: u64,
    alert: String,
}

#[derive(Debug, Serialize)]
struct BurnExample {
    objective: Exact,
    error_ratio: Exact,
}

#[derive(Debug, Serialize)]
struct IndexService {
    id: String,
    title: String,
    name: String,
    file: String,
    owner: Option<String>,
    source: String,
    has_groups: bool,
    slos: Vec<IndexSlo>,
}

#[derive(Debug, Serialize)]
struct IndexSlo {
    title: String,
    group: Option<String>,
    objective: String,
    window: Option<u64>,
    source: String,
}

// ---------------------------------------------------------------------------------------------
// Building the view model.

fn service_view(service: &ServicePlan) -> ServiceView {
    let meta = &service.meta;
    let mut sections: Vec<Section> = Vec::new();
    let mut number = 0;
    for plan in &service.slos {
        let view = slo_view(meta, plan);
        if let Some(group) = &plan.slo.group {
            if let Some(section) = sections
                .iter_mut()
                .find(|s| s.group.as_deref() == Some(group))
            {
                section.slos.push(view);
            } else {
                sections.push(Section {
                    group: Some(group.clone()),
                    number: None,
                    table: None,
                    slos: vec![view],
                });
            }
        } else {
            number += 1;
            sections.push(Section {
                group: None,
                number: Some(number),
                table: None,
                slos: vec![view],
            });
        }
    }
    for section in &mut sections {
        if let Some(group) = &section.group {
            let plans: Vec<&SloPlan> = service
                .slos
                .iter()
                .filter(|p| p.slo.group.as_deref() == Some(group))
                .collect();
            section.table = Some(group_table(meta, &plans));
        }
    }
    let (budget_for_each, budgets) = budgets(service);
    ServiceView {
        id: meta.id.clone(),
        title: document_title(meta),
        name: meta.title.clone(),
        owner: meta.owner.clone(),
        source: meta.source.clone(),
        description: meta.description.clone(),
        version: meta.document.version.clone(),
        effective: meta.document.effective.clone(),
        review: meta.document.review.clone(),
        labels: labels(&meta.labels),
        sections,
        monitoring: meta
            .monitoring
            .iter()
            .map(|m| MonitoringRow {
                system: m.system.clone(),
                interval: m.interval.clone(),
                channels: channel_names(meta, &m.channels, " + "),
            })
            .collect(),
        verify: commands(&meta.verify),
        k6_gate: meta.k6_gate.as_ref().map(|gate| K6GateView {
            thresholds: k6::thresholds(&gate.thresholds)
                .iter()
                .map(k6::Threshold::label)
                .collect(),
            slos: gate
                .slos
                .iter()
                .filter_map(|id| service.slos.iter().find(|slo| slo.slo.id == *id))
                .map(|slo| slo.slo.title.clone())
                .collect(),
        }),
        escalation: meta.escalation.iter().map(|e| route(meta, e)).collect(),
        channels: meta
            .channels
            .iter()
            .map(|c| ChannelView {
                id: c.id.clone(),
                name: c.name.clone().unwrap_or_else(|| c.id.clone()),
                kind: channel_kind(c.kind),
                target: c.target.clone(),
                optional: c.optional,
            })
            .collect(),
        alert_self_test: commands(&meta.alert_self_test),
        budget_for_each,
        budgeted_slos: service
            .slos
            .iter()
            .filter(|p| !p.objectives.is_empty())
            .count(),
        budgets,
        error_budget_policy: meta.error_budget_policy.clone(),
        charts: charts(service),
        candidates: meta.candidates.clone(),
    }
}

fn document_title(meta: &ServiceMeta) -> String {
    meta.document
        .title
        .clone()
        .unwrap_or_else(|| meta.title.clone())
}

fn labels(labels: &std::collections::BTreeMap<String, String>) -> Vec<Label> {
    labels
        .iter()
        .map(|(name, value)| Label {
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

fn commands(commands: &[Command]) -> Vec<CommandView> {
    commands
        .iter()
        .map(|c| CommandView {
            title: c.title.clone(),
            run: c.run.clone(),
            description: c.description.clone(),
        })
        .collect()
}

fn channel_kind(kind: ChannelType) -> &'static str {
    match kind {
        ChannelType::Slack => "Slack",
        ChannelType::Email => "Email",
        ChannelType::Sms => "SMS",
        ChannelType::Pagerduty => "PagerDuty",
        ChannelType::Sentry => "Sentry",
        ChannelType::Uptimerobot => "UptimeRobot",
        ChannelType::Webhook => "Webhook",
        ChannelType::Log => "Log",
        ChannelType::Dashboard => "Dashboard",
    }
}

fn channel_names(meta: &ServiceMeta, ids: &[String], separator: &str) -> String {
    ids.iter()
        .map(|id| {
            meta.channel(id)
                .and_then(|c| c.name.clone())
                .unwrap_or_else(|| id.clone())
        })
        .collect::<Vec<_>>()
        .join(separator)
}

fn route(meta: &ServiceMeta, level: &EscalationLevel) -> Route {
    Route {
        severity: level.severity.clone(),
        label: match &level.name {
            Some(name) => format!("{} - {name}", level.severity),
            None => level.severity.clone(),
        },
        condition: level.condition.clone(),
        response: level.response.clone(),
        runbook: level.runbook.as_ref().map(|r| link(r)),
        repeat: level.response_time.map(Duration::millis),
        channels: channel_names(meta, &level.channels, ", "),
    }
}

/// A URL as an autolink, which every Markdown renderer links; other text as it is.
fn link(text: &str) -> String {
    if text.starts_with("http://") || text.starts_with("https://") {
        format!("<{text}>")
    } else {
        text.to_owned()
    }
}

fn route_to(meta: &ServiceMeta, escalation: &Option<String>) -> Option<Route> {
    escalation
        .as_ref()
        .and_then(|severity| meta.escalation_level(severity))
        .map(|level| route(meta, level))
}

fn severity_verb(severity: &str) -> String {
    match severity {
        "page" => "Page".to_owned(),
        "ticket" => "Ticket".to_owned(),
        other => format!("Alert `{other}`"),
    }
}

fn slo_view(meta: &ServiceMeta, plan: &SloPlan) -> SloView {
    let slo = &plan.slo;
    let documentary = matches!(slo.sli, Sli::Documentary { .. });
    let has_details = !documentary
        || slo.journey.is_some()
        || slo.failure_signal.is_some()
        || slo.measurement.is_some()
        || !slo.verify.is_empty()
        || !slo.tests.is_empty()
        || !slo.notes.is_empty()
        || slo.group.is_none();
    SloView {
        id: slo.id.clone(),
        title: slo.title.clone(),
        kind: slo.sli.kind(),
        group: slo.group.clone(),
        journey: slo.journey.clone(),
        failure_signal: slo.failure_signal.clone(),
        target: target_sentence(plan),
        source: source(&slo.sli),
        source_short: source_short(&slo.sli),
        window: slo.window.millis(),
        min_events: slo.min_events,
        group_by: slo.group_by.clone(),
        objectives: plan
            .objectives
            .iter()
            .map(|o| objective_view(slo, o))
            .collect(),
        measurement: slo.measurement.clone(),
        k6: slo
            .k6
            .iter()
            .flat_map(k6::thresholds)
            .map(|threshold| threshold.label())
            .collect(),
        verify: commands(&slo.verify),
        tests: slo.tests.clone(),
        notes: slo.notes.clone(),
        dashboard: slo.dashboard.as_ref().map(|d| link(d)),
        runbook_url: slo.runbook_url.as_ref().map(|r| link(r)),
        alerts: alerts_view(meta, plan),
        has_details,
    }
}

/// What the events of an SLO are, for "0.5% of requests".
fn events_noun(slo: &Slo) -> String {
    if let Some(events) = &slo.events {
        return events.clone();
    }
    match &slo.sli {
        Sli::Latency(_) => "requests".to_owned(),
        Sli::Gauge(g) => format!("{} slices", g.slice.adjective()),
        Sli::Probe(_) => "checks".to_owned(),
        Sli::Sentry(_) => "transactions".to_owned(),
        _ => "events".to_owned(),
    }
}

/// `< 200 ms` for latency objectives, `< 5 seconds` for lag targets.
fn threshold_text(slo: &Slo, threshold: Duration) -> String {
    match slo.sli {
        Sli::Latency(_) | Sli::Sentry(_) => threshold.in_millis(),
        _ => threshold.spoken(),
    }
}

fn objective_label(slo: &Slo, plan: &ObjectivePlan) -> String {
    match (&plan.objective.name, plan.objective.threshold) {
        (Some(name), Some(threshold)) => format!("{name} < {}", threshold_text(slo, threshold)),
        _ if matches!(slo.sli, Sli::Sentry(_)) => {
            format!("{} success", plan.objective.target.percent())
        }
        _ => plan.objective.target.percent(),
    }
}

fn percentile_objectives(slo: &Slo, plan: &SloPlan) -> Vec<String> {
    plan.objectives
        .iter()
        .filter(|o| o.objective.name.is_some())
        .map(|o| objective_label(slo, o))
        .collect()
}

fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn gauge_bound(slo: &Slo) -> Option<String> {
    match &slo.sli {
        Sli::Gauge(g) => Some(format!(
            "{} {}{}",
            if g.good_below { "below" } else { "above" },
            g.threshold,
            g.unit.as_ref().map(|u| format!(" {u}")).unwrap_or_default()
        )),
        _ => None,
    }
}

/// The target in one sentence, as the seed documents phrase it.
fn target_sentence(plan: &SloPlan) -> String {
    let slo = &plan.slo;
    let window = format!("over a rolling {}", slo.window.human());
    let main = plan
        .objectives
        .iter()
        .find(|o| o.objective.name.is_none())
        .map(|o| o.objective.target.percent());
    let percentiles = percentile_objectives(slo, plan);
    match &slo.sli {
        Sli::Documentary { target, .. } => target.clone(),
        Sli::Ratio(_) => format!("At least {} success {window}", main.unwrap_or_default()),
        Sli::Probe(_) => format!("At least {} uptime {window}", main.unwrap_or_default()),
        Sli::Sentry(_) => {
            let mut parts = Vec::new();
            if let Some(main) = main {
                parts.push(format!("at least {main} success"));
            }
            parts.extend(
                plan.objectives
                    .iter()
                    .filter(|o| o.objective.name.is_some())
                    .map(|o| {
                        format!(
                            "{} latency below {}",
                            o.objective.name.clone().unwrap_or_default(),
                            o.objective
                                .threshold
                                .map(|t| threshold_text(slo, t))
                                .unwrap_or_default()
                        )
                    }),
            );
            capitalise(&format!("{} {window}", join_words(&parts)))
        }
        Sli::Latency(_) => {
            let shares: Vec<String> = plan
                .objectives
                .iter()
                .map(|o| o.objective.target.percent())
                .collect();
            format!(
                "{} {window}: at least {} of {} at or under each threshold",
                join_words(&percentiles),
                join_words(&shares),
                events_noun(slo)
            )
        }
        Sli::Freshness { from, to, .. } => {
            let threshold = plan
                .objectives
                .first()
                .and_then(|o| o.objective.threshold)
                .map(super::super::units::Duration::spoken)
                .unwrap_or_default();
            format!(
                "Lag from {from} to {to} below {threshold} for at least {} of {} {window}",
                main.unwrap_or_default(),
                events_noun(slo)
            )
        }
        Sli::Gauge(g) => format!(
            "{} in at least {} of {} slices {window}",
            capitalise(&gauge_bound(slo).unwrap_or_default()),
            main.unwrap_or_default(),
            g.slice.adjective()
        ),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The data source in words, Markdown with code spans.
fn source(sli: &Sli) -> String {
    match sli {
        Sli::Ratio(RatioSli::Events {
            good,
            events,
            total,
        }) => format!(
            "Prometheus counters: {} events {} out of {}",
            if *good { "good" } else { "bad" },
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

/// The data source in a few words, for tables.
fn source_short(sli: &Sli) -> String {
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

fn objective_view(slo: &Slo, plan: &ObjectivePlan) -> ObjectiveView {
    ObjectiveView {
        name: plan.objective.name.clone(),
        label: objective_label(slo, plan),
        target: Exact(plan.objective.target),
        threshold: plan.objective.threshold.map(Duration::millis),
        budget: Exact(plan.budget),
        budget_time: plan.budget_time.millis(),
        of: events_noun(slo),
    }
}

/// The policy's tiers, each with its outcome for every objective. Every objective of an SLO
/// plans the same tiers in the same order; only thresholds and times differ.
fn tier_views(meta: &ServiceMeta, plan: &SloPlan, sentry: bool) -> Vec<TierView> {
    let Some(first) = plan.objectives.first() else {
        return Vec::new();
    };
    first
        .tiers
        .iter()
        .enumerate()
        .map(|(index, tier)| TierView {
            severity: tier.severity.clone(),
            verb: severity_verb(&tier.severity),
            route: route_to(meta, &tier.escalation),
            budget_share: Exact(tier.budget_share),
            long: tier.long.millis(),
            short: tier.short.millis(),
            for_: tier.for_.millis(),
            factor: Exact(tier.factor),
            exhaustion: tier.exhaustion.millis(),
            outcomes: plan
                .objectives
                .iter()
                .filter_map(|o| Some((o, o.tiers.get(index)?)))
                .map(|(objective, tier)| tier_outcome(&plan.slo, objective, tier, sentry))
                .collect(),
        })
        .collect()
}

fn tier_outcome(
    slo: &Slo,
    objective: &ObjectivePlan,
    tier: &TierPlan,
    sentry: bool,
) -> TierOutcome {
    // A Sentry monitor has no `for`: it fires as soon as its window crosses the threshold.
    let detection = if sentry {
        tier.detection_at_full_outage
            .millis()
            .saturating_sub(tier.for_.millis())
    } else {
        tier.detection_at_full_outage.millis()
    };
    TierOutcome {
        objective: objective_label(slo, objective),
        fires: tier.left_out.is_none(),
        left_out: tier.left_out.as_ref().map(|l| l.reason(tier)),
        left_out_short: tier.left_out.as_ref().map(|l| match l {
            LeftOut::AboveFullOutage => "it would need more than 100% errors".to_owned(),
            LeftOut::TooFewSamples { .. } => l.reason(tier),
        }),
        error_threshold: Exact(tier.error_threshold),
        budget_burned: objective
            .budget_time
            .scale(tier.budget_share)
            .map(Duration::millis)
            .unwrap_or_default(),
        detection,
    }
}

fn alerts_view(meta: &ServiceMeta, plan: &SloPlan) -> AlertsView {
    let slo = &plan.slo;
    let engine = match &slo.sli {
        sli if sli.in_prometheus() => "prometheus",
        Sli::Sentry(_) => "sentry",
        Sli::Probe(_) => "probe",
        _ => "none",
    };
    let external = match &slo.sli {
        Sli::Probe(p) => {
            let channels = if p.channels.is_empty() {
                meta.channels
                    .iter()
                    .filter(|c| c.uptimerobot_contact_id.is_some())
                    .map(|c| c.id.clone())
                    .collect()
            } else {
                p.channels.clone()
            };
            Some(format!(
                "{} checks {} every {}{}",
                p.provider.display_name(),
                p.url,
                p.interval.human(),
                if channels.is_empty() {
                    String::new()
                } else {
                    format!(
                        " and alerts {} when it fails",
                        channel_names(meta, &channels, ", ")
                    )
                }
            ))
        }
        Sli::Sentry(s) if !s.channels.is_empty() => Some(format!(
            "Sentry notifies {}",
            channel_names(meta, &s.channels, ", ")
        )),
        _ => None,
    };
    let documented = match &slo.sli {
        Sli::Documentary {
            alert: Some(alert),
            measured_by,
            ..
        } => Some(match measured_by {
            Some(how) => format!("{alert}, checked by {how} outside slofile"),
            None => format!("{alert}, checked outside slofile"),
        }),
        _ => None,
    };
    let mut alert_labels = slo.labels.clone();
    alert_labels.extend(slo.alert_labels.clone());
    AlertsView {
        engine,
        burn_policy: slo.burn_policy.clone(),
        external,
        documented,
        labels: labels(&alert_labels),
        tiers: match engine {
            "prometheus" | "sentry" => tier_views(meta, plan, engine == "sentry"),
            _ => Vec::new(),
        },
        statics: plan
            .static_alerts()
            .map(|(a, evaluator)| static_alert_view(meta, slo, a, evaluator))
            .collect(),
        missing_data: slo
            .missing_data
            .as_ref()
            .filter(|_| slo.sli.in_prometheus())
            .map(|m| MissingDataView {
                verb: severity_verb(&m.severity),
                for_: m.for_.millis(),
            }),
    }
}

/// A static alert's threshold with its unit: `1%`, `50 entries`, `200 ms`.
fn static_threshold(slo: &Slo, alert: &StaticAlert) -> String {
    match (&alert.threshold, &slo.sli) {
        (Threshold::Number(n), Sli::Gauge(g)) => match &g.unit {
            Some(unit) => format!("{n} {unit}"),
            None => n.to_decimal(),
        },
        (Threshold::Duration(d), _) if alert.percentile.is_some() => d.in_millis(),
        (Threshold::Duration(d), _) => d.spoken(),
        (threshold, _) => threshold.human(),
    }
}

fn static_alert_view(
    meta: &ServiceMeta,
    slo: &Slo,
    alert: &StaticAlert,
    evaluator: &Evaluator,
) -> StaticAlertView {
    let threshold = static_threshold(slo, alert);
    let sign = if alert.above { ">" } else { "<" };
    let held = alert
        .for_
        .filter(|f| f.millis() > 0)
        .map(|f| format!(" for {}", f.human()))
        .unwrap_or_default();
    let percentile = alert
        .percentile
        .map(|p| format!("p{}", p.to_decimal()))
        .unwrap_or_default();
    let (short, watched) = match &alert.source {
        AlertSource::Expr(expr) => (
            format!("{} {sign} {threshold}{held}", code(expr)),
            code(expr),
        ),
        AlertSource::Signal(AlertSignal::Compliance) => (
            format!("{sign} {threshold} over {}", slo.window.human()),
            format!(
                "{} over the {} window",
                if matches!(slo.sli, Sli::Probe(_)) {
                    "uptime"
                } else {
                    "compliance"
                },
                slo.window.adjective()
            ),
        ),
        AlertSource::Signal(AlertSignal::Value) => (
            format!("{sign} {threshold}{held}"),
            match &slo.sli {
                Sli::Gauge(g) => format!("the gauge {}", code(&g.query)),
                _ => "the value".to_owned(),
            },
        ),
        AlertSource::Signal(AlertSignal::Percentile) => (
            format!("{percentile} {sign} {threshold}{held}"),
            format!("{percentile} over the last {}", alert.over.human()),
        ),
        AlertSource::Signal(AlertSignal::ErrorRatio) => (
            format!("{sign} {threshold}{held}"),
            format!("the error ratio over the last {}", alert.over.human()),
        ),
    };
    let route = route_to(meta, &alert.escalation);
    let routed = match &route {
        Some(r) => format!(" → {} ({})", r.severity, alert.severity),
        None => format!(" → {}", alert.severity),
    };
    StaticAlertView {
        id: alert.id.clone(),
        summary: alert.summary.clone(),
        verb: severity_verb(&alert.severity),
        // The threshold as the team wrote it; the alert's own paragraph says who evaluates it.
        short: format!("{short}{routed}"),
        evaluated: *evaluator == Evaluator::Prometheus,
        documentation_only: *evaluator == Evaluator::Documentation,
        not_evaluated: match evaluator {
            Evaluator::Nobody(reason) => Some(reason.clone()),
            _ => None,
        },
        condition: format!(
            "{watched} is {} {threshold}{held}",
            if alert.above { "above" } else { "below" }
        ),
        route,
    }
}

/// How a short objective is phrased.
#[derive(Clone, Copy, PartialEq)]
enum Phrasing {
    /// As the seed documents' tables do: an error-rate SLO says `< 0.5% of requests`.
    /// `measured` says whether the table has a measurement column.
    Table { measured: bool },
    /// As an objective: `99.5%`.
    Objective,
}

/// The target of one table row, without its window.
fn objective_short(plan: &SloPlan, phrasing: Phrasing) -> String {
    let with_measurement = phrasing != Phrasing::Table { measured: false };
    let slo = &plan.slo;
    let main = plan.objectives.iter().find(|o| o.objective.name.is_none());
    let percentiles = percentile_objectives(slo, plan).join(", ");
    match &slo.sli {
        Sli::Documentary {
            target,
            measured_by,
            ..
        } => match measured_by {
            Some(how) if !with_measurement => format!("{target} ({how})"),
            _ => target.clone(),
        },
        Sli::Ratio(_) if phrasing == Phrasing::Objective => main
            .map(|o| o.objective.target.percent())
            .unwrap_or_default(),
        Sli::Ratio(RatioSli::Events { good: false, .. } | RatioSli::Query(_)) => main
            .map(|o| {
                let noun = slo
                    .events
                    .as_ref()
                    .map(|e| format!(" of {e}"))
                    .unwrap_or_default();
                format!("< {}{noun}", o.budget.percent())
            })
            .unwrap_or_default(),
        Sli::Ratio(RatioSli::Events { good: true, .. }) => main
            .map(|o| format!("≥ {}", o.objective.target.percent()))
            .unwrap_or_default(),
        Sli::Probe(_) => main
            .map(|o| format!("{} uptime", o.objective.target.percent()))
            .unwrap_or_default(),
        Sli::Sentry(_) => {
            let mut parts: Vec<String> = main
                .map(|o| format!("{} success", o.objective.target.percent()))
                .into_iter()
                .collect();
            if !percentiles.is_empty() {
                parts.push(percentiles);
            }
            parts.join(", ")
        }
        Sli::Latency(_) => percentiles,
        Sli::Freshness { .. } => main
            .map(|o| {
                format!(
                    "< {} for {} of {}",
                    o.objective
                        .threshold
                        .map(super::super::units::Duration::spoken)
                        .unwrap_or_default(),
                    o.objective.target.percent(),
                    events_noun(slo)
                )
            })
            .unwrap_or_default(),
        Sli::Gauge(g) => main
            .map(|o| {
                let bound = gauge_bound(slo)
                    .unwrap_or_default()
                    .replacen("below", "<", 1)
                    .replacen("above", ">", 1);
                format!(
                    "{bound} in {} of {} slices",
                    o.objective.target.percent(),
                    g.slice.adjective()
                )
            })
            .unwrap_or_default(),
    }
}

fn group_table(meta: &ServiceMeta, plans: &[&SloPlan]) -> GroupTable {
    let all = |kind: &str| plans.iter().all(|p| p.slo.sli.kind() == kind);
    let percentile_names = |p: &SloPlan| -> Vec<String> {
        p.objectives
            .iter()
            .filter_map(|o| o.objective.name.clone())
            .collect()
    };
    let percentiles = plans
        .first()
        .map(|p| percentile_names(p))
        .unwrap_or_default();
    let layout = if all("latency") && plans.iter().all(|p| percentile_names(p) == percentiles) {
        "percentiles"
    } else {
        "standard"
    };
    let measured = plans
        .iter()
        .any(|p| !matches!(p.slo.sli, Sli::Documentary { .. }));
    let windows: BTreeSet<u64> = plans
        .iter()
        .filter(|p| !p.objectives.is_empty())
        .map(|p| p.slo.window.millis())
        .collect();
    let shared_window = if windows.len() == 1 && layout == "percentiles" {
        windows.first().copied()
    } else {
        None
    };
    let rows: Vec<GroupRow> = plans
        .iter()
        .map(|plan| {
            let slo = &plan.slo;
            let mut target = objective_short(plan, Phrasing::Table { measured });
            if shared_window.is_none() && !plan.objectives.is_empty() {
                target.push_str(&format!(" over {}", slo.window.human()));
            }
            let mut alerts: Vec<String> = plan
                .static_alerts()
                .map(|(a, evaluator)| static_alert_view(meta, slo, a, evaluator).short)
                .collect();
            if let Sli::Documentary {
                alert: Some(alert), ..
            } = &slo.sli
            {
                alerts.push(alert.clone());
            }
            GroupRow {
                title: slo.title.clone(),
                target,
                percentiles: plan
                    .objectives
                    .iter()
                    .filter_map(|o| {
                        o.objective
                            .threshold
                            .filter(|_| o.objective.name.is_some())
                            .map(|t| format!("< {}", threshold_text(slo, t)))
                    })
                    .collect(),
                measurement: source_short(&slo.sli),
                alert: alerts.join("; "),
            }
        })
        .collect();
    GroupTable {
        layout,
        first_column: if all("latency") {
            "Endpoint category"
        } else if all("freshness") {
            "Step"
        } else if plans
            .iter()
            .any(|p| matches!(p.slo.sli, Sli::Probe(_) | Sli::Sentry(_)))
        {
            "SLI"
        } else {
            "Metric"
        },
        target_column: if all("freshness") {
            "Freshness target"
        } else {
            "Target"
        },
        percentiles,
        show_measurement: measured,
        show_alerts: rows.iter().any(|r| !r.alert.is_empty()),
        window: shared_window,
        rows,
    }
}

/// Objectives grouped by (target, window), each with its budget as time; and the one that every
/// SLO with an objective has, if any.
fn budgets(service: &ServicePlan) -> (Option<BudgetRow>, Vec<BudgetRow>) {
    let mut rows: Vec<(BudgetRow, BTreeSet<String>)> = Vec::new();
    let measured: BTreeSet<String> = service
        .slos
        .iter()
        .filter(|p| !p.objectives.is_empty())
        .map(|p| p.slo.id.clone())
        .collect();
    for plan in &service.slos {
        let slo = &plan.slo;
        let several = plan.objectives.len() > 1;
        for objective in &plan.objectives {
            let name = match (&objective.objective.name, several) {
                (Some(name), _) => format!("{} ({name})", slo.title),
                (None, true) => format!("{} (success)", slo.title),
                (None, false) => slo.title.clone(),
            };
            let key = (objective.objective.target, slo.window);
            match rows
                .iter_mut()
                .find(|(r, _)| (r.target.0, Duration::from_millis(r.window)) == key)
            {
                Some((row, ids)) => {
                    row.objectives.push(name);
                    ids.insert(slo.id.clone());
                }
                None => rows.push((
                    BudgetRow {
                        target: Exact(objective.objective.target),
                        window: slo.window.millis(),
                        budget: Exact(objective.budget),
                        time: objective.budget_time.millis(),
                        objectives: vec![name],
                    },
                    BTreeSet::from([slo.id.clone()]),
                )),
            }
        }
    }
    let for_each = rows
        .iter()
        .find(|(_, ids)| !measured.is_empty() && *ids == measured)
        .map(|(row, _)| row.clone());
    (for_each, rows.into_iter().map(|(row, _)| row).collect())
}

/// One chart per (burn policy, window) of the SLOs Prometheus evaluates.
fn charts(service: &ServicePlan) -> Vec<Chart> {
    let mut charts: Vec<Chart> = Vec::new();
    let mut budgets: Vec<Vec<Ratio>> = Vec::new();
    for plan in &service.slos {
        let slo = &plan.slo;
        let (Some(policy), true) = (&slo.burn_policy, slo.sli.in_prometheus()) else {
            continue;
        };
        let Some(first) = plan.objectives.first() else {
            continue;
        };
        let index = if let Some(index) = charts
            .iter()
            .position(|c| &c.policy == policy && c.window == slo.window.millis())
        {
            index
        } else {
            charts.push(Chart {
                policy: policy.clone(),
                window: slo.window.millis(),
                slos: Vec::new(),
                points: chart_points(&service.meta, first),
                examples: Vec::new(),
            });
            budgets.push(Vec::new());
            charts.len() - 1
        };
        charts[index].slos.push(slo.title.clone());
        for objective in &plan.objectives {
            if !budgets[index].contains(&objective.budget) {
                budgets[index].push(objective.budget);
            }
        }
    }
    for (chart, budgets) in charts.iter_mut().zip(budgets) {
        // Above `1 / budget` the error ratio would exceed 100%: no such burn rate exists.
        let max_burn = budgets
            .iter()
            .filter_map(|b| Ratio::ONE.checked_div(*b).ok())
            .max()
            .unwrap_or(Ratio::ONE);
        chart.points.retain(|p| Ratio::integer(p.rate) <= max_burn);
        let mut examples: Vec<BurnExample> = budgets
            .iter()
            .filter_map(|b| {
                let error_ratio = b.checked_mul(Ratio::integer(10)).ok()?;
                (error_ratio <= Ratio::ONE).then_some(BurnExample {
                    objective: Exact(Ratio::ONE.checked_sub(*b).ok()?),
                    error_ratio: Exact(error_ratio),
                })
            })
            .collect();
        examples.sort_by_key(|e| std::cmp::Reverse(e.objective.0));
        chart.examples = examples;
    }
    charts.retain(|c| !c.points.is_empty());
    charts
}

/// The first tier to fire, and when, at each charted burn rate: the Plan's timing of every tier
/// that becomes an alert.
fn chart_points(meta: &ServiceMeta, objective: &ObjectivePlan) -> Vec<ChartPoint> {
    let mut points = Vec::new();
    for &burn in CHART_BURN_RATES {
        let first = objective
            .alerting_tiers()
            .filter_map(|t| Some((t.detection_at_burn(Ratio::integer(burn))?, t)))
            .min_by_key(|(after, _)| *after);
        let Some((after, tier)) = first else {
            continue;
        };
        let hours = Ratio::new(i128::from(after.millis()), 3_600_000)
            .map(|h| h.decimal_with(2))
            .unwrap_or_default();
        let routed = route_to(meta, &tier.escalation)
            .map(|r| format!(" ({})", r.label))
            .unwrap_or_default();
        points.push(ChartPoint {
            rate: burn,
            burn: format!("{burn}×"),
            hours,
            after: after.millis(),
            alert: format!(
                "{}{routed}: {} of the budget within {}",
                severity_verb(&tier.severity),
                tier.budget_share.percent(),
                tier.long.human()
            ),
        });
    }
    points
}

fn index_view(plan: &Plan) -> Vec<IndexService> {
    plan.services
        .iter()
        .map(|service| {
            let meta = &service.meta;
            IndexService {
                id: meta.id.clone(),
                title: document_title(meta),
                name: meta.title.clone(),
                file: format!("{}.md", meta.id),
                owner: meta.owner.clone(),
                source: meta.source.clone(),
                has_groups: service.slos.iter().any(|p| p.slo.group.is_some()),
                slos: service
                    .slos
                    .iter()
                    .map(|p| IndexSlo {
                        title: p.slo.title.clone(),
                        group: p.slo.group.clone(),
                        objective: objective_short(p, Phrasing::Objective),
                        window: (!p.objectives.is_empty()).then_some(p.slo.window.millis()),
                        source: source_short(&p.slo.sli),
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn plain_lines_pass_through_cell_and_inline_unchanged(text in "[ a-z|\t\n\u{a0}]{0,12}") {
            let cell_slow = {
                let paragraphs: Vec<String> = text
                    .split("\n\n")
                    .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
                    .filter(|p| !p.is_empty())
                    .collect();
                paragraphs.join("<br><br>").replace('|', "\\|")
            };
            proptest::prop_assert_eq!(cell(&text), cell_slow);
            proptest::prop_assert_eq!(
                inline(&text),
                text.split_whitespace().collect::<Vec<_>>().join(" ")
            );
        }
    }

    #[test]
    fn cells_never_break_a_table_row() {
        assert_eq!(cell("a | b"), "a \\| b");
        assert_eq!(cell("one\ntwo\n\nthree"), "one two<br><br>three");
        assert_eq!(cell("  padded  "), "padded");
    }

    #[test]
    fn code_spans_and_fences_survive_backticks() {
        assert_eq!(code("rate(x[5m])"), "`rate(x[5m])`");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(fence("plain"), "```");
        assert_eq!(fence("has ``` inside"), "````");
    }

    #[test]
    fn exact_ratios_round_trip_through_templates() {
        let ratio = Ratio::new(28, 3000).unwrap();
        let text = serde_json::to_string(&Exact(ratio)).unwrap();
        assert_eq!(text, "\"7/750\"");
        assert_eq!(exact("7/750").unwrap(), ratio);
        assert_eq!(exact("0.5").unwrap(), Ratio::new(1, 2).unwrap());
        assert!(exact("1/0").is_err());
        assert!(exact("half").is_err());
    }

    #[test]
    fn tidy_collapses_blank_lines_but_not_inside_fences() {
        let text = "# T\n\n\n\npara\n```\na\n\n\nb\n```\n\n\n";
        assert_eq!(tidy(text), "# T\n\npara\n```\na\n\n\nb\n```\n");
    }

    #[test]
    fn line_spans_cover_one_line() {
        let source = "one\ntwo\nthree";
        assert_eq!(line_span(source, 2), ByteSpan { offset: 4, len: 3 });
        assert_eq!(line_span(source, 3), ByteSpan { offset: 8, len: 5 });
    }
}
