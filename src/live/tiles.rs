//! A period cut into equal tiles (5 minutes for a month), each measured with one range query per
//! series: the counts that `report` sums into days and incidents.
//!
//! A day's compliance is the ratio of the sums of its tiles' counts, never an average of ratios,
//! so a quiet night weighs what it weighs. The tiles are measured as the window is, from the raw
//! series or from the recorded ones ([`Source`]).

use super::client::{Client, Series};
use super::figures::Source;
use super::{Group, LiveError, Target, group_present};
use crate::emit::prometheus::{MEASURE_LABEL, Measured, service_queries, window_queries};
use crate::units::Duration;
use std::collections::BTreeMap;

/// The most points Prometheus returns for one series of a range query is 11,000; a tile is the
/// shortest of these lengths that keeps a period under this many.
const MOST_TILES: i64 = 10_000;
const TILE_LENGTHS: [i64; 6] = [300, 600, 900, 1_800, 3_600, 86_400];

/// The tile length for a span of `seconds`: 5 minutes for a month, 15 for a quarter. Every length
/// divides an hour (or is a day), so tiles from a local midnight end on every later midnight.
pub fn tile_length(seconds: i64) -> i64 {
    TILE_LENGTHS
        .into_iter()
        .find(|tile| seconds / tile <= MOST_TILES)
        .unwrap_or(86_400)
}

/// One tile, ending at `end`: its events and failed events. An SLI without event counts (an
/// `error_ratio_query`) weighs each tile as one event whose failed share is the tile's error
/// ratio, so that sums of tiles average over time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tile {
    pub end: i64,
    pub events: f64,
    pub errors: f64,
}

/// Every tile of a span, per objective and group, in time order.
pub struct Tiles {
    pub length: i64,
    /// False for an SLI without event counts: `events` are then tiles, not events.
    pub counts: bool,
    pub per_objective: Vec<BTreeMap<Group, Vec<Tile>>>,
}

impl Tiles {
    /// Sums the tiles of one objective and group that end in `(start, end]`: events and errors.
    pub fn sum(&self, objective: usize, group: &Group, start: i64, end: i64) -> (f64, f64) {
        self.per_objective
            .get(objective)
            .and_then(|groups| groups.get(group))
            .into_iter()
            .flatten()
            .filter(|tile| tile.end > start && tile.end <= end)
            .fold((0.0, 0.0), |(events, errors), tile| {
                (events + tile.events, errors + tile.errors)
            })
    }
}

/// Measures `[start, end)` of the SLO in tiles of `length` seconds from `source`; `None` when
/// Prometheus does not measure the SLO.
pub fn measure_tiles(
    target: &Target<'_>,
    client: &Client,
    source: Source,
    start: i64,
    end: i64,
    length: i64,
) -> Result<Option<Tiles>, LiveError> {
    let tile = Duration::from_secs(length.unsigned_abs());
    let Some(queries) = window_queries(target.service, target.slo, tile) else {
        return Ok(None);
    };
    let measured = match source {
        Source::Raw => &queries.raw,
        Source::Recorded => &queries.recorded,
    };
    let seconds = length as f64;
    let range = |expr: &str| -> Result<BTreeMap<Group, BTreeMap<i64, f64>>, LiveError> {
        Ok(client
            .query_range(expr, start + length, end, length)?
            .into_iter()
            .map(|series| {
                let points = series
                    .points
                    .into_iter()
                    .filter(|(_, value)| value.is_finite())
                    .collect();
                (series.labels, points)
            })
            .collect())
    };
    let mut per_objective = Vec::with_capacity(target.slo.objectives.len());
    let counts = matches!(measured, Measured::Rates { .. });
    match measured {
        Measured::Rates { events, errors } => {
            let events = range(events)?;
            for errors in errors {
                per_objective.push(tiles_of(&events, &range(errors)?, seconds));
            }
        }
        Measured::Ratio { error_ratio } => {
            for query in error_ratio {
                let groups = range(query)?.into_iter().map(|(group, ratios)| {
                    let tiles = ratios
                        .into_iter()
                        .map(|(at, ratio)| Tile {
                            end: at,
                            events: 1.0,
                            errors: ratio.clamp(0.0, 1.0),
                        })
                        .collect();
                    (group, tiles)
                });
                per_objective.push(groups.collect());
            }
        }
    }
    Ok(Some(Tiles {
        length,
        counts,
        per_objective,
    }))
}

/// Tiles of every target of one service whose recorded series cover the span, two range queries
/// for all of them ([`service_queries`]), in target order.
pub fn measure_service_tiles(
    targets: &[&Target<'_>],
    client: &Client,
    start: i64,
    end: i64,
    length: i64,
) -> Result<Vec<Tiles>, LiveError> {
    let Some(first) = targets.first() else {
        return Ok(Vec::new());
    };
    let labels = super::service::group_labels(targets.iter().copied());
    let tile = Duration::from_secs(length.unsigned_abs());
    let queries = service_queries(first.service, &labels, &[(Vec::new(), tile)]);
    let (events, errors): (Vec<Series>, Vec<Series>) = client
        .query_range(&queries.both(), start + length, end, length)?
        .into_iter()
        .partition(|series| series.labels.get(MEASURE_LABEL).map(String::as_str) == Some("events"));
    let seconds = length as f64;
    Ok(targets
        .iter()
        .map(|target| {
            let slo = target.slo;
            let points = |all: &[Series], objective: Option<usize>| {
                let mut by_group: BTreeMap<Group, BTreeMap<i64, f64>> = BTreeMap::new();
                for series in all
                    .iter()
                    .filter(|series| super::service::is_own(&series.labels, slo, objective))
                {
                    let group = group_present(&series.labels, &slo.slo.group_by);
                    let points = by_group.entry(group).or_default();
                    for &(at, value) in &series.points {
                        if value.is_finite() {
                            *points.entry(at).or_insert(0.0) += value;
                        }
                    }
                }
                by_group
            };
            let events = points(&events, None);
            let per_objective = (0..slo.objectives.len())
                .map(|index| tiles_of(&events, &points(&errors, Some(index)), seconds))
                .collect();
            Tiles {
                length,
                counts: true,
                per_objective,
            }
        })
        .collect())
}

/// Each group's tiles from its events and failed events per second at each tile's end.
fn tiles_of(
    events: &BTreeMap<Group, BTreeMap<i64, f64>>,
    errors: &BTreeMap<Group, BTreeMap<i64, f64>>,
    seconds: f64,
) -> BTreeMap<Group, Vec<Tile>> {
    events
        .iter()
        .map(|(group, events)| {
            let failed = errors.get(group);
            let tiles = events
                .iter()
                .filter(|(_, rate)| **rate > 0.0)
                .map(|(&at, &rate)| {
                    let failed_rate = failed
                        .and_then(|failed| failed.get(&at))
                        .copied()
                        .unwrap_or(0.0)
                        .clamp(0.0, rate);
                    Tile {
                        end: at,
                        events: rate * seconds,
                        errors: failed_rate * seconds,
                    }
                })
                .collect();
            (group.clone(), tiles)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_stay_under_the_point_limit_and_divide_an_hour() {
        assert_eq!(tile_length(31 * 86_400), 300);
        assert_eq!(tile_length(92 * 86_400), 900);
        assert_eq!(tile_length(7 * 86_400), 300);
        assert_eq!(tile_length(400 * 86_400), 3_600);
        for length in TILE_LENGTHS {
            assert!(3_600 % length == 0 || length == 86_400);
        }
    }
}
