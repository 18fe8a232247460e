#!/usr/bin/env bash
# Starts the floorjudge demo contest on this machine: builds floorjudge,
# creates ./demo-contest from assets/sample-contest (once), hands out
# passwords to the teams without a pre-assigned IP, starts the contest clock
# and the jury server (with its embedded judgehost) on 127.0.0.1:8470, submits
# one solution from team 1's workstation (127.0.0.2), waits for its verdict,
# then opens team 1's kiosk window and the jury console beside it (when
# there is a display) and keeps the jury running until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
source installer/lib.sh
ensure_build_deps

# shows its progress: the first build takes minutes
cargo build --release -p floorjudge-server -p floorjudge-team -p floorjudge-app
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
# a jury member's account for the console window (once): its password is
# kept beside the contest, readable only by you
staff_pw_file="$contest/demo-jury-password"
if [ ! -f "$staff_pw_file" ]; then
  (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(12))' > "$staff_pw_file")
  "${jury[@]}" staff add judge --role jury < "$staff_pw_file"
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

# team 1's workstation: the command-line agent and the window share its
# state (session, kiosk key, callback folder), kept beside the contest
team1_state="$contest/workstation-127.0.0.2"
team=("$bin/floorjudge-team" --jury "https://$listen" --jury-fingerprint "$fingerprint" --source-ip 127.0.0.2 --callback-port 8471 --state-dir "$team1_state")
echo
echo "Team 1 (workstation 127.0.0.2) submits greetings/submissions/accepted/greet.c by callback:"
"${team[@]}" submit --problem A --wait --timeout 120 assets/sample-contest/greetings/submissions/accepted/greet.c || true
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo
  echo "Opening team 1's kiosk window (workstation 127.0.0.2; windowed: close it when done)."
  "$bin/floorjudge" team --jury "https://$listen" --jury-fingerprint "$fingerprint" \
    --source-ip 127.0.0.2 --callback-port 8471 --state-dir "$team1_state" &
  app_pid=$!
  echo "Opening the jury console beside it: log in as judge, password $(cat "$staff_pw_file")."
  "$bin/floorjudge" jury --connect "https://$listen" --jury-fingerprint "$fingerprint" &
  console_pid=$!
  trap 'kill $jury_pid $app_pid $console_pid 2>/dev/null || true' EXIT
else
  echo
  echo "No display (DISPLAY and WAYLAND_DISPLAY are unset): the kiosk window needs one, so this demo"
  echo "stays on the command line. On a desktop, run it again to see team 1's window."
fi
cat <<TXT

The jury is serving https://$listen, certificate $fingerprint (Ctrl-C stops it).
The jury console (log in as judge, password in $staff_pw_file):
  $bin/floorjudge jury --connect https://$listen --jury-fingerprint $fingerprint
Try, from other workstations (each window is its own kiosk):
  $bin/floorjudge team --jury https://$listen --jury-fingerprint $fingerprint --source-ip 127.0.0.3 --callback-port 8472
  $bin/floorjudge team --jury https://$listen --jury-fingerprint $fingerprint --source-ip 127.0.0.6 --callback-port 8473   # password or pairing
  $bin/floorjudge-team --jury https://$listen --jury-fingerprint $fingerprint --source-ip 127.0.0.3 whoami
  $bin/floorjudge-team --jury https://$listen --jury-fingerprint $fingerprint --source-ip 127.0.0.6 login --team 5 --password PASSWORD
  $bin/floorjudge-team --jury https://$listen --jury-fingerprint $fingerprint --source-ip 127.0.0.7 pair   # then: ${jury[*]} team pair CODE 6
TXT
wait "$jury_pid"
