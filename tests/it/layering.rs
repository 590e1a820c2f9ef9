//! The layers of README.md's "How it works", held: every path that code in `src/` names through
//! `crate::`, `$crate::` or `super::` leads to its own layer or a lower one, never a later one;
//! and a backend (a child module of `emit`) uses the shared emit helpers and `emit`'s own items,
//! not another backend's. Comments, doc comments and string literals may name anything: only
//! code is read (see `layering/paths.rs`).
//!
//! The layers are read from the README's table at test time, so the table is the one place that
//! says which module belongs where; a module missing from it, or listed twice, fails the test.

mod paths;

use paths::{Named, exported_macros, named_paths};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

/// Child modules of `emit` that every backend may use, and that use no backend.
const SHARED_EMIT: &[&str] = &["json", "yaml_writer"];

/// Deliberate imports between backends: the importing backend, the path it uses under `emit`
/// (the entry covers that path and everything under it), and why.
const BACKEND_EXCEPTIONS: &[(&str, &str, &str)] = &[
    (
        "terraform",
        "sentry",
        "Terraform writes the Sentry backend's monitors and alert rules as resources, from the \
         same plan, names and rule bodies: nothing is decided twice",
    ),
    (
        "terraform",
        "uptimerobot",
        "Terraform writes the monitors the UptimeRobot backend plans as resources",
    ),
    (
        "sloth_compat",
        "prometheus",
        "`--compat sloth` wraps the Prometheus backend: its rules replace the backend's, with \
         the same rule types, expressions and file formats",
    ),
    (
        "sloth_compat",
        "alertmanager::has_routing",
        "Sloth-shaped alerts carry routing labels exactly when the Alertmanager backend routes \
         the service",
    ),
    (
        "markdown",
        "k6",
        "the SLO document quotes the k6 thresholds as the k6 backend writes them",
    ),
];

/// Paths that code in `#[cfg(test)]` modules may use from any layer, and why.
const TEST_ONLY: &[(&str, &str)] = &[(
    "plan",
    "unit tests build their Plan from a spec file as users do, through the crate root's `plan`",
)];

#[test]
fn layering() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let layers = layer_table(&readme).unwrap_or_else(|error| panic!("README.md: {error}"));
    let mut files = Vec::new();
    rust_files(root, &root.join("src"), &mut files);
    files.sort();
    let crate_tree = CrateTree::new(&layers, &files);

    let mut problems = crate_tree.unplaced_modules();
    let mut excused = BTreeSet::new();
    let mut found = Vec::new();
    for (file, text) in &files {
        found.extend(crate_tree.violations(file, text, &mut excused));
    }
    problems.extend(found.iter().map(ToString::to_string));
    for (index, (backend, path, _)) in BACKEND_EXCEPTIONS.iter().enumerate() {
        if !excused.contains(&index) {
            problems.push(format!(
                "BACKEND_EXCEPTIONS: `{backend}` no longer uses `emit::{path}`; remove the entry"
            ));
        }
    }
    let order: Vec<&str> = layers.iter().map(|(layer, _)| layer.as_str()).collect();
    assert!(
        problems.is_empty(),
        "imports against the layers of README.md's \"How it works\" (lowest first: {}):\n{}",
        order.join(", "),
        problems.join("\n")
    );
}

#[test]
fn layering_catches_a_synthetic_violation() {
    let readme = "# x\n\n## How it works\n\nLowest first:\n\n\
        | layer | modules | what |\n|---|---|---|\n\
        | foundations | `units` | numbers |\n| spec | `spec` | the language |\n\
        | compile | `compile` | the Plan |\n| emit | `emit` | backends |\n\
        | commands | `cli`, `lib` | commands |\n\n## Next\n";
    let layers = layer_table(readme).unwrap();
    let mut files: Vec<(String, String)> = [
        "src/lib.rs",
        "src/cli.rs",
        "src/units.rs",
        "src/spec/mod.rs",
        "src/compile/mod.rs",
        "src/emit/mod.rs",
        "src/emit/json.rs",
        "src/emit/yaml_writer.rs",
        "src/emit/grafana/mod.rs",
        "src/emit/prometheus.rs",
        "src/emit/sentry/mod.rs",
        "src/emit/terraform/mod.rs",
    ]
    .iter()
    .map(|file| ((*file).to_owned(), String::new()))
    .collect();
    let json = "#[macro_export]\nmacro_rules! json_object { () => {}; }\n";
    files[6] = ("src/emit/json.rs".to_owned(), json.to_owned());
    let crate_tree = CrateTree::new(&layers, &files);
    assert!(crate_tree.unplaced_modules().is_empty());
    let found = |file: &str, text: &str| -> Vec<String> {
        crate_tree
            .violations(file, text, &mut BTreeSet::new())
            .iter()
            .map(ToString::to_string)
            .collect()
    };

    let spec = r#"//! A doc comment may name crate::emit::markdown::Overrides.
/// So may [`crate::compile::plan`].
use crate::units::Duration; // and a comment: use crate::cli::run;
use crate::{emit::markdown::Overrides, units::Ratio};
const TEXT: &str = "crate::emit::k6";
const CHAR: char = '"'; fn f<'a>(x: &'a str) { super::compile::plan(x); }
/* crate::emit::x */ fn g() { crate::spec::load(); }
"#;
    assert_eq!(
        found("src/spec/mod.rs", spec),
        [
            "src/spec/mod.rs:4: `crate::emit::markdown::Overrides`: `spec` (spec) uses `emit`, \
             of the later layer emit",
            "src/spec/mod.rs:6: `crate::compile::plan`: `spec` (spec) uses `compile`, of the \
             later layer compile",
        ]
    );
    // The crate root's `plan` is a later layer, except to build a test's fixture.
    let compile = "fn a() { crate::plan(); }\n#[cfg(test)]\nmod tests {\n    \
        fn b() { crate::plan(); super::super::cli::run(); }\n}\n";
    let lines = |found: Vec<String>| -> Vec<String> {
        found
            .iter()
            .map(|v| v.split(": ").next().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        lines(found("src/compile/mod.rs", compile)),
        ["src/compile/mod.rs:1", "src/compile/mod.rs:4"]
    );
    let grafana = "use crate::emit::prometheus::comment;\n\
        use super::{OutputFile, yaml_writer::Literal};\n\
        use crate::json_object;\nuse crate::emit::grafana::Grafana;\n";
    assert_eq!(
        lines(found("src/emit/grafana/mod.rs", grafana)),
        ["src/emit/grafana/mod.rs:1"]
    );
    // An allowed import between backends; a shared helper uses no backend.
    let terraform = "use super::sentry::plan::Monitor;";
    assert!(found("src/emit/terraform/mod.rs", terraform).is_empty());
    let shared = "fn f() { let _ = crate::emit::sentry::SentryApi::default(); }";
    assert_eq!(
        lines(found("src/emit/json.rs", shared)),
        ["src/emit/json.rs:1"]
    );
    // Every module of `src/` has one row.
    files.push(("src/status/mod.rs".to_owned(), String::new()));
    assert_eq!(
        CrateTree::new(&layers, &files).unplaced_modules(),
        ["module `status` (src/status/mod.rs) is in no layer of README.md's table"]
    );
    let twice = readme.replace("| `compile` |", "| `compile`, `units` |");
    assert!(
        layer_table(&twice)
            .unwrap_err()
            .contains("`units` is in two layers")
    );
}

/// The layers, lowest first, with their modules: the README table whose header starts
/// `| layer | modules |`, in the section `## How it works`.
fn layer_table(readme: &str) -> Result<Vec<(String, Vec<String>)>, String> {
    let section = readme
        .split("\n## ")
        .find(|section| section.starts_with("How it works"))
        .ok_or("no section `## How it works`")?;
    let mut lines = section
        .lines()
        .skip_while(|line| !line.starts_with("| layer | modules |"));
    lines
        .next()
        .ok_or("no table `| layer | modules |` in `## How it works`")?;
    let mut layers: Vec<(String, Vec<String>)> = Vec::new();
    for row in lines.skip(1).take_while(|line| line.starts_with('|')) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (Some(layer), Some(modules)) = (cells.get(1), cells.get(2)) else {
            return Err(format!("a layer row without modules: {row}"));
        };
        let modules: Vec<String> = modules
            .split(',')
            .map(|module| module.trim().trim_matches('`').to_owned())
            .collect();
        for module in &modules {
            if !is_identifier(module) {
                return Err(format!("`{module}` is not a module name, in: {row}"));
            }
            if layers.iter().any(|(_, earlier)| earlier.contains(module)) {
                return Err(format!("`{module}` is in two layers"));
            }
        }
        layers.push(((*layer).to_owned(), modules));
    }
    if layers.is_empty() {
        return Err("the layer table has no rows".to_owned());
    }
    Ok(layers)
}

fn is_identifier(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Every `.rs` file under `dir`, as (path from the crate root with `/`, text).
fn rust_files(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(root, &path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let relative = path.strip_prefix(root).expect("under the crate root");
            let name = relative.to_string_lossy().replace('\\', "/");
            out.push((name, std::fs::read_to_string(&path).expect("UTF-8 source")));
        }
    }
}

/// The module a file holds, from the crate root: `src/spec/load.rs` is `spec::load`,
/// `src/emit/mod.rs` is `emit`, `src/lib.rs` the root. The binary's `src/main.rs` is `main`.
fn module_of(file: &str) -> Vec<String> {
    let inner = file
        .strip_prefix("src/")
        .and_then(|f| f.strip_suffix(".rs"))
        .unwrap_or(file);
    let mut parts: Vec<String> = inner.split('/').map(str::to_owned).collect();
    if parts.last().is_some_and(|last| last == "mod") || parts == ["lib"] {
        parts.pop();
    }
    parts
}

/// The top-level module of a path from the crate root; `lib` for the root's own items.
fn top(path: &[String]) -> &str {
    path.first().map_or("lib", String::as_str)
}

/// What the check knows of the crate: each top-level module's layer, the children of `emit`,
/// and where each exported macro is defined.
struct CrateTree {
    /// Top-level module (`lib` for the crate root) → (rank, layer name).
    layer_of: BTreeMap<String, (usize, String)>,
    /// The top-level modules of `src/`, each with its first file.
    modules: BTreeMap<String, String>,
    emit_children: BTreeSet<String>,
    /// `#[macro_export]` macros, which the crate root holds, → the module defining them.
    macros: BTreeMap<String, Vec<String>>,
}

/// One path that breaks a rule.
struct Violation {
    file: String,
    line: usize,
    /// The path as named from the crate root: `crate::emit::sentry::problems`.
    path: String,
    why: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Violation {
            file,
            line,
            path,
            why,
        } = self;
        write!(f, "{file}:{line}: `{path}`: {why}")
    }
}

impl CrateTree {
    fn new(layers: &[(String, Vec<String>)], files: &[(String, String)]) -> CrateTree {
        let mut layer_of = BTreeMap::new();
        for (rank, (layer, modules)) in layers.iter().enumerate() {
            for module in modules {
                layer_of.insert(module.clone(), (rank, layer.clone()));
            }
        }
        let mut modules = BTreeMap::new();
        let mut emit_children = BTreeSet::new();
        let mut macros = BTreeMap::new();
        for (file, text) in files {
            let module = module_of(file);
            modules
                .entry(top(&module).to_owned())
                .or_insert_with(|| file.clone());
            if let [emit, child, ..] = module.as_slice()
                && emit == "emit"
            {
                emit_children.insert(child.clone());
            }
            for name in exported_macros(text) {
                macros.insert(name, module.clone());
            }
        }
        CrateTree {
            layer_of,
            modules,
            emit_children,
            macros,
        }
    }

    /// The README's table against `src/`: modules it does not place, and rows of modules that
    /// do not exist.
    fn unplaced_modules(&self) -> Vec<String> {
        let unlisted = self
            .modules
            .iter()
            .filter(|(module, _)| !self.layer_of.contains_key(*module))
            .map(|(module, file)| {
                format!("module `{module}` ({file}) is in no layer of README.md's table")
            });
        let missing = self
            .layer_of
            .keys()
            .filter(|module| !self.modules.contains_key(*module))
            .map(|module| format!("README.md's table places `{module}`, which src/ does not hold"));
        unlisted.chain(missing).collect()
    }

    /// The paths of one file that break a rule. The indexes of the backend exceptions that
    /// allowed a path are added to `excused`.
    fn violations(&self, file: &str, text: &str, excused: &mut BTreeSet<usize>) -> Vec<Violation> {
        let module = module_of(file);
        let mut out = Vec::new();
        for named in named_paths(&module, text) {
            // An exported macro is named at the crate root but belongs to its module.
            let target: Vec<String> = match named.path.first().and_then(|n| self.macros.get(n)) {
                Some(defined_in) => defined_in.iter().chain(&named.path).cloned().collect(),
                None => named.path.clone(),
            };
            let why = self
                .reaches_up(&module, &target, &named)
                .or_else(|| self.crosses_backends(&module, &target, excused));
            if let Some(why) = why {
                out.push(Violation {
                    file: file.to_owned(),
                    line: named.line,
                    path: format!("crate::{}", named.path.join("::")),
                    why,
                });
            }
        }
        out
    }

    /// Why `target`, named as `named`, is of a later layer than `module`, if it is.
    fn reaches_up(&self, module: &[String], target: &[String], named: &Named) -> Option<String> {
        let from = top(module);
        let to = Some(top(target))
            .filter(|to| self.layer_of.contains_key(*to))
            .unwrap_or("lib");
        let ((from_rank, from_layer), (to_rank, to_layer)) =
            (self.layer_of.get(from)?, self.layer_of.get(to)?);
        let joined = named.path.join("::");
        let for_tests = named.in_test
            && TEST_ONLY.iter().any(|(allowed, _)| {
                joined == *allowed || joined.starts_with(&format!("{allowed}::"))
            });
        (to_rank > from_rank && !for_tests)
            .then(|| format!("`{from}` ({from_layer}) uses `{to}`, of the later layer {to_layer}"))
    }

    /// Why `target` is another backend's item, used by the backend (or shared emit helper) of
    /// `module`, if it is one and no exception allows it.
    fn crosses_backends(
        &self,
        module: &[String],
        target: &[String],
        excused: &mut BTreeSet<usize>,
    ) -> Option<String> {
        let ([emit, from, ..], [to_emit, to, ..]) = (module, target) else {
            return None;
        };
        if emit != "emit"
            || to_emit != "emit"
            || from == to
            || !self.emit_children.contains(to)
            || SHARED_EMIT.contains(&to.as_str())
        {
            return None;
        }
        let under_emit = target[1..].join("::");
        for (index, (backend, allowed, _)) in BACKEND_EXCEPTIONS.iter().enumerate() {
            if backend == from
                && (under_emit == *allowed || under_emit.starts_with(&format!("{allowed}::")))
            {
                excused.insert(index);
                return None;
            }
        }
        Some(if SHARED_EMIT.contains(&from.as_str()) {
            format!("shared emit helper `{from}` uses an item of backend `{to}`")
        } else {
            format!(
                "backend `{from}` uses an item of backend `{to}`; move it to a shared emit \
                 helper or a lower layer, or list it in BACKEND_EXCEPTIONS with the reason"
            )
        })
    }
}
