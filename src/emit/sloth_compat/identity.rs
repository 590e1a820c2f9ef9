//! Sloth's names for an SLO objective: `sloth_id`, `sloth_service`, `sloth_slo`, and the labels
//! every series of it carries.
//!
//! A Sloth spec keeps its names as written (`example_profile_availability`, which slofile's id
//! spells `example-profile-availability`). Other specs take their ids: `sloth_service` is the
//! service id, `sloth_slo` the SLO id, with the objective's name appended when an SLO has several
//! (`api-latency-p99`), since Sloth's SLO has one objective; `sloth_id` is
//! `<sloth_service>-<sloth_slo>`, as Sloth makes it.

use crate::compile::{ObjectivePlan, ServicePlan, SloPlan};
use crate::emit::prometheus::{Labels, expr as promql};
use crate::spec::load::SLOTH_PROMETHEUS_V1;
use crate::units::{Duration, Ratio};

/// Sloth's label names: the one home of them.
pub mod label {
    pub const ID: &str = "sloth_id";
    pub const SERVICE: &str = "sloth_service";
    pub const SLO: &str = "sloth_slo";
    pub const WINDOW: &str = "sloth_window";
    pub const SEVERITY: &str = "sloth_severity";
    pub const MODE: &str = "sloth_mode";
    pub const OBJECTIVE: &str = "sloth_objective";
    pub const SPEC: &str = "sloth_spec";
    pub const VERSION: &str = "sloth_version";
}

/// `sloth_spec` of specs that are not Sloth's.
const NATIVE_SPEC: &str = "slofile/v1";
/// `sloth_version`: the generator, for dashboards that show it.
const VERSION: &str = "slofile";

/// A window as Sloth prints it, in Prometheus's duration format: in weeks or years when it is a
/// whole number of them (`28d` is `4w`), else as slofile prints it (`30d`, `1h30m`). Series
/// names and `sloth_window` carry it, so that a 28-day SLO's period series is Sloth's
/// `slo:sli_error:ratio_rate4w`.
pub fn window_text(window: Duration) -> String {
    const DAY: u64 = 24 * 60 * 60 * 1000;
    let millis = window.millis();
    for (unit, size) in [("y", 365 * DAY), ("w", 7 * DAY)] {
        if millis > 0 && millis.is_multiple_of(size) {
            return format!("{}{unit}", millis / size);
        }
    }
    window.prometheus()
}

/// `slo:sli_error:ratio_rate<window>`, with the window as Sloth prints it.
pub fn error_ratio(window: Duration) -> String {
    format!("slo:sli_error:ratio_rate{}", window_text(window))
}

pub struct SlothIds {
    pub id: String,
    pub service: String,
    pub slo: String,
    /// The service's and the SLO's labels, and the three ids: on every series.
    pub labels: Labels,
    /// `sloth_spec`: `prometheus/v1`, `sloth.slok.dev/v1`, or `slofile/v1`.
    pub spec: String,
    /// slofile's service id, for the `service` label Alertmanager routes on.
    pub service_id: String,
    /// Whether alerts carry slofile's routing labels (`service`, `slo`, `severity`,
    /// `escalation`) beside Sloth's: for every spec but Sloth's, whose alerts keep exactly
    /// Sloth's labels unless slofile's Alertmanager configuration routes its service.
    pub routing_labels: bool,
}

impl SlothIds {
    pub fn new(service: &ServicePlan, slo: &SloPlan, objective: &ObjectivePlan) -> SlothIds {
        let (sloth_service, sloth_slo, spec) = if let Some(source) = &slo.slo.sloth {
            (
                source.service.clone(),
                source.name.clone(),
                source.spec.clone(),
            )
        } else {
            let name = match &objective.objective.name {
                Some(name) if slo.objectives.len() > 1 => format!("{}-{name}", slo.slo.id),
                _ => slo.slo.id.clone(),
            };
            (service.meta.id.clone(), name, NATIVE_SPEC.to_owned())
        };
        let id = format!("{sloth_service}-{sloth_slo}");
        let mut labels = service.meta.labels.clone();
        labels.extend(slo.slo.labels.clone());
        labels.insert(label::ID.to_owned(), id.clone());
        labels.insert(label::SERVICE.to_owned(), sloth_service.clone());
        labels.insert(label::SLO.to_owned(), sloth_slo.clone());
        SlothIds {
            id,
            service: sloth_service,
            slo: sloth_slo,
            labels,
            spec,
            service_id: service.meta.id.clone(),
            routing_labels: slo.slo.sloth.is_none()
                || crate::emit::alertmanager::has_routing(&service.meta),
        }
    }

    /// `name{sloth_id="…", sloth_service="…", sloth_slo="…"}`.
    pub fn selector(&self, name: &str) -> String {
        promql::selector(
            name,
            &[
                (label::ID, &self.id),
                (label::SERVICE, &self.service),
                (label::SLO, &self.slo),
            ],
        )
    }

    /// The labels of `sloth_slo_info`: Sloth's mode, spec, version and the objective in percent.
    pub fn info_labels(&self, objective: &ObjectivePlan) -> Labels {
        let mut labels = self.labels.clone();
        let mode = if self.spec == SLOTH_PROMETHEUS_V1 || self.spec == NATIVE_SPEC {
            "cli-gen-prom"
        } else {
            "cli-gen-k8s"
        };
        labels.insert(label::MODE.to_owned(), mode.to_owned());
        labels.insert(label::SPEC.to_owned(), self.spec.clone());
        labels.insert(label::VERSION.to_owned(), VERSION.to_owned());
        let percent = objective
            .objective
            .target
            .checked_mul(Ratio::integer(100))
            .map_or_else(|_| objective.objective.target.percent(), Ratio::to_decimal);
        labels.insert(label::OBJECTIVE.to_owned(), percent);
        labels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_print_as_sloth_prints_them() {
        let text = |d: &str| window_text(Duration::parse(d).unwrap());
        assert_eq!(text("5m"), "5m");
        assert_eq!(text("1h30m"), "1h30m");
        assert_eq!(text("30d"), "30d");
        assert_eq!(text("28d"), "4w");
        assert_eq!(text("7d"), "1w");
        assert_eq!(text("365d"), "1y");
        assert_eq!(
            error_ratio(Duration::parse("28d").unwrap()),
            "slo:sli_error:ratio_rate4w"
        );
    }
}
