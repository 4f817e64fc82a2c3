#!/usr/bin/env bash
# What piboard sends to Moonraker while a job prints, per minute.
#
#   tests/perf/moonraker-live.sh [BINARY] [SECONDS] [-- EXTRA CONFIG LINES]
#
# Starts the counting fake Moonraker (tests/perf/moonraker_fake.py, on
# tornado: the Python of .ci/run's Moonraker venv, or $PYTHON) serving a
# printing printer, and the binary headless against it with a config of
# only `[moonraker] url` (every other setting at its default, so the
# transport is whatever the default is). It prints what piboard sent in a
# 15 s warm-up (the connection, the file's metadata and thumbnail, the job
# history and temperature store), resets the fake's counts, and prints
# what piboard sent in the next SECONDS (150 by default): HTTP requests
# and websocket messages, each per minute and by path or method. Extra lines after `--` go into `[moonraker]`, e.g.
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
curl -sf "http://127.0.0.1:$port/_counts" >"$work/warm-up.json"
curl -sf "http://127.0.0.1:$port/_reset" >/dev/null
sleep "$secs"
curl -sf "http://127.0.0.1:$port/_counts" >"$work/counts.json"
"$python" - "$work/warm-up.json" "$work/counts.json" <<'EOF'
import json, sys
for label, path in (("warm-up", sys.argv[1]), ("then", sys.argv[2])):
    c = json.load(open(path))
    m = c["seconds"] / 60
    print(f"{label}: {c['seconds']:.0f} s")
    for kind, what in (("http", "HTTP requests"), ("ws", "websocket messages")):
        table = c[kind]
        print(f"  {what:20s} {sum(table.values()) / m:7.1f} /min")
        for k, n in sorted(table.items(), key=lambda kv: -kv[1]):
            print(f"    {k:40s} {n / m:7.1f} /min  ({n} in {c['seconds']:.0f} s)")
EOF
