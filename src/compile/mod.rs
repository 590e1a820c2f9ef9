//! The compile stage: validated specs in, a [`Plan`] out. This is where the arithmetic lives:
//! error budgets, burn-rate factors and thresholds, all exact.
//!
//! A burn rate of 1 spends the error budget exactly over the SLO window. A tier that fires when
//! `budget_share` of the window's budget burns within `long` needs the rate
//! `factor = budget_share × window / long`, i.e. an error ratio above `factor × (1 − objective)`.
//!
//! The Plan holds every decision the outputs share, so that they agree by construction:
//!
//! - which burn-rate tiers become alerts ([`ObjectivePlan::alerting_tiers`]): a tier is left out
//!   when not even 100% errors reach its threshold, or when a sampled SLI (a probe, a gauge checked
//!   per time slice) never holds `min_events` samples in its long window ([`LeftOut`]);
//! - how Prometheus measures each SLI, if at all ([`Measure`]), with the user's PromQL shaped once
//!   here, so that a shape error is reported before the Plan exists, by `validate` as by `build`;
//! - which windows the Prometheus rules record ([`SloPlan::recorded_windows`]);
//! - who evaluates each static alert ([`Evaluator`]).
//!
//! - which monitors Sentry gets, for either of its APIs ([`sentry`]): Sentry's limits (a
//!   percentile it has no function for, an SLO without a channel it can notify) are problems of
//!   the spec, reported here;
//! - how long a probe waits for an answer ([`SloPlan::probe_timeout`]).
//!
//! Problems come back as diagnostics; what the build will say about its outputs (an SLO that gets
//! no Prometheus rules, compliance averaged over time) is kept in [`Plan::notes`], which `build`
//! and `check` report and `validate` does not.

pub mod measure;
pub(crate) mod promql_shape;

pub mod dashboard;
mod notes;
use notes::{
    cannot_fire, compliance_notes, evaluator, measured_elsewhere, shape_error, too_few_samples,
};
pub mod policy;
pub mod sentry;
pub mod series;

use crate::diagnostics::{Code, Diagnostic};
use crate::spec::{BudgetPolicy, Objective, Service, ServiceMeta, Sli, Slo, StaticAlert, Tier};
use crate::units::{Duration, Overflow, Ratio};
pub use measure::Measure;
use std::collections::BTreeMap;

mod bucket_guard;
pub use bucket_guard::BucketGuard;

/// Everything the backends need, for every service. Backends see only this.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Sorted by service id.
    pub services: Vec<ServicePlan>,
    /// Advice about the outputs, for `build` and `check`: SLOs measured outside Prometheus,
    /// compliance that cannot be weighted by traffic.
    pub notes: Vec<Diagnostic>,
}

#[derive(Debug, Clone)]
pub struct ServicePlan {
    pub meta: ServiceMeta,
    /// In spec order.
    pub slos: Vec<SloPlan>,
    /// The service's Sentry monitors and alerts, for each of Sentry's APIs.
    pub sentry: sentry::SentryPlan,
}

#[derive(Debug, Clone)]
pub struct SloPlan {
    pub slo: Slo,
    /// One per objective of the SLO, in spec order.
    pub objectives: Vec<ObjectivePlan>,
    /// How Prometheus measures the SLI; `None` when something else does (Sentry, a probe
    /// without a `metric`) or nothing does (documentary SLOs).
    pub measure: Option<Measure>,
    /// Who evaluates each static alert, in the order of `slo.alerts`.
    pub evaluators: Vec<Evaluator>,
    /// How long a probe waits for an answer: the spec's `timeout`, else
    /// [`DEFAULT_PROBE_TIMEOUT_SECS`]. `None` for SLIs that are not probes.
    pub probe_timeout: Option<Duration>,
    /// The error-budget policy the SLO follows: its own, else the service's.
    pub budget_policy: Option<BudgetPolicy>,
}

impl SloPlan {
    /// Every window the Prometheus rules record for this SLO, sorted and without duplicates:
    /// 5m (the base of compliance and budget), the long and short window of every tier that
    /// becomes an alert, the window of every `error_ratio` static alert Prometheus evaluates,
    /// and the error-budget policy's `freeze_if_burned.within`. Empty when Prometheus does not measure the SLO.
    pub fn recorded_windows(&self) -> Vec<Duration> {
        if self.measure.is_none() {
            return Vec::new();
        }
        let mut windows = vec![Duration::from_millis(BASE_WINDOW_MS)];
        for objective in &self.objectives {
            for tier in objective.alerting_tiers() {
                windows.push(tier.long);
                windows.push(tier.short);
            }
        }
        // A recent burn of the error-budget policy is read over `within`.
        if let Some(limit) = self
            .policy_rules()
            .and_then(|rules| rules.freeze_if_burned.as_ref())
        {
            windows.push(limit.within);
        }
        for (alert, evaluator) in self.static_alerts() {
            if *evaluator == Evaluator::Prometheus
                && alert.source
                    == crate::spec::AlertSource::Signal(crate::spec::AlertSignal::ErrorRatio)
            {
                windows.push(alert.over);
            }
        }
        windows.sort();
        windows.dedup();
        windows
    }

    /// The static alerts of the SLO, each with who evaluates it.
    pub fn static_alerts(&self) -> impl Iterator<Item = (&StaticAlert, &Evaluator)> {
        self.slo.alerts.iter().zip(&self.evaluators)
    }

    /// The static alerts Prometheus evaluates, in spec order.
    pub fn prometheus_alerts(&self) -> impl Iterator<Item = &StaticAlert> {
        self.static_alerts()
            .filter(|(_, evaluator)| **evaluator == Evaluator::Prometheus)
            .map(|(alert, _)| alert)
    }
}

/// Seconds a probe waits when its spec gives no timeout: UptimeRobot's default, within Sentry's
/// 1 to 60 s.
pub const DEFAULT_PROBE_TIMEOUT_SECS: u64 = 30;

/// The window over which compliance and budget are computed from recorded rates: 5 minutes.
pub const BASE_WINDOW_MS: u64 = 5 * 60 * 1000;

/// The shortest window whose rates the Prometheus rules derive from the recorded
/// [`BASE_WINDOW`] rates instead of reading raw series: 1 hour. Shorter windows read few raw
/// samples and react within one scrape; longer ones would re-read hours or days of every raw
/// series at every evaluation.
pub const DERIVED_FROM: Duration = Duration::from_millis(60 * 60 * 1000);

/// Who evaluates a static alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evaluator {
    /// A Prometheus alerting rule.
    Prometheus,
    /// The spec marks it `documentation_only`: documents carry it, no system evaluates it.
    Documentation,
    /// Nothing evaluates it, for the reason given (a clause, e.g. "its SLI is not in
    /// Prometheus"); a warning says so.
    Nobody(String),
}

/// [`BASE_WINDOW_MS`] as a duration: always recorded, whatever the alerts.
pub const BASE_WINDOW: Duration = Duration::from_millis(BASE_WINDOW_MS);

#[derive(Debug, Clone)]
pub struct ObjectivePlan {
    pub objective: Objective,
    /// `1 − target`.
    pub budget: Ratio,
    /// The budget as time over the SLO window: 99.5% over 28 days is 3 h 21 m 36 s.
    pub budget_time: Duration,
    /// Every tier of the SLO's burn policy, including those left out.
    pub tiers: Vec<TierPlan>,
}

impl ObjectivePlan {
    /// The tiers that become alerts, in every output.
    pub fn alerting_tiers(&self) -> impl Iterator<Item = &TierPlan> {
        self.tiers.iter().filter(|t| t.left_out.is_none())
    }
}

/// Why a burn-rate tier is left out of every output.
#[derive(Debug, Clone, PartialEq)]
pub enum LeftOut {
    /// `factor × budget ≥ 1`: not even 100% errors would reach the threshold.
    AboveFullOutage,
    /// The SLI is sampled, and the long window holds at most `samples` samples, fewer than
    /// `min_events`: the alert's `min_events` guard could never pass.
    TooFewSamples {
        samples: u64,
        min_events: u64,
        /// How often the SLI produces a sample.
        step: Duration,
        /// What a sample is, plural: `probes`, `time slices`.
        noun: &'static str,
    },
}

impl LeftOut {
    /// Why, as a clause: `it would need an error ratio above 134.4%, more than 100%`.
    pub fn reason(&self, tier: &TierPlan) -> String {
        match self {
            LeftOut::AboveFullOutage => format!(
                "it would need an error ratio above {}, more than 100%",
                tier.error_threshold.percent()
            ),
            LeftOut::TooFewSamples {
                samples,
                min_events,
                step,
                noun,
            } => format!(
                "{} holds at most {samples} {noun} of {}, fewer than min_events {min_events}",
                tier.long.human(),
                step.human()
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TierPlan {
    pub severity: String,
    pub escalation: Option<String>,
    /// Labels on this tier's alert only.
    pub labels: BTreeMap<String, String>,
    pub long: Duration,
    pub short: Duration,
    pub for_: Duration,
    /// Multiple of the burn rate that spends the budget exactly over the window.
    pub factor: Ratio,
    /// Share of the window's budget spent within `long` when the tier fires.
    pub budget_share: Ratio,
    /// The error ratio above which both windows must be: `factor × budget`.
    pub error_threshold: Ratio,
    /// How long the whole budget lasts at this burn rate: `window / factor`.
    pub exhaustion: Duration,
    /// At 100% errors, how long until the alert fires: both windows cross the threshold, then
    /// `for` elapses.
    pub detection_at_full_outage: Duration,
    /// False when the tier never becomes an alert; `left_out` says why.
    pub can_fire: bool,
    /// Why the tier is left out of every output, if it is.
    pub left_out: Option<LeftOut>,
}

impl TierPlan {
    /// At a steady burn rate of `burn` times the sustainable rate, how long until this tier
    /// fires: its windows cross the threshold after `long × factor / burn`, then `for` elapses.
    /// `None` when the tier is left out or the burn rate never reaches its factor.
    pub fn detection_at_burn(&self, burn: Ratio) -> Option<Duration> {
        if self.left_out.is_some() || self.factor >= burn {
            return None;
        }
        let crossing = self.long.scale(self.factor.checked_div(burn).ok()?).ok()?;
        Some(Duration::from_millis(
            crossing.millis() + self.for_.millis(),
        ))
    }
}

/// Compiles validated services into a plan. Problems of arithmetic come back as diagnostics:
/// errors for impossible windows, warnings for tiers that can never fire.
pub fn compile(mut services: Vec<Service>) -> (Plan, Vec<Diagnostic>) {
    services.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
    // Services compile independently, spread over the cores; their diagnostics and notes are
    // taken in service order, as if compiled one after the other.
    let compiled = crate::parallel::map_owned(services, |service| {
        let (mut diagnostics, mut notes) = (Vec::new(), Vec::new());
        let mut slos = Vec::new();
        for (index, mut slo) in service.slos.into_iter().enumerate() {
            link_dashboard(&service.meta, index, &mut slo);
            let policy = service.meta.error_budget_policy.as_ref();
            slos.push(compile_slo(slo, policy, &mut diagnostics, &mut notes));
        }
        let mut plan = ServicePlan {
            meta: service.meta,
            slos,
            sentry: sentry::SentryPlan::default(),
        };
        // What Sentry cannot express of the spec is a problem of the spec, found by `validate`
        // too.
        let (sentry, problems) = sentry::plan(&plan);
        plan.sentry = sentry;
        diagnostics.extend(problems);
        (plan, diagnostics, notes)
    });
    let mut plan = Plan {
        services: Vec::with_capacity(compiled.len()),
        notes: Vec::new(),
    };
    let mut diagnostics = Vec::new();
    for (service, service_diagnostics, notes) in compiled {
        plan.services.push(service);
        diagnostics.extend(service_diagnostics);
        plan.notes.extend(notes);
    }
    (plan, diagnostics)
}

/// With the service's `grafana` setting, an SLO that gets a dashboard row links to it, unless
/// its spec names a dashboard of its own: documents show the link, alerts carry it as their
/// `dashboard` annotation.
fn link_dashboard(meta: &ServiceMeta, index: usize, slo: &mut Slo) {
    if let (Some(settings), None, true) = (&meta.grafana, &slo.dashboard, slo.sli.in_prometheus()) {
        slo.dashboard = Some(dashboard::slo_url(settings, &meta.id, &meta.title, index));
    }
}

/// `service_policy` is the service's error-budget policy, which the SLO follows unless it has
/// its own.
fn compile_slo(
    slo: Slo,
    service_policy: Option<&BudgetPolicy>,
    diagnostics: &mut Vec<Diagnostic>,
    notes: &mut Vec<Diagnostic>,
) -> SloPlan {
    let mut objectives = Vec::new();
    for tier in &slo.tiers {
        if tier.long > slo.window {
            diagnostics.push(
                Diagnostic::error(
                    Code::WindowOrder,
                    format!(
                        "SLO `{}`: a {} tier's long window {} is longer than the SLO window {}",
                        slo.id, tier.severity, tier.long, slo.window
                    ),
                )
                .at_origin(&slo.origin)
                .with_help("use a shorter long window, or a longer SLO window"),
            );
        }
    }
    let measure = match Measure::of(&slo) {
        Ok(measure) => measure,
        Err(shape) => {
            diagnostics.push(shape_error(&slo, &shape));
            None
        }
    };
    for objective in &slo.objectives {
        match plan_objective(&slo, objective) {
            Ok(mut plan) => {
                if let Some(measure) = &measure {
                    leave_out_sampled(&slo, measure, &mut plan);
                }
                for tier in &plan.tiers {
                    match &tier.left_out {
                        Some(LeftOut::AboveFullOutage) => {
                            diagnostics.push(cannot_fire(&slo, &plan, tier));
                        }
                        Some(left_out) => diagnostics.push(too_few_samples(&slo, tier, left_out)),
                        None => {}
                    }
                }
                objectives.push(plan);
            }
            Err(Overflow) => diagnostics.push(
                Diagnostic::error(
                    Code::ArithmeticOverflow,
                    format!(
                        "SLO `{}`: the objective and windows are too precise to compute exactly",
                        slo.id
                    ),
                )
                .at_origin(&objective.origin)
                .with_help("use fewer decimal places in the objective"),
            ),
        }
    }
    match &measure {
        Some(measure) => compliance_notes(&slo, measure, diagnostics),
        None if !slo.sli.in_prometheus() => notes.push(
            Diagnostic::info(
                Code::NoPrometheusRules,
                format!(
                    "SLO `{}` is measured {}, so it gets no Prometheus rules",
                    slo.id,
                    measured_elsewhere(&slo.sli)
                ),
            )
            .at_origin(&slo.origin),
        ),
        // A shape error, reported above.
        None => {}
    }
    let evaluators = slo
        .alerts
        .iter()
        .map(|alert| evaluator(&slo, measure.as_ref(), alert, diagnostics))
        .collect();
    let probe_timeout = match &slo.sli {
        Sli::Probe(probe) => Some(
            probe
                .timeout
                .unwrap_or(Duration::from_secs(DEFAULT_PROBE_TIMEOUT_SECS)),
        ),
        _ => None,
    };
    let budget_policy = slo
        .error_budget_policy
        .clone()
        .or_else(|| service_policy.cloned());
    SloPlan {
        slo,
        objectives,
        measure,
        evaluators,
        probe_timeout,
        budget_policy,
    }
}

/// A sampled SLI cannot fire a tier whose long window never holds `min_events` samples.
fn leave_out_sampled(slo: &Slo, measure: &Measure, plan: &mut ObjectivePlan) {
    let (Some(step), Some(min_events)) = (measure.sample_step(), slo.min_events) else {
        return;
    };
    for tier in plan.tiers.iter_mut().filter(|t| t.left_out.is_none()) {
        let samples = tier.long.millis() / step.millis().max(1);
        if samples < min_events {
            tier.left_out = Some(LeftOut::TooFewSamples {
                samples,
                min_events,
                step,
                noun: measure.noun(),
            });
            tier.can_fire = false;
        }
    }
}

/// Computes the budget and every tier for one objective of an SLO.
pub fn plan_objective(slo: &Slo, objective: &Objective) -> Result<ObjectivePlan, Overflow> {
    let budget = Ratio::ONE.checked_sub(objective.target)?;
    let budget_time = slo.window.scale(budget)?;
    let tiers = slo
        .tiers
        .iter()
        .map(|tier| plan_tier(tier, slo.window, budget))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ObjectivePlan {
        objective: objective.clone(),
        budget,
        budget_time,
        tiers,
    })
}

/// The arithmetic of one tier.
pub fn plan_tier(tier: &Tier, window: Duration, budget: Ratio) -> Result<TierPlan, Overflow> {
    let window_per_long = window.ratio_to(tier.long)?;
    let (factor, budget_share) = match (tier.factor, tier.budget_share) {
        (Some(factor), _) => (factor, factor.checked_div(window_per_long)?),
        (None, Some(share)) => (share.checked_mul(window_per_long)?, share),
        (None, None) => return Err(Overflow),
    };
    let error_threshold = factor.checked_mul(budget)?;
    let can_fire = error_threshold < Ratio::ONE;
    let exhaustion = window.scale(Ratio::ONE.checked_div(factor)?)?;
    // At 100% errors a window's error ratio reaches the threshold once the outage covers
    // `threshold × window` of it; both windows must cross, then `for` must elapse.
    let crossing = if can_fire {
        tier.long
            .scale(error_threshold)?
            .max(tier.short.scale(error_threshold)?)
    } else {
        Duration::default()
    };
    let detection_at_full_outage = Duration::from_millis(crossing.millis() + tier.for_.millis());
    Ok(TierPlan {
        severity: tier.severity.clone(),
        escalation: tier.escalation.clone(),
        labels: tier.labels.clone(),
        long: tier.long,
        short: tier.short,
        for_: tier.for_,
        factor,
        budget_share,
        error_threshold,
        exhaustion,
        detection_at_full_outage,
        can_fire,
        left_out: (!can_fire).then_some(LeftOut::AboveFullOutage),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::validate::builtin_tiers;

    fn d(text: &str) -> Duration {
        Duration::parse(text).unwrap()
    }

    fn pct(text: &str) -> Ratio {
        Ratio::parse_percent_or_number(text).unwrap().0
    }

    fn factors(policy: &str, window: &str, objective: &str) -> Vec<String> {
        let budget = Ratio::ONE.checked_sub(pct(objective)).unwrap();
        builtin_tiers(policy)
            .unwrap()
            .iter()
            .map(|t| plan_tier(t, d(window), budget).unwrap().factor.to_decimal())
            .collect()
    }

    #[test]
    fn workbook_factors_are_exact() {
        // The Google SRE workbook's numbers, as Sloth prints them but without float noise.
        assert_eq!(factors("workbook", "30d", "99.9%"), ["14.4", "6", "3", "1"]);
        assert_eq!(
            factors("workbook", "28d", "99.9%"),
            ["13.44", "5.6", "2.8", "0.933333333333"]
        );
        assert_eq!(
            factors("default", "28d", "99.5%"),
            ["13.44", "5.6", "0.933333333333"]
        );
    }

    #[test]
    fn thresholds_never_show_float_artefacts() {
        let tiers = builtin_tiers("workbook").unwrap();
        let budget = Ratio::ONE.checked_sub(pct("99.9%")).unwrap();
        let tier = plan_tier(&tiers[3], d("30d"), budget).unwrap();
        assert_eq!(tier.error_threshold.to_decimal(), "0.001");
        let tier = plan_tier(&tiers[0], d("30d"), budget).unwrap();
        assert_eq!(tier.error_threshold.to_decimal(), "0.0144");
    }

    #[test]
    fn table_of_budgets_and_tiers() {
        // (objective, window, tier index of `default`, threshold, exhaustion, detection at 100%)
        let table = [
            ("99.5%", "28d", 0, "0.0672", "2 d 2 m 51 s", "6 m 2 s"),
            ("99.5%", "28d", 1, "0.028", "5 days", "25 m 5 s"),
            ("99.9%", "30d", 0, "0.0144", "2 days 2 h", "2 m 52 s"),
        ];
        for (objective, window, index, threshold, _, detection) in table {
            let budget = Ratio::ONE.checked_sub(pct(objective)).unwrap();
            let tier = &builtin_tiers("default").unwrap()[index];
            let plan = plan_tier(tier, d(window), budget).unwrap();
            assert_eq!(
                plan.error_threshold.to_decimal(),
                threshold,
                "{objective} {window}"
            );
            assert_eq!(
                plan.detection_at_full_outage.human(),
                detection,
                "{objective} {window}"
            );
            assert!(plan.can_fire);
        }
    }

    #[test]
    fn budget_as_time() {
        let budget = Ratio::ONE.checked_sub(pct("99.5%")).unwrap();
        assert_eq!(d("28d").scale(budget).unwrap().human(), "3 h 21 m 36 s");
        let budget = Ratio::ONE.checked_sub(pct("99.9%")).unwrap();
        assert_eq!(d("28d").scale(budget).unwrap().human(), "40 m 19 s");
    }

    #[test]
    fn p50_page_tiers_cannot_fire() {
        let budget = Ratio::ONE.checked_sub(pct("50%")).unwrap();
        let fires: Vec<bool> = builtin_tiers("default")
            .unwrap()
            .iter()
            .map(|tier| plan_tier(tier, d("28d"), budget).unwrap().can_fire)
            .collect();
        // 13.44 × 50% and 5.6 × 50% need more than 100% errors; 0.9333 × 50% does not.
        assert_eq!(fires, [false, false, true]);
        let exactly_one = Tier {
            factor: Some(Ratio::integer(2)),
            budget_share: None,
            ..builtin_tiers("default").unwrap()[2].clone()
        };
        // A threshold of exactly 100% errors cannot be exceeded either.
        assert!(!plan_tier(&exactly_one, d("28d"), budget).unwrap().can_fire);
    }

    #[test]
    fn factor_and_budget_share_agree() {
        let tier = Tier {
            factor: Some(Ratio::new(1344, 100).unwrap()),
            budget_share: None,
            ..builtin_tiers("default").unwrap()[0].clone()
        };
        let plan = plan_tier(&tier, d("28d"), Ratio::new(1, 200).unwrap()).unwrap();
        assert_eq!(plan.budget_share, Ratio::new(2, 100).unwrap());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn tier(long_minutes: u64, share_percent: i128) -> Tier {
        Tier {
            severity: "page".to_owned(),
            budget_share: Some(Ratio::new(share_percent, 100).unwrap()),
            factor: None,
            long: Duration::from_secs(long_minutes * 60),
            short: Duration::from_secs(long_minutes * 5),
            for_: Duration::default(),
            escalation: None,
            labels: BTreeMap::new(),
        }
    }

    proptest! {
        /// factor × long / window gives back the budget share, exactly.
        #[test]
        fn factor_and_share_round_trip(
            window_days in 1u64..=90,
            long_minutes in 5u64..=1440,
            share in 1i128..=100,
            objective_basis_points in 1i128..10_000,
        ) {
            let window = Duration::from_secs(window_days * 86_400);
            let budget = Ratio::ONE.checked_sub(Ratio::new(objective_basis_points, 10_000).unwrap()).unwrap();
            let plan = plan_tier(&tier(long_minutes, share), window, budget).unwrap();
            let back = plan.factor.checked_mul(Duration::from_secs(long_minutes * 60).ratio_to(window).unwrap()).unwrap();
            prop_assert_eq!(back, Ratio::new(share, 100).unwrap());
            prop_assert_eq!(plan.can_fire, plan.error_threshold < Ratio::ONE);
            // Printed thresholds never carry float noise: at most 12 significant digits, or exact.
            let printed = plan.error_threshold.to_decimal();
            prop_assert!(!printed.contains("00000000") && !printed.contains("99999999"), "{}", printed);
        }

        /// The budget as time is the window times the budget, to the millisecond.
        #[test]
        fn budget_time_is_window_times_budget(window_days in 1u64..=365, basis_points in 1i128..10_000) {
            let window = Duration::from_secs(window_days * 86_400);
            let budget = Ratio::new(10_000 - basis_points, 10_000).unwrap();
            let time = window.scale(budget).unwrap();
            let exact = i128::from(window.millis()) * budget.numer() / budget.denom();
            prop_assert!((i128::from(time.millis()) - exact).abs() <= 1);
        }
    }
}
