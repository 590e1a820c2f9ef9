//! `slofile diff`: a reviewer's summary of what a change does to budgets and alerts.

use crate::common::{require_tool, root, run, slofile};
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const OLD: &str = "tests/fixtures/cicd/specs";
const NEW: &str = "tests/fixtures/cicd/changed";

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn objective_change_reports_its_budget_and_alert_effect() {
    let output = run(&["diff", OLD, NEW]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let markdown = stdout(&output);
    assert!(markdown.starts_with("<!-- slofile diff -->\n"));
    let human = |text| slofile::units::Duration::parse(text).unwrap().human();
    let objective = format!(
        "- objective 99.5% → 99.9%: budget {} → {} per {}\n",
        human("3h22m"),
        human("40m"),
        human("28d")
    );
    assert!(markdown.contains(&objective), "{objective}\n{markdown}");
    assert!(markdown.contains("- `page` 1h/5m now fires at 1.344% errors (was 6.72%)\n"));
    insta::assert_snapshot!("diff_fixtures", markdown);
}

#[test]
fn exit_code_tells_whether_anything_changed() {
    assert_eq!(
        run(&["diff", "--exit-code", OLD, NEW]).status.code(),
        Some(1)
    );
    let same = run(&["diff", "--exit-code", OLD, OLD]);
    assert_eq!(same.status.code(), Some(0));
    assert_eq!(
        stdout(&same),
        "<!-- slofile diff -->\n## SLO changes\n\nNo changes to services, SLOs, error budgets or alerts.\n"
    );
    // The same specs in another place, file by file, are no change either.
    let file = format!("{OLD}/shop.yaml");
    let copy = tempfile::tempdir().unwrap();
    fs::copy(root().join(&file), copy.path().join("renamed.yml")).unwrap();
    let output = run(&["diff", "--exit-code", &file, copy.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn wrong_arguments_are_usage_errors() {
    let one = run(&["diff", OLD]);
    assert_eq!(one.status.code(), Some(2));
    assert!(
        stderr(&one).contains("`diff` takes OLD and NEW"),
        "{}",
        stderr(&one)
    );
    assert_eq!(run(&["diff", OLD, "no/such/dir"]).status.code(), Some(2));
}

#[test]
fn invalid_specs_on_either_side_fail_with_diagnostics() {
    let output = run(&["diff", OLD, "tests/fixtures/cicd/invalid"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).is_empty());
    assert!(stderr(&output).contains("slofile::objective_range"));
}

/// A git repository holding the fixture specs in `specs/`, committed once.
fn repository() -> tempfile::TempDir {
    let git = require_tool("git");
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&root().join(OLD), &repo.path().join("specs"));
    crate::common::run_tool_ok(&git, &["init", "-q", "-b", "main"], repo.path());
    commit_all(repo.path(), "specs");
    repo
}

fn commit_all(repo: &Path, message: &str) {
    let git = require_tool("git");
    let identity = ["-c", "user.name=CI", "-c", "user.email=ci@example.invalid"];
    crate::common::run_tool_ok(&git, &["add", "specs"], repo);
    crate::common::run_tool_ok(
        &git,
        &[&identity[..], &["commit", "-qm", message]].concat(),
        repo,
    );
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn in_repo(repo: &Path, cwd: &str, args: &[&str]) -> Output {
    slofile()
        .args(args)
        .current_dir(repo.join(cwd))
        .output()
        .unwrap()
}

#[test]
fn base_reads_the_old_side_from_git() {
    let repo = repository();
    fs::remove_dir_all(repo.path().join("specs")).unwrap();
    copy_dir(&root().join(NEW), &repo.path().join("specs"));

    let direct = stdout(&run(&["diff", OLD, NEW]));
    let output = in_repo(repo.path(), "", &["diff", "--base", "main", "specs"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), direct, "--base gives what OLD NEW gives");

    // From a subdirectory, with a path relative to it.
    let output = in_repo(
        repo.path(),
        "specs",
        &["diff", "--base", "HEAD", "--exit-code", "."],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(stdout(&output), direct);

    // A single file, and a path that did not exist at the base revision.
    let output = in_repo(
        repo.path(),
        "",
        &["diff", "--base", "HEAD", "specs/shop.yaml"],
    );
    assert!(stdout(&output).contains("objective 99.5% → 99.9%"));
    let output = in_repo(
        repo.path(),
        "",
        &["diff", "--base", "HEAD", "specs/catalog.yaml"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("### Service `catalog`: added"));
}

#[test]
fn base_reports_unknown_revisions_and_paths_outside_the_repository() {
    let repo = repository();
    let output = in_repo(
        repo.path(),
        "",
        &["diff", "--base", "no-such-branch", "specs"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`no-such-branch` is not a git revision"),
        "{}",
        stderr(&output)
    );

    let output = in_repo(repo.path(), "", &["diff", "--base", "HEAD", "../elsewhere"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("outside the git repository"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn base_names_old_files_by_revision_in_diagnostics() {
    let repo = repository();
    fs::copy(
        root().join("tests/fixtures/cicd/invalid/bad-objective.yaml"),
        repo.path().join("specs/bad.yaml"),
    )
    .unwrap();
    commit_all(repo.path(), "bad");
    fs::remove_file(repo.path().join("specs/bad.yaml")).unwrap();

    let output = in_repo(
        repo.path(),
        "",
        &["--format", "github", "diff", "--base", "HEAD", "specs"],
    );
    assert_eq!(output.status.code(), Some(1));
    let annotations = stdout(&output) + &stderr(&output);
    assert!(
        annotations.contains("::error file=HEAD%3Aspecs/bad.yaml,line=5,col=16,"),
        "{annotations}"
    );
}

#[test]
fn git_is_only_needed_with_base() {
    // OLD NEW runs anywhere, with no repository and no git on PATH.
    let output = Command::new(env!("CARGO_BIN_EXE_slofile"))
        .args(["diff", OLD, NEW])
        .current_dir(root())
        .env("PATH", "")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn only_the_new_side_warns() {
    let warnings = "tests/fixtures/cicd/warnings";
    let output = run(&["--format", "json", "diff", warnings, warnings]);
    assert_eq!(output.status.code(), Some(0));
    let text = stderr(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "one warning per tier that cannot fire, not per side"
    );
    assert!(
        lines
            .iter()
            .all(|l| l.contains("slofile::tier_cannot_fire"))
    );
}

#[test]
fn budget_policy_changes_are_reported_rule_by_rule_in_numbers() {
    let old = "tests/fixtures/diff/policy-old";
    let new = "tests/fixtures/diff/policy-new";
    let output = run(&["diff", "--exit-code", old, new]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let markdown = stdout(&output);
    let human = |text| slofile::units::Duration::parse(text).unwrap().human();
    // `orders`, 99.5% over 28 days: a budget of 3 h 21 m 36 s, a fifth of it about 40 minutes.
    for line in [
        format!(
            "- budget policy: freeze_if_burned 20% = {} within {day} → 10% = {} within {day}\n",
            human("40m"),
            human("20m"),
            day = human("1d")
        ),
        "- budget policy: freeze_below removed (was 0% = 0 left)\n".to_owned(),
        "- budget policy: exempt `hotfix`, `security` → `hotfix`\n".to_owned(),
    ] {
        assert!(markdown.contains(&line), "{line}\n{markdown}");
    }
    // A policy in prose only checks nothing: following rules adds a policy, keeping only prose
    // removes it.
    assert!(markdown.contains("**SLO `reviews`: changed**\n\n- budget policy added: "));
    assert!(markdown.contains("**SLO `payments`: changed**\n\n- budget policy removed (was "));
    insta::assert_snapshot!("diff_policy", markdown);

    let same = run(&["diff", "--exit-code", old, old]);
    assert_eq!(same.status.code(), Some(0), "{}", stdout(&same));
}
