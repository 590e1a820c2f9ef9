#!/usr/bin/env bash
# The mutation check of the generated promtool tests, every mutant: each alert rule generated
# from specs/ and examples/ changed a little (threshold ×0.9, ×1.1, ×0.98, ×1.02, `for` dropped,
# `and` → `or`, the min_events guard dropped) and run against its unchanged test file with
# promtool. Prints the share of mutants the tests kill, per kind, and the survivors; fails when a
# mutant of a required kind (all but the ±2% scales) survives. `./scripts/test.sh` runs a sample.
# SLOFILE_MUTANTS_BUILDS=native (or sloth) scores one kind of build; SLOFILE_MUTANTS_ONLY=examples/gauge
# the sources whose path holds it.
set -euo pipefail
cd "$(dirname "$0")/.."
SLOFILE_MUTANTS=all exec cargo test --locked --test it mutants -- --nocapture "$@"
