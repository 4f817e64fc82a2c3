#!/usr/bin/env bash
# The endurance run of issue 19, with its figures and its plot.
#
#   tests/perf/endurance.sh [SECONDS]
#   tests/perf/endurance.sh --plot     # plot OUT/endurance.csv again
#
# Runs tests/endurance.rs (the release binary, every source polled each
# second against loopback servers cycling through every fault, websocket
# drops, Alertmanager silences, config reloads, taps, sleep and wake, event
# stream clients) for SECONDS (3600 by default), then plots the live heap
# and the resident size over the run, with the least-squares line of the
# heap over its last 80 %, to OUT/endurance.png (OUT: PIBOARD_ENDURANCE_OUT,
# default target/endurance). Prints the events covered and the memory
# figures (OUT/endurance.md); the samples are OUT/endurance.csv. Exits
# non-zero when the run fails (a budget exceeded, a source not back, a
# crash). Needs Debian's prometheus-alertmanager and gnuplot (installed
# when missing and run as root).
set -euo pipefail
cd "$(dirname "$0")/../.."

secs=${1:-3600}
out=${PIBOARD_ENDURANCE_OUT:-$PWD/target/endurance}
mkdir -p "$out"

need=()
[[ -x /usr/bin/prometheus-alertmanager ]] || need+=(prometheus-alertmanager)
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
if (( ${#need[@]} )); then
    if [[ $(id -u) -eq 0 ]]; then
        apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    else
        echo "missing: ${need[*]} (apt-get install them, or run as root)" >&2
        exit 2
    fi
fi

plot() {
    gnuplot <<GNUPLOT || { echo "gnuplot failed: no plot" >&2; return 0; }
set datafile separator ","
set terminal pngcairo size 1000,560 font "DejaVu Sans,10"
set output "$out/endurance.png"
stats "$out/endurance.csv" using 1 nooutput
tmax = STATS_max
from = 0.2 * tmax
a = 0.001; b = 4
f(x) = a * x + b
set fit quiet logfile "/dev/null"
fit [from/60:tmax/60] f(x) "$out/endurance.csv" using (\$1/60):(\$2/1048576) via a, b
set title sprintf("piboard endurance: %.0f min; live heap slope over the last 80 %%: %+.0f KiB/h", tmax/60, a*60*1024)
set xlabel "minutes"
set ylabel "MiB"
set key right center box opaque
set grid
set yrange [0:*]
set arrow from from/60, graph 0 to from/60, graph 1 nohead dashtype 2 lc rgb "#888888"
set label "warm-up | last 80 %" at from/60, graph 0.5 offset 1,0 tc rgb "#666666"
plot "$out/endurance.csv" using (\$1/60):(\$5/1048576) with lines lw 2 lc rgb "#d9822b" title "resident (VmRSS)", \
     "" using (\$1/60):(\$2/1048576) with lines lw 2 lc rgb "#2b7bd9" title "live heap (counting allocator)", \
     [from/60:tmax/60] f(x) with lines lw 1 dashtype 3 lc rgb "#000000" title "heap: least-squares line"
GNUPLOT
    echo "plot: $out/endurance.png"
}

if [[ $secs == --plot ]]; then
    [[ -s $out/endurance.csv ]] || { echo "no $out/endurance.csv to plot" >&2; exit 2; }
    plot
    exit 0
fi

echo "endurance: ${secs} s; figures and plot in $out"
set +e
PIBOARD_ENDURANCE_SECS=$secs PIBOARD_ENDURANCE_OUT=$out \
    cargo test --release --locked --test endurance -- --ignored --nocapture 2>&1 | tee "$out/run.log"
status=${PIPESTATUS[0]}
set -e

[[ -s $out/endurance.csv ]] && plot
[[ -f $out/endurance.md ]] && cat "$out/endurance.md"
exit "$status"
