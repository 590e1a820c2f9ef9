//! Calendar periods in a time zone, for `report`: a month, quarter or ISO week that starts and ends
//! at local midnight, across daylight-saving changes, and its days.
//!
//! The time-zone database is the one bundled with `jiff`, so a period is the same on every machine.

use jiff::civil::{Date, ISOWeekDate, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// What a calendar period is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Month,
    Quarter,
    Week,
}

/// One calendar period, by its first day: `2026-11`, `2026-Q4`, `2026-W48`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarPeriod {
    pub unit: Unit,
    first: Date,
}

/// A local day of a period: its date and its `[start, end)` in Unix seconds (23 or 25 hours long
/// on the days the clocks change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    pub date: String,
    pub start: i64,
    pub end: i64,
}

/// A period placed in a time zone: its edges at local midnight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub period: CalendarPeriod,
    /// `2026-11`, `2026-Q4`, `2026-W48`.
    pub name: String,
    pub start: i64,
    /// The end of the whole period.
    pub end: i64,
    /// RFC 3339 with the zone's offset at each edge: `2026-03-01T00:00:00+01:00`.
    pub start_text: String,
    pub end_text: String,
    pub days: Vec<Day>,
}

/// The forms `--period` takes, for messages.
pub const PERIOD_FORMS: &str = "last-month, this-month, last-quarter, this-quarter, last-week, \
     this-week, YYYY-MM, YYYY-Qn or YYYY-Www";

/// The time zone named `name` (`UTC`, `Europe/Berlin`).
pub fn time_zone(name: &str) -> Result<TimeZone, String> {
    TimeZone::get(name).map_err(|_| {
        format!("--timezone `{name}`: not a time zone name such as UTC or Europe/Berlin")
    })
}

impl CalendarPeriod {
    /// Parses `--period`: a name relative to the local date at `at` (`last-month`), or an absolute
    /// period (`2026-11`, `2026-Q4`, `2026-W48`).
    pub fn parse(text: &str, at: i64, zone: &TimeZone) -> Result<CalendarPeriod, String> {
        let today = Timestamp::from_second(at)
            .map_err(|_| format!("--at {at}: out of range"))?
            .to_zoned_datetime(zone.clone())
            .date();
        let this = |unit| CalendarPeriod::holding(unit, today);
        let bad = || format!("--period `{text}`: expected {PERIOD_FORMS}");
        Ok(match text {
            "this-month" => this(Unit::Month),
            "last-month" => this(Unit::Month).previous(),
            "this-quarter" => this(Unit::Quarter),
            "last-quarter" => this(Unit::Quarter).previous(),
            "this-week" => this(Unit::Week),
            "last-week" => this(Unit::Week).previous(),
            _ => parse_absolute(text).ok_or_else(bad)?,
        })
    }

    /// The period of `unit` that holds `date`.
    fn holding(unit: Unit, date: Date) -> CalendarPeriod {
        let first = match unit {
            Unit::Month => date.first_of_month(),
            Unit::Quarter => {
                let month = (date.month() - 1) / 3 * 3 + 1;
                Date::new(date.year(), month, 1).unwrap_or(date)
            }
            Unit::Week => {
                let back = i64::from(date.weekday().to_monday_zero_offset());
                date.checked_sub(back.days()).unwrap_or(date)
            }
        };
        CalendarPeriod { unit, first }
    }

    fn step(self) -> jiff::Span {
        match self.unit {
            Unit::Month => 1.month(),
            Unit::Quarter => 3.months(),
            Unit::Week => 1.week(),
        }
    }

    /// The period before this one, of the same unit.
    pub fn previous(self) -> CalendarPeriod {
        CalendarPeriod {
            unit: self.unit,
            first: self.first.checked_sub(self.step()).unwrap_or(self.first),
        }
    }

    fn next_first(self) -> Date {
        self.first.checked_add(self.step()).unwrap_or(self.first)
    }

    /// `2026-11`, `2026-Q4`, `2026-W48`.
    pub fn name(self) -> String {
        match self.unit {
            Unit::Month => format!("{:04}-{:02}", self.first.year(), self.first.month()),
            Unit::Quarter => format!(
                "{:04}-Q{}",
                self.first.year(),
                (self.first.month() - 1) / 3 + 1
            ),
            Unit::Week => {
                let week = self.first.iso_week_date();
                format!("{:04}-W{:02}", week.year(), week.week())
            }
        }
    }

    /// The period at local midnight in `zone`.
    pub fn place(self, zone: &TimeZone) -> Result<Placed, String> {
        let midnight = |date: Date| {
            date.to_zoned_datetime(zone.clone())
                .map_err(|error| format!("{date} in {}: {error}", zone_name(zone)))
        };
        let start = midnight(self.first)?;
        let end = midnight(self.next_first())?;
        let mut days = Vec::new();
        let mut date = self.first;
        while date < self.next_first() {
            let next = date.tomorrow().map_err(|error| error.to_string())?;
            days.push(Day {
                date: date.to_string(),
                start: midnight(date)?.timestamp().as_second(),
                end: midnight(next)?.timestamp().as_second(),
            });
            date = next;
        }
        Ok(Placed {
            period: self,
            name: self.name(),
            start: start.timestamp().as_second(),
            end: end.timestamp().as_second(),
            start_text: start.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
            end_text: end.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
            days,
        })
    }
}

/// The zone's IANA name, or its offset for a fixed zone.
pub fn zone_name(zone: &TimeZone) -> String {
    zone.iana_name().unwrap_or("UTC").to_owned()
}

/// RFC 3339 of `at` with the zone's offset then: `2026-03-29T03:00:00+02:00`.
pub fn local_instant(at: i64, zone: &TimeZone) -> String {
    Timestamp::from_second(at).map_or_else(
        |_| at.to_string(),
        |instant| {
            instant
                .to_zoned_datetime(zone.clone())
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        },
    )
}

fn parse_absolute(text: &str) -> Option<CalendarPeriod> {
    let (year, rest) = text.split_once('-')?;
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i16 = year.parse().ok()?;
    let number = |digits: &str, len: usize| -> Option<i8> {
        (digits.len() == len && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| digits.parse().ok())?
    };
    if let Some(quarter) = rest.strip_prefix('Q') {
        let quarter = number(quarter, 1).filter(|q| (1..=4).contains(q))?;
        let first = Date::new(year, (quarter - 1) * 3 + 1, 1).ok()?;
        return Some(CalendarPeriod {
            unit: Unit::Quarter,
            first,
        });
    }
    if let Some(week) = rest.strip_prefix('W') {
        let week = number(week, 2)?;
        let first = ISOWeekDate::new(year, week, Weekday::Monday).ok()?.date();
        return Some(CalendarPeriod {
            unit: Unit::Week,
            first,
        });
    }
    let month = number(rest, 2)?;
    Some(CalendarPeriod {
        unit: Unit::Month,
        first: Date::new(year, month, 1).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placed(text: &str, at: &str, zone: &str) -> Placed {
        let zone = time_zone(zone).unwrap();
        let at = crate::live::period::parse_instant(at).unwrap();
        CalendarPeriod::parse(text, at, &zone)
            .unwrap()
            .place(&zone)
            .unwrap()
    }

    #[test]
    fn months_start_at_local_midnight_across_daylight_saving() {
        let march = placed("2026-03", "2026-05-01T00:00:00Z", "Europe/Berlin");
        assert_eq!(march.name, "2026-03");
        assert_eq!(march.start_text, "2026-03-01T00:00:00+01:00");
        assert_eq!(march.end_text, "2026-04-01T00:00:00+02:00");
        assert_eq!(march.end - march.start, 31 * 86_400 - 3_600);
        assert_eq!(march.days.len(), 31);
        let change = &march.days[28];
        assert_eq!(change.date, "2026-03-29");
        assert_eq!(change.end - change.start, 23 * 3_600);
        let october = placed("2026-10", "2026-12-01T00:00:00Z", "Europe/Berlin");
        assert_eq!(october.end - october.start, 31 * 86_400 + 3_600);
        let utc = placed("2026-03", "2026-05-01T00:00:00Z", "UTC");
        assert_eq!(utc.start_text, "2026-03-01T00:00:00+00:00");
        assert_eq!(utc.start - march.start, 3_600);
    }

    #[test]
    fn relative_periods_follow_the_local_date() {
        // 23:30 UTC on 31 March is already April in Berlin.
        let at = "2026-03-31T23:30:00Z";
        assert_eq!(placed("this-month", at, "Europe/Berlin").name, "2026-04");
        assert_eq!(placed("this-month", at, "UTC").name, "2026-03");
        assert_eq!(placed("last-month", at, "UTC").name, "2026-02");
        assert_eq!(placed("last-quarter", at, "UTC").name, "2025-Q4");
        assert_eq!(placed("last-quarter", at, "Europe/Berlin").name, "2026-Q1");
        // 2026-03-31 is a Tuesday: ISO week 14 (Monday 30 March).
        let week = placed("this-week", at, "UTC");
        assert_eq!(week.name, "2026-W14");
        assert_eq!(week.start_text, "2026-03-30T00:00:00+00:00");
        assert_eq!(placed("last-week", at, "UTC").name, "2026-W13");
        let first_week = placed("2026-W01", at, "UTC");
        assert_eq!(first_week.start_text, "2025-12-29T00:00:00+00:00");
        assert_eq!(first_week.days.len(), 7);
        let quarter = placed("2026-Q1", at, "UTC");
        assert_eq!(quarter.days.len(), 90);
        assert_eq!(
            CalendarPeriod::parse("2026-Q1", 0, &TimeZone::UTC)
                .unwrap()
                .previous()
                .name(),
            "2025-Q4"
        );
    }

    #[test]
    fn bad_periods_and_zones_are_refused() {
        for bad in [
            "2026-13", "2026-Q5", "2026-W54", "26-01", "2026-1", "month", "2026-W1",
        ] {
            assert!(
                CalendarPeriod::parse(bad, 0, &TimeZone::UTC).is_err(),
                "{bad}"
            );
        }
        assert!(time_zone("Mars/Olympus").is_err());
        assert!(time_zone("America/New_York").is_ok());
    }
}
