//! Run-time guards for latency thresholds that were not checked at build time.
//!
//! A classic histogram counts events at or under its bucket boundaries only. When a latency or
//! freshness SLI lists its `buckets`, validation proves every threshold is one of them. When it
//! leaves them out, nothing at build time knows the boundaries, and a threshold that is not one
//! would match no bucket: every event would count as too slow, and the burn-rate alerts would
//! fire on a healthy service. So each such threshold gets a guard: an alert that fires while the
//! histogram has data but no bucket at the threshold, routed like the SLO's missing-data alert
//! (it is the same kind of fault: the SLI cannot be measured as written).

use super::SloPlan;
use crate::spec::Sli;
use crate::units::Duration;

/// One threshold whose bucket is checked at run time.
#[derive(Debug, Clone, PartialEq)]
pub struct BucketGuard {
    /// The histogram's bucket series, as the spec selects it.
    pub histogram: String,
    /// The threshold the bucket must sit at.
    pub threshold: Duration,
    /// The objectives measured at this threshold (`p95`), in spec order; empty for an unnamed
    /// objective.
    pub objectives: Vec<String>,
    /// The `severity` label: the missing-data alert's.
    pub severity: String,
    /// How long the bucket must be missing: the missing-data alert's `for`.
    pub for_: Duration,
}

impl SloPlan {
    /// One guard per distinct threshold of a histogram SLI whose spec leaves out `buckets`, in
    /// ascending order of threshold. Empty when the buckets are listed (validation has checked
    /// every threshold) or the SLI is not a histogram.
    ///
    /// The guard is routed like the missing-data alert; when that alert is switched off (often
    /// because the metric is legitimately sparse), the guard keeps the default routing, since a
    /// threshold without a bucket is a spec error, not a quiet period.
    pub fn bucket_guards(&self) -> Vec<BucketGuard> {
        let (Sli::Latency(histogram)
        | Sli::Freshness {
            histogram: Some(histogram),
            ..
        }) = &self.slo.sli
        else {
            return Vec::new();
        };
        if !histogram.buckets.is_empty() {
            return Vec::new();
        }
        let routing = self.slo.missing_data.clone().unwrap_or_default();
        let mut guards: Vec<BucketGuard> = Vec::new();
        for objective in &self.objectives {
            let Some(threshold) = objective.objective.threshold else {
                continue;
            };
            let name = objective.objective.name.clone();
            match guards.iter_mut().find(|g| g.threshold == threshold) {
                Some(guard) => guard.objectives.extend(name),
                None => guards.push(BucketGuard {
                    histogram: histogram.histogram.clone(),
                    threshold,
                    objectives: name.into_iter().collect(),
                    severity: routing.severity.clone(),
                    for_: routing.for_,
                }),
            }
        }
        guards.sort_by_key(|g| g.threshold);
        guards
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::MissingData;

    /// The routing a guard takes when the SLO has no missing-data alert.
    fn default_routing() -> MissingData {
        MissingData::default()
    }

    fn plan(sli: &str, alerting: &str) -> SloPlan {
        let text = format!(
            "apiVersion: slofile/v1\nservice: api\nslos:\n  - id: lat\n    {sli}\n{alerting}"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.yaml");
        std::fs::write(&path, text).unwrap();
        let mut report = crate::diagnostics::Report::default();
        let plan = crate::plan(&[path], &mut report).ok().flatten();
        let plan = plan.unwrap_or_else(|| panic!("{report:?}"));
        plan.services[0].slos[0].clone()
    }

    const PERCENTILES: &str = "percentiles: [{percentile: 99, threshold: 1s}, {percentile: 95, threshold: 300ms}, {percentile: 90, threshold: 300ms}]";

    #[test]
    fn one_guard_per_threshold_without_buckets() {
        let slo = plan(
            &format!("sli: {{latency: {{histogram: 'h_bucket', {PERCENTILES}}}}}"),
            "",
        );
        let guards = slo.bucket_guards();
        let thresholds: Vec<String> = guards.iter().map(|g| g.threshold.to_string()).collect();
        assert_eq!(thresholds, ["300ms", "1s"]);
        assert_eq!(guards[0].objectives, ["p95", "p90"]);
        assert_eq!(guards[1].objectives, ["p99"]);
        assert_eq!(guards[0].severity, default_routing().severity);
        assert_eq!(guards[0].for_, default_routing().for_);
    }

    #[test]
    fn listed_buckets_need_no_guard() {
        let slo = plan(
            &format!(
                "sli: {{latency: {{histogram: 'h_bucket', buckets: [0.3, 1], {PERCENTILES}}}}}"
            ),
            "",
        );
        assert!(slo.bucket_guards().is_empty());
    }

    #[test]
    fn guards_follow_the_missing_data_routing() {
        let sli = format!("sli: {{latency: {{histogram: 'h_bucket', {PERCENTILES}}}}}");
        let slo = plan(
            &sli,
            "    alerting: {missing_data: {for: 30m, severity: page}}\n",
        );
        let guard = &slo.bucket_guards()[0];
        assert_eq!(
            (guard.severity.as_str(), guard.for_.to_string()),
            ("page", "30m".to_owned())
        );
        let off = plan(&sli, "    alerting: {missing_data: {enabled: false}}\n");
        assert_eq!(off.bucket_guards()[0].severity, default_routing().severity);
    }
}
