//! Checks across a whole service: every input format's, and the native reader's own.

use super::checker::Checker;
use crate::diagnostics::{Code, Diagnostic};
use crate::spec::Service;
use crate::spec::raw::{RawService, RawSli, SentrySettings};

/// Checks of a whole service that every input format goes through, once its reader has built
/// it: native specs, OpenSLO and Sloth alike.
pub fn check_service(service: &Service) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for slo in service.slos.iter().filter(|slo| slo.sli.in_prometheus()) {
        // A fixed label would overwrite every group's value on the SLO's series.
        if let Some(label) = slo.group_by.iter().find(|label| {
            service.meta.labels.contains_key(*label) || slo.labels.contains_key(*label)
        }) {
            diagnostics.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!(
                        "SLO `{}` groups by `{label}` and also sets it as a fixed label",
                        slo.id
                    ),
                )
                .at_origin(&slo.origin)
                .with_help(
                    "a fixed label would overwrite every group's value; remove it from `labels`",
                ),
            );
        }
    }
    diagnostics
}

/// Sentry monitors of one service live in one organization.
pub(super) fn check_one_sentry_organization(
    c: &mut Checker,
    raw: &RawService,
    settings: &SentrySettings,
    slo_pointer: &dyn Fn(usize) -> String,
) {
    // The organization in use, and who set it.
    let mut first: Option<(&str, String)> = settings
        .organization
        .as_deref()
        .map(|o| (o, "the service's `sentry.organization`".to_owned()));
    for (i, slo) in raw.slos.iter().enumerate() {
        let RawSli::Sentry(sentry) = &slo.sli else {
            continue;
        };
        let Some(organization) = sentry.organization.as_deref() else {
            continue;
        };
        match &first {
            None => first = Some((organization, format!("SLO `{}`", slo.id))),
            Some((used, by)) if *used != organization => c.error(
                Code::ConflictingFields,
                &format!("{}/sli/sentry/organization", slo_pointer(i)),
                format!("Sentry organization `{organization}` differs from `{used}`, set by {by}"),
                "one service's Sentry monitors and alerts live in one organization; use the same one, or split the service",
            ),
            Some(_) => {}
        }
    }
}
