//! Pyrra's alerts, as burn tiers and a missing-data alert that slofile's compiler renders.
//!
//! Pyrra's window table is `Windows` in `slo/rules.go` of github.com/pyrra-dev/pyrra (commit
//! 1ba95afbf90b2311cb9332b1633cf09218b7de9f). For a 28-day SLO window it is:
//!
//! | severity | long | short | `for` | factor |
//! |---|---|---|---|---|
//! | critical | 1h | 5m | 2m | 14 |
//! | critical | 6h | 30m | 15m | 7 |
//! | warning | 1d | 2h | 1h | 2 |
//! | warning | 4d | 6h | 3h | 1 |
//!
//! Other windows scale every duration by `window / 28d`, rounded to the minute; the factors stay.
//! Pyrra divides the window (in nanoseconds, integer division) by a constant and rounds with Go's
//! `Duration.Round`, halves away from zero; [`scaled`] does exactly that, so that a 30-day SLO
//! alerts over 64m and 5m, as Pyrra's does, not over the 1h4m17s an exact scaling gives.

use super::super::walk::{Map, Walk};
use super::super::{MissingData, Tier};
use crate::diagnostics::Code;
use crate::units::{Duration, Ratio};
use std::collections::BTreeMap;

/// One row of Pyrra's table: the divisors of the SLO window that give `for`, long and short, the
/// factor, the default severity, and the key of `alerting.severities` that overrides it.
struct Row {
    for_divisor: u128,
    long_divisor: u128,
    short_divisor: u128,
    factor: i128,
    severity: &'static str,
    key: &'static str,
}

/// Pyrra's divisors, with its integer arithmetic: `28 * 24 * (60 / 2)` is 20160, and so on.
const ROWS: [Row; 4] = [
    Row {
        for_divisor: 28 * 24 * (60 / 2),
        long_divisor: 28 * 24,
        short_divisor: 28 * 24 * (60 / 5),
        factor: 14,
        severity: "critical",
        key: "fastBurn",
    },
    Row {
        for_divisor: 28 * 24 * (60 / 15),
        long_divisor: 28 * (24 / 6),
        short_divisor: 28 * 24 * (60 / 30),
        factor: 7,
        severity: "critical",
        key: "mediumBurn",
    },
    Row {
        for_divisor: 28 * 24,
        long_divisor: 28,
        short_divisor: 28 * (24 / 2),
        factor: 2,
        severity: "warning",
        key: "slowBurn",
    },
    Row {
        for_divisor: 28 * (24 / 3),
        long_divisor: 7,
        short_divisor: 28 * (24 / 6),
        factor: 1,
        severity: "warning",
        key: "longTermBurn",
    },
];

/// The severity of Pyrra's absent alerts.
const ABSENT_SEVERITY: &str = "critical";

/// `window / divisor`, in whole nanoseconds as Go divides, rounded to the minute as Go's
/// `Duration.Round(time.Minute)` does: halves away from zero.
pub(super) fn scaled(window: Duration, divisor: u128) -> Duration {
    const NANOS_PER_MILLI: u128 = 1_000_000;
    const MINUTE: u128 = 60_000 * NANOS_PER_MILLI;
    let nanos = u128::from(window.millis()) * NANOS_PER_MILLI / divisor;
    let minutes = (nanos + MINUTE / 2) / MINUTE;
    Duration::from_millis(u64::try_from(minutes * 60_000).unwrap_or(u64::MAX))
}

/// The shortest SLO window for which every window of Pyrra's table is at least a minute: its
/// smallest, the fastest tier's short window (`window / 8064`), reaches half a minute, which
/// rounds up. Pyrra writes its rules for any window, but below this one they read rates over
/// `[0s]`, which Prometheus rejects.
pub(super) fn shortest_window() -> Duration {
    let divisor = ROWS
        .iter()
        .flat_map(|row| [row.long_divisor, row.short_divisor])
        .max()
        .unwrap_or(1);
    // Half a minute, 30 000 ms, times the divisor: whole milliseconds, since `scaled` divides
    // nanoseconds and rounds halves up.
    Duration::from_millis(u64::try_from(divisor * 30_000).unwrap_or(u64::MAX))
}

/// What `alerting` asks for.
pub(super) struct Alerting {
    pub(super) tiers: Vec<Tier>,
    pub(super) missing_data: Option<MissingData>,
}

/// Reads `spec.alerting` and builds Pyrra's tiers and absent alert for an SLO `window` and its
/// error `budget`.
pub(super) fn read(
    w: &mut Walk,
    spec: &Map,
    window: Option<Duration>,
    budget: Option<Ratio>,
) -> Alerting {
    let alerting = w.map_at(spec, "alerting", "`alerting`");
    let mut severities: BTreeMap<&str, String> = BTreeMap::new();
    let (mut burnrates, mut absent) = (true, true);
    if let Some(alerting) = &alerting {
        w.only_keys(
            alerting,
            &[
                "disabled",
                "burnrates",
                "absent",
                "name",
                "absentName",
                "severities",
            ],
            "`alerting`",
            false,
        );
        // `disabled` is Pyrra's older switch for the burn-rate alerts; either turns them off.
        burnrates = !w.boolean(alerting, "disabled").unwrap_or(false)
            && w.boolean(alerting, "burnrates").unwrap_or(true);
        absent = w.boolean(alerting, "absent").unwrap_or(true);
        if let Some(map) = w.map_at(alerting, "severities", "`severities`") {
            let keys: Vec<&str> = ROWS
                .iter()
                .map(|r| r.key)
                .chain(std::iter::once("absent"))
                .collect();
            w.only_keys(&map, &keys, "`severities`", false);
            for key in keys {
                if let Some(value) = w.string(&map, key).filter(|v| !v.trim().is_empty()) {
                    severities.insert(key, value.to_owned());
                }
            }
        }
        let names: Vec<String> = ["name", "absentName"]
            .into_iter()
            .filter_map(|key| w.string(alerting, key).map(|n| format!("`{n}`")))
            .collect();
        if !names.is_empty() {
            w.info(
                Code::NotCarried,
                &alerting.pointer,
                format!("the alert name {} is not carried", names.join(" and ")),
                "slofile names its alerts `<Slo>ErrorBudgetBurn` and `<Slo>SliDataMissing`; route \
                 on their `slo` and `severity` labels, as for any slofile alert (docs/pyrra.md)",
            );
        }
    }
    let (Some(window), Some(budget)) = (window, budget) else {
        return Alerting {
            tiers: Vec::new(),
            missing_data: None,
        };
    };
    let tiers: Vec<Tier> = ROWS
        .iter()
        .map(|row| Tier {
            severity: severities
                .get(row.key)
                .cloned()
                .unwrap_or_else(|| row.severity.to_owned()),
            budget_share: None,
            factor: Some(Ratio::integer(row.factor)),
            long: scaled(window, row.long_divisor),
            short: scaled(window, row.short_divisor),
            for_: scaled(window, row.for_divisor),
            escalation: None,
            labels: BTreeMap::new(),
        })
        .collect();
    if tiers.iter().any(|t| t.short.millis() == 0) {
        let shortest = shortest_window();
        w.error(
            Code::InvalidDuration,
            &format!("{}/window", spec.pointer),
            format!(
                "a window of {} is too short for Pyrra's alert windows: its fastest short window rounds to 0m",
                window.human()
            ),
            format!(
                "Pyrra scales its 28-day windows to the SLO window and rounds them to the minute; for a window this short it writes rates over `[0s]`, which Prometheus rejects (\"duration must be greater than 0\"). The shortest window whose rules work is `{}`; use that or longer, e.g. `3d`",
                shortest.prometheus()
            ),
        );
        return Alerting {
            tiers: Vec::new(),
            missing_data: None,
        };
    }
    let missing_data = absent.then(|| MissingData {
        for_: absent_duration(&tiers[0], budget),
        severity: severities
            .get("absent")
            .cloned()
            .unwrap_or_else(|| ABSENT_SEVERITY.to_owned()),
    });
    Alerting {
        tiers: if burnrates { tiers } else { Vec::new() },
        missing_data,
    }
}

/// Pyrra's `AbsentDuration`: how long the fastest tier's long window takes to cross its threshold
/// at 100% errors (factor × budget × long, in whole seconds), plus its `for`, to the minute.
fn absent_duration(fastest: &Tier, budget: Ratio) -> Duration {
    let crossing = fastest
        .factor
        .and_then(|f| f.checked_mul(budget).ok())
        .and_then(|threshold| threshold.checked_mul(fastest.long.as_ratio_secs()).ok())
        .map_or(0, |secs| {
            u64::try_from(secs.numer() / secs.denom()).unwrap_or(0)
        });
    let total = Duration::from_millis(crossing * 1000 + fastest.for_.millis());
    scaled(total, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Duration {
        Duration::parse(text).unwrap()
    }

    /// Pyrra's table, as its own tests state it (`slo/rules_test.go`), for the windows its
    /// examples use.
    #[test]
    fn windows_match_pyrras_table() {
        let table = |window: &str| -> Vec<(String, String, String)> {
            ROWS.iter()
                .map(|r| {
                    (
                        scaled(d(window), r.long_divisor).prometheus(),
                        scaled(d(window), r.short_divisor).prometheus(),
                        scaled(d(window), r.for_divisor).prometheus(),
                    )
                })
                .collect()
        };
        let row = |l: &str, s: &str, f: &str| (l.to_owned(), s.to_owned(), f.to_owned());
        assert_eq!(
            table("28d"),
            [
                row("1h", "5m", "2m"),
                row("6h", "30m", "15m"),
                row("1d", "2h", "1h"),
                row("4d", "6h", "3h")
            ]
        );
        assert_eq!(
            table("30d"),
            [
                row("1h4m", "5m", "2m"),
                row("6h26m", "32m", "16m"),
                row("1d1h43m", "2h9m", "1h4m"),
                row("4d6h51m", "6h26m", "3h13m")
            ]
        );
        assert_eq!(
            table("7d"),
            [
                row("15m", "1m", "1m"),
                row("1h30m", "8m", "4m"),
                row("6h", "30m", "15m"),
                row("1d", "1h30m", "45m")
            ]
        );
        assert_eq!(
            table("14d"),
            [
                row("30m", "3m", "1m"),
                row("3h", "15m", "8m"),
                row("12h", "1h", "30m"),
                row("2d", "3h", "1h30m")
            ]
        );
    }

    #[test]
    fn the_shortest_window_is_the_first_whose_windows_are_all_a_minute() {
        let shortest = shortest_window();
        assert_eq!(shortest.prometheus(), "2d19h12m");
        let smallest = |window: Duration| {
            ROWS.iter()
                .flat_map(|r| {
                    [
                        scaled(window, r.long_divisor),
                        scaled(window, r.short_divisor),
                    ]
                })
                .map(Duration::millis)
                .min()
                .unwrap()
        };
        assert_eq!(smallest(shortest), 60_000);
        assert_eq!(
            smallest(Duration::from_millis(shortest.millis() - 1)),
            0,
            "a millisecond less rounds to 0m"
        );
    }

    #[test]
    fn absent_duration_is_pyrras() {
        let tier = |window: &str| Tier {
            severity: "critical".into(),
            budget_share: None,
            factor: Some(Ratio::integer(14)),
            long: scaled(d(window), 672),
            short: scaled(d(window), 8064),
            for_: scaled(d(window), 20160),
            escalation: None,
            labels: BTreeMap::new(),
        };
        let budget = |b: &str| Ratio::parse_decimal(b).unwrap();
        // 14 × 0.001 × 3600 s = 50.4 s → 50 s, plus 2m, to the minute: 3m.
        assert_eq!(
            absent_duration(&tier("28d"), budget("0.001")).prometheus(),
            "3m"
        );
        // 14 × 0.01 × 3600 s = 504 s, plus 2m: 10m24s, to the minute: 10m.
        assert_eq!(
            absent_duration(&tier("28d"), budget("0.01")).prometheus(),
            "10m"
        );
        // 14 × 0.1 × 3600 s = 5040 s, plus 2m: 1h26m.
        assert_eq!(
            absent_duration(&tier("28d"), budget("0.1")).prometheus(),
            "1h26m"
        );
    }
}
