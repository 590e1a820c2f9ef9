//! The spec language end to end: the checked-in schema, the shipped specs, `explain`, and the
//! rendered diagnostics of a corpus of invalid specs (one kind of mistake each).

use crate::common::build::Build;
use crate::common::{root, run};
use std::path::Path;

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn checked_in_schema_matches_the_binary() {
    let output = run(&["schema"]);
    assert!(output.status.success());
    let checked_in = std::fs::read_to_string(root().join("schema/slofile.schema.json")).unwrap();
    assert!(
        stdout(&output) == checked_in,
        "schema/slofile.schema.json is stale: run `cargo run -- schema > schema/slofile.schema.json`"
    );
}

#[test]
fn shipped_specs_validate_cleanly() {
    let output = run(&["validate", "specs", "examples", "--deny-warnings"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
}

#[test]
fn every_shipped_spec_validates_on_its_own() {
    let specs = crate::common::shipped_specs();
    assert!(
        specs.len() >= 15,
        "expected the seed specs and the examples"
    );
    for spec in specs {
        let path = spec.to_string_lossy().into_owned();
        let output = run(&["validate", &path]);
        assert_eq!(output.status.code(), Some(0), "{path}: {}", stderr(&output));
    }
}

#[test]
fn every_shipped_spec_carries_the_schema_modeline() {
    for spec in crate::common::shipped_specs() {
        let text = std::fs::read_to_string(&spec).unwrap();
        assert!(
            text.starts_with("# yaml-language-server: $schema="),
            "{} has no schema modeline",
            spec.display()
        );
    }
}

#[test]
fn explain_reads_well_for_the_seed_specs() {
    for service in ["nexus", "dealix"] {
        let output = run(&["explain", &format!("specs/{service}.yaml")]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        insta::assert_snapshot!(format!("explain_{service}"), stdout(&output));
    }
}

/// The rules of a policy in numbers, under each SLO that follows them; a policy in prose only adds
/// nothing.
#[test]
fn explain_states_the_budget_policy_in_numbers() {
    let output = run(&["explain", "tests/fixtures/gate/shop.yaml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let (orders, search) = text.split_once("  search:").unwrap();
    // 1% of 28 days is 6 h 43 m 12 s; a fifth of it 1 h 20 m 38 s, half of it 3 h 21 m 36 s.
    let line = "    budget policy  freeze below 0% = 0 of 6 h 43 m 12 s left; \
                freeze when 20% = 1 h 20 m 38 s of the budget burns within 1 day; \
                warn below 50% = 3 h 21 m 36 s left; exempt: hotfix\n";
    assert!(orders.contains(line), "{orders}");
    assert!(!search.contains("budget policy"), "{search}");
}

/// Every file in tests/invalid/ names the code it must produce on its first line.
#[test]
fn invalid_specs_get_located_coded_diagnostics() {
    let dir = root().join("tests/invalid");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 25, "the corpus needs at least 25 cases");
    // Every file is checked, and every failing one named at the end, not only the first.
    let mut failed = Vec::new();
    for file in files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        if std::panic::catch_unwind(|| check_invalid_spec(&file)).is_err() {
            failed.push(name);
        }
    }
    assert!(failed.is_empty(), "invalid specs that failed: {failed:?}");
}

/// One file of the invalid corpus: the code of its first line, located, with help, snapshotted.
fn check_invalid_spec(file: &Path) {
    let name = file.file_stem().unwrap().to_string_lossy().into_owned();
    let bytes = std::fs::read(file).unwrap();
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
    let expected = head
        .split("# expect: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("{name}: first line must be `# expect: slofile::CODE`"))
        .to_owned();
    let relative = format!("tests/invalid/{name}.yaml");
    let output = run(&["validate", "--format", "plain", &relative]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{name}: {text}");
    assert!(
        text.contains(&expected),
        "{name}: expected {expected} in:\n{text}"
    );
    assert!(
        text.contains(&format!("{relative}:")),
        "{name}: the diagnostic must name file:line:col:\n{text}"
    );
    assert!(
        text.contains("help:"),
        "{name}: every diagnostic has help:\n{text}"
    );
    assert!(!text.contains("panicked"), "{name}: {text}");
    insta::assert_snapshot!(format!("invalid_{name}"), text);
}

#[test]
fn all_problems_of_a_file_are_reported_together() {
    let output = run(&[
        "validate",
        "--format",
        "json",
        "tests/invalid/many-problems-at-once.yaml",
    ]);
    let codes: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            value["code"].as_str().unwrap().to_owned()
        })
        .collect();
    for code in [
        "unknown_field",
        "invalid_id",
        "objective_range",
        "invalid_duration",
        "promql_syntax",
    ] {
        assert!(
            codes.contains(&format!("slofile::{code}")),
            "{code} missing from {codes:?}"
        );
    }
}

#[test]
fn warnings_pass_unless_denied() {
    let fixture = "tests/fixtures/spec/p50-default-tiers.yaml";
    let output = run(&["validate", fixture]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stderr(&output).contains("slofile::tier_cannot_fire"));
    let output = run(&["validate", "--deny-warnings", fixture]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn missing_path_is_a_usage_error() {
    let output = run(&["validate", "no/such/dir"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("slofile::io"));
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let output = run(&["validate", "--no-such-flag", "specs"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn nothing_is_written_for_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    Build::of(&["specs", "tests/invalid/objective-100-percent.yaml"])
        .out(&out)
        .expect(1);
    assert!(!out.exists(), "build wrote output for invalid input");
}

#[test]
fn duplicate_services_across_files_are_rejected() {
    let output = run(&[
        "validate",
        "--format",
        "plain",
        "specs/nexus.yaml",
        "tests/fixtures/spec/nexus-again.yaml",
    ]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("duplicate_service", stderr(&output));
}

#[test]
fn build_runs_the_whole_pipeline_on_shipped_specs() {
    let built = Build::of(&["specs", "examples"]).ok();
    assert!(built.path().join(".slofile-manifest").is_file());
}

#[test]
fn diagnostic_codes_are_documented() {
    let docs = std::fs::read_to_string(root().join("docs/diagnostics.md")).unwrap();
    for (code, _) in slofile::diagnostics::Code::ALL {
        assert!(
            docs.contains(&format!("`{}`", code.as_str())),
            "{code} is not in docs/diagnostics.md"
        );
    }
}

#[test]
fn validate_reports_what_only_a_backend_can_see() {
    // An aggregation that drops a `group_by` label only shows when the rules are shaped.
    let output = run(&[
        "validate",
        "--format",
        "plain",
        "tests/fixtures/prometheus/invalid/shapes.yaml",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("slofile::promql_shape"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn labels_the_info_series_uses_are_reserved() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    std::fs::write(
        &spec,
        "apiVersion: slofile/v1\nservice: shop\nlabels: {title: x, window: y}\nslos:\n  - id: a\n    objective: 99%\n    sli: {ratio: {bad: e_total, total: t_total}}\n",
    )
    .unwrap();
    let output = run(&["validate", "--format", "json", spec.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout.matches("is set by slofile itself").count(),
        2,
        "{stdout}"
    );
}
