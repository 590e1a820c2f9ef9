//! Gathering: every input file, whatever its format, into validated [`Service`]s. This is the one
//! place that knows the input formats; a new format is a new [`InputFormat`], a collection here,
//! and nothing else.
//!
//! Native documents are checked and validated file by file. OpenSLO objects refer to each other
//! across documents and files, and Sloth and Pyrra documents of one service merge, so those are
//! collected while the files are read and resolved after the last one.

use super::load::{self, InputFormat};
use super::{Service, openslo, pyrra, schema, sloth, validate};
use crate::diagnostics::{Code, Diagnostic, Report, SourceFile};
use crate::units::Duration;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How inputs are read.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The SLO window of Sloth specs, which do not state one. Sloth's default is 30 days.
    pub sloth_period: Duration,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            sloth_period: Duration::parse(sloth::DEFAULT_PERIOD).unwrap_or_default(),
        }
    }
}

/// Where specs come from: paths on disk (files, or directories read recursively), or files
/// held in memory, each `(name, bytes)` named as its diagnostics show it.
#[derive(Debug, Clone)]
pub enum Inputs {
    Paths(Vec<PathBuf>),
    Memory(Vec<(String, Vec<u8>)>),
}

/// The files of a run, read and checked, not yet resolved across files.
#[derive(Default)]
pub struct Gathered {
    files: Vec<LoadedFile>,
    /// True when no spec file was found under the given paths.
    empty: bool,
}

impl Gathered {
    /// Reads and checks every file of `inputs`. An unreadable path is an error of the run (exit
    /// code 2), returned as the `Err`; every other problem is a diagnostic of its file.
    pub fn read(inputs: Inputs) -> Result<Gathered, Diagnostic> {
        match inputs {
            Inputs::Paths(paths) => Gathered::read_paths(&paths),
            Inputs::Memory(sources) => Ok(Gathered {
                files: sources
                    .into_iter()
                    .map(|(name, bytes)| load_memory(name, bytes))
                    .collect(),
                empty: false,
            }),
        }
    }

    fn read_paths(inputs: &[PathBuf]) -> Result<Gathered, Diagnostic> {
        let paths = load::collect_paths(inputs)?;
        // Files are read and checked in parallel, and their results taken in path order, so that
        // diagnostics and services come out as if read one after the other.
        let mut files = Vec::with_capacity(paths.len());
        for loaded in crate::parallel::map(&paths, |path| load_file(path)) {
            files.push(loaded?);
        }
        Ok(Gathered {
            files,
            empty: paths.is_empty(),
        })
    }

    /// The services of every file, in file order: native ones as read, the others resolved
    /// across files. Each file's diagnostics are reported in order, then those of resolving.
    /// A service is returned only when its specs have no errors.
    pub fn services(self, options: &LoadOptions, report: &mut Report) -> Vec<Service> {
        let mut services = Vec::new();
        let mut collections = Collections::default();
        for loaded in self.files {
            report.extend(loaded.diagnostics);
            services.extend(loaded.services);
            collections.append(loaded.collections);
        }
        services.extend(collections.resolve(options, report));
        for service in &services {
            report.extend(validate::check_service(service));
        }
        check_unique_services(&services, report);
        if self.empty {
            report.push(
                Diagnostic::error(
                    Code::EmptyDocument,
                    "no spec files (*.yaml, *.yml) found in the given paths",
                )
                .with_help("pass spec files, or directories that contain them"),
            );
        }
        services
    }
}

/// What one file holds.
#[derive(Default)]
struct LoadedFile {
    diagnostics: Vec<Diagnostic>,
    services: Vec<Service>,
    collections: Collections,
}

/// The documents of the formats resolved across files.
#[derive(Default)]
struct Collections {
    openslo: openslo::Collection,
    sloth: sloth::Collection,
    pyrra: pyrra::Collection,
}

impl Collections {
    fn append(&mut self, other: Collections) {
        self.openslo.append(other.openslo);
        self.sloth.append(other.sloth);
        self.pyrra.append(other.pyrra);
    }

    fn resolve(self, options: &LoadOptions, report: &mut Report) -> Vec<Service> {
        let mut services = Vec::new();
        let (resolved, diagnostics) = self.openslo.resolve();
        services.extend(resolved);
        report.extend(diagnostics);
        let (resolved, diagnostics) = self.sloth.resolve(options.sloth_period);
        services.extend(resolved);
        report.extend(diagnostics);
        let (resolved, diagnostics) = self.pyrra.resolve();
        services.extend(resolved);
        report.extend(diagnostics);
        services
    }
}

/// Reads and checks one file. An unreadable file is an error of the run (exit code 2).
fn load_file(path: &Path) -> Result<LoadedFile, Diagnostic> {
    match load::read_source(path) {
        Ok(file) => Ok(load_source(&file)),
        Err(diagnostic) if diagnostic.code == Code::Io => Err(diagnostic),
        Err(diagnostic) => Ok(LoadedFile::failed(diagnostic)),
    }
}

/// Checks one file held in memory, as [`load_file`] does one read from disk.
fn load_memory(name: String, bytes: Vec<u8>) -> LoadedFile {
    match load::check_size(&name, bytes.len() as u64)
        .and_then(|()| load::source_from_bytes(name, bytes))
    {
        Ok(file) => load_source(&file),
        Err(diagnostic) => LoadedFile::failed(diagnostic),
    }
}

impl LoadedFile {
    fn failed(diagnostic: Diagnostic) -> LoadedFile {
        LoadedFile {
            diagnostics: vec![diagnostic],
            ..LoadedFile::default()
        }
    }
}

/// Parses and checks the documents of one file. OpenSLO, Sloth and Pyrra documents are only
/// read here; they are resolved with those of every other file in [`Gathered::services`].
fn load_source(file: &Arc<SourceFile>) -> LoadedFile {
    let mut loaded = LoadedFile::default();
    let (documents, diagnostics) = load::parse_documents(file);
    loaded.diagnostics.extend(diagnostics);
    let collections = &mut loaded.collections;
    for document in documents {
        match document.format {
            InputFormat::Native => {
                let checked = schema::check(&document.file, &document.document);
                loaded.diagnostics.extend(checked.diagnostics);
                if let Some(raw) = checked.raw {
                    let (service, diagnostics) = validate::validate(
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
            InputFormat::OpenSlo => loaded.diagnostics.extend(collections.openslo.add(document)),
            InputFormat::Sloth => loaded.diagnostics.extend(collections.sloth.add(document)),
            InputFormat::Pyrra => loaded.diagnostics.extend(collections.pyrra.add(document)),
            InputFormat::Foreign => loaded.diagnostics.push(pyrra::skipped(&document)),
        }
    }
    loaded
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
