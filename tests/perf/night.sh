#!/usr/bin/env bash
# The demo's night, measured: what piboard costs while its display sleeps.
#
#   tests/perf/night.sh [BINARY] [SECONDS]
#
# Runs `--demo --headless` (the real app: hub, demo timeline, :8080 server,
# the software renderer drawing into memory) for SECONDS (720 by default:
# two of the demo's six-minute day-and-night cycles, so about four minutes
# of it asleep) and samples it once a second: the display's state
# (/api/status `display.state`), frames drawn (/metrics
# `piboard_frames_drawn_total`) and CPU time (utime + stime of the process,
# /proc/PID/stat). Each second's frames and CPU go to the state it began in;
# it prints the totals per state, and the wake latency of each wake by the
# demo's trouble: from the hub's "woken by the data" log line to the
# headless platform's "lit again: first frame drawn" (both timestamped by
# the process). Record what it prints, dated, in tests/perf/PERFORMANCE.md.
set -euo pipefail

bin=${1:-target/release/piboard}
secs=${2:-720}
[[ -x $bin ]] || { echo "no executable at $bin" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

# PIBOARD_NIGHT_ARGS replaces `--demo`, e.g. "--config night.toml" for a
# config whose quiet hours cover the whole run (a night of real polling).
# shellcheck disable=SC2086
PIBOARD_LOG=info "$bin" ${PIBOARD_NIGHT_ARGS:---demo} --headless --listen 127.0.0.1:0 2>"$work/log" &
pid=$!
addr=""
for _ in $(seq 100); do
    addr=$(grep -o 'listening on http://[0-9.:]*' "$work/log" | head -1 | sed 's|listening on http://||') || true
    [[ -n $addr ]] && break
    sleep 0.1
done
[[ -n $addr ]] || { echo "the server never said where it listens" >&2; cat "$work/log" >&2; exit 1; }

tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
frames() { curl -sf "http://$addr/metrics" | awk '/^piboard_frames_drawn_total/ {print $2}'; }
state() { curl -sf "http://$addr/api/status" | jq -r .display.state; }

: >"$work/samples"
for _ in $(seq "$secs"); do
    echo "$(state) $(frames) $(cpu_ticks)" >>"$work/samples"
    sleep 1
done

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "binary:  $bin ($(du -h "$bin" | cut -f1)); $secs s of ${PIBOARD_NIGHT_ARGS:---demo} --headless, sampled every second"
awk -v tck="$tck" '
    NR > 1 {
        n[prev]++; f[prev] += $2 - pf; c[prev] += ($3 - pc) / tck
    }
    { prev = $1; pf = $2; pc = $3 }
    END {
        for (s in n)
            printf "%-4s %4d s  frames %5d  cpu %6.2f s (%5.2f %% of one core)\n", s, n[s], f[s], c[s], 100 * c[s] / n[s]
    }' "$work/samples" | sort
# Each "lit again" against the wake just before it.
awk '
    /woken by the data|a touch woke the screen/ { wake = $1 }
    /lit again: first frame drawn/ { print (wake == "" ? $1 : wake), $1; wake = "" }
' "$work/log" | while read -r woke lit; do
    us=$(( ($(date -d "$lit" +%s%N) - $(date -d "$woke" +%s%N)) / 1000 ))
    if (( us > 2000000 )); then
        echo "lit at $lit by the end of quiet hours (no event)"
    else
        echo "wake: $us us from the event to the first frame ($woke)"
    fi
done
