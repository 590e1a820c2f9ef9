//! The `le` label of classic histogram buckets: a boundary as Prometheus 2 and 3 store it, and
//! a regular expression that matches it either way. Compile selects the buckets of latency SLIs
//! with the regex, the Pyrra reader and `convert` write `le` matchers with it, and the promtool
//! tests write both spellings.

use crate::units::Ratio;

/// The value of `le` a classic histogram's bucket carries for a boundary, as Prometheus 2 stores
/// it: Go's shortest `%g`, as client libraries write it (`0.5`, `1`, `1e+06`).
pub fn le_prometheus2(boundary: f64) -> String {
    go_shortest_g(boundary)
}

/// The same boundary as Prometheus 3 stores it: scraped `le` values are normalised to floats
/// (`1.0`), while fractions and exponent forms stay as they are.
pub fn le_prometheus3(boundary: f64) -> String {
    let text = go_shortest_g(boundary);
    if text.contains(['.', 'e']) || boundary.is_infinite() {
        text
    } else {
        format!("{text}.0")
    }
}

fn go_shortest_g(value: f64) -> String {
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    // Rust's `{:e}` is the shortest round-trip mantissa, e.g. `1.234567e6`.
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    // strconv.FormatFloat(v, 'g', -1, 64) switches to exponent form below 1e-4 and from 1e6 on:
    // for the shortest precision it decides with a precision of 6.
    if (-4..6).contains(&exponent) {
        format!("{value}")
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    }
}

/// A regular expression for `le` that matches a bucket boundary however it is written:
/// Prometheus 2 keeps the exporter's text (`le="1"`), Prometheus 3 normalises it (`le="1.0"`).
pub fn le_regex(boundary: Ratio) -> String {
    let decimal = boundary.to_decimal();
    let escaped = decimal.replace('.', "\\.");
    let mut alternatives = vec![if decimal.contains('.') {
        format!("{escaped}0*")
    } else {
        format!("{escaped}(\\.0+)?")
    }];
    let go = go_shortest_g(boundary.to_f64());
    if go.contains('e') {
        alternatives.push(go.replace('.', "\\.").replace('+', "\\+"));
    }
    alternatives.join("|")
}
