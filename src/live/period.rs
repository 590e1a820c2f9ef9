//! Instants and the windows `status` measures over: the SLO's rolling window, or a calendar
//! month, quarter or week in UTC.
//!
//! No spec states a time zone today, so calendar periods are UTC and the calendar arithmetic is
//! the proleptic Gregorian calendar on Unix days, written out here rather than taken from a
//! date-time crate: a time-zone database would be the only reason for one.

use crate::units::Duration;

const DAY: i64 = 86_400;

/// Which span of time the figures cover.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Period {
    /// The SLO's own window, ending now (or at `--at`).
    #[default]
    Rolling,
    /// From the first day of the current month (UTC) to now.
    ThisMonth,
    /// The whole previous calendar month.
    LastMonth,
    /// From the first day of the current quarter to now.
    ThisQuarter,
    /// The whole previous calendar quarter.
    LastQuarter,
    /// From Monday 00:00 of the current ISO week to now.
    ThisWeek,
    /// The whole previous ISO week, Monday to Monday.
    LastWeek,
}

/// A span of time `[start, end)` in Unix seconds, and how long its whole period is: a calendar
/// month is the budget's period even on its tenth day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: i64,
    pub end: i64,
    /// The length the error budget is spread over: the SLO window, or the whole calendar period.
    pub budget_period: i64,
}

impl Span {
    /// The measured length.
    pub fn window(&self) -> Duration {
        Duration::from_secs(u64::try_from(self.end - self.start).unwrap_or(0))
    }
}

impl Period {
    /// The span this period covers at instant `at`, for an SLO whose window is `window`. `None`
    /// when it covers no time yet (`this-month` at the first instant of a month).
    pub fn span(self, at: i64, window: Duration) -> Option<Span> {
        let (start, end, period_end) = match self {
            Period::Rolling => {
                let secs = i64::try_from(window.millis() / 1000).ok()?;
                (at - secs, at, at)
            }
            Period::ThisMonth => {
                let start = month_start(at, 0);
                (start, at, month_start(at, 1))
            }
            Period::LastMonth => (month_start(at, -1), month_start(at, 0), month_start(at, 0)),
            Period::ThisQuarter => {
                let start = quarter_start(at, 0);
                (start, at, quarter_start(at, 1))
            }
            Period::LastQuarter => (
                quarter_start(at, -1),
                quarter_start(at, 0),
                quarter_start(at, 0),
            ),
            Period::ThisWeek => {
                let start = week_start(at);
                (start, at, start + 7 * DAY)
            }
            Period::LastWeek => (week_start(at) - 7 * DAY, week_start(at), week_start(at)),
        };
        (end > start).then_some(Span {
            start,
            end,
            budget_period: period_end - start,
        })
    }

    /// True for the SLO's own rolling window.
    pub fn is_rolling(self) -> bool {
        self == Period::Rolling
    }
}

/// Parses `--at`: Unix seconds (`1767225600`, fractions allowed) or RFC 3339
/// (`2026-01-01T00:00:00Z`, `2026-01-01 01:00:00+01:00`).
pub fn parse_instant(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<f64>()
        && seconds.is_finite()
    {
        return Ok(seconds.floor() as i64);
    }
    parse_rfc3339(text).ok_or_else(|| {
        format!(
            "`{text}` is neither Unix seconds nor an RFC 3339 time such as 2026-01-31T12:00:00Z"
        )
    })
}

fn parse_rfc3339(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if bytes.len() < 20
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || !matches!(bytes[10], b'T' | b't' | b' ')
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let zone = rest.get(1..)?;
            let (hours, minutes) = zone.split_once(':')?;
            if hours.len() != 2 || minutes.len() != 2 {
                return None;
            }
            let (hours, minutes): (i64, i64) = (hours.parse().ok()?, minutes.parse().ok()?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let local = days_from_civil(year, month, day) * DAY + hour * 3600 + minute * 60 + second;
    Some(local - offset)
}

/// Formats Unix seconds as RFC 3339 in UTC: `2026-01-31T12:00:00Z`.
pub fn format_instant(at: i64) -> String {
    let (year, month, day) = civil_from_days(at.div_euclid(DAY));
    let secs = at.rem_euclid(DAY);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Midnight UTC of the first day of the month `offset` months from the one holding `at`.
fn month_start(at: i64, offset: i64) -> i64 {
    let (year, month, _) = civil_from_days(at.div_euclid(DAY));
    let index = year * 12 + (month - 1) + offset;
    days_from_civil(index.div_euclid(12), index.rem_euclid(12) + 1, 1) * DAY
}

/// Midnight UTC of the first day of the quarter `offset` quarters from the one holding `at`.
fn quarter_start(at: i64, offset: i64) -> i64 {
    let (_, month, _) = civil_from_days(at.div_euclid(DAY));
    let into_quarter = (month - 1) % 3;
    month_start(at, offset * 3 - into_quarter)
}

/// Monday 00:00 UTC of the ISO week holding `at`. 1970-01-01 was a Thursday.
fn week_start(at: i64) -> i64 {
    let days = at.div_euclid(DAY);
    let since_monday = (days + 3).rem_euclid(7);
    (days - since_monday) * DAY
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The period as written on the command line.
pub fn period_name(period: Period) -> &'static str {
    match period {
        Period::Rolling => "rolling",
        Period::ThisMonth => "this-month",
        Period::LastMonth => "last-month",
        Period::ThisQuarter => "this-quarter",
        Period::LastQuarter => "last-quarter",
        Period::ThisWeek => "this-week",
        Period::LastWeek => "last-week",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        parse_instant(text).unwrap()
    }

    #[test]
    fn instants_parse_as_unix_seconds_or_rfc3339() {
        assert_eq!(at("1767225600"), 1_767_225_600);
        assert_eq!(at("1767225600.9"), 1_767_225_600);
        assert_eq!(at("2026-01-01T00:00:00Z"), 1_767_225_600);
        assert_eq!(at("2026-01-01T01:00:00+01:00"), 1_767_225_600);
        assert_eq!(at("2025-12-31 19:00:00.250-05:00"), 1_767_225_600);
        assert_eq!(at("2024-02-29T00:00:00Z"), 1_709_164_800);
        for bad in [
            "yesterday",
            "2026-02-30T00:00:00Z",
            "2026-01-01T00:00:00",
            "2026-01-01",
            "2026-1-01T00:00:00Z",
            "2026-01-01T00:00:00+0100",
            "NaN",
            "",
        ] {
            assert!(parse_instant(bad).is_err(), "{bad}");
        }
        assert_eq!(format_instant(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(format_instant(1_709_164_799), "2024-02-28T23:59:59Z");
    }

    #[test]
    fn calendar_periods_in_utc() {
        let now = at("2026-05-20T10:30:00Z");
        let window = Duration::parse("28d").unwrap();
        let span = |period: Period| {
            let span = period.span(now, window).unwrap();
            (
                format_instant(span.start),
                format_instant(span.end),
                span.budget_period / DAY,
            )
        };
        let s = |text: &str| text.to_owned();
        assert_eq!(
            span(Period::Rolling),
            (s("2026-04-22T10:30:00Z"), s("2026-05-20T10:30:00Z"), 28)
        );
        assert_eq!(
            span(Period::ThisMonth),
            (s("2026-05-01T00:00:00Z"), s("2026-05-20T10:30:00Z"), 31)
        );
        assert_eq!(
            span(Period::LastMonth),
            (s("2026-04-01T00:00:00Z"), s("2026-05-01T00:00:00Z"), 30)
        );
        assert_eq!(
            span(Period::ThisQuarter),
            (s("2026-04-01T00:00:00Z"), s("2026-05-20T10:30:00Z"), 91)
        );
        assert_eq!(
            span(Period::LastQuarter),
            (s("2026-01-01T00:00:00Z"), s("2026-04-01T00:00:00Z"), 90)
        );
        // 2026-05-20 is a Wednesday.
        assert_eq!(
            span(Period::ThisWeek),
            (s("2026-05-18T00:00:00Z"), s("2026-05-20T10:30:00Z"), 7)
        );
        assert_eq!(
            span(Period::LastWeek),
            (s("2026-05-11T00:00:00Z"), s("2026-05-18T00:00:00Z"), 7)
        );
        // Across a year's end.
        let january = at("2026-01-15T00:00:00Z");
        let last = Period::LastMonth.span(january, window).unwrap();
        assert_eq!(format_instant(last.start), "2025-12-01T00:00:00Z");
        let last = Period::LastQuarter.span(january, window).unwrap();
        assert_eq!(format_instant(last.start), "2025-10-01T00:00:00Z");
        // No time yet at the first instant of a month.
        assert_eq!(
            Period::ThisMonth.span(at("2026-06-01T00:00:00Z"), window),
            None
        );
    }

    #[test]
    fn civil_days_round_trip() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!((1..=days_in_month(y, m)).contains(&d));
        }
    }
}
