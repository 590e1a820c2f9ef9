//! The command line as CI uses it: `build` and `check`, exit codes, diagnostic formats,
//! determinism, completions and the man page, and the CI recipes in `examples/ci/`.

use crate::common::build::{Build, Built};
use crate::common::{require_tool, root, run, slofile, snapshot_dir};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FIXTURES: &str = "tests/fixtures/cicd/specs";
const INVALID: &str = "tests/fixtures/cicd/invalid";
const WARNINGS: &str = "tests/fixtures/cicd/warnings";

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn code(args: &[&str]) -> Option<i32> {
    run(args).status.code()
}

#[test]
fn check_catches_a_hand_edited_file_and_never_writes() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("generated");
    Build::of(&[FIXTURES]).out(&out).ok();
    let dir = out.to_str().unwrap();
    assert_eq!(code(&["check", FIXTURES, "-o", dir]), Some(0));

    let shop = out.join("alertmanager/alertmanager.yml");
    let original = fs::read_to_string(&shop).unwrap();
    // A hand edit of the root route's wait, the one line `check` must point at.
    let edited = original.replacen("group_wait: 30s", "group_wait: 45s", 1);
    let edited_line = original
        .lines()
        .position(|line| line.contains("group_wait: 30s"))
        .unwrap()
        + 1;
    fs::write(&shop, edited).unwrap();
    fs::remove_file(out.join("prometheus/billing.rules.yml")).unwrap();
    fs::write(out.join("alertmanager/hand-written.yml"), "mine\n").unwrap();
    let before = snapshot_dir(&out);

    let output = run(&["check", FIXTURES, "-o", dir]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(snapshot_dir(&out), before, "check never writes");
    let report = stdout(&output).replace(dir, "generated");
    insta::assert_snapshot!("check_stale", report);
    let diagnostics = stderr(&output).replace(dir, "generated");
    assert!(
        diagnostics.contains(&format!(
            "generated/alertmanager/alertmanager.yml:{edited_line}:1"
        )),
        "{diagnostics}"
    );
    assert!(diagnostics.contains("`generated/prometheus/billing.rules.yml` is missing"));
    assert!(
        !diagnostics.contains("hand-written"),
        "files slofile did not write are not its business"
    );

    // `build` repairs it, leaving the hand-written file alone, and `check` passes again.
    Build::of(&[FIXTURES]).out(&out).ok();
    let output = run(&["check", FIXTURES, "-o", dir]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).is_empty());
    assert_eq!(
        fs::read_to_string(out.join("alertmanager/hand-written.yml")).unwrap(),
        "mine\n"
    );
}

#[test]
fn check_lists_stale_outputs_and_creates_no_directory() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("generated");
    Build::of(&[FIXTURES]).out(&out).ok();
    // Built from more specs earlier than this check reads.
    let output = run(&[
        "check",
        &format!("{FIXTURES}/shop.yaml"),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let listed = stdout(&output).replace(out.to_str().unwrap(), "generated");
    let extra = listed
        .split_once("extra (build would remove):\n")
        .map(|(_, list)| list)
        .unwrap_or_default();
    for stale in [
        "prometheus/billing.rules.yml",
        "prometheus/ledger.rules.yml",
    ] {
        assert!(
            extra.contains(&format!("  generated/{stale}\n")),
            "{listed}"
        );
    }
    assert!(!extra.contains("shop"), "{listed}");

    let nowhere = temp.path().join("nowhere");
    let output = run(&["check", FIXTURES, "-o", nowhere.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("missing (build would write):"));
    assert!(!nowhere.exists());
}

#[test]
fn a_failed_build_exits_2_and_leaves_the_previous_output() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("generated");
    Build::of(&[FIXTURES]).out(&out).ok();
    // `billing.rules.yml` needs rewriting and is staged first; then a directory stands where
    // `shop.rules.yml` must go.
    fs::write(out.join("prometheus/billing.rules.yml"), "edited\n").unwrap();
    fs::remove_file(out.join("prometheus/shop.rules.yml")).unwrap();
    fs::create_dir_all(out.join("prometheus/shop.rules.yml/in-the-way")).unwrap();
    let before = snapshot_dir(&out);

    let built = Build::of(&[FIXTURES]).out(&out).format("human").expect(2);
    assert!(
        built.stderr().contains("a directory is in the way"),
        "{}",
        built.stderr()
    );
    assert_eq!(
        snapshot_dir(&out),
        before,
        "nothing replaced, nothing left behind"
    );
}

#[test]
fn exit_codes() {
    let temp = tempfile::tempdir().unwrap();
    let file = temp.path().join("a-file");
    fs::write(&file, "").unwrap();
    let cases: &[(&[&str], i32)] = &[
        (&["validate", FIXTURES], 0),
        (&["validate", INVALID], 1),
        (&["validate", WARNINGS], 0),
        (&["validate", "--deny-warnings", WARNINGS], 1),
        (&["build", INVALID, "-o", "unused"], 1),
        (&["validate", "no/such/path"], 2),
        (&["validate"], 2),
        (&["frobnicate"], 2),
        (&["validate", "--format", "xml", FIXTURES], 2),
        (&["build", FIXTURES, "-o", file.to_str().unwrap()], 2),
        (
            &[
                "diff",
                FIXTURES,
                "tests/fixtures/cicd/changed",
                "--exit-code",
            ],
            1,
        ),
        (&["diff", FIXTURES, FIXTURES, "--exit-code"], 0),
        (&["--help"], 0),
        (&["--version"], 0),
    ];
    for (args, expected) in cases {
        let output = run(args);
        assert_eq!(
            output.status.code(),
            Some(*expected),
            "{args:?}\n{}",
            stderr(&output)
        );
    }
    assert!(
        !root().join("unused").exists(),
        "an invalid build writes nothing"
    );
}

#[test]
fn version_prints_the_crate_version() {
    let output = run(&["--version"]);
    assert_eq!(
        stdout(&output),
        format!("slofile {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn github_annotations_point_at_the_line() {
    let output = run(&["validate", "--format", "github", INVALID]);
    let annotations = stderr(&output);
    assert!(
        annotations.contains(
            "::error file=tests/fixtures/cicd/invalid/bad-objective.yaml,line=5,col=16,\
             title=slofile%3A%3Aobjective_range::objective `100%25` is not strictly between"
        ),
        "{annotations}"
    );
    assert!(
        annotations.contains("::error file=tests/fixtures/cicd/invalid/typos.yaml,line=6,col=13,")
    );
    for line in annotations.lines() {
        // One command per line, and nothing in the properties that ends them early.
        assert!(line.starts_with("::error file="), "{line}");
        let properties = &line["::error ".len()..line[2..].find("::").unwrap() + 2];
        assert_eq!(properties.split(',').count(), 4, "{properties}");
    }
    insta::assert_snapshot!("format_github", annotations);

    let output = run(&["validate", "--format", "github", WARNINGS]);
    let warnings = stderr(&output);
    assert!(
        warnings.starts_with("::warning file=tests/fixtures/cicd/warnings/median.yaml,line=10,"),
        "{warnings}"
    );
}

#[test]
fn json_is_one_object_per_diagnostic() {
    let output = run(&["validate", "--format", "json", INVALID]);
    // JSON Lines go to stdout, for `| jq`; nothing is left on stderr.
    assert_eq!(stderr(&output), "");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    for value in &lines {
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "code", "severity", "message", "file", "line", "column", "help"
            ]
        );
    }
    assert_eq!(lines[0]["code"], "slofile::objective_range");
    assert_eq!(
        (lines[0]["line"].as_u64(), lines[0]["column"].as_u64()),
        (Some(5), Some(16))
    );
    insta::assert_snapshot!("format_json", stdout);
}

#[test]
fn plain_has_no_unicode_art_and_no_colour() {
    let output = run(&["validate", "--format", "plain", INVALID]);
    let text = stderr(&output);
    assert!(text.is_ascii(), "{text}");
    assert!(!text.contains('\u{1b}'));
    insta::assert_snapshot!("format_plain", text);
}

/// Runs slofile under a pseudo-terminal, so that stderr is a terminal.
fn on_terminal(args: &str, no_color: Option<&str>) -> String {
    let script = require_tool("script");
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_slofile"));
    let mut process = Command::new(script);
    process
        .args(["-qec", &command, "/dev/null"])
        .current_dir(root())
        .env_remove("NO_COLOR");
    if let Some(value) = no_color {
        process.env("NO_COLOR", value);
    }
    String::from_utf8_lossy(&process.output().unwrap().stdout).into_owned()
}

#[test]
fn human_uses_colour_only_on_a_terminal_and_honours_no_color() {
    let args = format!("validate {INVALID}");
    let coloured = on_terminal(&args, None);
    assert!(coloured.contains("objective_range"), "{coloured}");
    assert!(
        coloured.contains("\u{1b}["),
        "colour on a terminal: {coloured:?}"
    );
    assert!(
        coloured.contains('×') || coloured.contains('╭'),
        "Unicode art on a terminal"
    );

    let no_color = on_terminal(&args, Some("1"));
    assert!(no_color.contains("objective_range"));
    assert!(!no_color.contains("\u{1b}["), "NO_COLOR: {no_color:?}");

    // Not a terminal: no colour even without NO_COLOR.
    let output = slofile()
        .args(["validate", INVALID])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(!stderr(&output).contains('\u{1b}'));
    assert!(stderr(&output).contains('╭'), "human keeps its Unicode art");
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let output = run(&["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = stdout(&output);
        for word in [
            "validate",
            "build",
            "check",
            "diff",
            "format",
            "base",
            "exit-code",
        ] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    let bash = require_tool("bash");
    let temp = tempfile::tempdir().unwrap();
    let path = temp.path().join("slofile.bash");
    fs::write(&path, stdout(&run(&["completions", "bash"]))).unwrap();
    crate::common::run_tool_ok(&bash, &["-n", path.to_str().unwrap()], temp.path());
    assert_eq!(code(&["completions", "tcsh"]), Some(2));
}

#[test]
fn man_page_documents_every_command() {
    let output = run(&["man"]);
    assert_eq!(output.status.code(), Some(0));
    let page = stdout(&output);
    assert!(page.contains(".TH slofile 1"), "{page}");
    for word in [
        "validate",
        "build",
        "check",
        "diff",
        "completions",
        "\\-\\-format",
    ] {
        assert!(page.contains(word), "man page lacks {word}");
    }
}

/// Spec files of the fixtures and of `specs/`, as (path under the copy, source file).
fn all_specs() -> Vec<(String, PathBuf)> {
    let mut specs: Vec<(String, PathBuf)> = fs::read_dir(root().join(FIXTURES))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                format!(
                    "specs/fixtures/{}",
                    p.file_name().unwrap().to_string_lossy()
                ),
                p,
            )
        })
        .collect();
    let real = root().join("specs");
    for path in crate::common::shipped_specs()
        .into_iter()
        .filter(|p| p.starts_with(&real))
    {
        let relative = path
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        specs.push((relative, path));
    }
    specs.sort();
    specs
}

/// Copies the specs under `dir`, creating files in the given order.
fn copy_specs(dir: &Path, specs: &[(String, PathBuf)]) {
    for (relative, source) in specs {
        let target = dir.join(relative);
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::copy(source, target).unwrap();
    }
}

/// Every file a build wrote, with its bytes.
fn written(built: &Built) -> BTreeMap<PathBuf, Vec<u8>> {
    snapshot_dir(built.path())
        .into_iter()
        .map(|(path, (bytes, _))| (path, bytes))
        .collect()
}

#[test]
fn shuffled_inputs_give_byte_identical_output() {
    let specs = all_specs();
    let mut reversed = specs.clone();
    reversed.reverse();
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    copy_specs(first.path(), &specs);
    copy_specs(second.path(), &reversed);

    let sorted: Vec<&str> = specs.iter().map(|(p, _)| p.as_str()).collect();
    let backwards: Vec<&str> = reversed.iter().map(|(p, _)| p.as_str()).collect();
    let reference = written(&Build::of(&sorted).cwd(first.path()).ok());
    assert!(reference.len() > 1, "{:?}", reference.keys());
    for (cwd, inputs) in [
        (second.path(), backwards.clone()),
        (second.path(), vec!["specs"]),
        (first.path(), vec!["specs/fixtures", "specs"]),
    ] {
        let built = Build::of(&inputs).cwd(cwd).ok();
        assert_eq!(written(&built), reference, "{inputs:?}");
    }
}

/// The shell commands of a CI recipe (`run:` steps, `script:` lines) that run slofile or
/// amtool, in order. Installation steps are left out: the test has both tools already.
fn recipe_commands(value: &serde_json::Value, key: Option<&str>, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) => {
            let runs_tools = text.contains("slofile ") || text.contains("amtool ");
            let installs = text.contains("cargo install") || text.contains("apt-get");
            if matches!(key, Some("run" | "script")) && runs_tools && !installs {
                out.push(text.clone());
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                recipe_commands(item, key, out);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                recipe_commands(item, Some(key), out);
            }
        }
        _ => {}
    }
}

fn yaml(path: &str) -> serde_json::Value {
    serde_saphyr::from_str(&fs::read_to_string(root().join(path)).unwrap()).unwrap()
}

/// A clone of a repository whose `main` holds the fixture specs, with the changed specs and
/// freshly generated files checked out on top, as in a pull request.
fn pull_request_checkout(temp: &Path) -> PathBuf {
    let git = require_tool("git");
    let origin = temp.join("origin");
    copy_specs(&origin, &all_specs());
    let identity = ["-c", "user.name=CI", "-c", "user.email=ci@example.invalid"];
    crate::common::run_tool_ok(&git, &["init", "-q", "-b", "main"], &origin);
    crate::common::run_tool_ok(&git, &["add", "."], &origin);
    crate::common::run_tool_ok(
        &git,
        &[&identity[..], &["commit", "-qm", "specs"]].concat(),
        &origin,
    );
    crate::common::run_tool_ok(&git, &["clone", "-q", "origin", "checkout"], temp);
    let checkout = temp.join("checkout");
    let changed = root().join("tests/fixtures/cicd/changed/shop.yaml");
    fs::copy(changed, checkout.join("specs/fixtures/shop.yaml")).unwrap();
    Build::of(&["specs"])
        .cwd(&checkout)
        .out(Path::new("generated"))
        .ok();
    checkout
}

fn run_recipe(checkout: &Path, command: &str) -> Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_slofile")).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    Command::new("sh")
        .args(["-ec", command])
        .current_dir(checkout)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("GITHUB_BASE_REF", "main")
        .env("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main")
        .output()
        .unwrap()
}

#[test]
fn ci_recipes_run_as_written() {
    require_tool("amtool");
    let temp = tempfile::tempdir().unwrap();
    let checkout = pull_request_checkout(temp.path());
    for recipe in [
        "examples/ci/github-actions.yml.example",
        "examples/ci/gitlab-ci.yml.example",
    ] {
        let mut commands = Vec::new();
        recipe_commands(&yaml(recipe), None, &mut commands);
        assert_eq!(commands.len(), 4, "{recipe}: {commands:#?}");
        let all = commands.join("\n");
        for needed in [
            "slofile validate",
            "slofile check",
            "slofile diff --base",
            "amtool check-config",
        ] {
            assert!(all.contains(needed), "{recipe} lacks `{needed}`");
        }
        for command in &commands {
            let output = run_recipe(&checkout, command);
            assert!(
                output.status.success(),
                "{recipe}: `{command}` failed:\n{}{}",
                stdout(&output),
                stderr(&output)
            );
        }
        let diff = fs::read_to_string(checkout.join("slo-diff.md")).unwrap();
        assert!(diff.contains("objective 99.5% → 99.9%"), "{recipe}: {diff}");
        fs::remove_file(checkout.join("slo-diff.md")).unwrap();
    }

    // The pre-commit hooks, as slofile's repository defines them and as the local example
    // configures them.
    let hooks = yaml(".pre-commit-hooks.yaml");
    let local = yaml("examples/ci/pre-commit-config.yaml.example");
    let local_hooks = &local["repos"][0]["hooks"];
    for hook in hooks
        .as_array()
        .unwrap()
        .iter()
        .chain(local_hooks.as_array().unwrap())
    {
        let mut command = hook["entry"].as_str().unwrap().to_owned();
        for arg in hook["args"].as_array().into_iter().flatten() {
            command.push(' ');
            command.push_str(arg.as_str().unwrap());
        }
        if hook["pass_filenames"] != serde_json::Value::Bool(false) {
            command.push_str(" specs/fixtures/shop.yaml specs/fixtures/billing.yaml");
        }
        let output = run_recipe(&checkout, &command);
        assert!(
            output.status.success(),
            "hook `{command}` failed:\n{}",
            stderr(&output)
        );
    }
    // And the check hook fails on a stale file.
    fs::write(
        checkout.join("generated/alertmanager/alertmanager.yml"),
        "stale\n",
    )
    .unwrap();
    let output = run_recipe(&checkout, "slofile check specs -o generated");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn ci_recipes_are_not_read_as_specs() {
    // `slofile validate examples` reads every *.yaml and *.yml below it; the recipes end in
    // `.example` so that they stay out of it.
    for entry in fs::read_dir(root().join("examples/ci")).unwrap() {
        let path = entry.unwrap().path();
        let extension = path.extension().unwrap().to_string_lossy().into_owned();
        assert!(
            !["yaml", "yml"].contains(&extension.as_str()),
            "{}",
            path.display()
        );
    }
}

/// The repository is self-contained: a clone alone builds and tests. Nothing in the code, tests,
/// scripts or CI may read a folder beside the repository.
#[test]
fn nothing_reads_outside_the_repository() {
    let beside = ["..", "/shared"].concat();
    let mut offenders = Vec::new();
    let mut stack: Vec<std::path::PathBuf> =
        ["src", "tests", "scripts", ".ci", "fuzz", "Cargo.toml"]
            .iter()
            .map(|p| root().join(p))
            .collect();
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            if path.ends_with("fixtures") || path.ends_with("snapshots") || path.ends_with("target")
            {
                continue;
            }
            for entry in std::fs::read_dir(&path).unwrap() {
                stack.push(entry.unwrap().path());
            }
        } else if let Ok(text) = std::fs::read_to_string(&path)
            && text.contains(&beside)
        {
            offenders.push(path.display().to_string());
        }
    }
    offenders.sort();
    assert!(
        offenders.is_empty(),
        "these files refer to {beside}: {offenders:?}"
    );
}

/// `build` says what it wrote last, after every note, so that a CI log ends with the outcome.
#[test]
fn build_summary_comes_after_the_notes() {
    let built = Build::of(&["specs"]).format("plain").ok();
    let text = built.stderr();
    assert!(text.contains("note["), "the seed specs give notes: {text}");
    let last = text.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("slofile: ") && last.contains(" files written, "),
        "last line: {last}"
    );
    // With JSON Lines on stdout, stderr holds only the summary.
    let again = Build::of(&["specs"]).out(built.path()).ok();
    assert!(again.stderr().starts_with("slofile: 0 files written, "));
    for line in again.stdout().lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(value["code"].as_str().unwrap().starts_with("slofile::"));
    }
}

/// `explain` names a probe's provider in words and keeps its URL to the letter: paths and query
/// strings are case-sensitive.
#[test]
fn explain_keeps_a_probe_url_as_written() {
    let temp = tempfile::tempdir().unwrap();
    let spec = temp.path().join("probe.yaml");
    let url = "https://Status.Example.com/API/Health?Token=AbC";
    fs::write(
        &spec,
        format!(
            "apiVersion: slofile/v1\nservice: shop\nslos:\n  - id: up\n    objective: 99%\n    \
             sli:\n      probe: {{provider: uptimerobot, url: \"{url}\", interval: 5m}}\n"
        ),
    )
    .unwrap();
    let output = run(&["explain", spec.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains(&format!("UptimeRobot probe of {url} every 5 minutes")),
        "{text}"
    );
}
