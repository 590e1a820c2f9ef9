//! The generated `promtool test rules` file, from the same [`SloRules`] as the rule file.
//!
//! For every SLO whose SLI can be synthesised, input series are built from the spec's own
//! selectors (label values are sampled from its matchers and checked against them), and the
//! expected alerts are computed exactly:
//!
//! - Counters and histograms hold a constant error ratio from their first sample. Counters start
//!   at 0, so `rate()` never extrapolates, and every window, short or long, sees exactly that ratio
//!   from the first evaluation with two samples (1m). A tier whose threshold is below the ratio is
//!   active from 1m and fires once its `for` has elapsed. Window dynamics (how long a burn takes to
//!   fill a long window, how a short window resets a page) are covered by the scenario suite in
//!   slofile's own tests; simulating 28 days here would make every user's CI slow.
//! - Gauges and probes are sampled: each slice (or probe) is good or bad, so a ratio is a whole
//!   number of bad slices out of the window's slices. The expected state of every tier is computed
//!   by replaying the rules' window arithmetic over the pattern, under both the inclusive ranges
//!   of Prometheus 2 and the left-open ranges of Prometheus 3; where the two disagree, or a ratio
//!   lands exactly on a threshold, only the alert the test is about is asserted.
//! - Windows of an hour or more are derived from the recorded 5m rates (see `rules.rs`). Under a
//!   constant ratio they see it from the first recorded rate too; `min_events` over them counts
//!   the 5m rates at 5-minute steps, so a long window reaches it a step at a time; and the replay
//!   of sampled SLIs sums the recorded 5m counts (`simulate.rs`).

use super::{Alert, AlertKind, Measure, SloRules, expr};
use crate::compile::{ObjectivePlan, ServicePlan, TierPlan, series};
use crate::units::{Duration, Ratio};
use promql_parser::parser::VectorSelector;
use std::collections::BTreeMap;

// One file per concept: the file's YAML and the packing of tests into groups, synthetic input
// series, burn scenarios, quiet and missing-data scenarios, the replay of the window arithmetic,
// and the missing-bucket tests.
mod bucket_guard;
mod burn;
mod edges;
mod exhaustion;
mod file;
mod inputs;
mod min_events;
mod policy;
mod quiet;
mod replay;
mod sampled_edges;
mod simulate;
mod sloth;
mod statics;

const MINUTE: u64 = 60_000;
/// Events per minute of synthetic traffic, unless `min_events` needs more.
const TRAFFIC: i128 = 1000;
/// The longest evaluation a sampled test may need, to keep promtool fast.
const HORIZON: u64 = 12 * 60 * MINUTE;
/// The longest a window test may take in any service.
const LONGEST_WINDOW_TEST: u64 = 24 * 60 * MINUTE;
/// The rules of a service whose window tests are held to [`HORIZON`]. promtool evaluates every
/// rule of the service at every step, so a test costs its steps times the service's rules: a
/// service with fewer rules may run longer tests for the same cost, up to
/// [`LONGEST_WINDOW_TEST`] (a probe's 3d ticket tier at 99.9% needs some 18 hours of probes a
/// minute apart to read within 10% of its threshold).
const BUDGETED_RULES: u64 = 1_000;

/// The rules of a service's SLOs.
fn rules_in(slos: &[SloRules]) -> usize {
    slos.iter()
        .map(|s| s.recording.len() + s.alerts.len())
        .sum()
}

/// How long a window test of a service with `rules` rules may take.
fn window_horizon(rules: usize) -> u64 {
    let rules = u64::try_from(rules).unwrap_or(u64::MAX).max(1);
    (HORIZON.saturating_mul(BUDGETED_RULES) / rules).clamp(HORIZON, LONGEST_WINDOW_TEST)
}

/// Minutes between two evaluations of the rules in the window tests' file,
/// `<service>.windows.test.yml`: a burst that trips only one window of a 3d/6h tier needs more
/// than six hours of steps (the short window must hold the burst alone), and promtool evaluates
/// every rule of the service at every step, so at one step a minute those tests would cost four
/// times all the others together. They assert that a tier is not even pending at one instant, so
/// a five-minute step (the recorded rates' own) loses nothing; the tests that pin a `for` to the
/// minute stay in `<service>.test.yml`, evaluated every minute.
const WINDOWS_EVERY: u64 = 5;
/// When tests that expect nothing to fire look. They hold constant input, so every alert
/// condition is settled from the first evaluation with a ratio (1m) on; 5m later nothing is even
/// pending.
const QUIET_AT: Duration = Duration::from_millis(5 * MINUTE);

use file::{AlertTest, ExpAlert, Footprint, TestGroup, pack};
use inputs::{Flow, Shape, counters, gauge_selector, group_values, ratio_query_counters, satisfy};
pub(crate) use sloth::{SlothAlert, sloth_test_file};

/// The promtool test files of one service: evaluated every minute, and the window tests
/// evaluated every [`WINDOWS_EVERY`] minutes, when there are any.
pub(crate) struct TestFiles {
    pub(crate) every_minute: String,
    pub(crate) windows: Option<String>,
}

/// The name of a service's window test file, beside `<service>.test.yml`.
pub(crate) fn windows_test_file(service: &str) -> String {
    format!("{service}.windows.test.yml")
}

/// The test files for one service.
pub(super) fn test_file(service: &ServicePlan, slos: &[SloRules], rules_file: &str) -> TestFiles {
    let mut tests: Vec<(TestGroup, Footprint)> = Vec::new();
    let mut windows: Vec<(TestGroup, Footprint)> = Vec::new();
    let mut skipped = Vec::new();
    let horizon = window_horizon(rules_in(slos));
    for slo in slos {
        let generator = match SloTests::new(slo) {
            Ok(generator) => SloTests {
                window_horizon: horizon,
                ..generator
            },
            Err(reason) => {
                let mut note = format!("{}: not synthesised: {reason}", slo.slo_id());
                // Missing data needs no input.
                if let Some(generator) = SloTests::without_input(slo)
                    && let Some(group) = generator.missing_test()
                {
                    tests.push((group, generator.footprint()));
                    note.push_str("; only the missing-data test, which needs none");
                }
                skipped.push(note);
                continue;
            }
        };
        let made = generator.groups();
        skipped.extend(
            made.notes
                .into_iter()
                .map(|n| format!("{}: {n}", slo.slo_id())),
        );
        let footprint = generator.footprint();
        tests.extend(
            made.every_minute
                .into_iter()
                .map(|g| (g, footprint.clone())),
        );
        windows.extend(made.windows.into_iter().map(|g| (g, footprint.clone())));
    }
    let mut group_names: Vec<String> = slos.iter().flat_map(SloRules::group_names).collect();
    let split = group_names.len() > slos.len();
    if split && service.meta.heartbeat.is_some() {
        group_names.push(super::heartbeat::heartbeat_group_name(&service.meta.id));
    }
    let group_eval_order = if split { group_names } else { Vec::new() };
    let generated = format!(
        "Generated by slofile from {}. Do not edit: change the spec and run `slofile build`.",
        service.meta.source
    );
    let id = &service.meta.id;
    let windows = (!windows.is_empty()).then(|| {
        file::render(
            &[
                generated.clone(),
                format!(
                    "Window tests of {rules_file}: run `{}` in this directory.",
                    run_command(id, true)
                ),
                "Each burst trips one window of a tier only and leaves the tier quiet. The rules run every five minutes here, so that tests of six hours and more stay cheap; the tests that pin a `for` to the minute are in the other file.".to_owned(),
            ],
            rules_file,
            WINDOWS_EVERY,
            group_eval_order.clone(),
            pack(windows),
        )
    });
    let mut merged = pack(tests);
    merged.extend(
        super::heartbeat::heartbeat_test(service)
            .iter()
            .map(HeartbeatTest::group),
    );
    let mut comments = vec![
        generated,
        format!(
            "Unit tests of {rules_file}: run `{}` in this directory.",
            run_command(id, windows.is_some())
        ),
        "Counters hold a constant error ratio from their first sample, so every window sees it at once and a tier fires as soon as its `for` has elapsed.".to_owned(),
        "Tests of several SLOs share a group (names joined by `|`) when their series cannot meet, so that promtool evaluates the rules once for all of them.".to_owned(),
    ];
    comments.extend(skipped);
    TestFiles {
        every_minute: file::render(&comments, rules_file, 1, group_eval_order, merged),
        windows,
    }
}

/// The command that runs a service's test files where they were written.
fn run_command(service: &str, windows: bool) -> String {
    let mut command = format!("promtool test rules {service}.test.yml");
    if windows {
        command.push(' ');
        command.push_str(&windows_test_file(service));
    }
    command
}

/// An SLO's test groups by file, and notes on tests left out.
struct Made {
    every_minute: Vec<TestGroup>,
    windows: Vec<TestGroup>,
    notes: Vec<String>,
}

/// The heartbeat alert as the test expects it, rendered.
pub(super) struct HeartbeatTest {
    pub(super) service: String,
    pub(super) labels: BTreeMap<String, String>,
    pub(super) annotations: BTreeMap<String, String>,
}

impl HeartbeatTest {
    /// Fires at the first evaluation and an hour later, with no input series at all.
    fn group(&self) -> TestGroup {
        let expected = || ExpAlert {
            exp_labels: self.labels.clone(),
            exp_annotations: self.annotations.clone(),
        };
        TestGroup {
            name: format!("{}: the heartbeat always fires", self.service),
            interval: "1m".to_owned(),
            input_series: Vec::new(),
            alert_rule_test: ["0m", "1h"]
                .into_iter()
                .map(|at| AlertTest {
                    eval_time: at.to_owned(),
                    alertname: crate::compile::series::HEARTBEAT_ALERT.to_owned(),
                    exp_alerts: vec![expected()],
                })
                .collect(),
            promql_expr_test: Vec::new(),
        }
    }
}

/// Whether an alert fires at a time, as far as can be known.
#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Firing,
    Quiet,
    Unsure,
}

struct SloTests<'a> {
    rules: &'a SloRules<'a>,
    shape: Shape,
    /// The values of the `group_by` labels on every synthetic series.
    group: BTreeMap<String, String>,
    /// The tiers that alert: objective index, index in the policy, tier.
    tiers: Vec<(usize, usize, &'a TierPlan)>,
    first: &'a ObjectivePlan,
    /// How long a window test may take (see [`window_horizon`]).
    window_horizon: u64,
}

impl<'a> SloTests<'a> {
    fn new(rules: &'a SloRules<'a>) -> Result<SloTests<'a>, String> {
        let first = rules
            .plan
            .objectives
            .first()
            .ok_or_else(|| "the SLO has no objective".to_owned())?;
        let preferred: BTreeMap<String, String> = rules
            .group_by()
            .iter()
            .map(|label| (label.clone(), "a".to_owned()))
            .collect();
        let shape = match &rules.measure {
            Measure::Counters { events, total, .. } => counters(events, total, &preferred)?,
            Measure::Histogram { buckets, .. } => Shape::Histogram(
                satisfy(&[buckets], None, &preferred)
                    .ok_or_else(|| format!("no series matches `{buckets}`"))?,
            ),
            // One sample per probe, at the spec's interval.
            Measure::Probe { metric, interval } => Shape::Sampled {
                series: satisfy(&[metric], None, &preferred)
                    .ok_or_else(|| format!("no series matches `{metric}`"))?,
                good: "1".to_owned(),
                bad: "0".to_owned(),
                step: *interval,
                offset: inputs::off_the_minute(*interval),
            },
            Measure::Gauge {
                query,
                good_below,
                threshold,
                slice,
            } => {
                let selector = gauge_selector(query)?;
                let series = satisfy(&[&selector], None, &preferred)
                    .ok_or_else(|| format!("no series matches `{selector}`"))?;
                let half = threshold
                    .checked_div(Ratio::integer(2))
                    .unwrap_or(Ratio::ZERO);
                let low = if threshold.is_zero() {
                    "-1".to_owned()
                } else {
                    half.to_decimal()
                };
                let high = threshold
                    .checked_add(Ratio::ONE)
                    .unwrap_or(*threshold)
                    .to_decimal();
                let (good, bad) = if *good_below {
                    (low, high)
                } else {
                    (high, low)
                };
                Shape::Sampled {
                    series,
                    good,
                    bad,
                    step: *slice,
                    offset: Duration::default(),
                }
            }
            Measure::ErrorRatioQuery(query) => ratio_query_counters(query, &preferred)?,
        };
        let group = group_values(&shape, rules.group_by())?;
        Ok(SloTests::with_shape(rules, first, shape, group))
    }

    /// The tests of an SLO whose input series cannot be synthesised: those that need none
    /// (missing data).
    fn without_input(rules: &'a SloRules<'a>) -> Option<SloTests<'a>> {
        let first = rules.plan.objectives.first()?;
        Some(SloTests::with_shape(
            rules,
            first,
            Shape::Counters(Vec::new()),
            BTreeMap::new(),
        ))
    }

    fn with_shape(
        rules: &'a SloRules<'a>,
        first: &'a ObjectivePlan,
        shape: Shape,
        group: BTreeMap<String, String>,
    ) -> SloTests<'a> {
        let mut tiers = Vec::new();
        for (index, objective) in rules.plan.objectives.iter().enumerate() {
            for tier in objective.alerting_tiers() {
                let position = objective
                    .tiers
                    .iter()
                    .position(|t| std::ptr::eq(t, tier))
                    .unwrap_or(0);
                tiers.push((index, position, tier));
            }
        }
        SloTests {
            rules,
            shape,
            group,
            tiers,
            first,
            window_horizon: HORIZON,
        }
    }

    fn burn_name(&self) -> String {
        self.rules.alert_name(series::BURN_ALERT)
    }

    fn missing_alert(&self) -> Option<&Alert> {
        self.rules
            .alerts
            .iter()
            .find(|a| matches!(a.kind, AlertKind::MissingData))
    }

    fn burn_alerts(&self) -> impl Iterator<Item = (&Alert, usize, &TierPlan)> {
        self.rules
            .alerts
            .iter()
            .filter_map(|alert| match &alert.kind {
                AlertKind::Burn { objective, tier } => Some((alert, *objective, &**tier)),
                _ => None,
            })
    }

    fn objective(&self, index: usize) -> &ObjectivePlan {
        self.rules.plan.objectives.get(index).unwrap_or(self.first)
    }

    /// Every test group of this SLO, and notes on tests left out.
    fn groups(&self) -> Made {
        let mut groups = Vec::new();
        let mut windows = Vec::new();
        let mut notes = Vec::new();
        let policy_tiers = self.rules.plan.slo.tiers.len();
        for index in 0..policy_tiers {
            let mut made: Vec<(Result<TestGroup, String>, bool)> = Vec::new();
            made.extend(self.burn_tests(index).into_iter().map(|t| (t, false)));
            made.extend(self.window_tests(index).into_iter().map(|t| (t, true)));
            if let Shape::Sampled { .. } = &self.shape {
                for (objective, tier) in self.participants(index) {
                    made.extend(self.sampled_edge_tests(objective, tier));
                }
            }
            for (test, in_windows) in made {
                match test {
                    Ok(group) if in_windows => windows.push(group),
                    Ok(group) => groups.push(group),
                    Err(note) => notes.push(note),
                }
            }
        }
        groups.extend(self.exhaustion_tests(&mut notes));
        groups.extend(self.policy_tests(&mut notes));
        groups.extend(self.static_tests(&mut notes));
        // Prometheus 3 stores `le="1.0"` where Prometheus 2 kept the exporter's `le="1"`: the
        // quiet test again with those labels. Were a bucket not matched, its good events would be
        // missing and every event would count as failed.
        if matches!(self.shape, Shape::Histogram(_))
            && let Some(group) = self.quiet_test(true)
        {
            groups.push(group);
        }
        if self.tiers.is_empty() {
            notes.push("no burn-rate tier can fire, so no burn test".to_owned());
        }
        if let Some(group) = self.quiet_test(false) {
            groups.push(group);
        }
        if let Shape::Sampled { .. } = &self.shape {
            notes.push(
                "no zero-traffic test: a sampled SLI has a sample in every slice, and a probe without samples is missing data".to_owned(),
            );
            if self.rules.plan.slo.min_events.is_some() {
                notes.push(
                    "no low-traffic test: one event per slice, so a window's count depends on time alone; the burn tests wait until the long window holds min_events".to_owned(),
                );
            }
        } else {
            groups.push(self.zero_traffic_test());
            groups.extend(self.min_events_tests(&mut notes));
        }
        if let Some(group) = self.missing_test() {
            groups.push(group);
        }
        groups.extend(self.bucket_guard_tests());
        Made {
            every_minute: groups,
            windows,
            notes,
        }
    }

    fn footprint(&self) -> Footprint {
        let mut selectors: Vec<VectorSelector> = match &self.rules.measure {
            Measure::Counters { events, total, .. } => [events, total]
                .iter()
                .filter_map(|q| expr::parse_shared(q).ok())
                .flat_map(|e| expr::selectors(&e))
                .collect(),
            Measure::Histogram { buckets, .. } => vec![buckets.clone()],
            Measure::Probe { metric, .. } => vec![metric.clone()],
            Measure::Gauge { query, .. } => expr::parse_shared(query)
                .map(|e| expr::selectors(&e))
                .unwrap_or_default(),
            Measure::ErrorRatioQuery(query) => {
                expr::parse_shared(&query.replace("{{window}}", "5m"))
                    .map(|e| expr::selectors(&e))
                    .unwrap_or_default()
            }
        };
        // Custom static expressions read series of their own, which the tests may feed.
        for alert in &self.rules.alerts {
            if let AlertKind::Static { spec } = &alert.kind
                && let crate::spec::AlertSource::Expr(text) = &spec.source
                && let Ok(parsed) = expr::parse_shared(text)
            {
                selectors.extend(expr::selectors(&parsed));
            }
        }
        let series = match &self.shape {
            Shape::Counters(series) => series.iter().map(|(s, _)| s.clone()).collect(),
            Shape::Histogram(base) => vec![base.with("le", "+Inf")],
            Shape::Sampled { series, .. } => vec![series.clone()],
        };
        Footprint {
            series,
            selectors,
            alerts: self.rules.alerts.iter().map(|a| a.name.clone()).collect(),
        }
    }

    /// A flow in which each objective with a target fails exactly that share of events, or
    /// `None` when one histogram cannot give those ratios at once.
    fn flow(&self, per_minute: Ratio, targets: &[Option<Ratio>]) -> Option<Flow> {
        let objectives = self.rules.plan.objectives.len().max(1);
        let Measure::Histogram { thresholds, .. } = &self.rules.measure else {
            let ratio = targets.first().copied().flatten().unwrap_or(Ratio::ZERO);
            return Some(Flow {
                per_minute,
                errors: vec![ratio; objectives],
            });
        };
        // The share of events slower than a threshold: the largest target at or above it.
        let slower = |threshold: Ratio| {
            targets
                .iter()
                .zip(thresholds)
                .filter(|(_, t)| **t >= threshold)
                .filter_map(|(target, _)| *target)
                .max()
                .unwrap_or(Ratio::ZERO)
        };
        let errors: Vec<Ratio> = thresholds.iter().map(|t| slower(*t)).collect();
        let consistent = targets
            .iter()
            .zip(&errors)
            .all(|(target, error)| target.is_none_or(|t| t == *error));
        consistent.then_some(Flow { per_minute, errors })
    }

    fn traffic(&self) -> Ratio {
        let min = self.rules.plan.slo.min_events.map_or(0, i128::from);
        Ratio::integer(TRAFFIC.max(min.saturating_mul(2)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_services_may_run_longer_window_tests() {
        assert_eq!(window_horizon(2_305), HORIZON);
        assert_eq!(window_horizon(1_000), HORIZON);
        assert_eq!(window_horizon(750), HORIZON * 4 / 3);
        assert_eq!(window_horizon(500), LONGEST_WINDOW_TEST);
        assert_eq!(window_horizon(25), LONGEST_WINDOW_TEST);
        assert_eq!(window_horizon(0), LONGEST_WINDOW_TEST);
    }
}
