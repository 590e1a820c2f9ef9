//! slofile: SLO specs in, Prometheus rules, alert routing, monitors and documents out.
//!
//! The pipeline runs forward through typed stages:
//! files → [`spec::gather`] ([`spec::load`] → [`spec::schema`] → [`spec::validate`]) →
//! [`spec::Service`] → [`compile`] → [`compile::Plan`] → [`emit`] → [`emit::OutputFile`] →
//! [`write`]. [`driver`] runs the sequence; every command calls it.

pub mod cli;
pub mod compile;
pub mod config;
pub mod convert;
pub mod diagnostics;
pub mod diff;
pub mod driver;
pub mod emit;
pub mod explain;
pub mod gate;
pub mod live;
pub mod parallel;
pub mod promql;
pub mod report;
pub mod selftest;
pub mod spec;
pub mod status;
pub mod units;
pub mod verify;
pub mod wording;
pub mod write;

use diagnostics::{Diagnostic, Report};
use spec::Service;
use spec::gather::Gathered;
pub use spec::gather::{Inputs, LoadOptions};
use std::path::PathBuf;

/// A failure that is not about the specs' content: unreadable paths. Exit code 2.
#[derive(Debug)]
pub struct UsageError(pub Diagnostic);

/// Reads, checks and validates every spec under `inputs`, with default [`LoadOptions`].
/// Diagnostics for every file are collected; a service is returned only when its specs have no
/// errors.
pub fn load_services(inputs: &[PathBuf], report: &mut Report) -> Result<Vec<Service>, UsageError> {
    let gathered = Gathered::read(Inputs::Paths(inputs.to_vec())).map_err(UsageError)?;
    Ok(gathered.services(&LoadOptions::default(), report))
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
    let inputs = Inputs::Memory(vec![(name.to_owned(), bytes)]);
    let built = driver::build_files(
        inputs,
        options,
        || Ok(emit::EmitOptions::default()),
        &mut report,
    );
    match built {
        Ok((driver::Built::Emitted, files)) => (report, files),
        Ok(_) => (report, Vec::new()),
        Err(UsageError(diagnostic)) => {
            report.push(diagnostic);
            (report, Vec::new())
        }
    }
}

/// Loads, validates and compiles spec files held in memory, each `(name, bytes)` named as its
/// diagnostics show it. The plan is returned only when there are no errors.
pub fn plan_sources(
    sources: Vec<(String, Vec<u8>)>,
    options: &LoadOptions,
    report: &mut Report,
) -> Option<compile::Plan> {
    // Files in memory are never unreadable.
    driver::plan(Inputs::Memory(sources), options, report)
        .ok()
        .flatten()
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
    driver::plan(Inputs::Paths(inputs.to_vec()), options, report)
}
