//! When a freeze lifts if no further errors come and traffic goes on as over the window.
//!
//! A freeze on the remaining budget lifts once enough failed events have left the SLO window for
//! the budget left to reach `freeze_below`; a freeze on a recent burn measured over
//! `freeze_if_burned.within` lifts once enough of them have left that span. Both are read from
//! the failed events of the span in buckets of a few minutes (one range query per SLO and span),
//! dropped oldest first; the time given is the end of the bucket whose leaving lifts the freeze,
//! so it is never early. A burn since the deploy (`--since`) does not age out.

use super::{Context, GateRow, Rule};
use crate::compile::ObjectivePlan;
use crate::emit::prometheus::{Measured, window_queries};
use crate::live::client::Client;
use crate::live::period::format_instant;
use crate::live::{Group, LiveError};
use crate::units::Duration;
use std::collections::BTreeMap;

/// The most buckets a span is cut into, and the shortest bucket: a range query of at most a
/// thousand points per group, and buckets of whole 5m, over which an `error_ratio_query` is
/// averaged.
const MOST_BUCKETS: i64 = 1000;
const SHORTEST_BUCKET: i64 = 300;

/// Failed events of a span per group, in buckets oldest first, in the units of the budget.
struct Profile {
    step: i64,
    buckets: BTreeMap<Group, Vec<f64>>,
}

/// Adds when each frozen row's freeze would lift, and says so in its message.
pub(super) fn add_lift_times(
    context: &Context<'_>,
    client: &Client,
    objective_index: usize,
    objective: &ObjectivePlan,
    rows: &mut [GateRow],
    frozen: &[usize],
) -> Result<(), LiveError> {
    let at = context.request.at;
    let budget = objective.budget.to_f64();
    let freeze_below = context.rules.freeze_below.map(crate::units::Ratio::to_f64);
    let limit = context.rules.freeze_if_burned.as_ref();
    let needs_window = frozen.iter().any(|&i| {
        freeze_below.is_some_and(|floor| rows[i].error_budget_remaining.unwrap_or(1.0) < floor)
    });
    let needs_recent = context.request.since.is_none()
        && frozen
            .iter()
            .any(|&i| rows[i].rule == Some(Rule::FreezeIfBurned));
    let window_profile = if needs_window {
        Some(profile(
            context,
            client,
            objective_index,
            context.window_seconds,
        )?)
    } else {
        None
    };
    let recent_profile = match (needs_recent, limit) {
        (true, Some(limit)) => Some(profile(
            context,
            client,
            objective_index,
            (limit.within.millis() / 1000) as i64,
        )?),
        _ => None,
    };
    for &i in frozen {
        let row = &mut rows[i];
        // The budget in the profile's units: failed events, or error-ratio seconds.
        let budget_units = match row.events {
            Some(events) => budget * events,
            None => budget * context.window_seconds as f64,
        };
        let mut lifts: Vec<Option<i64>> = Vec::new();
        let mut since_deploy = false;
        if let (Some(floor), Some(profile)) = (freeze_below, &window_profile)
            && row.error_budget_remaining.unwrap_or(1.0) < floor
        {
            lifts.push(profile.lift(&row.labels, at, (1.0 - floor) * budget_units));
        }
        if let Some(limit) = limit
            && row
                .burned_since
                .is_some_and(|burned| burned > limit.share.to_f64())
        {
            match &recent_profile {
                Some(profile) => {
                    lifts.push(profile.lift(&row.labels, at, limit.share.to_f64() * budget_units));
                }
                None => since_deploy = true,
            }
        }
        let lift = if since_deploy {
            None
        } else {
            lifts
                .into_iter()
                .try_fold(at, |latest, lift| lift.map(|l| latest.max(l)))
        };
        row.freeze_lifts_at = lift.map(format_instant);
        row.message.push_str(&match (lift, since_deploy) {
            (_, true) => "; a burn since the deploy does not age out: the freeze holds until the budget recovers or a later deploy is gated".to_owned(),
            (Some(lift), false) => format!(
                "; if no further errors come, it lifts at {}",
                format_instant(lift)
            ),
            (None, false) => "; it does not lift within the window even if no further errors come".to_owned(),
        });
    }
    Ok(())
}

/// The failed events of the `span_seconds` before now, per group, in buckets.
fn profile(
    context: &Context<'_>,
    client: &Client,
    objective_index: usize,
    span_seconds: i64,
) -> Result<Profile, LiveError> {
    let step = bucket(span_seconds);
    let count = (span_seconds + step - 1) / step;
    let at = context.request.at;
    let target = context.target;
    let queries = window_queries(target.service, target.slo, Duration::from_secs(step as u64));
    let (query, scale) = match queries.map(|q| q.raw) {
        // A rate per second over the bucket, times its seconds: failed events.
        Some(Measured::Rates { errors, .. }) => (errors.get(objective_index).cloned(), step as f64),
        // An average error ratio over the bucket, times its seconds: error-ratio seconds.
        Some(Measured::Ratio { error_ratio }) => {
            (error_ratio.get(objective_index).cloned(), step as f64)
        }
        None => (None, 0.0),
    };
    let mut buckets: BTreeMap<Group, Vec<f64>> = BTreeMap::new();
    if let Some(query) = query {
        let start = at - (count - 1) * step;
        for series in client.query_range(&query, start, at, step)? {
            let slots = buckets
                .entry(series.labels)
                .or_insert_with(|| vec![0.0; count as usize]);
            for (time, value) in series.points {
                let slot = (time - start) / step;
                if (0..count).contains(&slot) && value.is_finite() {
                    slots[slot as usize] = value * scale;
                }
            }
        }
    }
    Ok(Profile { step, buckets })
}

/// The bucket length for a span: at most [`MOST_BUCKETS`] buckets, in whole multiples of
/// [`SHORTEST_BUCKET`], so that buckets end where 5-minute scrapes and recordings do.
fn bucket(span_seconds: i64) -> i64 {
    let per_bucket = (span_seconds + MOST_BUCKETS - 1) / MOST_BUCKETS;
    let multiples = (per_bucket + SHORTEST_BUCKET - 1) / SHORTEST_BUCKET;
    multiples.max(1) * SHORTEST_BUCKET
}

impl Profile {
    /// The earliest time, from `at` on, at which the failed events left in the span are at most
    /// `allowed`, dropping the oldest bucket every step; `None` when not even an empty span is
    /// (a negative allowance).
    fn lift(&self, group: &Group, at: i64, allowed: f64) -> Option<i64> {
        if allowed < 0.0 {
            return None;
        }
        let empty = Vec::new();
        let buckets = self.buckets.get(group).unwrap_or(&empty);
        let mut left: f64 = buckets.iter().sum();
        let mut dropped = 0_i64;
        for failed in buckets {
            if left <= allowed {
                break;
            }
            left -= failed;
            dropped += 1;
        }
        Some(at + dropped * self.step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_whole_minutes_and_at_most_a_thousand() {
        assert_eq!(bucket(28 * 86_400), 2700);
        assert_eq!(bucket(86_400), 300);
        assert!(28 * 86_400 / bucket(28 * 86_400) <= MOST_BUCKETS);
    }

    #[test]
    fn a_freeze_lifts_when_enough_failures_leave() {
        let group = Group::new();
        let profile = Profile {
            step: 60,
            buckets: BTreeMap::from([(group.clone(), vec![5.0, 0.0, 10.0, 1.0])]),
        };
        // 16 failed; at most 11 allowed: the first bucket (5) must leave.
        assert_eq!(profile.lift(&group, 1000, 11.0), Some(1060));
        // At most 1: the first three buckets.
        assert_eq!(profile.lift(&group, 1000, 1.0), Some(1180));
        // Already within: now.
        assert_eq!(profile.lift(&group, 1000, 20.0), Some(1000));
        // Nothing may be left but nothing is: when the last bucket leaves.
        assert_eq!(profile.lift(&group, 1000, 0.0), Some(1240));
        assert_eq!(profile.lift(&group, 1000, -1.0), None);
        // A group without failures in the span.
        let other = Group::from([("tenant".to_owned(), "9".to_owned())]);
        assert_eq!(profile.lift(&other, 1000, 0.0), Some(1000));
    }
}
