//! `slofile.toml`: found in the working directory or a parent, named by `--config`, ignored with
//! `--no-config`; the command line wins over the environment, which wins over the file; every
//! problem of the file at its key or value; `--outputs`; the SMTP relay and sender in the
//! generated Alertmanager configuration; `slofile schema config`.

use crate::common::live_data::down_url;
use crate::common::{require_tool, root, run, run_tool_ok, slofile};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

const SPECS: &str = "tests/fixtures/cicd/specs";

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A project: the fixture specs under `specs/`, a `slofile.toml` with `config`, and a
/// subdirectory `sub/` to run from.
fn project(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let specs = dir.path().join("specs");
    fs::create_dir_all(&specs).unwrap();
    fs::create_dir_all(dir.path().join("sub")).unwrap();
    for entry in fs::read_dir(root().join(SPECS)).unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, specs.join(path.file_name().unwrap())).unwrap();
    }
    fs::write(dir.path().join("slofile.toml"), config).unwrap();
    dir
}

/// Runs slofile in `cwd` with `args` and `env`, with none of the config variables of the
/// environment the tests run in.
fn run_in(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = slofile();
    command.current_dir(cwd);
    for (name, _) in std::env::vars() {
        if name.starts_with("SLOFILE_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    command.args(args).output().unwrap()
}

fn files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(
                    path.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    found.sort();
    found
}

#[test]
fn build_and_check_take_their_flags_from_the_nearest_file() {
    let project = project(
        "[build]\noutput = \"generated\"\noutputs = [\"prometheus\", \"docs\"]\nprometheus_format = \"operator\"\n",
    );
    // From a subdirectory: the file is the parent's, and `output` is relative to it.
    let sub = project.path().join("sub");
    let output = run_in(&sub, &["build", "../specs"], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("written, 0 unchanged, 0 removed in ../generated"));
    let generated = project.path().join("generated");
    let written = files(&generated);
    assert!(
        written
            .iter()
            .all(|f| f.starts_with("prometheus/") || f.starts_with("docs/") || f.starts_with('.')),
        "{written:#?}"
    );
    assert!(written.contains(&"docs/index.md".to_owned()));
    let rules = fs::read_to_string(generated.join("prometheus/shop.rules.yml")).unwrap();
    assert!(
        rules.contains("kind: PrometheusRule"),
        "operator format from the file"
    );

    // The documents name the spec files as given, so `check` runs as `build` did.
    let check = run_in(&sub, &["check", "../specs"], &[]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    // Another selection on the command line: the other backend's files are extra for `check`,
    // and `build` removes them, as it removes a removed service's files.
    let check = run_in(&sub, &["check", "../specs", "--outputs", "prometheus"], &[]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        stdout(&check)
            .split_once("extra (build would remove):\n")
            .is_some_and(|(_, extra)| extra.contains("  ../generated/docs/index.md\n")),
        "{}",
        stdout(&check)
    );
    let build = run_in(&sub, &["build", "../specs", "--outputs", "prometheus"], &[]);
    assert!(build.status.success(), "{}", stderr(&build));
    assert!(files(&generated).iter().all(|f| !f.starts_with("docs/")));
    // A flag on the command line wins over the file.
    let build = run_in(
        project.path(),
        &[
            "build",
            "specs",
            "-o",
            "elsewhere",
            "--prometheus-format",
            "rules",
        ],
        &[],
    );
    assert!(build.status.success(), "{}", stderr(&build));
    let rules =
        fs::read_to_string(project.path().join("elsewhere/prometheus/shop.rules.yml")).unwrap();
    assert!(!rules.contains("PrometheusRule"));
}

#[test]
fn the_command_line_wins_then_the_environment_then_the_file() {
    let project = project("[build]\noutput = \"generated\"\nprometheus_format = \"operator\"\n");
    let rules = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["build", "specs", "--outputs", "prometheus"];
        all.extend_from_slice(args);
        let output = run_in(project.path(), &all, env);
        assert!(output.status.success(), "{}", stderr(&output));
        fs::read_to_string(project.path().join("generated/prometheus/shop.rules.yml")).unwrap()
    };
    assert!(rules(&[], &[]).contains("kind: PrometheusRule"));
    let from_env = [("SLOFILE_BUILD_PROMETHEUS_FORMAT", "mimir")];
    assert!(
        rules(&[], &from_env).starts_with("namespace: shop\n")
            || rules(&[], &from_env).contains("\nnamespace: shop\n")
    );
    assert!(
        !rules(&["--prometheus-format", "rules"], &from_env).contains("namespace: shop"),
        "the flag wins over the variable"
    );
    // An empty variable is an unset one.
    assert!(
        rules(&[], &[("SLOFILE_BUILD_PROMETHEUS_FORMAT", "")]).contains("kind: PrometheusRule")
    );
    // A variable with a value the flag does not take is a usage error.
    let output = run_in(
        project.path(),
        &["build", "specs"],
        &[("SLOFILE_BUILD_PROMETHEUS_FORMAT", "operater")],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("operater"));
}

#[test]
fn config_names_another_file_and_no_config_reads_none() {
    let project = project("[build]\noutput = \"generated\"\n");
    fs::write(
        project.path().join("sub/other.toml"),
        "[build]\noutput = \"out\"\noutputs = \"docs\"\n",
    )
    .unwrap();
    let output = run_in(
        project.path(),
        &["build", "specs", "--config", "sub/other.toml"],
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    // Relative to the file that says it.
    let written = files(&project.path().join("sub/out"));
    assert!(
        written.contains(&"docs/index.md".to_owned()),
        "{written:#?}"
    );
    assert!(
        written
            .iter()
            .all(|f| f.starts_with("docs/") || f == ".slofile-manifest")
    );
    let output = run_in(project.path(), &["build", "specs", "--no-config"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--output <OUTPUT>"),
        "{}",
        stderr(&output)
    );
    let output = run_in(
        project.path(),
        &["build", "specs", "--config", "missing.toml"],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot read `missing.toml`"));
    let output = run_in(
        project.path(),
        &["build", "specs", "--config", "x.toml", "--no-config"],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn every_problem_of_the_file_is_reported_at_its_place() {
    let project = project(
        "output = \"generated\"\n\n[bild]\nx = 1\n\n[build]\noutptu = \"generated\"\nprometheus_format = \"operater\"\noutputs = [\"prometheus\", \"dcs\"]\n\n[alertmanager]\nsmtp_smarthost = \"smtp.example.com\"\nsmtp_from = 5\n\n[input]\nsloth_period = \"30x\"\n",
    );
    let output = run_in(project.path(), &["validate", "specs"], &[]);
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&output));
    // With the format the command line asks for, when it parses without the file.
    let output = run_in(
        project.path(),
        &["validate", "specs", "--format", "github"],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output)
            .lines()
            .filter(|l| l.starts_with("::error file=slofile.toml,"))
            .count(),
        8,
        "{}",
        stderr(&output)
    );
    fs::write(project.path().join("slofile.toml"), "[build\n").unwrap();
    let output = run_in(project.path(), &["validate", "specs"], &[]);
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!("config_syntax", stderr(&output));
}

#[test]
fn the_smtp_relay_and_sender_reach_the_alertmanager_configuration() {
    let project = project(
        "[build]\noutput = \"generated\"\n\n[alertmanager]\nsmtp_smarthost = \"smtp.example.com:587\"\nsmtp_from = \"Alerts <alerts@example.com>\"\n",
    );
    let output = run_in(
        project.path(),
        &["build", "specs", "--outputs", "alertmanager"],
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let path = project
        .path()
        .join("generated/alertmanager/alertmanager.yml");
    let shop = fs::read_to_string(&path).unwrap();
    assert!(
        shop.contains("  smtp_smarthost: smtp.example.com:587\n"),
        "{shop}"
    );
    assert!(
        shop.contains("  smtp_from: Alerts <alerts@example.com>\n"),
        "{shop}"
    );
    assert!(!shop.contains("placeholder.invalid:587"));
    assert!(
        !shop.contains("global.smtp_"),
        "no placeholder left to replace"
    );
    let amtool = require_tool("amtool");
    run_tool_ok(
        &amtool,
        &["check-config", path.to_str().unwrap()],
        project.path(),
    );
    // The flag wins over the file.
    let output = run_in(
        project.path(),
        &[
            "build",
            "specs",
            "--outputs",
            "alertmanager",
            "--smtp-from",
            "slo@example.org",
        ],
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let shop = fs::read_to_string(&path).unwrap();
    assert!(shop.contains("  smtp_from: slo@example.org\n"));
}

#[test]
fn live_commands_read_the_prometheus_url_from_the_file() {
    let url = down_url();
    let project = project(&format!("[prometheus]\nurl = \"{url}\"\n"));
    // `gate` asks only about SLOs with an error-budget policy, which these specs have none of.
    for command in ["status", "verify"] {
        let output = run_in(project.path(), &[command, "specs"], &[]);
        assert_eq!(output.status.code(), Some(2), "{command}");
        assert!(
            stderr(&output).contains(&url),
            "{command} asks the file's server: {}",
            stderr(&output)
        );
    }
    // The environment wins over the file.
    let other = down_url();
    let output = run_in(
        project.path(),
        &["status", "specs"],
        &[("SLOFILE_PROMETHEUS_URL", &other)],
    );
    assert!(stderr(&output).contains(&other), "{}", stderr(&output));
    let output = run_in(project.path(), &["status", "specs", "--no-config"], &[]);
    assert!(stderr(&output).contains("set `[prometheus] url` in slofile.toml"));
}

#[test]
fn checked_in_config_schema_matches_the_binary() {
    let output = run(&["schema", "config"]);
    assert!(output.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let build = &schema["properties"]["build"]["properties"];
    assert_eq!(build["outputs"]["type"], "array");
    assert!(
        build["prometheus_format"]["enum"]
            .as_array()
            .unwrap()
            .contains(&"operator".into())
    );
    let checked_in =
        fs::read_to_string(root().join(PathBuf::from("schema/slofile.config.schema.json")))
            .unwrap();
    assert!(
        stdout(&output) == checked_in,
        "schema/slofile.config.schema.json is stale: run `cargo run -- schema config > schema/slofile.config.schema.json`"
    );
    // `schema` alone is still the spec language's.
    let spec = run(&["schema"]);
    assert!(stdout(&spec).contains("apiVersion"));
}
