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
pub mod units;
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
    let mut services = Vec::new();
    let mut openslo = spec::openslo::Collection::default();
    let mut sloth = spec::sloth::Collection::default();
    // Files are read and checked in parallel, and their results taken in path order, so that
    // diagnostics and services come out as if read one after the other.
    for loaded in parallel::map(&paths, |path| load_file(path)) {
        let loaded = loaded.map_err(UsageError)?;
        report.extend(loaded.diagnostics);
        services.extend(loaded.services);
        openslo.append(loaded.openslo);
        sloth.append(loaded.sloth);
    }
    let (resolved, diagnostics) = openslo.resolve();
    services.extend(resolved);
    report.extend(diagnostics);
    let (resolved, diagnostics) = sloth.resolve(options.sloth_period);
    services.extend(resolved);
    report.extend(diagnostics);
    if paths.is_empty() {
        report.push(
            Diagnostic::error(
                Code::EmptyDocument,
                "no spec files (*.yaml, *.yml) found in the given paths",
            )
            .with_help("pass spec files, or directories that contain them"),
        );
    }
    check_unique_services(&services, report);
    Ok(services)
}

/// What one file holds.
#[derive(Default)]
struct LoadedFile {
    diagnostics: Vec<Diagnostic>,
    services: Vec<Service>,
    openslo: spec::openslo::Collection,
    sloth: spec::sloth::Collection,
}

/// Reads and checks one file. An unreadable file is an error of the run (exit code 2).
fn load_file(path: &std::path::Path) -> Result<LoadedFile, Diagnostic> {
    let mut loaded = LoadedFile::default();
    let file = match load::read_source(path) {
        Ok(file) => file,
        Err(diagnostic) if diagnostic.code == Code::Io => return Err(diagnostic),
        Err(diagnostic) => {
            loaded.diagnostics.push(diagnostic);
            return Ok(loaded);
        }
    };
    let (documents, diagnostics) = load::parse_documents(&file);
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
        }
    }
    Ok(loaded)
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
    if report.error_count() > 0 {
        return Ok(None);
    }
    let (plan, diagnostics) = compile::compile(services);
    report.extend(diagnostics);
    Ok((report.error_count() == 0).then_some(plan))
}
