//! OpenSLO's duration shorthand (`5m`, `1h`, `28d`, `1M`), read and written in one place.

use crate::units::Duration;

/// Parses `^[1-9][0-9]*[mhdwMQY]$`. Months, quarters and years are 30, 90 and 365 days, as in the
/// OpenSLO Go SDK; the flag says the value is such an approximation.
pub(crate) fn parse(text: &str) -> Result<(Duration, bool), String> {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    let unit = &text[digits.len()..];
    let valid = !digits.is_empty() && !digits.starts_with('0') && unit.chars().count() == 1;
    let day = 86_400_000u64;
    let (size, approximate) = match unit {
        "m" => (60_000, false),
        "h" => (3_600_000, false),
        "d" => (day, false),
        "w" => (7 * day, false),
        "M" => (30 * day, true),
        "Q" => (90 * day, true),
        "Y" => (365 * day, true),
        _ => (0, false),
    };
    if !valid || size == 0 {
        return Err(format!(
            "`{text}` is not an OpenSLO duration: a positive whole number followed by one of m, h, d, w, M, Q, Y"
        ));
    }
    let count: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is too large"))?;
    let millis = count
        .checked_mul(size)
        .ok_or_else(|| format!("`{text}` is too large"))?;
    Ok((Duration::from_millis(millis), approximate))
}

/// The duration as an OpenSLO shorthand, in the largest of days, hours and minutes that divides
/// it exactly; `None` when it is not a whole number of minutes.
pub(crate) fn print(duration: Duration) -> Option<String> {
    let millis = duration.millis();
    if millis == 0 {
        return None;
    }
    [("d", 86_400_000u64), ("h", 3_600_000), ("m", 60_000)]
        .into_iter()
        .find(|(_, size)| millis.is_multiple_of(*size))
        .map(|(unit, size)| format!("{}{unit}", millis / size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorthands() {
        assert_eq!(parse("5m").unwrap().0, Duration::parse("5m").unwrap());
        assert_eq!(
            parse("28d").unwrap(),
            (Duration::parse("28d").unwrap(), false)
        );
        assert_eq!(
            parse("1M").unwrap(),
            (Duration::parse("30d").unwrap(), true)
        );
        for bad in [
            "", "0m", "05m", "5", "5s", "1h30m", "m", "5 m", "-5m", "5mm",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn printed_shorthands_read_back() {
        for text in ["5m", "90m", "1h", "36h", "1d", "28d", "30d"] {
            let (duration, _) = parse(text).unwrap();
            assert_eq!(print(duration).as_deref(), Some(text));
        }
        let (hour, _) = parse("60m").unwrap();
        assert_eq!(print(hour).as_deref(), Some("1h"));
        assert_eq!(print(parse("2w").unwrap().0).as_deref(), Some("14d"));
        assert_eq!(print(Duration::from_secs(90)), None);
        assert_eq!(print(Duration::default()), None);
    }
}
