//! The Markdown backend: the seed documents, their facts, well-formed Markdown, template overrides
//! and template errors.

use crate::common::build::Build;
use crate::common::root;
use slofile::diagnostics::Report;
use slofile::emit::markdown::Markdown;
use slofile::emit::{Backend, EmitOptions, Emitted};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Renders the documents of `inputs` through the library, with optional template overrides.
fn emit(inputs: &[&str], templates: Option<&str>) -> Emitted {
    let paths: Vec<PathBuf> = inputs.iter().map(PathBuf::from).collect();
    let mut report = Report::default();
    let plan = slofile::plan(&paths, &mut report)
        .expect("readable inputs")
        .unwrap_or_else(|| panic!("{inputs:?} are valid: {:?}", report.diagnostics));
    let options = EmitOptions {
        templates: templates
            .map(|dir| slofile::spec::load::template_overrides(Path::new(dir)).unwrap())
            .unwrap_or_default(),
        ..EmitOptions::default()
    };
    let files = std::sync::Mutex::new(Vec::new());
    let diagnostics = Markdown.emit(&plan, &options, &|file| files.lock().unwrap().push(file));
    let mut files = files.into_inner().unwrap();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Emitted { files, diagnostics }
}

/// The documents by path, failing on any diagnostic.
fn documents(inputs: &[&str], templates: Option<&str>) -> BTreeMap<String, String> {
    let emitted = emit(inputs, templates);
    assert!(
        emitted.diagnostics.is_empty(),
        "{:?}",
        emitted
            .diagnostics
            .iter()
            .map(|d| &d.message)
            .collect::<Vec<_>>()
    );
    emitted
        .files
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect()
}

fn seed_documents() -> BTreeMap<String, String> {
    documents(&["specs"], None)
}

#[test]
fn seed_documents_match_their_snapshots() {
    let docs = seed_documents();
    assert_eq!(
        docs.keys().collect::<Vec<_>>(),
        ["docs/dealix.md", "docs/index.md", "docs/nexus.md"]
    );
    insta::assert_snapshot!("nexus", docs["docs/nexus.md"]);
    insta::assert_snapshot!("dealix", docs["docs/dealix.md"]);
    insta::assert_snapshot!("index", docs["docs/index.md"]);
}

#[test]
fn awkward_text_is_escaped_not_dropped() {
    let docs = documents(&["tests/fixtures/markdown/awkward.yaml"], None);
    insta::assert_snapshot!("awkward", docs["docs/awkward.md"]);
}

#[test]
fn build_writes_the_documents() {
    let out = Build::of(&["specs"]).ok();
    let expected = seed_documents();
    for (path, contents) in &expected {
        let written = std::fs::read_to_string(out.path().join(path)).unwrap();
        assert_eq!(&written, contents, "{path}");
    }
}

/// Identical input gives identical output, whatever the order of the inputs.
#[test]
fn documents_are_deterministic() {
    let forward = documents(&["specs/dealix.yaml", "specs/nexus.yaml"], None);
    let backward = documents(&["specs/nexus.yaml", "specs/dealix.yaml"], None);
    assert_eq!(forward, backward);
    assert_eq!(forward, documents(&["specs"], None));
}

// ---------------------------------------------------------------------------------------------
// Well-formed Markdown, for GitHub, mdBook and MkDocs.

/// Every document slofile generates for the shipped specs and the awkward fixture.
fn all_documents() -> BTreeMap<String, String> {
    let mut all = BTreeMap::new();
    for spec in crate::common::shipped_specs() {
        let spec = spec
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for (path, contents) in documents(&[&spec], None) {
            all.insert(format!("{spec} → {path}"), contents);
        }
    }
    for (path, contents) in documents(&["tests/fixtures/markdown/awkward.yaml"], None) {
        all.insert(format!("awkward → {path}"), contents);
    }
    assert!(
        all.len() > 30,
        "expected the documents of every shipped spec"
    );
    all
}

/// Lines outside fenced code blocks, with their 1-based line numbers.
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fence: Option<usize> = None;
    let mut lines = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let ticks = line.len() - line.trim_start_matches('`').len();
        match fence {
            Some(open) if ticks >= open && line.trim_start_matches('`').trim().is_empty() => {
                fence = None;
            }
            Some(_) => {}
            None if ticks >= 3 => fence = Some(ticks),
            None => lines.push((index + 1, line)),
        }
    }
    assert!(fence.is_none(), "a code fence is never closed");
    lines
}

/// Cells of a table row, split on unescaped pipes as GitHub-flavoured Markdown does.
fn cells(row: &str) -> Vec<String> {
    let inner = row
        .trim()
        .strip_prefix('|')
        .and_then(|r| r.strip_suffix('|'))
        .unwrap_or_else(|| panic!("a table row starts and ends with a pipe: {row}"));
    let mut cells = vec![String::new()];
    let mut escaped = false;
    for c in inner.chars() {
        if c == '|' && !escaped {
            cells.push(String::new());
        } else if let Some(last) = cells.last_mut() {
            last.push(c);
        }
        escaped = c == '\\' && !escaped;
    }
    cells
}

#[test]
fn every_table_is_well_formed() {
    let mut tables = 0;
    for (name, text) in all_documents() {
        let lines = prose_lines(&text);
        let all_lines: Vec<&str> = text.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            let (number, line) = lines[i];
            if !line.starts_with('|') {
                i += 1;
                continue;
            }
            tables += 1;
            assert!(
                number == 1 || all_lines[number - 2].trim().is_empty(),
                "{name}:{number}: a table must follow a blank line"
            );
            let header = cells(line);
            let separator = lines.get(i + 1).map(|(_, l)| cells(l)).unwrap_or_default();
            assert!(
                separator.len() == header.len()
                    && separator.iter().all(|c| {
                        let c = c.trim();
                        c.len() >= 3 && c.trim_matches(':').chars().all(|ch| ch == '-')
                    }),
                "{name}:{}: the header needs a separator row of {} cells",
                number + 1,
                header.len()
            );
            let mut j = i + 2;
            while j < lines.len() && lines[j].1.starts_with('|') && lines[j].0 == number + (j - i) {
                let row = cells(lines[j].1);
                assert_eq!(
                    row.len(),
                    header.len(),
                    "{name}:{}: row has {} cells, header {}: {}",
                    lines[j].0,
                    row.len(),
                    header.len(),
                    lines[j].1
                );
                assert!(
                    row.iter().all(|c| !c.trim().is_empty()),
                    "{name}:{}: empty cell",
                    lines[j].0
                );
                j += 1;
            }
            let end = number + (j - i);
            assert!(
                end > all_lines.len() || all_lines[end - 1].trim().is_empty(),
                "{name}:{end}: a table must be followed by a blank line"
            );
            i = j;
        }
    }
    assert!(tables > 100, "expected many tables, found {tables}");
}

#[test]
fn every_page_has_exactly_one_h1_and_no_skipped_heading_levels() {
    for (name, text) in all_documents() {
        let headings: Vec<(usize, usize)> = prose_lines(&text)
            .into_iter()
            .filter(|(_, l)| l.starts_with('#'))
            .map(|(n, l)| (n, l.len() - l.trim_start_matches('#').len()))
            .collect();
        let h1: Vec<usize> = headings
            .iter()
            .filter(|(_, level)| *level == 1)
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(h1, [1], "{name}: exactly one H1, on the first line");
        for pair in headings.windows(2) {
            assert!(
                pair[1].1 <= pair[0].1 + 1,
                "{name}:{}: heading level jumps from {} to {}",
                pair[1].0,
                pair[0].1,
                pair[1].1
            );
        }
        assert!(
            !text.lines().any(|l| l.starts_with("===")),
            "{name}: no setext headings"
        );
    }
}

#[test]
fn links_are_relative_and_resolve() {
    let docs = seed_documents();
    let index = &docs["docs/index.md"];
    let mut targets = Vec::new();
    for piece in index.split("](").skip(1) {
        let target = piece.split(')').next().unwrap();
        targets.push(target.to_owned());
    }
    assert_eq!(targets, ["dealix.md", "nexus.md"]);
    for target in targets {
        assert!(
            docs.contains_key(&format!("docs/{target}")),
            "{target} is generated"
        );
    }
    for (name, text) in &docs {
        for piece in text.split("](").skip(1) {
            let target = piece.split(')').next().unwrap();
            assert!(
                !target.starts_with('/') && !target.starts_with("http"),
                "{name}: link `{target}` must be relative"
            );
        }
    }
}

#[test]
fn mermaid_charts_have_one_value_per_label() {
    let mut charts = 0;
    for (name, text) in all_documents() {
        for block in text.split("```mermaid\n").skip(1) {
            charts += 1;
            let block = block.split("```").next().unwrap();
            assert!(block.starts_with("xychart-beta\n"), "{name}");
            let labels = block
                .lines()
                .find_map(|l| l.trim().strip_prefix("x-axis \"Burn rate\" ["))
                .unwrap_or_else(|| panic!("{name}: an x axis"))
                .trim_end_matches(']')
                .split(", ")
                .count();
            let values: Vec<f64> = block
                .lines()
                .find_map(|l| l.trim().strip_prefix("line ["))
                .unwrap_or_else(|| panic!("{name}: a line"))
                .trim_end_matches(']')
                .split(", ")
                .map(|v| v.parse().unwrap())
                .collect();
            assert_eq!(labels, values.len(), "{name}");
            assert!(
                values.windows(2).all(|w| w[0] >= w[1]),
                "{name}: a faster burn never alerts later: {values:?}"
            );
        }
    }
    assert!(charts >= 10, "found {charts} charts");
}

// ---------------------------------------------------------------------------------------------
// Every fact of the seed documents, extracted by hand from the two seed SLO documents (NEXUS and Dealix).
//
// Where the generated text differs from the seed only in typography, the fact is written as
// generated: `< 50ms` becomes `< 50 ms`, `> 1% for 5 min` becomes `> 1% for 5 minutes`.

fn assert_facts(document: &str, facts: &[&str]) {
    let missing: Vec<&&str> = facts.iter().filter(|f| !document.contains(**f)).collect();
    assert!(
        missing.is_empty(),
        "{} of {} seed facts are missing from the document:\n{}",
        missing.len(),
        facts.len(),
        missing
            .iter()
            .map(|f| format!("  - {f:?}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The NEXUS seed, `000_ce5da08bb14cde01.txt`, in its order.
const NEXUS_FACTS: &[&str] = &[
    "# Project NEXUS Service Level Objectives",
    "Project NEXUS starts with a small set of SLOs that can be measured and acted on.",
    "A few watched signals are better than a large dashboard nobody trusts.",
    // SLO 1: Exchange Completion.
    "## SLO 1: Exchange Completion",
    "| Item | Value |",
    "| User journey | Completing an exchange and applying the time-credit result. |",
    "| Target | At least 99.5% success over a rolling 28 days |",
    "| Failure signal | Terminal exchanges that end in disputed rather than completed. |",
    "Wired command: `php artisan slo:check`.",
    "The command measures completed / (completed + disputed) over the configured window.",
    "It exits non-zero and alerts through log, Sentry, and optional Slack when the target is \
     breached and the sample size is large enough.",
    "| Slack | Slack | #nexus-alerts | no, optional |",
    "php artisan slo:check --days=28 --target=99.5 --min-sample=20\n",
    "php artisan slo:check --tenant=2\n",
    "| Minimum sample | 20 events in an alert's long window |",
    "| One series per | `tenant` |",
    "Regression coverage lives in `tests/Laravel/Feature/Console/SloCheckTest.php`.",
    // SLO 2: Login Availability.
    "## SLO 2: Login Availability",
    "| User journey | Valid login attempts. |",
    "| Target | At least 99.5% success and p95 latency below 1000 ms over a rolling 28 days |",
    "failures match `http.status_code:5*`",
    "| Failure signal | Server-side login errors and high latency, excluding wrong-password 401s. |",
    "excluding `http.status_code:401`",
    "Sentry transaction metrics for POST /api/v2/auth/login are the primary source.",
    "Sentry transaction metrics for `POST /api/v2/auth/login`",
    "login_attempts can provide supporting context, but the authoritative login SLO belongs in \
     Sentry because application data cannot reliably distinguish all user mistakes from system \
     failures.",
    // Alert Self-Test.
    "## Alert Self-Test",
    "Prove the log/Sentry path is alive without creating a real incident:",
    "```bash\nphp artisan monitoring:alarm-selftest --quiet-slack\n```",
    "if Slack alerting is configured:",
    "```bash\nphp artisan monitoring:alarm-selftest\n```",
    // Error Budget.
    "## Error Budget",
    "At 99.5% over 28 days, each SLO has roughly 3.4 hours of error budget",
    "exactly 3 h 21 m 36 s",
    "If a deploy burns a meaningful part of that budget, stabilize before shipping more feature \
     work.",
    // Candidate Next SLOs.
    "## Candidate Next SLOs",
    "- Direct wallet transfer success.",
    "- Registration through email verification.",
    "- Stripe webhook freshness.",
    "- Overall uptime from external health checks.",
];

/// The Dealix seed, `002_cd9be7759cfbf8c7.txt`: the SLO.md and the commit that added it.
const DEALIX_FACTS: &[&str] = &[
    "# Dealix Service Level Objectives (SLO)",
    "- **Version:** 1.0.0",
    "- **Effective:** 2026-04-23",
    "- **Review:** Monthly, or after any incident",
    // API Availability.
    "## API Availability",
    "| SLI | Target | Measurement | Alert threshold |",
    "| Uptime (monthly) | 99.5% uptime over 30 days | UptimeRobot on \
     https://api.dealix.me/api/v1/health | < 99% over 30 days → P1 (page) |",
    "| Measurement | UptimeRobot on /api/v1/health |",
    "Monthly uptime below 99% triggers an incident",
    "| Health endpoint response | < 200ms p95 | k6 smoke test | > 500ms p95 |",
    "UptimeRobot checks https://api.dealix.me/api/v1/health every 5 minutes and alerts SMS, Email",
    // API Latency.
    "## API Latency",
    "| Endpoint category | p50 target | p95 target | p99 target |",
    "| Health / public reads | < 50 ms | < 200 ms | < 500 ms |",
    "| Pricing / plans | < 100 ms | < 300 ms | < 1000 ms |",
    "| Lead CRUD | < 200 ms | < 500 ms | < 2000 ms |",
    "| AI agent calls | < 2000 ms | < 5000 ms | < 10000 ms |",
    "| Webhook processing | < 500 ms | < 2000 ms | < 5000 ms |",
    // Error Rate.
    "## Error Rate",
    "| HTTP 5xx rate | < 0.5% of requests over 28 days | Prometheus counters | > 1% for 5 minutes \
     → P2 (page) |",
    "| Webhook failure rate | < 2% over 28 days | Prometheus counters | > 5% for 15 minutes → P2 \
     (page) |",
    "| DLQ depth | < 10 entries in 99% of 1-minute slices over 28 days | Prometheus gauge | > 50 \
     entries → P2 (page); > 20 entries → P4 (ticket) |",
    // Recovery.
    "## Recovery",
    "| Metric | Target |",
    "| RPO (Recovery Point Objective) | 24 hours (daily DB backup) |",
    "| RTO (Recovery Time Objective) | 15 minutes (tested via drill) |",
    "| Rollback time | < 5 minutes (git checkout + restart) |",
    "| MTTR (Mean Time To Recovery) | < 30 minutes |",
    // Revenue Funnel.
    "## Revenue Funnel",
    "| Step | Freshness target |",
    "| Lead capture → PostHog event | < 5 seconds",
    "| Payment webhook → PostHog event | < 10 seconds",
    "| DLQ entry → first retry | < 60 seconds",
    "| Approval request → notification | < 5 minutes",
    // Monitoring.
    "## Monitoring",
    "| System | Check interval | Alert channel |",
    "| UptimeRobot | 5 minutes | SMS + Email |",
    "| Sentry | Real-time | Email |",
    "| DLQ depth | On admin request | Dashboard |",
    "| Circuit breakers | On admin request | Dashboard |",
    // How to Verify.
    "## How to Verify",
    "# Health latency\ncurl -w \"%{time_total}s\\n\" -o /dev/null -s \
     https://api.dealix.me/api/v1/health\n",
    "# k6 smoke test\nk6 run --env API_BASE=https://api.dealix.me scripts/k6_smoke_test.js\n",
    "# DLQ depth\ncurl -H \"Authorization: Bearer $TOKEN\" \
     https://api.dealix.me/api/v1/admin/dlq/queues\n",
    "# Circuit breaker states\ncurl -H \"Authorization: Bearer $TOKEN\" \
     https://api.dealix.me/api/v1/admin/circuit-breakers\n",
    // Escalation.
    "## Escalation",
    "| P1 - Critical | Service down > 5 min | Immediate (see RUNBOOK Scenario 1) |",
    "| P2 - Major | Error rate > 5% for 15 min | Within 1 hour |",
    "| P3 - Minor | Latency > SLO for 30 min | Within 4 hours |",
    "| P4 - Low | DLQ depth > 20 | Next business day |",
    // The commit that added the document.
    "The k6 smoke test (scripts/k6_smoke_test.js) checks health, pricing, DLQ and approvals with \
     thresholds p95 < 500 ms and error rate < 1%.",
    "Regression coverage lives in `scripts/k6_smoke_test.js`.",
    "DLQ fault-injection tests: webhook crash → DLQ, retry-then-succeed, exhausted retries → \
     dead, circuit breaker open/recover, multi-queue isolation",
];

#[test]
fn the_nexus_document_carries_every_fact_of_its_seed() {
    assert_facts(&seed_documents()["docs/nexus.md"], NEXUS_FACTS);
}

#[test]
fn the_dealix_document_carries_every_fact_of_its_seed() {
    assert_facts(&seed_documents()["docs/dealix.md"], DEALIX_FACTS);
}

/// The generated explanations, beyond the seeds: tiers in words, routes, budgets as time.
#[test]
fn alerts_are_explained_from_the_plan() {
    let docs = seed_documents();
    assert_facts(
        &docs["docs/nexus.md"],
        &[
            "### Alerts",
            "- **Page** when 2% of the 28-day budget (4 m 2 s of full outage) burns within 1 hour: \
             the error ratio is above 6.72%, a 13.44× burn rate, over both the last 1 hour and the \
             last 5 minutes, for 2 minutes. At 100% errors it fires after about 6 minutes (6 m 2 s)",
            "They stay quiet while the long window holds fewer than 20 events.",
            "Each `tenant` gets its own alerts.",
            "Every alert of this SLO carries `notify=log-sentry-slack`.",
            "Sentry evaluates this SLO. Sentry notifies Sentry (core team), Slack.",
            "| p95 < 1000 ms | Page within 1 hour | 67.2% | 40 m 19 s |",
            "```mermaid\nxychart-beta",
        ],
    );
    assert_facts(
        &docs["docs/dealix.md"],
        &[
            "#### Alerts",
            "- **Page** (P1 - Critical) when 2% of the 28-day budget",
            "Routes to **P1 - Critical**: SMS, Email; response Immediate (see RUNBOOK Scenario 1).",
            "- **Page** (P2 - Major) `above-1-percent`: HTTP 5xx rate above 1% for 5 min. Fires \
             when the error ratio over the last 5 minutes is above 1% for 5 minutes.",
            "- **Ticket** (P4 - Low) `above-20`",
            "| p50 < 50 ms | Ticket within 3 days | 46.67% | 1 d 9 h 36 m |",
            "Alert threshold: > 500ms p95, checked by k6 smoke test outside slofile.",
            "| 99.5% | 30 days | 0.5% | 3.6 hours | 3 h 36 m | Uptime (monthly) |",
            "| 20× | Page (P1 - Critical): 2% of the budget within 1 hour | 42 m 19 s |",
        ],
    );
    assert_facts(
        &docs["docs/index.md"],
        &[
            "## [Project NEXUS Service Level Objectives](nexus.md)",
            "| Exchange Completion | 99.5% | 28 days | Prometheus counters |",
            "| Uptime (monthly) | API Availability | 99.5% uptime | 30 days |",
            "| RPO (Recovery Point Objective) | Recovery | 24 hours | — | daily DB backup |",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Templates: overrides and errors.

#[test]
fn an_override_replaces_only_its_own_template() {
    let defaults = seed_documents();
    let docs = documents(&["specs"], Some("tests/fixtures/markdown/override"));
    insta::assert_snapshot!("override_nexus", docs["docs/nexus.md"]);
    assert!(docs["docs/dealix.md"].starts_with("# Dealix Service Level Objectives (SLO)\n\n- "));
    assert_eq!(
        docs["docs/index.md"], defaults["docs/index.md"],
        "index.md.j2 is not overridden"
    );
}

#[test]
fn a_partial_can_be_overridden_alone() {
    let defaults = seed_documents();
    let docs = documents(&["specs"], Some("tests/fixtures/markdown/partial-override"));
    let nexus = &docs["docs/nexus.md"];
    assert!(nexus.contains("### Alerts\n\nSee the on-call handbook for `exchange-completion`.\n"));
    assert!(
        !nexus.contains("At 100% errors it fires after"),
        "the built-in alerts partial is replaced"
    );
    let before_alerts = |text: &str| text.split("### Alerts").next().unwrap().to_owned();
    assert_eq!(
        before_alerts(nexus),
        before_alerts(&defaults["docs/nexus.md"])
    );
}

#[test]
fn an_override_file_that_nothing_uses_gets_a_warning() {
    let emitted = emit(&["specs"], Some("tests/fixtures/markdown/unused"));
    let messages: Vec<&str> = emitted
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "template `tests/fixtures/markdown/unused/servce.md.j2` overrides nothing: no template \
             uses it"
        ]
    );
    assert!(emitted.diagnostics.iter().all(|d| !d.is_error()));
}

/// A broken template fails the build with the template's name and line, and nothing is written.
fn broken_build(templates: &str) -> String {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("out");
    let built = Build::of(&["specs"])
        .flags(&["--templates", templates])
        .format("plain")
        .out(&target)
        .expect(1);
    assert!(!target.exists(), "a failed build writes nothing");
    built.stderr()
}

#[test]
fn a_template_syntax_error_names_the_template_and_line() {
    let text = broken_build("tests/fixtures/markdown/broken-syntax");
    assert!(
        text.contains("tests/fixtures/markdown/broken-syntax/service.md.j2:5:"),
        "{text}"
    );
    insta::assert_snapshot!("error_syntax", text);
}

#[test]
fn an_undefined_variable_is_an_error_even_in_a_partial() {
    let text = broken_build("tests/fixtures/markdown/broken-undefined");
    assert!(text.contains("broken-undefined/_alerts.md.j2:3:"), "{text}");
    insta::assert_snapshot!("error_undefined", text);
}

#[test]
fn an_unknown_filter_is_an_error() {
    let text = broken_build("tests/fixtures/markdown/broken-filter");
    insta::assert_snapshot!("error_filter", text);
}

#[test]
fn a_missing_template_directory_is_an_error() {
    let text = broken_build("tests/fixtures/markdown/no-such-directory");
    assert!(text.contains("slofile::template"), "{text}");
    assert!(text.contains("does not exist"), "{text}");
}

#[test]
fn every_built_in_template_is_embedded_and_the_directory_holds_no_other() {
    let mut on_disk: Vec<String> = std::fs::read_dir(root().join("templates"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".j2"))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = slofile::emit::markdown::TEMPLATES
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .collect();
    embedded.sort();
    assert_eq!(on_disk, embedded);
    for (name, text) in slofile::emit::markdown::TEMPLATES {
        let file =
            std::fs::read_to_string(Path::new(&root()).join("templates").join(name)).unwrap();
        assert_eq!(&file, text, "{name}");
    }
}
