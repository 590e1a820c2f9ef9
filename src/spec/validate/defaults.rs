//! The defaults a spec gets when it says nothing, and the names it may not use: the built-in
//! burn-rate policies, the labels slofile sets itself, the SLO window, and missing data.

use crate::spec::Tier;
use crate::units::{Duration, Ratio};
use std::collections::BTreeMap;

/// Burn-rate policies every spec may name without defining them.
pub const BUILTIN_POLICIES: &[&str] = &["default", "workbook"];

/// The Google SRE workbook's tiers: `default` pages on 2% of budget in 1 h and 5% in 6 h, and
/// tickets on 10% in 3 d; `workbook` adds the ticket on 10% in 1 d that Sloth also uses.
pub fn builtin_tiers(policy: &str) -> Option<Vec<Tier>> {
    let d = |s: &str| Duration::parse(s).unwrap_or_default();
    let pct = |n: i128| Ratio::new(n, 100).ok();
    let tier = |severity: &str, share: i128, long: &str, short: &str, for_: &str| Tier {
        severity: severity.to_owned(),
        budget_share: pct(share),
        factor: None,
        long: d(long),
        short: d(short),
        for_: d(for_),
        escalation: None,
        labels: BTreeMap::new(),
    };
    match policy {
        "default" => Some(vec![
            tier("page", 2, "1h", "5m", "2m"),
            tier("page", 5, "6h", "30m", "15m"),
            tier("ticket", 10, "3d", "6h", "1h"),
        ]),
        "workbook" => Some(vec![
            tier("page", 2, "1h", "5m", "2m"),
            tier("page", 5, "6h", "30m", "15m"),
            tier("ticket", 10, "1d", "2h", "1h"),
            tier("ticket", 10, "3d", "6h", "1h"),
        ]),
        _ => None,
    }
}

/// Labels slofile sets itself; specs may not set them.
pub(super) const RESERVED_LABELS: &[&str] = &[
    "service",
    "slo",
    "severity",
    "long_window",
    "short_window",
    "objective",
    "escalation",
    "alertname",
    // The info series of every SLO carries these.
    "title",
    "window",
];

pub(super) const DEFAULT_WINDOW: &str = "28d";

impl Default for crate::spec::MissingData {
    /// What a spec gets when it says nothing: a `ticket` after 10 minutes.
    fn default() -> crate::spec::MissingData {
        crate::spec::MissingData {
            for_: Duration::from_millis(10 * 60 * 1000),
            severity: "ticket".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_policies_exist() {
        for name in BUILTIN_POLICIES {
            assert!(builtin_tiers(name).is_some_and(|t| !t.is_empty()));
        }
        assert!(builtin_tiers("nope").is_none());
    }
}
