//! Exact numbers: ratios and durations, parsed from spec text and printed without float artefacts.
//!
//! Objectives, budgets and burn-rate factors are rationals over `i128`. Floats only appear at the
//! very edge, where a backend must print one, and even then they are printed from the exact value.

use std::cmp::Ordering;
use std::fmt::{self, Write as _};

/// An exact, non-negative rational number in lowest terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ratio {
    num: i128,
    den: i128,
}

/// An exact computation left the range slofile can represent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

/// The greatest common divisor, or 0 when it does not fit (only `gcd(i128::MIN, 0)`).
fn gcd(a: i128, b: i128) -> i128 {
    let (a, b) = (a.unsigned_abs(), b.unsigned_abs());
    // Nearly every ratio slofile meets fits in 64 bits, where division is a machine instruction
    // and not a call into 128-bit software division.
    let divisor = if let (Ok(a), Ok(b)) = (u64::try_from(a), u64::try_from(b)) {
        u128::from(gcd_u64(a, b))
    } else {
        let (mut a, mut b) = (a, b);
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
    i128::try_from(divisor).unwrap_or(0)
}

/// `a / b` for a positive `b`, in 64-bit machine division when both fit.
fn quotient(a: i128, b: i128) -> i128 {
    match (i64::try_from(a), i64::try_from(b)) {
        (Ok(a), Ok(b)) if b > 0 => i128::from(a / b),
        _ => a.checked_div(b).unwrap_or(0),
    }
}

/// Quotient and remainder, in 64-bit machine division when both fit.
fn div_rem(a: u128, b: u128) -> (u128, u128) {
    match (u64::try_from(a), u64::try_from(b)) {
        (Ok(a), Ok(b)) if b != 0 => (u128::from(a / b), u128::from(a % b)),
        _ => (a.checked_div(b).unwrap_or(0), a.checked_rem(b).unwrap_or(0)),
    }
}

/// Binary (Stein's) GCD: shifts and subtractions only.
fn gcd_u64(mut a: u64, mut b: u64) -> u64 {
    if a == 0 || b == 0 {
        return a | b;
    }
    let shift = (a | b).trailing_zeros();
    a >>= a.trailing_zeros();
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        b -= a;
        if b == 0 {
            return a << shift;
        }
    }
}

impl Ratio {
    pub const ZERO: Ratio = Ratio { num: 0, den: 1 };
    pub const ONE: Ratio = Ratio { num: 1, den: 1 };

    /// `num / den`, reduced. `den` must not be zero.
    pub fn new(num: i128, den: i128) -> Result<Ratio, Overflow> {
        if den == 0 {
            return Err(Overflow);
        }
        let sign = if den < 0 { -1 } else { 1 };
        let divisor = gcd(num, den).max(1);
        Ok(Ratio {
            num: quotient(num, divisor).checked_mul(sign).ok_or(Overflow)?,
            den: quotient(den, divisor).checked_mul(sign).ok_or(Overflow)?,
        })
    }

    pub fn integer(n: i128) -> Ratio {
        Ratio { num: n, den: 1 }
    }

    pub fn numer(self) -> i128 {
        self.num
    }

    pub fn denom(self) -> i128 {
        self.den
    }

    pub fn checked_add(self, other: Ratio) -> Result<Ratio, Overflow> {
        let num = self
            .num
            .checked_mul(other.den)
            .and_then(|a| {
                other
                    .num
                    .checked_mul(self.den)
                    .and_then(|b| a.checked_add(b))
            })
            .ok_or(Overflow)?;
        Ratio::new(num, self.den.checked_mul(other.den).ok_or(Overflow)?)
    }

    pub fn checked_sub(self, other: Ratio) -> Result<Ratio, Overflow> {
        self.checked_add(Ratio {
            num: -other.num,
            den: other.den,
        })
    }

    pub fn checked_mul(self, other: Ratio) -> Result<Ratio, Overflow> {
        // Cross-reduce first so that products of already-reduced ratios stay small.
        let g1 = gcd(self.num, other.den).max(1);
        let g2 = gcd(other.num, self.den).max(1);
        let num = quotient(self.num, g1)
            .checked_mul(quotient(other.num, g2))
            .ok_or(Overflow)?;
        let den = quotient(self.den, g2)
            .checked_mul(quotient(other.den, g1))
            .ok_or(Overflow)?;
        // Both factors are in lowest terms with positive denominators, so after cross-reduction
        // the product is too.
        Ok(Ratio { num, den })
    }

    pub fn checked_div(self, other: Ratio) -> Result<Ratio, Overflow> {
        if other.num == 0 {
            return Err(Overflow);
        }
        self.checked_mul(Ratio::new(other.den, other.num)?)
    }

    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// Parses a plain decimal such as `99.5`, `0.0025` or `14`. No sign, no exponent.
    pub fn parse_decimal(text: &str) -> Option<Ratio> {
        let text = text.trim();
        let (int, frac) = text.split_once('.').unwrap_or((text, ""));
        if int.is_empty() && frac.is_empty()
            || !int.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
            || frac.len() > 18
            || int.len() > 18
        {
            return None;
        }
        let digits = format!("{int}{frac}");
        let num: i128 = digits.parse().ok()?;
        Ratio::new(num, 10i128.pow(frac.len() as u32)).ok()
    }

    /// Parses a number written in a spec: `99.5%` (a percentage) or `0.995` (a plain number).
    pub fn parse_percent_or_number(text: &str) -> Option<(Ratio, bool)> {
        match text.trim().strip_suffix('%') {
            Some(percent) => Ratio::parse_decimal(percent)
                .and_then(|r| r.checked_div(Ratio::integer(100)).ok())
                .map(|r| (r, true)),
            None => Ratio::parse_decimal(text).map(|r| (r, false)),
        }
    }

    /// The exact decimal expansion when it terminates, else `None`.
    pub fn exact_decimal(self) -> Option<String> {
        let den = self.den.unsigned_abs();
        if den == 0 {
            return None;
        }
        let twos = den.trailing_zeros();
        let mut rest = den >> twos;
        let mut fives = 0u32;
        loop {
            let (quotient, remainder) = div_rem(rest, 5);
            if remainder != 0 {
                break;
            }
            rest = quotient;
            fives += 1;
        }
        if rest != 1 {
            return None;
        }
        Some(self.decimal_with(twos.max(fives) as usize))
    }

    /// Rounds half away from zero to `places` decimals, then drops trailing zeros.
    pub fn decimal_with(self, places: usize) -> String {
        let negative = self.num < 0;
        let num = self.num.unsigned_abs();
        let den = self.den.unsigned_abs().max(1);
        let scale = 10u128.saturating_pow(u32::try_from(places).unwrap_or(u32::MAX));
        let scaled = num.saturating_mul(scale);
        let (mut q, remainder) = div_rem(scaled, den);
        if remainder * 2 >= den {
            q = q.saturating_add(1);
        }
        let (int, frac) = div_rem(q, scale);
        let mut out = String::with_capacity(24);
        if negative && q != 0 {
            out.push('-');
        }
        let _ = write!(out, "{int}");
        if places > 0 && frac != 0 {
            let _ = write!(out, ".{frac:0places$}");
            // `frac` is not zero, so the zeros trimmed are all behind the point.
            out.truncate(out.trim_end_matches('0').len());
        }
        out
    }

    /// The shortest faithful decimal: exact when it terminates, else 12 significant digits.
    /// This is what goes into PromQL thresholds.
    pub fn to_decimal(self) -> String {
        self.exact_decimal()
            .filter(|s| s.len() <= 24)
            .unwrap_or_else(|| self.significant(12))
    }

    /// Rounded to `digits` significant digits, for people.
    pub fn significant(self, digits: usize) -> String {
        if self.num == 0 {
            return "0".to_owned();
        }
        let magnitude = self.to_f64().abs().log10().floor() as i64;
        let places = (digits as i64 - 1 - magnitude).max(0) as usize;
        self.decimal_with(places)
    }

    /// As a percentage for people: `99.5%`, `0.9333%`.
    pub fn percent(self) -> String {
        let hundred = self.checked_mul(Ratio::integer(100)).unwrap_or(self);
        let mut text = match hundred.exact_decimal() {
            Some(exact) if exact.len() <= 10 => exact,
            _ => hundred.significant(4),
        };
        text.push('%');
        text
    }
}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ratio {
    fn cmp(&self, other: &Self) -> Ordering {
        // Denominators are positive, so cross-multiplication keeps the order. Widen through f64 only
        // if the exact products overflow, which needs absurd inputs that validation rejects.
        match (
            self.num.checked_mul(other.den),
            other.num.checked_mul(self.den),
        ) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => self.to_f64().total_cmp(&other.to_f64()),
        }
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_decimal())
    }
}

/// A duration in whole milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration {
    millis: u64,
}

const UNITS: &[(&str, u64)] = &[
    ("y", 365 * 86_400_000),
    ("w", 7 * 86_400_000),
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

impl Duration {
    pub const fn from_millis(millis: u64) -> Duration {
        Duration { millis }
    }

    pub fn from_secs(secs: u64) -> Duration {
        Duration {
            millis: secs.saturating_mul(1000),
        }
    }

    pub const fn millis(self) -> u64 {
        self.millis
    }

    pub fn as_ratio_secs(self) -> Ratio {
        Ratio::new(i128::from(self.millis), 1000).unwrap_or(Ratio::ZERO)
    }

    /// Parses a Prometheus-style duration: `5m`, `1h30m`, `28d`, `500ms`, `2w`.
    pub fn parse(text: &str) -> Result<Duration, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("empty duration".to_owned());
        }
        let mut rest = text;
        let mut total: u64 = 0;
        let mut last_unit = usize::MAX;
        while !rest.is_empty() {
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            if digits == 0 {
                return Err(format!(
                    "`{text}` is not a duration; expected a number with a unit, e.g. `5m` or `28d`"
                ));
            }
            let number: u64 = rest[..digits]
                .parse()
                .map_err(|_| format!("`{text}` is too large"))?;
            rest = &rest[digits..];
            let unit_len = rest.chars().take_while(char::is_ascii_alphabetic).count();
            let unit = &rest[..unit_len];
            let Some(index) = UNITS.iter().position(|(name, _)| *name == unit) else {
                return Err(if unit.is_empty() {
                    format!("`{text}` has no unit; write e.g. `{number}m` or `{number}s`")
                } else {
                    format!("`{unit}` is not a duration unit; use ms, s, m, h, d, w or y")
                });
            };
            if index <= last_unit && last_unit != usize::MAX {
                return Err(format!(
                    "`{text}`: units must go from largest to smallest, each once"
                ));
            }
            last_unit = index;
            total = number
                .checked_mul(UNITS[index].1)
                .and_then(|n| n.checked_add(total))
                .ok_or_else(|| format!("`{text}` is too large"))?;
            rest = &rest[unit_len..];
        }
        if total == 0 {
            return Err(format!("`{text}` is zero; a duration must be positive"));
        }
        Ok(Duration { millis: total })
    }

    /// Prometheus form, largest units first: `1h30m`, `28d`, `500ms`. Weeks and years are not used,
    /// so `14d` stays `14d`.
    pub fn prometheus(self) -> String {
        let mut out = String::with_capacity(8);
        let _ = self.write_prometheus(&mut out);
        out
    }

    /// [`Duration::prometheus`] written into `out`: rules print windows by the hundred thousand,
    /// so this allocates nothing and skips the formatting machinery.
    fn write_prometheus(self, out: &mut impl fmt::Write) -> fmt::Result {
        if self.millis == 0 {
            return out.write_str("0s");
        }
        let mut rest = self.millis;
        for (name, size) in UNITS {
            if matches!(*name, "y" | "w") {
                continue;
            }
            if rest >= *size {
                write_decimal(out, rest / size)?;
                out.write_str(name)?;
                rest %= size;
            }
        }
        Ok(())
    }

    /// For people, exact to the second: `3 h 21 m 36 s`, `28 days`, `5 minutes`, `500 ms`.
    pub fn human(self) -> String {
        let mut out = String::with_capacity(16);
        if self.millis < 1000 {
            let _ = write!(out, "{} ms", self.millis);
            return out;
        }
        let secs = self.millis.saturating_add(500) / 1000;
        let parts = [
            (secs / 86_400, "d", "day"),
            (secs % 86_400 / 3600, "h", "hour"),
            (secs % 3600 / 60, "m", "minute"),
            (secs % 60, "s", "second"),
        ];
        let nonzero = parts.iter().filter(|(n, _, _)| *n > 0);
        // One unit is spelt out (`28 days`); several are abbreviated (`3 h 21 m`).
        if let (Some((n, _, word)), 1) = (nonzero.clone().next(), nonzero.clone().count()) {
            let _ = write!(out, "{n} {word}{}", if *n == 1 { "" } else { "s" });
            return out;
        }
        for (n, unit, _) in nonzero {
            if !out.is_empty() {
                out.push(' ');
            }
            let _ = write!(out, "{n} {unit}");
        }
        out
    }

    /// Roughly, as people say it: `about 3.4 hours`, `about 40 minutes`, `about 2 days`.
    pub fn approx(self) -> String {
        format!("about {}", self.rounded())
    }

    /// Rounded to one decimal of the largest sensible unit: `3.4 hours`, `40 minutes`.
    pub fn rounded(self) -> String {
        let secs = self.millis as f64 / 1000.0;
        let (value, unit) = if secs < 90.0 {
            (secs, "second")
        } else if secs < 5400.0 {
            (secs / 60.0, "minute")
        } else if secs < 172_800.0 {
            (secs / 3600.0, "hour")
        } else {
            (secs / 86_400.0, "day")
        };
        let rounded = if value < 10.0 {
            (value * 10.0).round() / 10.0
        } else {
            value.round()
        };
        let text = if rounded.fract() == 0.0 {
            format!("{}", rounded as u64)
        } else {
            format!("{rounded:.1}")
        };
        let plural = if text == "1" { "" } else { "s" };
        format!("{text} {unit}{plural}")
    }

    /// A threshold as people say it: like [`Duration::human`], but whole seconds up to two
    /// minutes stay seconds (`60 seconds`, `90 seconds`), as lag and timeout targets are written.
    pub fn spoken(self) -> String {
        let millis = self.millis;
        if (1000..=120_000).contains(&millis) && millis.is_multiple_of(1000) {
            let secs = millis / 1000;
            return format!("{secs} second{}", if secs == 1 { "" } else { "s" });
        }
        self.human()
    }

    /// Whole milliseconds, as latency targets are written: `50 ms`, `1000 ms`, `10000 ms`.
    pub fn in_millis(self) -> String {
        format!("{} ms", self.millis)
    }

    /// As an adjective before a noun: `28-day`, `6-hour`, `5-minute`; else the Prometheus form.
    pub fn adjective(self) -> String {
        const NAMED: &[(u64, &str)] = &[
            (86_400_000, "day"),
            (3_600_000, "hour"),
            (60_000, "minute"),
            (1000, "second"),
        ];
        NAMED
            .iter()
            .find(|(size, _)| self.millis > 0 && self.millis.is_multiple_of(*size))
            .map_or_else(
                || self.prometheus(),
                |(size, name)| format!("{}-{name}", self.millis / size),
            )
    }

    /// This duration times an exact ratio, rounded to the millisecond.
    pub fn scale(self, factor: Ratio) -> Result<Duration, Overflow> {
        let scaled = Ratio::integer(i128::from(self.millis)).checked_mul(factor)?;
        let millis = (scaled.numer() * 2 + scaled.denom()) / (2 * scaled.denom());
        u64::try_from(millis)
            .map(Duration::from_millis)
            .map_err(|_| Overflow)
    }

    /// `self / other` as an exact ratio.
    pub fn ratio_to(self, other: Duration) -> Result<Ratio, Overflow> {
        Ratio::new(i128::from(self.millis), i128::from(other.millis))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_prometheus(f)
    }
}

/// `n` in decimal digits.
fn write_decimal(out: &mut impl fmt::Write, mut n: u64) -> fmt::Result {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.write_str(std::str::from_utf8(&digits[start..]).map_err(|_| fmt::Error)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn gcd_agrees_with_euclid(a: i128, b: i128) {
            let (mut x, mut y) = (a.unsigned_abs(), b.unsigned_abs());
            while y != 0 {
                (x, y) = (y, x % y);
            }
            proptest::prop_assert_eq!(gcd(a, b), i128::try_from(x).unwrap_or(0));
            let (small_a, small_b) = (i128::from(a as i64), i128::from(b as i64));
            let (mut x, mut y) = (small_a.unsigned_abs(), small_b.unsigned_abs());
            while y != 0 {
                (x, y) = (y, x % y);
            }
            proptest::prop_assert_eq!(gcd(small_a, small_b), i128::try_from(x).unwrap_or(0));
        }
    }

    /// The printing functions as they were first written, plainly: the faster ones must agree.
    mod plain {
        pub fn decimal_with(num: i128, den: i128, places: usize) -> String {
            let negative = num < 0;
            let num = num.unsigned_abs();
            let den = den.unsigned_abs();
            let scale = 10u128.saturating_pow(places as u32);
            let scaled = num.saturating_mul(scale);
            let mut q = scaled / den;
            if (scaled % den) * 2 >= den {
                q += 1;
            }
            let (int, frac) = (q / scale, q % scale);
            let mut out = String::new();
            if negative && q != 0 {
                out.push('-');
            }
            out.push_str(&int.to_string());
            if places > 0 && frac != 0 {
                out.push('.');
                out.push_str(format!("{frac:0places$}").trim_end_matches('0'));
            }
            out
        }

        pub fn human(millis: u64) -> String {
            if millis < 1000 {
                return format!("{millis} ms");
            }
            let secs = (millis + 500) / 1000;
            let parts = [
                (secs / 86_400, "d", "day"),
                (secs % 86_400 / 3600, "h", "hour"),
                (secs % 3600 / 60, "m", "minute"),
                (secs % 60, "s", "second"),
            ];
            let nonzero: Vec<_> = parts.iter().filter(|(n, _, _)| *n > 0).collect();
            if let [(n, _, word)] = nonzero.as_slice() {
                return format!("{n} {word}{}", if *n == 1 { "" } else { "s" });
            }
            nonzero
                .iter()
                .map(|(n, unit, _)| format!("{n} {unit}"))
                .collect::<Vec<_>>()
                .join(" ")
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_printing_agrees_with_the_plain_version(
            num in 0i128..10_000_000_000,
            den in 1i128..10_000_000_000,
            places in 0usize..20,
            millis in 0u64..100_000_000_000,
        ) {
            let ratio = Ratio::new(num, den).unwrap();
            proptest::prop_assert_eq!(
                ratio.decimal_with(places),
                plain::decimal_with(ratio.numer(), ratio.denom(), places)
            );
            proptest::prop_assert_eq!(Duration::from_millis(millis).human(), plain::human(millis));
        }
    }

    #[test]
    fn exact_decimals_and_percentages() {
        let ratio = |n, d| Ratio::new(n, d).unwrap();
        assert_eq!(
            ratio(1, 1024).exact_decimal().as_deref(),
            Some("0.0009765625")
        );
        assert_eq!(ratio(7, 80).exact_decimal().as_deref(), Some("0.0875"));
        assert_eq!(ratio(1, 3).exact_decimal(), None);
        assert_eq!(ratio(199, 200).percent(), "99.5%");
        assert_eq!(ratio(1, 3).percent(), "33.33%");
        assert_eq!(ratio(-1, 8).decimal_with(2), "-0.13");
        assert_eq!(
            Duration::from_millis(u64::MAX).human(),
            plain::human(u64::MAX - 500)
        );
    }

    proptest::proptest! {
        #[test]
        fn products_stay_in_lowest_terms(
            a in -1_000_000_000i128..1_000_000_000,
            b in 1i128..1_000_000_000,
            c in -1_000_000_000i128..1_000_000_000,
            d in 1i128..1_000_000_000,
        ) {
            let product = Ratio::new(a, b).unwrap().checked_mul(Ratio::new(c, d).unwrap()).unwrap();
            proptest::prop_assert_eq!(product, Ratio::new(a * c, b * d).unwrap());
        }
    }

    #[test]
    fn ratios_at_the_edge_of_i128_overflow_instead_of_panicking() {
        assert_eq!(Ratio::new(i128::MIN, -1), Err(Overflow));
        assert!(Ratio::new(i128::MIN, 1).is_ok());
    }

    fn pct(text: &str) -> Ratio {
        Ratio::parse_percent_or_number(text).unwrap().0
    }

    #[test]
    fn decimals_print_exactly() {
        for (num, den, text) in [
            (1, 1000, "0.001"),
            (1344, 100, "13.44"),
            (14, 1, "14"),
            (672, 100, "6.72"),
            (1, 3, "0.333333333333"),
        ] {
            assert_eq!(Ratio::new(num, den).unwrap().to_decimal(), text);
        }
        // The float artefact the arithmetic exists to avoid.
        let budget = Ratio::ONE.checked_sub(pct("99.9%")).unwrap();
        assert_eq!(budget.to_decimal(), "0.001");
    }

    #[test]
    fn percentages_parse_and_print() {
        assert_eq!(pct("99.5%"), Ratio::new(995, 1000).unwrap());
        assert_eq!(pct("99.5%").percent(), "99.5%");
        assert_eq!(Ratio::new(28, 3000).unwrap().percent(), "0.9333%");
        assert!(Ratio::parse_percent_or_number("abc%").is_none());
        assert!(Ratio::parse_percent_or_number("-1%").is_none());
        assert!(Ratio::parse_percent_or_number("1e3").is_none());
    }

    #[test]
    fn durations_parse() {
        let table = [
            ("5m", 300_000),
            ("1h30m", 5_400_000),
            ("28d", 2_419_200_000),
            ("500ms", 500),
            ("2w", 1_209_600_000),
        ];
        for (text, millis) in table {
            assert_eq!(Duration::parse(text).unwrap().millis(), millis, "{text}");
        }
        for bad in [
            "",
            "5",
            "0m",
            "m",
            "5x",
            "-5m",
            "30m1h",
            "5m5m",
            "99999999999999999999d",
        ] {
            assert!(Duration::parse(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn durations_print() {
        let d = |t| Duration::parse(t).unwrap();
        assert_eq!(d("90m").prometheus(), "1h30m");
        assert_eq!(d("4w").prometheus(), "28d");
        assert_eq!(d("28d").human(), "28 days");
        assert_eq!(
            d("28d")
                .scale(Ratio::new(5, 1000).unwrap())
                .unwrap()
                .human(),
            "3 h 21 m 36 s"
        );
        assert_eq!(
            d("28d")
                .scale(Ratio::new(5, 1000).unwrap())
                .unwrap()
                .approx(),
            "about 3.4 hours"
        );
        assert_eq!(d("40m").approx(), "about 40 minutes");
        assert_eq!(d("5m").human(), "5 minutes");
        assert_eq!(d("1h").human(), "1 hour");
        assert_eq!(d("90s").human(), "1 m 30 s");
        assert_eq!(d("60s").spoken(), "60 seconds");
        assert_eq!(d("5m").spoken(), "5 minutes");
        assert_eq!(d("500ms").spoken(), "500 ms");
        assert_eq!(d("10s").in_millis(), "10000 ms");
        assert_eq!(d("28d").adjective(), "28-day");
        assert_eq!(d("6h").adjective(), "6-hour");
        assert_eq!(d("90m").adjective(), "90-minute");
        assert_eq!(d("1500ms").adjective(), "1s500ms");
        assert_eq!(
            d("28d")
                .scale(Ratio::new(5, 1000).unwrap())
                .unwrap()
                .rounded(),
            "3.4 hours"
        );
    }

    #[test]
    fn ordering_is_exact() {
        let a = Ratio::new(1, 3).unwrap();
        let b = Ratio::new(333_333_333, 1_000_000_000).unwrap();
        assert!(a > b);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn terminating_decimals_round_trip(int in 0u64..1_000_000, frac in 0u64..1_000_000, places in 0u32..7) {
            let text = if places == 0 {
                int.to_string()
            } else {
                format!("{int}.{:0width$}", frac % 10u64.pow(places), width = places as usize)
            };
            let ratio = Ratio::parse_decimal(&text).unwrap();
            prop_assert_eq!(Ratio::parse_decimal(&ratio.to_decimal()).unwrap(), ratio);
        }

        #[test]
        fn durations_round_trip_through_prometheus_form(millis in 1u64..10_000_000_000_000) {
            let duration = Duration::from_millis(millis);
            prop_assert_eq!(Duration::parse(&duration.prometheus()).unwrap(), duration);
        }

        #[test]
        fn parsing_never_panics(text in "\\PC{0,24}") {
            let _ = Duration::parse(&text);
            let _ = Ratio::parse_percent_or_number(&text);
        }
    }
}
