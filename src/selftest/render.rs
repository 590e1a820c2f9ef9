//! The self-test's lines for people, and JSON.

use super::{ChannelResult, Outcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelftestFormat {
    Human,
    Plain,
    Json,
}

pub fn render(results: &[ChannelResult], format: SelftestFormat, color: bool) -> String {
    match format {
        SelftestFormat::Json => {
            let mut text = serde_json::to_string_pretty(results).unwrap_or_default();
            text.push('\n');
            text
        }
        SelftestFormat::Human => lines(results, color),
        SelftestFormat::Plain => lines(results, false),
    }
}

fn lines(results: &[ChannelResult], color: bool) -> String {
    if results.is_empty() {
        return "no channel to test\n".to_owned();
    }
    let mut out = String::new();
    for result in results {
        let word = result.outcome.as_str().replace('_', " ").to_uppercase();
        let word = if color {
            let code = match result.outcome {
                Outcome::Reached | Outcome::WouldReach => "32",
                Outcome::Failed => "31",
                Outcome::NotTestable if result.named => "31",
                Outcome::NotTestable | Outcome::Skipped => "2",
            };
            format!("\u{1b}[{code}m{word:<12}\u{1b}[0m")
        } else {
            format!("{word:<12}")
        };
        out.push_str(&format!(
            "{word} {}/{} ({}): {}\n",
            result.service, result.channel, result.kind, result.message
        ));
    }
    out
}
