//! The compile stage: validated specs in, a [`Plan`] out. This is where the arithmetic lives:
//! error budgets, burn-rate factors and thresholds, all exact.
//!
//! A burn rate of 1 spends the error budget exactly over the SLO window. A tier that fires when
//! `budget_share` of the window's budget burns within `long` needs the rate
//! `factor = budget_share × window / long`, i.e. an error ratio above `factor × (1 − objective)`.

pub mod dashboard;
pub mod series;

use crate::diagnostics::{Code, Diagnostic};
use crate::spec::{AlertSignal, AlertSource, Objective, Service, ServiceMeta, Sli, Slo, Tier};
use crate::units::{Duration, Overflow, Ratio};
use std::collections::BTreeMap;

/// Everything the backends need, for every service. Backends see only this.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Sorted by service id.
    pub services: Vec<ServicePlan>,
}

#[derive(Debug, Clone)]
pub struct ServicePlan {
    pub meta: ServiceMeta,
    /// In spec order.
    pub slos: Vec<SloPlan>,
}

#[derive(Debug, Clone)]
pub struct SloPlan {
    pub slo: Slo,
    /// One per objective of the SLO, in spec order.
    pub objectives: Vec<ObjectivePlan>,
}

/// The window over which compliance and budget are computed from recorded rates: always
/// recorded, whatever the alerts.
pub const BASE_WINDOW: Duration = Duration::from_millis(5 * 60 * 1000);

impl SloPlan {
    /// How often a sampled SLI produces an event: a probe's interval, a gauge's time slice.
    pub fn sample_step(&self) -> Option<Duration> {
        match &self.slo.sli {
            Sli::Probe(probe) => Some(probe.interval),
            Sli::Gauge(gauge) => Some(gauge.slice),
            _ => None,
        }
    }

    /// When a sampled SLI's `tier` can hold fewer than `min_events` samples in its long window,
    /// how many it holds at most: such a tier can never fire.
    pub fn too_few_samples(&self, tier: &TierPlan) -> Option<u64> {
        let (step, min) = (self.sample_step()?, self.slo.min_events?);
        let samples = tier.long.millis() / step.millis().max(1);
        (samples < min).then_some(samples)
    }

    /// Every window the Prometheus rules record for this SLO, sorted and without duplicates: 5m,
    /// the long and short window of every tier that becomes an alert, and the `over` window of
    /// every static error-ratio alert.
    pub fn recorded_windows(&self) -> Vec<Duration> {
        let mut windows = vec![BASE_WINDOW];
        for objective in &self.objectives {
            for tier in objective
                .alerting_tiers()
                .filter(|tier| self.too_few_samples(tier).is_none())
            {
                windows.push(tier.long);
                windows.push(tier.short);
            }
        }
        for alert in &self.slo.alerts {
            if alert.source == AlertSource::Signal(AlertSignal::ErrorRatio) {
                windows.push(alert.over);
            }
        }
        windows.sort();
        windows.dedup();
        windows
    }
}

#[derive(Debug, Clone)]
pub struct ObjectivePlan {
    pub objective: Objective,
    /// `1 − target`.
    pub budget: Ratio,
    /// The budget as time over the SLO window: 99.5% over 28 days is 3 h 21 m 36 s.
    pub budget_time: Duration,
    /// Every tier of the SLO's burn policy, including those that cannot fire.
    pub tiers: Vec<TierPlan>,
}

impl ObjectivePlan {
    /// The tiers that become alerts.
    pub fn alerting_tiers(&self) -> impl Iterator<Item = &TierPlan> {
        self.tiers.iter().filter(|t| t.can_fire)
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
    /// False when `error_threshold ≥ 1`: not even 100% errors would fire it.
    pub can_fire: bool,
}

/// Compiles validated services into a plan. Problems of arithmetic come back as diagnostics:
/// errors for impossible windows, warnings for tiers that can never fire.
pub fn compile(mut services: Vec<Service>) -> (Plan, Vec<Diagnostic>) {
    services.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
    let mut diagnostics = Vec::new();
    let mut plans = Vec::new();
    for service in services {
        let mut slos = Vec::new();
        for (index, mut slo) in service.slos.into_iter().enumerate() {
            link_dashboard(&service.meta, index, &mut slo);
            slos.push(compile_slo(slo, &mut diagnostics));
        }
        plans.push(ServicePlan {
            meta: service.meta,
            slos,
        });
    }
    (Plan { services: plans }, diagnostics)
}

/// With the service's `grafana` setting, an SLO that gets a dashboard row links to it, unless
/// its spec names a dashboard of its own: documents show the link, alerts carry it as their
/// `dashboard` annotation.
fn link_dashboard(meta: &ServiceMeta, index: usize, slo: &mut Slo) {
    if let (Some(settings), None, true) = (&meta.grafana, &slo.dashboard, slo.sli.in_prometheus()) {
        slo.dashboard = Some(dashboard::slo_url(settings, &meta.id, &meta.title, index));
    }
}

fn compile_slo(slo: Slo, diagnostics: &mut Vec<Diagnostic>) -> SloPlan {
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
    for objective in &slo.objectives {
        match plan_objective(&slo, objective) {
            Ok(plan) => {
                for tier in plan.tiers.iter().filter(|t| !t.can_fire) {
                    diagnostics.push(cannot_fire(&slo, &plan, tier));
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
    SloPlan { slo, objectives }
}

fn cannot_fire(slo: &Slo, plan: &ObjectivePlan, tier: &TierPlan) -> Diagnostic {
    let which = plan
        .objective
        .name
        .as_ref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    Diagnostic::warning(
        Code::TierCannotFire,
        format!(
            "SLO `{}`{which}: the {} tier over {}/{} can never fire, so it is left out",
            slo.id, tier.severity, tier.long, tier.short
        ),
    )
    .at_origin(&plan.objective.origin)
    .with_label(format!(
        "budget {} × factor {} = {} ≥ 100% errors",
        plan.budget.percent(),
        tier.factor,
        tier.error_threshold.percent()
    ))
    .with_help(
        "a low objective (such as a p50) leaves so much budget that this burn rate needs more than \
         100% errors; use a tier with a smaller budget share or a longer long window, or accept \
         the remaining tiers",
    )
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
            let exact = window.millis() as i128 * budget.numer() / budget.denom();
            prop_assert!((time.millis() as i128 - exact).abs() <= 1);
        }
    }
}
