//! slofile: SLO specs in, Prometheus rules, alert routing, monitors and documents out.
//!
//! The pipeline runs forward through typed stages:
//! files → [`spec::load`] → [`spec::schema`] → [`spec::validate`] → [`spec::Service`]
//! → [`compile`] → [`compile::Plan`] → [`emit`] → [`emit::OutputFile`] → [`write`].

pub mod cli;
pub mod compile;
pub mod convert;
pub mod diagnostics;
pub mod diff;
pub mod emit;
pub mod explain;
pub mod parallel;
pub mod promql;
pub mod spec;
pub mod status;
pub mod units;
pub mod wording;
pub mod write;

use diagnostics::{Code, Diagnostic, Report};
use spec::Service;
use spec::load::{self, InputFormat};
use std::collections::BTreeMap;
use std::path::PathBuf;
use units::Duration;

/// A failure that is not about the specs' content: unreadable paths. Exit code 2.
#[derive(Debug)]
pub struct UsageError(pub Diagnostic);

/// How inputs are read.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The SLO window of Sloth specs, which do not state one. Sloth's default is 30 days.
    pub sloth_period: Duration,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            sloth_period: Duration::parse(spec::sloth::DEFAULT_PERIOD).unwrap_or_default(),
        }
    }
}

/// Reads, checks and validates every spec under `inputs`, with default [`LoadOptions`].
pub fn load_services(inputs: &[PathBuf], report: &mut Report) -> Result<Vec<Service>, UsageError> {
    load_services_with(inputs, &LoadOptions::default(), report)
}

/// Reads, checks and validates every spec under `inputs`. Diagnostics for every file are
/// collected; a service is returned only when its specs have no errors.
///
/// OpenSLO objects refer to each other across documents and files, and Sloth documents of one
/// service merge, so both are gathered while the files are read and resolved after the last one.
pub fn load_services_with(
    inputs: &[PathBuf],
    options: &LoadOptions,
    report: &mut Report,
) -> Result<Vec<Service>, UsageError> {
    let paths = load::collect_paths(inputs).map_err(UsageError)?;
    // Files are read and checked in parallel, and their results taken in path order, so that
    // diagnostics and services come out as if read one after the other.
    let mut files = Vec::with_capacity(paths.len());
    for loaded in parallel::map(&paths, |path| load_file(path)) {
        files.push(loaded.map_err(UsageError)?);
    }
    let services = gather(files, options, report);
    if paths.is_empty() {
        report.push(
            Diagnostic::error(
                Code::EmptyDocument,
                "no spec files (*.yaml, *.yml) found in the given paths",
            )
            .with_help("pass spec files, or directories that contain them"),
        );
    }
    Ok(services)
}

/// Checks, compiles and emits one spec file held in memory, as `slofile build` does with a file,
/// but without touching the disk. This is the whole pipeline for fuzzing and property tests: it
/// must never panic, and it returns files only when there is no error.
pub fn build_source(
    name: &str,
    bytes: Vec<u8>,
    options: &LoadOptions,
) -> (Report, Vec<emit::OutputFile>) {
    let mut report = Report::default();
    let loaded = match load::check_size(name, bytes.len() as u64)
        .and_then(|()| load::source_from_bytes(name.to_owned(), bytes))
    {
        Ok(file) => load_source(&file),
        Err(diagnostic) => LoadedFile {
            diagnostics: vec![diagnostic],
            ..LoadedFile::default()
        },
    };
    let services = gather(vec![loaded], options, &mut report);
    if report.error_count() > 0 {
        return (report, Vec::new());
    }
    let (plan, diagnostics) = compile::compile(services);
    report.extend(diagnostics);
    if report.error_count() > 0 {
        return (report, Vec::new());
    }
    let emitted = emit::emit_all(&plan, &emit::EmitOptions::default());
    report.extend(emitted.diagnostics);
    report.extend(plan.notes);
    if report.error_count() > 0 {
        return (report, Vec::new());
    }
    (report, emitted.files)
}

/// Loads, validates and compiles spec files held in memory, each `(name, bytes)` named as its
/// diagnostics show it. The plan is returned only when there are no errors.
pub fn plan_sources(
    sources: Vec<(String, Vec<u8>)>,
    options: &LoadOptions,
    report: &mut Report,
) -> Option<compile::Plan> {
    let files = sources
        .into_iter()
        .map(|(name, bytes)| {
            match load::check_size(&name, bytes.len() as u64)
                .and_then(|()| load::source_from_bytes(name, bytes))
            {
                Ok(file) => load_source(&file),
                Err(diagnostic) => LoadedFile {
                    diagnostics: vec![diagnostic],
                    ..LoadedFile::default()
                },
            }
        })
        .collect();
    let services = gather(files, options, report);
    compile_reported(services, report)
}

/// What one file holds.
#[derive(Default)]
struct LoadedFile {
    diagnostics: Vec<Diagnostic>,
    services: Vec<Service>,
    openslo: spec::openslo::Collection,
    sloth: spec::sloth::Collection,
    pyrra: spec::pyrra::Collection,
}

/// Reads and checks one file. An unreadable file is an error of the run (exit code 2).
fn load_file(path: &std::path::Path) -> Result<LoadedFile, Diagnostic> {
    match load::read_source(path) {
        Ok(file) => Ok(load_source(&file)),
        Err(diagnostic) if diagnostic.code == Code::Io => Err(diagnostic),
        Err(diagnostic) => Ok(LoadedFile {
            diagnostics: vec![diagnostic],
            ..LoadedFile::default()
        }),
    }
}

/// Parses and checks the documents of one file. OpenSLO and Sloth documents are only read here;
/// they are resolved with those of every other file in [`gather`].
fn load_source(file: &std::sync::Arc<diagnostics::SourceFile>) -> LoadedFile {
    let mut loaded = LoadedFile::default();
    let (documents, diagnostics) = load::parse_documents(file);
    loaded.diagnostics.extend(diagnostics);
    for document in documents {
        match document.format {
            InputFormat::Native => {
                let checked = spec::schema::check(&document.file, &document.document);
                loaded.diagnostics.extend(checked.diagnostics);
                if let Some(raw) = checked.raw {
                    let (service, diagnostics) = spec::validate::validate(
                        &document.file,
                        &document.document,
                        raw,
                        &checked.slo_positions,
                    );
                    loaded.diagnostics.extend(diagnostics);
                    if checked.complete {
                        loaded.services.extend(service);
                    }
                }
            }
            InputFormat::OpenSlo => loaded.diagnostics.extend(loaded.openslo.add(document)),
            InputFormat::Sloth => loaded.diagnostics.extend(loaded.sloth.add(document)),
            InputFormat::Pyrra => loaded.diagnostics.extend(loaded.pyrra.add(document)),
            InputFormat::Foreign => loaded.diagnostics.push(spec::pyrra::skipped(&document)),
        }
    }
    loaded
}

/// The services of every file, in file order: native ones as read, OpenSLO and Sloth ones
/// resolved across files. Each file's diagnostics are reported in order, then those of resolving.
fn gather(files: Vec<LoadedFile>, options: &LoadOptions, report: &mut Report) -> Vec<Service> {
    let mut services = Vec::new();
    let mut openslo = spec::openslo::Collection::default();
    let mut sloth = spec::sloth::Collection::default();
    let mut pyrra = spec::pyrra::Collection::default();
    for loaded in files {
        report.extend(loaded.diagnostics);
        services.extend(loaded.services);
        openslo.append(loaded.openslo);
        sloth.append(loaded.sloth);
        pyrra.append(loaded.pyrra);
    }
    let (resolved, diagnostics) = openslo.resolve();
    services.extend(resolved);
    report.extend(diagnostics);
    let (resolved, diagnostics) = sloth.resolve(options.sloth_period);
    services.extend(resolved);
    report.extend(diagnostics);
    let (resolved, diagnostics) = pyrra.resolve();
    services.extend(resolved);
    report.extend(diagnostics);
    for service in &services {
        report.extend(spec::validate::check_service(service));
    }
    check_unique_services(&services, report);
    services
}

fn check_unique_services(services: &[Service], report: &mut Report) {
    let mut first: BTreeMap<&str, &Service> = BTreeMap::new();
    for service in services {
        match first.get(service.meta.id.as_str()) {
            Some(earlier) => report.push(
                Diagnostic::error(
                    Code::DuplicateService,
                    format!(
                        "service `{}` is also defined in {}",
                        service.meta.id, earlier.meta.source
                    ),
                )
                .at_origin(&service.meta.origin)
                .with_label("defined again here")
                .with_help("each service is defined once; merge the SLOs into one spec or rename one service"),
            ),
            None => {
                first.insert(&service.meta.id, service);
            }
        }
    }
}

/// Loads, validates and compiles with default [`LoadOptions`].
pub fn plan(inputs: &[PathBuf], report: &mut Report) -> Result<Option<compile::Plan>, UsageError> {
    plan_with(inputs, &LoadOptions::default(), report)
}

/// Loads, validates and compiles. The plan is returned only when there are no errors.
pub fn plan_with(
    inputs: &[PathBuf],
    options: &LoadOptions,
    report: &mut Report,
) -> Result<Option<compile::Plan>, UsageError> {
    let services = load_services_with(inputs, options, report)?;
    Ok(compile_reported(services, report))
}

/// Compiles the services that passed validation, even when other inputs failed, so that one
/// run reports every problem: a PromQL shape error of one SLO next to a label conflict of
/// another. The plan is returned only when there are no errors at all.
fn compile_reported(services: Vec<Service>, report: &mut Report) -> Option<compile::Plan> {
    let (plan, diagnostics) = compile::compile(services);
    report.extend(diagnostics);
    (report.error_count() == 0).then_some(plan)
}
