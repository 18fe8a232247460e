#!/usr/bin/env bash
# Starts the floorjudge demo contest on this machine: builds floorjudge,
# creates ./demo-contest from assets/sample-contest (once), hands out
# passwords to the teams without a pre-assigned IP, and shows the contest.
set -euo pipefail
cd "$(dirname "$0")/.."
source installer/lib.sh
ensure_build_deps

cargo build --release -p floorjudge-server  # shows its progress: the first build takes minutes
jury=("${CARGO_TARGET_DIR:-target}/release/floorjudge-jury" --contest "${DEMO_CONTEST:-demo-contest}")

if [ ! -f "${DEMO_CONTEST:-demo-contest}/contest.sqlite" ]; then
  "${jury[@]}" contest init --from assets/sample-contest
  echo
  echo "One-time passwords for the teams without a pre-assigned workstation:"
  "${jury[@]}" team passwords --without-ip --only-missing
  echo
fi
"${jury[@]}" status
