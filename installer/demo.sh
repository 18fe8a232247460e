#!/usr/bin/env bash
# Starts the floorjudge demo contest on this machine: builds floorjudge,
# creates ./demo-contest from assets/sample-contest (once), hands out
# passwords to the teams without a pre-assigned IP, starts the contest clock
# and the jury server (with its embedded judgehost) on 127.0.0.1:8470, submits
# one solution from team 1's workstation (127.0.0.2), waits for its verdict
# and keeps the jury running until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
source installer/lib.sh
ensure_build_deps

# shows its progress: the first build takes minutes
cargo build --release -p floorjudge-server -p floorjudge-team
bin="${CARGO_TARGET_DIR:-target}/release"
contest="${DEMO_CONTEST:-demo-contest}"
listen="${DEMO_LISTEN:-127.0.0.1:8470}"
jury=("$bin/floorjudge-jury" --contest "$contest")

if [ ! -f "$contest/contest.sqlite" ]; then
  "${jury[@]}" contest init --from assets/sample-contest
  echo
  echo "One-time passwords for the teams without a pre-assigned workstation:"
  "${jury[@]}" team passwords --without-ip --only-missing
  echo
  "${jury[@]}" contest start
fi
"${jury[@]}" status
# the jury's TLS certificate (made by contest init): every client pins it
fingerprint=$("${jury[@]}" --json tls show | python3 -c 'import json, sys; print(json.load(sys.stdin)["fingerprint"])')

"${jury[@]}" -v serve --listen "$listen" &
jury_pid=$!
trap 'kill $jury_pid 2>/dev/null || true' EXIT
# wait (at most 10 s) until the server answers anything at all
for _ in $(seq 50); do
  [ "$(curl -sk -o /dev/null -w '%{http_code}' -X POST "https://$listen/api/team/identify")" != 000 ] && break
  kill -0 "$jury_pid" 2>/dev/null || exit 1
  sleep 0.2
done

team=("$bin/floorjudge-team" --jury "https://$listen" --jury-fingerprint "$fingerprint" --source-ip 127.0.0.2 --callback-port 8471)
echo
echo "Team 1 (workstation 127.0.0.2) submits greetings/submissions/accepted/greet.c by callback:"
"${team[@]}" submit --problem A --wait --timeout 120 assets/sample-contest/greetings/submissions/accepted/greet.c || true
cat <<TXT

The jury is serving https://$listen, certificate $fingerprint (Ctrl-C stops it).
Try, from other workstations:
  $bin/floorjudge-team --jury https://$listen --jury-fingerprint $fingerprint --source-ip 127.0.0.3 whoami
  $bin/floorjudge-team --jury https://$listen --jury-fingerprint $fingerprint --source-ip 127.0.0.6 login --team 5 --password PASSWORD
  $bin/floorjudge-team --jury https://$listen --jury-fingerprint $fingerprint --source-ip 127.0.0.7 pair   # then: ${jury[*]} team pair CODE 6
TXT
wait "$jury_pid"
