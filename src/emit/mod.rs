//! Backends: each turns the [`Plan`] into in-memory files for one target. Backends are pure;
//! only [`crate::write`] touches the disk.

pub mod alertmanager;
pub mod json;
pub mod k6;
pub mod markdown;
pub mod prometheus;
pub mod sentry;
pub mod terraform;
pub mod uptimerobot;
pub(crate) mod yaml;

use crate::compile::Plan;
use crate::diagnostics::Diagnostic;
use std::path::PathBuf;

/// One generated file, at a path relative to the output directory (always `/`-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub contents: String,
}

/// Options of `build` and `check` that some backends read.
#[derive(Debug, Clone, Default)]
pub struct EmitOptions {
    /// A directory of templates that override the built-in ones, file by file.
    pub templates: Option<PathBuf>,
    /// Which Sentry API the Sentry bodies are for.
    pub sentry_api: sentry::SentryApi,
    /// How the Prometheus rules are packaged.
    pub prometheus_format: prometheus::PrometheusFormat,
}

/// What a backend produced: files, and notes about what it could not or did not emit.
#[derive(Debug, Default)]
pub struct Emitted {
    pub files: Vec<OutputFile>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Takes generated files as backends produce them, from any thread.
pub type Sink<'a> = dyn Fn(OutputFile) + Sync + 'a;

/// One output target. Backends run in parallel, each on its own thread.
pub trait Backend: Send + Sync {
    /// Short name, also the output subdirectory, e.g. `prometheus`.
    fn name(&self) -> &'static str;
    /// Emits files for every service of the plan. A service the backend has nothing to say about
    /// gets no file.
    fn emit(&self, plan: &Plan, options: &EmitOptions) -> Emitted;
    /// Like `emit`, handing each file to `sink` as soon as it is ready, so that a large build
    /// need not hold all of its output at once. Backends with much output override it.
    fn emit_into(&self, plan: &Plan, options: &EmitOptions, sink: &Sink<'_>) -> Vec<Diagnostic> {
        let emitted = self.emit(plan, options);
        emitted.files.into_iter().for_each(sink);
        emitted.diagnostics
    }
    /// The notes `emit` would give with default options, for `validate`. A backend overrides it
    /// when it can find them without producing its files.
    fn check(&self, plan: &Plan) -> Vec<Diagnostic> {
        self.emit(plan, &EmitOptions::default()).diagnostics
    }
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
    ]
}

/// What every backend would note about the plan, without the files.
pub fn check_all(plan: &Plan) -> Vec<Diagnostic> {
    crate::parallel::map(&backends(), |backend| backend.check(plan))
        .into_iter()
        .flatten()
        .collect()
}

/// Runs every backend, handing files to `sink` in no particular order. The notes come back in
/// backend order.
pub fn emit_streaming(plan: &Plan, options: &EmitOptions, sink: &Sink<'_>) -> Vec<Diagnostic> {
    crate::parallel::map(&backends(), |backend| {
        backend.emit_into(plan, options, sink)
    })
    .into_iter()
    .flatten()
    .collect()
}

/// Runs every backend. Files come back sorted by path, so output never depends on backend order.
pub fn emit_all(plan: &Plan, options: &EmitOptions) -> Emitted {
    let mut all = Emitted::default();
    for emitted in crate::parallel::map(&backends(), |backend| backend.emit(plan, options)) {
        all.files.extend(emitted.files);
        all.diagnostics.extend(emitted.diagnostics);
    }
    all.files.sort_by(|a, b| a.path.cmp(&b.path));
    all
}
