//! The error-budget policy as written: prose, or rules that `slofile gate` checks.

use super::Quantity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The error-budget policy: what the team does when budget burns. Prose (Markdown), or a mapping
/// whose rules `slofile gate` checks before a deploy and whose `text` is the prose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawBudgetPolicy {
    /// The policy in prose (Markdown); no rule is checked.
    Text(String),
    /// Rules `slofile gate` checks, with the prose.
    Rules(RawBudgetRules),
}

/// The rules of an error-budget policy. Every key is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBudgetRules {
    /// The policy in prose (Markdown), kept word for word in the documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Warn when less than this share of the SLO window's error budget remains, e.g. `50%`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_below: Option<Quantity>,
    /// Freeze feature deploys when less than this share of the budget remains, e.g. `0%`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freeze_below: Option<Quantity>,
    /// Freeze feature deploys when a recent burn spent this share of the window's budget: since
    /// the last deploy (`slofile gate --since`), else within `within`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freeze_if_burned: Option<RawBurnLimit>,
    /// Deploy reasons (`slofile gate --reason`) that may ship during a freeze, e.g.
    /// `[hotfix, security]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exempt: Vec<String>,
}

/// A recent burn that freezes deploys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBurnLimit {
    /// The share of the whole SLO window's error budget, e.g. `20%`.
    pub share: Quantity,
    /// How far back the burn is measured when `slofile gate` is given no `--since`, e.g. `24h`;
    /// at most the SLO window.
    pub within: String,
}
