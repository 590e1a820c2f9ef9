//! Words about specs and plans shared by `explain`, `diff` and the Markdown documents: one home
//! for each phrase, so that the three never describe the same thing differently by accident.
//!
//! Each output has its own register (a terminal line, a pull-request comment, a document), so a
//! concept may have several phrasings here; they sit side by side, named by where they are used,
//! and share the small words (`good`/`bad`, `above`/`below`, the hold time). Channel and probe
//! provider names are methods on their enums ([`crate::spec::ChannelType::display_name`],
//! [`crate::spec::ProbeProvider::display_name`]). Names and queries are quoted as inline code by
//! [`code`].

pub mod sli;
pub mod static_alert;

/// The text with its first letter upper-case.
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `good` or `bad`: which events a ratio SLI counts.
pub fn good_or_bad(good: bool) -> &'static str {
    if good { "good" } else { "bad" }
}

/// `above` or `below`: the side of a threshold that counts.
pub fn above_or_below(above: bool) -> &'static str {
    if above { "above" } else { "below" }
}

/// An inline code span that survives backticks in its content.
pub fn code(text: &str) -> String {
    let text = text.trim();
    let longest = longest_backtick_run(text);
    let ticks = "`".repeat(longest + 1);
    if longest == 0 {
        format!("`{text}`")
    } else {
        format!("{ticks} {text} {ticks}")
    }
}

/// The longest run of backticks in `text`, which a code span or fence around it must outrun.
pub(crate) fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("rate(x[5m])"), "`rate(x[5m])`");
        assert_eq!(code("a`b"), "`` a`b ``");
    }
}
