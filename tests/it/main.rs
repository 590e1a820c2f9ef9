//! The integration tests, in one binary: each module tests one area of slofile through its
//! command line or library API, against real promtool, amtool, Prometheus and Alertmanager where
//! they check what slofile emits. One binary links the dependency tree once instead of once per
//! area.

mod common;
mod interop;
/// The benchmark's spec generator, shared with `scripts/gen_specs.rs`.
#[path = "../../scripts/spec_tree.rs"]
mod spec_tree;

mod agreement;
mod alertmanager;
mod alertmanager_operator;
mod cli;
mod comments;
mod config;
mod convert;
mod diff;
mod gate;
mod grafana;
mod heartbeat;
mod k6;
mod layering;
mod live_queries;
mod markdown;
mod mutants;
mod openslo;
mod prometheus;
mod pyrra;
mod report;
mod robustness;
mod scale;
mod selftest;
mod sentry;
mod sloth;
mod spec;
mod status;
mod terraform;
mod uptimerobot;
mod verify;
mod write;
