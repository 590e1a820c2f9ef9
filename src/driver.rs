//! The build driver: load → check → compile → emit → notes, written out once. Every command that
//! reads specs runs it: `build`, `check` and the in-memory builds of the fuzzer and the tests run
//! all of it ([`build`]); `validate`, `explain`, `convert`, `diff` and the live commands run its
//! first half ([`plan`]) and read the Plan; `verify` renders a Plan with a few backends
//! ([`backend_files`]).

use crate::UsageError;
use crate::compile::{self, Plan};
use crate::diagnostics::{Diagnostic, Report};
use crate::emit::{self, EmitOptions, Sink};
use crate::spec::gather::{Gathered, Inputs, LoadOptions};

/// Reads, checks, validates and compiles. Every problem goes to `report`; the Plan comes back
/// only when there is none. An unreadable path is the `Err` (exit code 2).
///
/// The services that passed validation are compiled even when other inputs failed, so that one
/// run reports every problem: a PromQL shape error of one SLO next to a label conflict of
/// another.
pub fn plan(
    inputs: Inputs,
    options: &LoadOptions,
    report: &mut Report,
) -> Result<Option<Plan>, UsageError> {
    let services = Gathered::read(inputs)
        .map_err(UsageError)?
        .services(options, report);
    let (plan, diagnostics) = compile::compile(services);
    report.extend(diagnostics);
    Ok((report.error_count() == 0).then_some(plan))
}

/// How a build ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Built {
    /// The specs, the emit options or a backend had an error: whatever reached the sink must
    /// not be written.
    Invalid,
    /// Every file reached the sink.
    Emitted,
}

/// The whole pipeline: [`plan`], then every backend, each handing its files to `sink` as they
/// are ready, then the notes of the backends and of the Plan into `report`. The emit options are
/// made once the Plan exists, so that a template directory is not read for invalid specs.
pub fn build(
    inputs: Inputs,
    load: &LoadOptions,
    emit_options: impl FnOnce() -> Result<EmitOptions, Diagnostic>,
    sink: &Sink<'_>,
    report: &mut Report,
) -> Result<Built, UsageError> {
    let Some(plan) = plan(inputs, load, report)? else {
        return Ok(Built::Invalid);
    };
    let options = match emit_options() {
        Ok(options) => options,
        Err(diagnostic) => {
            report.push(diagnostic);
            return Ok(Built::Invalid);
        }
    };
    let notes = emit::emit_streaming(&plan, &options, sink);
    let failed = notes.iter().any(Diagnostic::is_error);
    report.extend(notes);
    report.extend(plan.notes);
    Ok(if failed {
        Built::Invalid
    } else {
        Built::Emitted
    })
}

/// [`build`] into memory: the files sorted by path, so that they never depend on backend order.
pub fn build_files(
    inputs: Inputs,
    load: &LoadOptions,
    emit_options: impl FnOnce() -> Result<EmitOptions, Diagnostic>,
    report: &mut Report,
) -> Result<(Built, Vec<emit::OutputFile>), UsageError> {
    let (built, files) = emit::collect(|sink| build(inputs, load, emit_options, sink, report));
    Ok((built?, files))
}

/// The files of the named backends for a Plan, in memory and sorted by path: for a command that
/// compares some outputs with what runs (`verify`) and need not render the rest. `None` when a
/// backend had an error; its notes go to `report`.
pub fn backend_files(
    plan: &Plan,
    options: &EmitOptions,
    names: &[&str],
    report: &mut Report,
) -> Option<Vec<emit::OutputFile>> {
    let backends: Vec<_> = emit::backends()
        .into_iter()
        .filter(|backend| names.contains(&backend.name()))
        .collect();
    let (notes, files) = emit::collect(|sink| {
        crate::parallel::map(&backends, |backend| backend.emit(plan, options, sink))
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
    });
    let failed = notes.iter().any(Diagnostic::is_error);
    report.extend(notes.into_iter().filter(Diagnostic::is_error));
    (!failed).then_some(files)
}
