//! The test file's YAML shape, and packing tests of several SLOs into shared groups.

use super::inputs::{Series, matches};
use crate::emit::yaml_writer::{comment, to_yaml};
use crate::units::Duration;
use promql_parser::parser::VectorSelector;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Serialize)]
struct TestFile {
    pub(super) rule_files: Vec<String>,
    pub(super) evaluation_interval: String,
    /// The rule file's groups in file order, when an SLO spans several: promtool otherwise
    /// evaluates groups in no set order, and a rule could read its inputs one step late.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) group_eval_order: Vec<String>,
    pub(super) tests: Vec<TestGroup>,
}

#[derive(Serialize)]
pub(super) struct TestGroup {
    pub(super) name: String,
    pub(super) interval: String,
    pub(super) input_series: Vec<InputSeries>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) alert_rule_test: Vec<AlertTest>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) promql_expr_test: Vec<ExprTest>,
}

impl TestGroup {
    /// The last evaluation time the group asserts on: promtool evaluates up to it.
    pub(super) fn end(&self) -> Duration {
        self.alert_rule_test
            .iter()
            .map(|t| &t.eval_time)
            .chain(self.promql_expr_test.iter().map(|t| &t.eval_time))
            .filter_map(|time| Duration::parse(time).ok())
            .max()
            .unwrap_or_default()
    }
}

#[derive(Serialize)]
pub(super) struct InputSeries {
    pub(super) series: String,
    pub(super) values: String,
}

#[derive(Serialize)]
pub(super) struct AlertTest {
    pub(super) eval_time: String,
    pub(super) alertname: String,
    pub(super) exp_alerts: Vec<ExpAlert>,
}

#[derive(Serialize)]
pub(super) struct ExpAlert {
    pub(super) exp_labels: BTreeMap<String, String>,
    pub(super) exp_annotations: BTreeMap<String, String>,
}

#[derive(Serialize)]
pub(super) struct ExprTest {
    pub(super) expr: String,
    pub(super) eval_time: String,
    pub(super) exp_samples: Vec<ExpSample>,
}

#[derive(Serialize)]
pub(super) struct ExpSample {
    pub(super) labels: String,
    pub(super) value: i64,
}

/// A test file's text: its comment lines, then the file, the rules evaluated every `every`
/// minutes.
pub(super) fn render(
    comments: &[String],
    rules_file: &str,
    every: u64,
    group_eval_order: Vec<String>,
    tests: Vec<TestGroup>,
) -> String {
    let mut out: String = comments.iter().map(|line| comment(line)).collect();
    out.push_str(&to_yaml(&TestFile {
        rule_files: vec![rules_file.to_owned()],
        evaluation_interval: format!("{every}m"),
        group_eval_order,
        tests,
    }));
    out
}

/// Packs tests into as few groups as their series allow: promtool evaluates every rule of the
/// file at every step of every group, so tests of different SLOs share a group whenever their
/// series cannot meet. Longest first, so short tests ride along with long ones.
pub(super) fn pack(mut tests: Vec<(TestGroup, Footprint)>) -> Vec<TestGroup> {
    // A stable sort keeps the order of equally long tests as generated; each test's end is
    // worked out once, not at every comparison.
    tests.sort_by_cached_key(|(group, _)| std::cmp::Reverse(group.end()));
    let mut packed: Vec<(TestGroup, GroupFootprint)> = Vec::new();
    for (test, footprint) in tests {
        let home = packed.iter_mut().find(|(group, footprints)| {
            group.interval == test.interval && !footprints.overlaps(&footprint)
        });
        if let Some((group, footprints)) = home {
            group.name = format!("{} | {}", group.name, test.name);
            group.input_series.extend(test.input_series);
            group.alert_rule_test.extend(test.alert_rule_test);
            group.promql_expr_test.extend(test.promql_expr_test);
            footprints.add(footprint);
        } else {
            let mut footprints = GroupFootprint::default();
            footprints.add(footprint);
            packed.push((test, footprints));
        }
    }
    packed.into_iter().map(|(group, _)| group).collect()
}

/// What an SLO's tests write and read: the synthetic series, the selectors the SLO's rules read,
/// and the alert names they assert on.
#[derive(Debug, Clone)]
pub(super) struct Footprint {
    pub(super) series: Vec<Series>,
    pub(super) selectors: Vec<VectorSelector>,
    pub(super) alerts: BTreeSet<String>,
}

/// The footprints of every test in a group, indexed by metric name: a selector with a metric name
/// only ever matches series of that name, so a test is checked against the few series and
/// selectors that share its names, not against every test packed so far. Two footprints overlap
/// when either reads the other's series or both assert on one alert, so a test overlaps a group
/// exactly when it overlaps one of its tests.
#[derive(Debug, Default)]
pub(super) struct GroupFootprint {
    pub(super) series: BTreeMap<String, Vec<Series>>,
    pub(super) selectors: BTreeMap<String, Vec<VectorSelector>>,
    /// Selectors without a metric name, which may match any series.
    pub(super) nameless: Vec<VectorSelector>,
    pub(super) alerts: BTreeSet<String>,
}

impl GroupFootprint {
    pub(super) fn add(&mut self, footprint: Footprint) {
        for series in footprint.series {
            self.series
                .entry(series.name.clone())
                .or_default()
                .push(series);
        }
        for selector in footprint.selectors {
            match &selector.name {
                Some(name) => self
                    .selectors
                    .entry(name.clone())
                    .or_default()
                    .push(selector),
                None => self.nameless.push(selector),
            }
        }
        self.alerts.extend(footprint.alerts);
    }

    pub(super) fn overlaps(&self, test: &Footprint) -> bool {
        let group_reads_test = test.series.iter().any(|series| {
            self.selectors
                .get(&series.name)
                .into_iter()
                .flatten()
                .chain(&self.nameless)
                .any(|selector| matches(selector, series))
        });
        let test_reads_group = || {
            test.selectors.iter().any(|selector| {
                let mut candidates: Box<dyn Iterator<Item = &Series>> = match &selector.name {
                    Some(name) => Box::new(self.series.get(name).into_iter().flatten()),
                    None => Box::new(self.series.values().flatten()),
                };
                candidates.any(|series| matches(selector, series))
            })
        };
        group_reads_test || test_reads_group() || !self.alerts.is_disjoint(&test.alerts)
    }
}
