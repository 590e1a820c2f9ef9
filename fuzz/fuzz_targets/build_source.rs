//! The whole pipeline on one in-memory file: read, parse, validate, compile, emit, and render the
//! diagnostics in every format. It must never panic or hang, and it must return files only when
//! it reports no error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slofile::diagnostics::{Diagnostic, Format, render};

fuzz_target!(|data: &[u8]| {
    let (report, files) =
        slofile::build_source("fuzz.yaml", data.to_vec(), &slofile::LoadOptions::default());
    if !files.is_empty() {
        assert_eq!(report.error_count(), 0, "files emitted despite errors");
    }
    let all: Vec<&Diagnostic> = report.diagnostics.iter().collect();
    for format in [Format::Human, Format::Plain, Format::Json, Format::Github] {
        render(&all, format, true);
    }
});
