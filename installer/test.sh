#!/usr/bin/env bash
# Runs every floorjudge check: formatting, the front end's type check,
# clippy with warnings as errors, and the whole test suite (unit, store,
# real-binary, system and real-window UI tests under Xvfb).
# Needs ../shared (the problem packages and contest samples) beside the clone.
set -euo pipefail
cd "$(dirname "$0")/.."
source installer/lib.sh
ensure_build_deps
ensure_tauri_driver

if [ ! -d ../shared/problems ]; then
  echo "../shared/problems is missing: the tests import those real problem packages" >&2
  exit 1
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The system tests in tests/ start the real binaries: build them first.
cargo build --workspace --bins --locked
cargo test --workspace --locked
