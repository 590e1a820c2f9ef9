//! The benchmark's synthetic trees (`scripts/spec_tree.rs`) at 1,000 SLOs, native and OpenSLO,
//! built with every backend: each output file's size and digest are a snapshot, so a change made
//! for speed that alters one byte of the output fails here. A change that means to alter the
//! output updates the snapshot and says why.

use crate::common::build::Build;
use crate::spec_tree::{Format, generate};
use std::fmt::Write as _;
use std::path::Path;

/// FNV-1a, 64 bits: stable across Rust versions and platforms, unlike `DefaultHasher`.
fn digest(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Every file under `dir`, sorted, as `path bytes digest`.
fn manifest(dir: &Path) -> String {
    let mut lines = String::new();
    for (path, (bytes, _)) in crate::common::snapshot_dir(dir) {
        let _ = writeln!(
            lines,
            "{} {} {:016x}",
            path.display(),
            bytes.len(),
            digest(&bytes)
        );
    }
    lines
}

fn built_tree(format: Format) -> String {
    let dir = tempfile::tempdir().unwrap();
    generate(&dir.path().join("specs"), 1000, 100, format).unwrap();
    // Relative paths: the documents and dashboards name their source file.
    let built = Build::of(&["specs"]).cwd(dir.path()).ok();
    manifest(built.path())
}

#[test]
fn native_tree_output_is_unchanged() {
    let manifest = built_tree(Format::Native);
    assert!(manifest.lines().count() > 70, "{manifest}");
    insta::assert_snapshot!(manifest);
}

#[test]
fn openslo_tree_output_is_unchanged() {
    let manifest = built_tree(Format::OpenSlo);
    assert!(manifest.lines().count() > 40, "{manifest}");
    insta::assert_snapshot!(manifest);
}
