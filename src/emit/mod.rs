//! Backends: each turns the [`Plan`] into in-memory files for one target. Backends are pure;
//! only [`crate::write`] touches the disk.

pub mod alertmanager;
pub mod grafana;
pub mod json;
pub mod k6;
pub mod markdown;
pub mod prometheus;
pub mod sentry;
pub mod sloth_compat;
pub mod terraform;
pub mod uptimerobot;
pub(crate) mod yaml_writer;

use crate::compile::Plan;
use crate::diagnostics::Diagnostic;

/// One generated file, at a path relative to the output directory (always `/`-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub contents: String,
}

/// Options of `build` and `check` that some backends read.
#[derive(Debug, Clone, Default)]
pub struct EmitOptions {
    /// Template overrides, read from `--templates DIR` before any backend runs.
    pub templates: crate::spec::load::Overrides,
    /// Which Sentry API the Sentry bodies are for.
    pub sentry_api: crate::compile::sentry::SentryApi,
    /// How the Prometheus rules are packaged.
    pub prometheus_format: prometheus::PrometheusFormat,
    /// How the Grafana dashboards are packaged.
    pub grafana_format: grafana::GrafanaFormat,
    /// How the Alertmanager routing is packaged.
    pub alertmanager_format: alertmanager::AlertmanagerFormat,
    /// Whose conventions the Prometheus rules follow.
    pub compat: sloth_compat::Compat,
    /// The backends to run, by name (`--outputs`); `None` runs every one.
    pub outputs: Option<std::collections::BTreeSet<String>>,
    /// The SMTP relay and sender of the Alertmanager configuration.
    pub smtp: alertmanager::Smtp,
}

/// What the backends produced: files, and notes about how they were rendered.
#[derive(Debug, Default)]
pub struct Emitted {
    pub files: Vec<OutputFile>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Emitted {
    /// Hands the files to `sink` and keeps the notes: for backends that build all their files
    /// before handing them over.
    pub fn hand_to(self, sink: &Sink<'_>) -> Vec<Diagnostic> {
        self.files.into_iter().for_each(sink);
        self.diagnostics
    }
}

/// Takes generated files as backends produce them, from any thread.
pub type Sink<'a> = dyn Fn(OutputFile) + Sync + 'a;

/// One output target. Backends run in parallel, each on its own thread.
///
/// A backend renders the Plan and decides nothing about the specs: which alerts exist, when they
/// fire, and every problem of the input are the compile stage's (see [`crate::compile`]), so that
/// `validate` needs no backend. What a backend may still report is about its rendering and the
/// options chosen for it: a template override that fails to render, what `--sentry-api legacy`
/// or `--prometheus-format operator` cannot express.
pub trait Backend: Send + Sync {
    /// Short name, also the output subdirectory, e.g. `prometheus`.
    fn name(&self) -> &'static str;
    /// Emits files for every service of the plan, handing each to `sink` as soon as it is ready,
    /// so that a large build need not hold all of its output at once. A service the backend has
    /// nothing to say about gets no file.
    fn emit(&self, plan: &Plan, options: &EmitOptions, sink: &Sink<'_>) -> Vec<Diagnostic>;
}

/// Every backend, in output order.
pub fn backends() -> Vec<Box<dyn Backend>> {
    vec![
        Box::new(alertmanager::Alertmanager),
        Box::new(sentry::Sentry),
        Box::new(uptimerobot::UptimeRobot),
        Box::new(terraform::Terraform),
        Box::new(k6::K6),
        Box::new(markdown::Markdown),
        Box::new(prometheus::Prometheus),
        Box::new(grafana::Grafana),
    ]
}

/// Runs every backend, handing files to `sink` in no particular order. The notes come back in
/// backend order.
pub fn emit_streaming(plan: &Plan, options: &EmitOptions, sink: &Sink<'_>) -> Vec<Diagnostic> {
    let mut backends = sloth_compat::select(backends(), options.compat);
    if let Some(outputs) = &options.outputs {
        backends.retain(|backend| outputs.contains(backend.name()));
    }
    crate::parallel::map(&backends, |backend| backend.emit(plan, options, sink))
        .into_iter()
        .flatten()
        .collect()
}

/// Runs every backend. Files come back sorted by path, so output never depends on backend order.
pub fn emit_all(plan: &Plan, options: &EmitOptions) -> Emitted {
    let (diagnostics, files) = collect(|sink| emit_streaming(plan, options, sink));
    Emitted { files, diagnostics }
}

/// Runs `produce` with a sink that keeps every file, and gives the files back sorted by path.
pub fn collect<T>(produce: impl FnOnce(&Sink<'_>) -> T) -> (T, Vec<OutputFile>) {
    let files = std::sync::Mutex::new(Vec::new());
    let produced = produce(&|file| {
        files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(file);
    });
    let mut files = files
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    (produced, files)
}
