//! `slofile diff`: what a change to the specs does to objectives, error budgets and alerts, as
//! Markdown ready for a pull-request comment.
//!
//! Both sides are compiled to a [`Plan`] and compared there, so the summary speaks of what the
//! specs mean (a budget as time, the error ratio at which a tier fires), not of how they are
//! written. `--base REV` reads the old side from git.

mod alerts;
mod policy;
mod revision;
mod routing;
mod sli;
mod slo;

pub use revision::plan_at_revision;

use crate::compile::{Plan, ServicePlan};
use std::fmt::Write as _;

use routing::routing_changes;
use slo::{slo_changes, whole_slo};

/// First line of the Markdown, so that a CI job can find and update its earlier comment.
pub const MARKER: &str = "<!-- slofile diff -->";

/// Whether a service or SLO is new, gone, or different.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Added,
    Removed,
    Changed,
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Changed => "changed",
        }
    }
}

/// Everything that differs between two plans.
#[derive(Debug, Default)]
pub struct Changes {
    pub services: Vec<ServiceChanges>,
}

#[derive(Debug)]
pub struct ServiceChanges {
    pub id: String,
    pub status: Status,
    pub slos: Vec<SloChanges>,
    /// Changes to the escalation matrix and the channels it notifies.
    pub routing: Vec<String>,
}

#[derive(Debug)]
pub struct SloChanges {
    pub id: String,
    pub status: Status,
    /// One line per change, old → new; for added and removed SLOs, what the SLO is.
    pub lines: Vec<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }

    /// The changes as Markdown for a pull-request comment.
    pub fn markdown(&self) -> String {
        let mut out = format!("{MARKER}\n## SLO changes\n\n");
        if self.is_empty() {
            out.push_str("No changes to services, SLOs, error budgets or alerts.\n");
            return out;
        }
        let _ = writeln!(out, "{}\n", self.summary());
        for service in &self.services {
            let _ = writeln!(
                out,
                "### Service `{}`: {}\n",
                service.id,
                service.status.word()
            );
            for slo in &service.slos {
                let _ = writeln!(out, "**SLO `{}`: {}**\n", slo.id, slo.status.word());
                for line in &slo.lines {
                    let _ = writeln!(out, "- {line}");
                }
                if !slo.lines.is_empty() {
                    out.push('\n');
                }
            }
            if !service.routing.is_empty() {
                out.push_str("**Escalation and channels**\n\n");
                for line in &service.routing {
                    let _ = writeln!(out, "- {line}");
                }
                out.push('\n');
            }
        }
        out
    }

    fn summary(&self) -> String {
        let count = |status: Status| {
            self.services
                .iter()
                .flat_map(|s| &s.slos)
                .filter(|s| s.status == status)
                .count()
        };
        let services = self
            .services
            .iter()
            .map(|s| format!("`{}` {}", s.id, s.status.word()))
            .collect::<Vec<_>>()
            .join(", ");
        let slos = [Status::Changed, Status::Added, Status::Removed]
            .into_iter()
            .map(|status| (count(status), status))
            .filter(|(n, _)| *n > 0)
            .map(|(n, status)| format!("{n} {}", status.word()))
            .collect::<Vec<_>>();
        let slos = if slos.is_empty() {
            "no SLO changed".to_owned()
        } else {
            format!("SLOs: {}", slos.join(", "))
        };
        format!("Services: {services}. {slos}.")
    }
}

/// Compares two plans.
pub fn diff(old: &Plan, new: &Plan) -> Changes {
    let mut changes = Changes::default();
    for pair in pair_by(&old.services, &new.services, |s| s.meta.id.as_str()) {
        let service = match pair {
            (None, Some(new)) => ServiceChanges {
                id: new.meta.id.clone(),
                status: Status::Added,
                slos: new
                    .slos
                    .iter()
                    .map(|s| whole_slo(s, Status::Added))
                    .collect(),
                routing: routing_changes(&[], &new.meta.escalation, &[], &new.meta.channels),
            },
            (Some(old), None) => ServiceChanges {
                id: old.meta.id.clone(),
                status: Status::Removed,
                slos: old
                    .slos
                    .iter()
                    .map(|s| whole_slo(s, Status::Removed))
                    .collect(),
                routing: Vec::new(),
            },
            (Some(old), Some(new)) => {
                let Some(service) = service_changes(old, new) else {
                    continue;
                };
                service
            }
            (None, None) => continue,
        };
        changes.services.push(service);
    }
    changes
}

fn service_changes(old: &ServicePlan, new: &ServicePlan) -> Option<ServiceChanges> {
    let mut slos = Vec::new();
    for pair in pair_by(&old.slos, &new.slos, |s| s.slo.id.as_str()) {
        match pair {
            (None, Some(new)) => slos.push(whole_slo(new, Status::Added)),
            (Some(old), None) => slos.push(whole_slo(old, Status::Removed)),
            (Some(old), Some(new)) => {
                let lines = slo_changes(old, new);
                if !lines.is_empty() {
                    slos.push(SloChanges {
                        id: new.slo.id.clone(),
                        status: Status::Changed,
                        lines,
                    });
                }
            }
            (None, None) => {}
        }
    }
    let routing = routing_changes(
        &old.meta.escalation,
        &new.meta.escalation,
        &old.meta.channels,
        &new.meta.channels,
    );
    (!slos.is_empty() || !routing.is_empty()).then(|| ServiceChanges {
        id: new.meta.id.clone(),
        status: Status::Changed,
        slos,
        routing,
    })
}

/// Pairs items of two lists by key: items of `new` in their order, then those only in `old`.
pub(super) fn pair_by<'a, T, K: PartialEq>(
    old: &'a [T],
    new: &'a [T],
    key: impl Fn(&'a T) -> K,
) -> Vec<(Option<&'a T>, Option<&'a T>)> {
    let mut pairs: Vec<(Option<&T>, Option<&T>)> = new
        .iter()
        .map(|n| (old.iter().find(|o| key(o) == key(n)), Some(n)))
        .collect();
    for o in old {
        if !new.iter().any(|n| key(n) == key(o)) {
            pairs.push((Some(o), None));
        }
    }
    pairs
}
