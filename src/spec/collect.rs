//! The shell shared by the readers that gather documents across files before building services
//! (OpenSLO, Sloth): how one document is opened for reading, and the rule that a service's SLO ids
//! are unique. Each reader keeps only what is its own: its objects and how they resolve.

use super::Slo;
use super::load::LoadedDocument;
use super::walk::Walk;
use crate::diagnostics::{Code, Diagnostic};
use serde_json::Value;
use std::sync::Arc;

/// Reads one document with `read`, which keeps what it reads, and returns the diagnostics of
/// reading.
///
/// What is read keeps its document for later diagnostics, which need only the spans: the JSON
/// tree, the bulk of a document, is taken out first and dropped once `read` is done.
pub(crate) fn read_document(
    loaded: LoadedDocument,
    read: impl FnOnce(&mut Walk, &Value),
) -> Vec<Diagnostic> {
    let mut document = loaded.document;
    let json = std::mem::take(&mut document.json);
    let document = Arc::new(document);
    let mut walk = Walk::new(&loaded.file, &document);
    read(&mut walk, &json);
    walk.checker.diagnostics
}

/// Keeps the first SLO of each id, in order; each later one is an error that names where the
/// first is defined, with `help` saying how the format names SLOs.
pub(crate) fn first_of_each_id(
    slos: Vec<Slo>,
    help: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Slo> {
    let mut kept: Vec<Slo> = Vec::with_capacity(slos.len());
    for slo in slos {
        if let Some(earlier) = kept.iter().find(|s| s.id == slo.id) {
            let (line, _) = earlier.origin.file.line_col(earlier.origin.span.offset);
            diagnostics.push(
                Diagnostic::error(
                    Code::DuplicateId,
                    format!(
                        "SLO `{}` is also defined in {} at line {line}",
                        slo.id, earlier.origin.file.name
                    ),
                )
                .at_origin(&slo.origin)
                .with_help(help),
            );
            continue;
        }
        kept.push(slo);
    }
    kept
}
