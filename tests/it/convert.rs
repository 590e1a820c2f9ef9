//! `slofile convert`: conversions compile to the same plan, and what a format cannot say is said in
//! a comment.

use crate::common::{root, run};
use slofile::compile::Plan;
use slofile::convert::{Target, convert};
use slofile::diagnostics::Report;
use std::fmt::Write as _;
use std::path::PathBuf;

fn fixture(path: &str) -> PathBuf {
    root().join("tests/fixtures").join(path)
}

fn plan_of(paths: &[PathBuf]) -> Plan {
    let mut report = Report::default();
    let plan = slofile::plan(paths, &mut report).expect("readable");
    plan.unwrap_or_else(|| panic!("{paths:?}: {:#?}", report.diagnostics))
}

/// Converts and reads the result back.
fn round_trip(paths: &[PathBuf], target: Target) -> (String, Plan) {
    let text = convert(&plan_of(paths), target);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("converted.yaml");
    std::fs::write(&file, &text).unwrap();
    let mut report = Report::default();
    let plan = slofile::plan(&[file], &mut report).expect("readable");
    let errors: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    let plan =
        plan.unwrap_or_else(|| panic!("the conversion does not read back: {errors:#?}\n{text}"));
    (text, plan)
}

/// What a plan means for the alerts and numbers: services, SLOs, windows, SLIs, objectives,
/// budgets and every tier. Numbers are compared to 11 significant digits, because OpenSLO writes a
/// burn rate such as 14/15 as a decimal. With `routing`, tier escalations and missing-data alerts
/// count too.
fn essence(plan: &Plan, routing: bool) -> String {
    let mut out = String::new();
    for service in &plan.services {
        let _ = writeln!(out, "service {}", service.meta.id);
        for slo in &service.slos {
            let s = &slo.slo;
            let _ = writeln!(out, "  slo {} window {} sli {:?}", s.id, s.window, s.sli);
            if routing {
                let _ = writeln!(out, "    missing data {:?}", s.missing_data);
            }
            for objective in &slo.objectives {
                let _ = writeln!(
                    out,
                    "    objective {} budget {}",
                    objective.objective.target, objective.budget
                );
                for (tier, spec) in objective.tiers.iter().zip(&s.tiers) {
                    let _ = write!(
                        out,
                        "      {} {}/{} for {} factor {} threshold {} fires {}",
                        tier.severity,
                        tier.long,
                        tier.short,
                        tier.for_,
                        tier.factor.significant(11),
                        tier.error_threshold.significant(11),
                        tier.can_fire
                    );
                    if routing {
                        let _ = write!(out, " to {:?} labels {:?}", spec.escalation, tier.labels);
                    }
                    out.push('\n');
                }
            }
        }
    }
    out
}

#[test]
fn native_to_openslo_and_back_compiles_to_the_same_plan() {
    let source = [fixture("openslo/roundtrip/shop.yaml")];
    let (text, back) = round_trip(&source, Target::Openslo);
    let original = plan_of(&source);
    assert_eq!(essence(&back, false), essence(&original, false), "{text}");
    // The comparison is not vacuous: four SLOs, ten tiers.
    assert_eq!(essence(&original, false).matches(" fires ").count(), 10);
}

#[test]
fn openslo_to_native_and_back_compiles_to_the_same_plan() {
    for source in [
        "openslo/checkout.yaml",
        "openslo/multi-file",
        "openslo/sli-kinds.yaml",
        "openslo/scenarios",
    ] {
        let paths = [fixture(source)];
        let (text, back) = round_trip(&paths, Target::Slofile);
        assert_eq!(
            essence(&back, true),
            essence(&plan_of(&paths), true),
            "{source}:\n{text}"
        );
    }
}

#[test]
fn sloth_to_native_and_to_openslo_compile_to_the_same_plan() {
    let paths = [
        root().join("tests/fixtures/corpus/sloth/examples/getting-started.yml"),
        fixture("sloth/checkout.yaml"),
    ];
    let original = plan_of(&paths);
    let (_, native) = round_trip(&paths, Target::Slofile);
    assert_eq!(essence(&native, true), essence(&original, true));
    let (_, openslo) = round_trip(&paths, Target::Openslo);
    assert_eq!(essence(&openslo, false), essence(&original, false));
}

/// Every shipped spec and example, converted to a native spec, reads back into the same plan.
#[test]
fn every_shipped_spec_and_example_converts_to_the_same_plan() {
    let mut sources: Vec<PathBuf> = ["specs", "examples"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root().join(dir)).unwrap())
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    sources.sort();
    // Not vacuous: both specs and every example.
    assert!(sources.len() >= 18, "{sources:?}");
    for source in sources {
        assert_native_round_trip(&source);
    }
}

/// What the writer once dropped: `follow_redirects: false`, a Sentry environment, the Sentry
/// settings a Sentry probe needs, k6 gates and mappings, a monitoring row without channels, and
/// a burn policy's budget-exhaustion alert.
#[test]
fn every_field_of_a_native_spec_survives_conversion() {
    for source in [
        "monitors/features.yaml",
        "markdown/awkward.yaml",
        "prometheus/exhaustion.yaml",
    ] {
        assert_native_round_trip(&fixture(source));
    }
}

/// Converts `source` to a native spec and reads it back into the same services and SLOs, which
/// are all the plan is compiled from: every field, not only the [`essence`], and nothing but the
/// file each was read from may differ.
fn assert_native_round_trip(source: &std::path::Path) {
    let paths = [source.to_path_buf()];
    let original = plan_of(&paths);
    let (text, back) = round_trip(&paths, Target::Slofile);
    let name = source.display();
    assert_eq!(
        back.services.len(),
        original.services.len(),
        "{name}:\n{text}"
    );
    for (back, original) in back.services.iter().zip(&original.services) {
        let id = &original.meta.id;
        let mut meta = back.meta.clone();
        meta.source.clone_from(&original.meta.source);
        // Not `assert_eq!`: the origins' debug text would be the whole source file.
        assert!(meta == original.meta, "{name}: service {id}:\n{text}");
        assert_eq!(back.slos.len(), original.slos.len(), "{name}: service {id}");
        for (back, original) in back.slos.iter().zip(&original.slos) {
            assert!(
                back.slo == original.slo,
                "{name}: SLO {} reads back otherwise:\n{text}",
                original.slo.id
            );
        }
    }
    assert_eq!(essence(&back, true), essence(&original, true), "{name}");
}

#[test]
fn native_to_native_is_stable() {
    let paths = [
        fixture("openslo/roundtrip/shop.yaml"),
        fixture("openslo/roundtrip/lossy.yaml"),
    ];
    let (once, plan) = round_trip(&paths, Target::Slofile);
    assert_eq!(essence(&plan, true), essence(&plan_of(&paths), true));
    // Converting the conversion changes nothing but the file it names as its source.
    let second = convert(&plan, Target::Slofile);
    let strip = |t: &str| {
        t.lines()
            .filter(|l| !l.starts_with("# Converted by"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&second), strip(&once));
}

#[test]
fn openslo_output_of_a_native_spec() {
    let output = run(&[
        "convert",
        "--to",
        "openslo",
        "tests/fixtures/openslo/roundtrip/shop.yaml",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stdout));
}

#[test]
fn what_openslo_cannot_express_is_said_in_comments() {
    let output = run(&[
        "convert",
        "--to",
        "openslo",
        "tests/fixtures/openslo/roundtrip/lossy.yaml",
    ]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    for said in [
        "static threshold alerts `error-spike`",
        "`min_events`, `group_by`",
        "SLO `rpo` is left out",
        "missing-data alerts",
        "the owner, the labels added to every rule",
        "rounded to 12 significant digits",
        "each objective becomes an SLO of its own",
    ] {
        assert!(text.contains(said), "the output says {said:?}:\n{text}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn native_output_of_openslo_objects_across_files() {
    let output = run(&[
        "convert",
        "--to",
        "slofile",
        "tests/fixtures/openslo/multi-file",
        "tests/fixtures/openslo/checkout.yaml",
    ]);
    assert!(output.status.success());
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stdout));
}

#[test]
fn native_output_of_a_sloth_spec() {
    let output = run(&[
        "convert",
        "--to",
        "slofile",
        "tests/fixtures/sloth/checkout.yaml",
    ]);
    assert!(output.status.success());
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stdout));
}

#[test]
fn invalid_input_converts_to_nothing() {
    let output = run(&[
        "convert",
        "--to",
        "openslo",
        "tests/fixtures/openslo/invalid/unsupported.yaml",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let output = run(&["convert", "tests/fixtures/openslo/checkout.yaml"]);
    assert_eq!(output.status.code(), Some(2), "--to is required");
}

#[test]
fn the_openslo_output_is_deterministic() {
    let paths = [
        fixture("openslo/roundtrip/shop.yaml"),
        fixture("openslo/roundtrip/lossy.yaml"),
    ];
    let reversed = [paths[1].clone(), paths[0].clone()];
    let strip = |plan: &Plan| convert(plan, Target::Openslo);
    assert_eq!(strip(&plan_of(&paths)), strip(&plan_of(&reversed)));
}
