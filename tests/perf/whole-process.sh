#!/usr/bin/env bash
# Whole-process figures for piboard, with public tools only (GNU time, curl).
#
#   tests/perf/whole-process.sh [BINARY] [SECONDS]
#
# Runs the binary headless (the real app: hub, demo timeline, :8080 server,
# Slint software renderer drawing into memory) twice for SECONDS each (60 by
# default):
#   live  `--demo`          the demo timeline, data changing every 2 s;
#   idle  `--demo --at 30`  a frozen frame: nothing changes, nothing redraws.
# and prints, for each: frames drawn (from its own /metrics), CPU seconds and
# peak RSS (from /usr/bin/time -v), and the time from exec (and from main())
# to the first frame (from its log's timestamps).
# Record what it prints, dated, in tests/perf/PERFORMANCE.md.
set -euo pipefail

bin=${1:-target/release/piboard}
secs=${2:-60}
[[ -x $bin ]] || { echo "no executable at $bin (cargo build --release first)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() {
    local label=$1
    shift
    local log=$work/$label.log times=$work/$label.time
    local launched
    launched=$(date +%s%N)
    PIBOARD_LOG=info /usr/bin/time -v -o "$times" \
        "$bin" --headless --listen 127.0.0.1:0 "$@" 2>"$log" &
    local pid=$!
    local addr=""
    for _ in $(seq 100); do
        addr=$(grep -o 'listening on http://[0-9.:]*' "$log" | head -1 | sed 's|listening on http://||') || true
        [[ -n $addr ]] && break
        sleep 0.1
    done
    [[ -n $addr ]] || { echo "$label: the server never said where it listens" >&2; cat "$log" >&2; exit 1; }
    sleep "$secs"
    local frames
    frames=$(curl -sf "http://$addr/metrics" | awk '/^piboard_frames_drawn_total/ {print $2}')
    # GNU time's child is piboard; stop piboard, then time reports.
    pkill -TERM -P "$pid" || true
    wait "$pid" || true
    local user sys rss first
    user=$(awk -F': ' '/User time/ {print $2}' "$times")
    sys=$(awk -F': ' '/System time/ {print $2}' "$times")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$times")
    first=$(grep -o "since_start_ms=[0-9]*" "$log" | head -1 | cut -d= -f2) || first="?"
    # From exec: the log line's own timestamp against the moment before the
    # launch (so dynamic loading and everything before main() count too).
    local stamp exec_ms="?"
    stamp=$(grep -m1 "first frame drawn" "$log" | cut -d' ' -f1) || stamp=""
    if [[ -n $stamp ]]; then
        exec_ms=$(( ($(date -d "$stamp" +%s%N) - launched) / 1000000 ))
    fi
    awk -v l="$label" -v s="$secs" -v f="$frames" -v u="$user" -v y="$sys" -v r="$rss" -v ff="$first" -v fe="$exec_ms" 'BEGIN {
        cpu = u + y
        printf "%-5s %4d s  frames %5d  cpu %6.2f s (%5.2f %% of one core)  peak RSS %6.1f MB  first frame %s ms from exec (%s ms from main)\n",
            l, s, f, cpu, 100 * cpu / s, r / 1024, fe, ff
    }'
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "binary:  $bin ($(du -h "$bin" | cut -f1))"
measure live --demo
measure idle --demo --at 30
