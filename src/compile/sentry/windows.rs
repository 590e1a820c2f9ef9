//! What Sentry allows: the windows a monitor evaluates, the intervals an uptime check runs at,
//! and the priorities of its issues.

use crate::units::Duration;

/// Windows a span monitor may evaluate, in seconds: Sentry offers 5 minutes to 1 day for spans.
pub const SPAN_WINDOWS: &[u64] = &[300, 600, 900, 1800, 3600, 7200, 14_400, 86_400];
/// Windows of legacy metric alert rules, in seconds (the API takes them in minutes).
pub const LEGACY_WINDOWS: &[u64] = &[60, 300, 600, 900, 1800, 3600, 7200, 14_400, 86_400];
/// Check intervals of uptime monitors, in seconds.
pub const UPTIME_INTERVALS: &[u64] = &[60, 300, 600, 1200, 1800, 3600];
/// Used when an objective has no burn-rate tier to take a window from.
pub(crate) const DEFAULT_WINDOW: u64 = 3600;
/// Failed checks in a row before an uptime monitor reports the URL down, as Sentry's UI defaults.
pub const UPTIME_DOWNTIME_THRESHOLD: u64 = 3;
/// Successful checks in a row before it reports the URL up again.
pub const UPTIME_RECOVERY_THRESHOLD: u64 = 1;
/// Percentile functions Sentry has for span durations; others cannot be monitored.
pub(crate) const PERCENTILE_FUNCTIONS: &[&str] = &["50", "75", "90", "95", "99", "100"];

/// The allowed window nearest to `wanted`, measured by ratio: 6 h is nearer 4 h (1.5 times) than
/// 1 day (4 times). A tie goes to the longer window, the one less prone to noise.
pub fn nearest_window(wanted: Duration, allowed: &[u64]) -> Option<u64> {
    let wanted = u128::from(wanted.millis());
    allowed.iter().copied().reduce(|best, candidate| {
        let (b, c) = (u128::from(best) * 1000, u128::from(candidate) * 1000);
        // The candidate wins when max(c, w) / min(c, w) < max(b, w) / min(b, w).
        let candidate_distance = c.max(wanted) * b.min(wanted);
        let best_distance = b.max(wanted) * c.min(wanted);
        if candidate_distance < best_distance || (candidate_distance == best_distance && c > b) {
            candidate
        } else {
            best
        }
    })
}

/// The longest allowed check interval that checks at least as often as `wanted`, or the shortest
/// allowed one when `wanted` is shorter still.
pub fn uptime_interval(wanted: Duration) -> u64 {
    UPTIME_INTERVALS
        .iter()
        .rev()
        .copied()
        .find(|&interval| interval * 1000 <= wanted.millis())
        .unwrap_or(UPTIME_INTERVALS[0])
}

/// Whole seconds, as Sentry counts windows and intervals, as a [`Duration`].
pub fn seconds(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

/// Sentry issue priority of a monitor condition. Sentry's scale is high (75), medium (50) and low
/// (25); slofile raises high for pages and medium for everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    Medium,
    High,
}

impl Priority {
    /// Page tiers are high priority; every other severity is medium.
    pub fn of(severity: &str) -> Priority {
        if severity == "page" {
            Priority::High
        } else {
            Priority::Medium
        }
    }

    /// Sentry's `conditionResult` and priority level: 75 high, 50 medium.
    pub fn level(self) -> u64 {
        match self {
            Priority::High => 75,
            Priority::Medium => 50,
        }
    }

    /// Sentry's name of the priority, as its UI shows it.
    pub fn word(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Medium => "medium",
        }
    }

    /// The trigger label of a legacy metric alert rule.
    pub fn legacy_label(self) -> &'static str {
        match self {
            Priority::High => "critical",
            Priority::Medium => "warning",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Duration {
        Duration::parse(text).unwrap()
    }

    fn nearest(text: &str, windows: &[u64]) -> String {
        seconds(nearest_window(d(text), windows).unwrap()).prometheus()
    }

    #[test]
    fn allowed_windows_are_kept() {
        for window in ["5m", "10m", "15m", "30m", "1h", "2h", "4h", "1d"] {
            assert_eq!(nearest(window, SPAN_WINDOWS), window);
        }
        assert_eq!(nearest("1m", LEGACY_WINDOWS), "1m");
    }

    #[test]
    fn windows_map_to_the_nearest_by_ratio() {
        // The built-in tiers' long windows.
        assert_eq!(nearest("6h", SPAN_WINDOWS), "4h");
        assert_eq!(nearest("3d", SPAN_WINDOWS), "1d");
        // 3 h is 1.5 times 2 h and 1.33 times 4 h.
        assert_eq!(nearest("3h", SPAN_WINDOWS), "4h");
        // 20 m: 15 m is 1.33 times away, 30 m 1.5 times.
        assert_eq!(nearest("20m", SPAN_WINDOWS), "15m");
        // Beyond either end.
        assert_eq!(nearest("28d", SPAN_WINDOWS), "1d");
        assert_eq!(nearest("1m", SPAN_WINDOWS), "5m");
        assert_eq!(nearest("30s", LEGACY_WINDOWS), "1m");
    }

    #[test]
    fn ties_go_to_the_longer_window() {
        // 3 m is 3 times 1 m and a third of 9 m; 10 m is twice 5 m and half of 20 m.
        assert_eq!(nearest_window(d("3m"), &[60, 540]), Some(540));
        assert_eq!(nearest_window(d("10m"), &[300, 1200]), Some(1200));
    }

    #[test]
    fn no_allowed_windows_means_none() {
        assert_eq!(nearest_window(d("1h"), &[]), None);
    }

    #[test]
    fn uptime_intervals_never_check_less_often() {
        let interval = |text: &str| seconds(uptime_interval(d(text))).prometheus();
        assert_eq!(interval("5m"), "5m");
        assert_eq!(interval("2m"), "1m");
        assert_eq!(interval("15m"), "10m");
        assert_eq!(interval("2h"), "1h");
        assert_eq!(interval("30s"), "1m");
    }
}
