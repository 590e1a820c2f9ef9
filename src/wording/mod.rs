//! Words about specs and plans shared by `explain`, `diff` and the Markdown documents: one home
//! for each phrase, so that the three never describe the same thing differently by accident.
//!
//! Each output has its own register (a terminal line, a pull-request comment, a document), so a
//! concept may have several phrasings here; they sit side by side, named by where they are used,
//! and share the small words (`good`/`bad`, `above`/`below`, the hold time). Channel and probe
//! provider names are methods on their enums ([`crate::spec::ChannelType::display_name`],
//! [`crate::spec::ProbeProvider::display_name`]).

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
