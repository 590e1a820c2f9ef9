//! Helpers shared by the OpenSLO, Sloth and convert tests.
#![allow(dead_code)]

use crate::common::run;
use std::path::Path;

/// Every file `build` writes for `inputs`, through every backend, as one text: a golden.
pub fn build_golden(inputs: &[&str]) -> String {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["build"];
    args.extend(inputs);
    args.extend(["-o", out.path().to_str().unwrap()]);
    let output = run(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut files = Vec::new();
    collect_files(out.path(), out.path(), &mut files);
    files.sort();
    if files.is_empty() {
        return "(no files: no backend wrote any)\n".to_owned();
    }
    let mut golden = String::new();
    for file in files {
        let text = std::fs::read_to_string(out.path().join(&file)).unwrap();
        golden.push_str(&format!("===== {file}\n{text}"));
    }
    golden
}

/// Paths of the files below `dir`, relative to `base`, with `/` separators.
pub fn collect_files(base: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_files(base, &path, out);
        } else {
            out.push(
                path.strip_prefix(base)
                    .unwrap()
                    .display()
                    .to_string()
                    .replace('\\', "/"),
            );
        }
    }
}
