#!/usr/bin/env bash
# What piboard sends to Moonraker while a job prints, per minute.
#
#   tests/perf/moonraker-live.sh [BINARY] [SECONDS] [-- EXTRA CONFIG LINES]
#
# Starts the counting fake Moonraker (tests/perf/moonraker_fake.py, on
# tornado: the Python of .ci/run's Moonraker venv, or $PYTHON) serving a
# printing printer, and the binary headless against it with a config of
# only `[moonraker] url` (every other setting at its default, so the
# transport is whatever the default is). After a 15 s warm-up (the first
# poll's metadata, thumbnail, history and temperature store) the fake's
# counts are reset; SECONDS later (150 by default) it prints the HTTP
# requests and websocket messages piboard sent, each per minute and by
# path or method. Extra lines after `--` go into `[moonraker]`, e.g.
# `transport = "http"`. Record what it prints, dated, in
# tests/perf/PERFORMANCE.md ("Moonraker live").
set -euo pipefail

bin=${1:-target/release/piboard}
secs=${2:-150}
shift $(( $# < 2 ? $# : 2 ))
[[ ${1:-} == -- ]] && shift
extra=$(printf '%s\n' "$@")
python=${PYTHON:-/opt/moonraker/bin/python}
[[ -x $bin ]] || { echo "no executable at $bin" >&2; exit 2; }
[[ -x $python ]] || { echo "no Python with tornado at $python (set PYTHON)" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
fake_pid="" pid=""
trap 'kill $pid $fake_pid 2>/dev/null || true; rm -rf "$work"' EXIT

"$python" "$here/moonraker_fake.py" --diffs 4 >"$work/fake.out" 2>"$work/fake.err" &
fake_pid=$!
port=""
for _ in $(seq 100); do
    port=$(awk '/^listening/ {print $2}' "$work/fake.out")
    [[ -n $port ]] && break
    sleep 0.1
done
[[ -n $port ]] || { echo "the fake never listened" >&2; cat "$work/fake.err" >&2; exit 1; }

printf '[moonraker]\nurl = "http://127.0.0.1:%s"\n%s\n' "$port" "$extra" >"$work/piboard.toml"
PIBOARD_LOG=info "$bin" --headless --no-server --config "$work/piboard.toml" 2>"$work/log" &
pid=$!
sleep 15
curl -sf "http://127.0.0.1:$port/_reset" >/dev/null
sleep "$secs"
curl -sf "http://127.0.0.1:$port/_counts" >"$work/counts.json"
"$python" - "$work/counts.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
m = c["seconds"] / 60
for kind, what in (("http", "HTTP requests"), ("ws", "websocket messages")):
    table = c[kind]
    print(f"{what:20s} {sum(table.values()) / m:7.1f} /min")
    for k, n in sorted(table.items(), key=lambda kv: -kv[1]):
        print(f"  {k:40s} {n / m:7.1f} /min  ({n} in {c['seconds']:.0f} s)")
EOF
