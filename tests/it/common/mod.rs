//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod alertmanager_server;
pub mod build;
pub mod chromium;
pub mod live_data;
pub mod prometheus_server;
pub mod receiver;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real `slofile` binary, run from the repository root.
pub fn slofile() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_slofile"));
    command.current_dir(root()).env("NO_COLOR", "1");
    command
}

/// Runs the binary with `args` and returns its output.
pub fn run(args: &[&str]) -> Output {
    slofile()
        .args(args)
        .output()
        .expect("the slofile binary runs")
}

/// An external tool the tests need. Fails loudly when it is missing: these tests never skip.
pub fn require_tool(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "`{name}` is required by this test and was not found on PATH. \
             Run ./scripts/test.sh, which installs it from Debian's packages \
             (promtool: `prometheus`, amtool: `prometheus-alertmanager`)."
        )
    })
}

/// Runs an external tool, returning its output; panics with everything it printed on failure.
pub fn run_tool_ok(tool: &Path, args: &[&str], cwd: &Path) -> String {
    let output = Command::new(tool)
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "{} {:?} failed ({}):\n{text}",
        tool.display(),
        args,
        output.status
    );
    text
}

/// Every spec file under `specs/` and `examples/`, sorted.
pub fn shipped_specs() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["specs", "examples"] {
        collect(&root().join(dir), &mut files);
    }
    files.sort();
    files
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            files.push(path);
        }
    }
}

/// Every file under `dir` with its bytes and mtime.
pub fn snapshot_dir(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
                files.insert(
                    path.strip_prefix(dir).unwrap().to_path_buf(),
                    (std::fs::read(&path).unwrap(), modified),
                );
            }
        }
    }
    files
}

/// The first rule group of the SLO a group belongs to: `slofile:<service>:<slo>` for itself and
/// for the groups that continue it (`…:2`, `…:3`).
pub fn slo_group(name: &str) -> &str {
    match name.rsplit_once(':') {
        Some((base, n)) if n.parse::<u32>().is_ok() => base,
        _ => name,
    }
}
