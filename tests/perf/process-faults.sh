#!/usr/bin/env bash
# Faults of the process itself (issue 19), against the real binary:
#
#   sudo tests/perf/process-faults.sh            # PIBOARD_BIN=target/release/piboard
#
#   1. kill -9 at random points: N starts (PIBOARD_KILLS, 20), each killed
#      after a random 0-5 s (one in four within its first 250 ms, so some
#      die in start-up; the rest between or during polls) and
#      started again at once, as systemd's Restart=on-failure does after its
#      RestartSec; the time from exec to the first frame of each start
#      against the budget (ARCHITECTURE.md, "Performance budgets"); the
#      config's directory and the working directory byte-identical after,
#      and the last start reaching every source ok.
#   2. writes nothing: 30 s under strace (polls, a screenshot, an
#      /api/events client), every file it opens for writing and every
#      descriptor it writes to, classified; then, if tmpfs can be mounted,
#      a run with its cwd, HOME, TMPDIR and config on a tmpfs filled to 100 %.
#   3. a DNS name that resolves differently mid-run: in a private mount
#      namespace, /etc/hosts bind-mounted from a file that maps
#      prom.piboard.test to 127.0.0.2, then (rewritten in place) to
#      127.0.0.3, with a real Prometheus on each address; how long until
#      /api/status shows the second one.
#   4. the wall clock stepping +90 days then -90 days under libfaketime
#      (CLOCK_REALTIME only, as NTP steps it): alive, healthy, polling, sane
#      ages.
#
# Needs root (mount, unshare), Debian's prometheus, strace, faketime, curl,
# jq and python3. Not run in CI. Each check prints PASS or FAIL with its
# figure; the figures table comes last; exit status 1 on any FAIL.
set -euo pipefail

bin=${PIBOARD_BIN:-target/release/piboard}
kills=${PIBOARD_KILLS:-20}
budget_ms=${PIBOARD_FIRST_FRAME_BUDGET_MS:-300}
prometheus=${PIBOARD_PROMETHEUS:-/usr/bin/prometheus}
libfaketime=${PIBOARD_LIBFAKETIME:-/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1}

die() { echo "process-faults: $*" >&2; exit 2; }

# The inner half of check 3, run by the script itself inside `unshare`.
if [[ ${1:-} == --dns-inner ]]; then
    inner=1
else
    inner=0
    [[ -x $bin ]] || die "no executable at $bin (cargo build --release, or PIBOARD_BIN=target/debug/piboard)"
    [[ $(id -u) == 0 ]] || die "run as root (mount, unshare)"
    for tool in curl jq python3 strace "$prometheus"; do
        command -v "$tool" >/dev/null || die "missing $tool (apt-get install curl jq strace prometheus)"
    done
fi
bin=$(realpath "$bin")
export PIBOARD_BIN=$bin
script=$(realpath "$0")

if [[ $inner == 0 ]]; then
    work=$(mktemp -d /tmp/piboard-faults.XXXXXX)
else
    work=$2
fi
pids=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill -9 "$p" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    if [[ $inner == 0 ]]; then
        if mountpoint -q "$work/full" 2>/dev/null; then umount "$work/full" || true; fi
        rm -rf "$work"
    fi
}
trap cleanup EXIT

results=()
failed=0
record() { # NAME PASS|FAIL|SKIP FIGURE
    results+=("$(printf '%-34s %-4s %s' "$1" "$2" "$3")")
    echo "$2: $1: $3"
    [[ $2 != FAIL ]] || failed=1
}

free_port() {
    python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "${1:-127.0.0.1}"
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# A log line's own timestamp (tracing's RFC 3339, UTC) in ms.
stamp_ms() { echo $(( $(date -d "$1" +%s%N) / 1000000 )); }

# Waits up to $3 seconds for pattern $1 in file $2.
wait_log() {
    local deadline=$(( $(date +%s) + $3 ))
    until grep -q -- "$1" "$2" 2>/dev/null; do
        (( $(date +%s) < deadline )) || return 1
        sleep 0.05
    done
}

# A real Prometheus scraping itself every second: NAME ADDR:PORT.
start_prometheus() {
    local name=$1 addr=$2 dir=$work/$1
    mkdir -p "$dir"
    cat >"$dir/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: self
    static_configs:
      - targets: ["$addr"]
EOF
    "$prometheus" --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
        --web.listen-address="$addr" --log.level=warn >"$dir/log" 2>&1 &
    pids+=($!)
    local i
    for i in $(seq 100); do
        if curl -sf --max-time 1 "http://$addr/api/v1/query?query=up" | grep -q '"value"'; then
            return 0
        fi
        sleep 0.2
    done
    die "$name on $addr never answered with a sample: $(tail -5 "$dir/log")"
}

# piboard's config: Prometheus at URL, its `up` as a tile labelled by
# instance (so /api/status says which server answered).
write_config() { # FILE URL
    cat >"$1" <<EOF
[prometheus]
url = "$2"
poll_interval_secs = 5
timeout_secs = 2
lost_after = 2

[[services]]
name = "Self"
target = "http://127.0.0.1:1/"

[[tiles]]
name = "Prometheus up"
query = 'up'
label = "instance"
EOF
}

# Starts piboard as the unit does (PIBOARD_LOG=info, --config), headless
# on a loopback port, in the directory $pb_cwd (default: here):
# LOG CONFIG PORT [ENV=VALUE...]; sets pb_pid and pb_exec_ms.
start_piboard() {
    local log=$1 config=$2 port=$3
    shift 3
    pb_exec_ms=$(now_ms)
    (cd "${pb_cwd:-.}" && exec env PIBOARD_LOG=info "$@" "$bin" --headless \
        --listen "127.0.0.1:$port" --config "$config" >/dev/null 2>"$log") &
    pb_pid=$!
    pids+=("$pb_pid")
}

stop_piboard() {
    kill -TERM "$pb_pid" 2>/dev/null || true
    wait "$pb_pid" 2>/dev/null || true
}

status() { curl -sf --max-time 2 "http://127.0.0.1:$1/api/status"; }

# Every source ok in /api/status on PORT (prints nothing).
all_ok() {
    status "$1" | jq -e '(.sources | length) > 0 and all(.sources[]; .state == "ok")' >/dev/null 2>&1
}

# Waits up to $2 s for all_ok on port $1; prints the seconds it took.
wait_all_ok() {
    local start deadline
    start=$(now_ms)
    deadline=$(( start + $2 * 1000 ))
    until all_ok "$1"; do
        (( $(now_ms) < deadline )) || return 1
        sleep 0.1
    done
    echo $(( $(now_ms) - start ))
}

# A directory's fingerprint: every entry's path, mode, size, mtime and, for
# files, its sha256.
fingerprint() {
    (cd "$1" && find . -printf '%p %M %s %T@\n' | sort && find . -type f -exec sha256sum {} + | sort)
}

dns_inner() {
    local hosts=$work/hosts port pbport log
    printf '127.0.0.1 localhost\n127.0.0.2 prom.piboard.test\n' >"$hosts"
    mount --bind "$hosts" /etc/hosts
    getent hosts prom.piboard.test | grep -q '^127.0.0.2 ' || die "the bind-mounted /etc/hosts is not read"
    port=$(free_port 127.0.0.2)
    start_prometheus prom-a "127.0.0.2:$port"
    start_prometheus prom-b "127.0.0.3:$port"
    pbport=$(free_port)
    log=$work/dns.log
    write_config "$work/dns.toml" "http://prom.piboard.test:$port"
    start_piboard "$log" "$work/dns.toml" "$pbport"
    local label='.tiles[0].series[]?.label'
    local i seen=""
    for i in $(seq 150); do
        seen=$(status "$pbport" | jq -r "$label" 2>/dev/null | head -1) || true
        [[ $seen == "127.0.0.2:$port" ]] && break
        sleep 0.2
    done
    [[ $seen == "127.0.0.2:$port" ]] || die "piboard never showed the first server (saw '$seen'): $(tail -5 "$log")"
    # The new answer, written in place: a bind mount of a file follows
    # its inode, not a rename.
    printf '127.0.0.1 localhost\n127.0.0.3 prom.piboard.test\n' >"$hosts"
    getent hosts prom.piboard.test | grep -q '^127.0.0.3 ' || die "the rewritten /etc/hosts is not read"
    local changed switched="" limit=${PIBOARD_DNS_WAIT_SECS:-130}
    changed=$(now_ms)
    local deadline=$(( changed + limit * 1000 ))
    while (( $(now_ms) < deadline )); do
        seen=$(status "$pbport" | jq -r "$label" 2>/dev/null | head -1) || true
        if [[ $seen == "127.0.0.3:$port" ]]; then
            switched=$(( $(now_ms) - changed ))
            break
        fi
        sleep 0.2
    done
    local conns
    conns=$(ss -tnpH state established "( dport = :$port )" 2>/dev/null | grep -c "pid=$pb_pid," || true)
    if [[ -n $switched ]]; then
        echo "DNS_SWITCH_MS=$switched"
    else
        echo "DNS_SWITCH_MS=never"
        echo "DNS_NOTE=still on 127.0.0.2 after ${limit} s; piboard's connections to :$port: $conns"
        # Then the old server goes away: its connections close, the next
        # connection asks the resolver again.
        kill -9 "${pids[0]}" 2>/dev/null || true
        local gone
        gone=$(now_ms)
        deadline=$(( gone + 60000 ))
        while (( $(now_ms) < deadline )); do
            seen=$(status "$pbport" | jq -r "$label" 2>/dev/null | head -1) || true
            if [[ $seen == "127.0.0.3:$port" ]]; then
                echo "DNS_AFTER_OLD_GONE_MS=$(( $(now_ms) - gone ))"
                break
            fi
            sleep 0.2
        done
    fi
    stop_piboard
}

if [[ $inner == 1 ]]; then
    dns_inner
    exit 0
fi

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "binary:  $bin ($(du -h "$bin" | cut -f1))"
echo "work:    $work"

prom_port=$(free_port)
start_prometheus prom "127.0.0.1:$prom_port"
mkdir -p "$work/etc" "$work/cwd"
config=$work/etc/piboard.toml
write_config "$config" "http://127.0.0.1:$prom_port"

# ---------------------------------------------------------------- 1. kill -9
echo "== 1. kill -9 at random points ($kills times)"
before_etc=$(fingerprint "$work/etc")
before_cwd=$(fingerprint "$work/cwd")
port=$(free_port)
firsts=()
early=0
late=0
for i in $(seq "$kills"); do
    log=$work/kill-$i.log
    # One kill in four within the first 40 ms (start-up: the release
    # binary draws its first frame in about 25 ms), the others anywhere in
    # 0-5 s.
    if (( i % 4 == 1 )); then
        delay_ms=$(( RANDOM % 40 ))
    else
        delay_ms=$(( RANDOM % 5001 ))
    fi
    pb_cwd=$work/cwd start_piboard "$log" "$config" "$port"
    launched=$pb_exec_ms
    # The time already spent since exec counts towards the delay.
    left_ms=$(( delay_ms - ($(now_ms) - launched) ))
    if (( left_ms > 0 )); then
        sleep "$(printf '%d.%03d' $(( left_ms / 1000 )) $(( left_ms % 1000 )))"
    fi
    killed_ms=$(( $(now_ms) - launched ))
    kill -9 "$pb_pid" 2>/dev/null || true
    wait "$pb_pid" 2>/dev/null || true
    line=$(grep -m1 'first frame drawn' "$log" || true)
    if [[ -n $line ]]; then
        first=$(( $(stamp_ms "$(cut -d' ' -f1 <<<"$line")") - launched ))
        firsts+=("$first")
        late=$((late + 1))
        echo "  start $i: killed ${killed_ms} ms after exec, its first frame ${first} ms after exec"
    else
        early=$((early + 1))
        echo "  start $i: killed ${killed_ms} ms after exec, before its first frame"
    fi
done
# The restart after the last kill runs on: first frame, then every source ok.
log=$work/kill-final.log
pb_cwd=$work/cwd start_piboard "$log" "$config" "$port"
launched=$pb_exec_ms
wait_log 'first frame drawn' "$log" 20 || die "the last restart drew no frame: $(tail -5 "$log")"
line=$(grep -m1 'first frame drawn' "$log")
first=$(( $(stamp_ms "$(cut -d' ' -f1 <<<"$line")") - launched ))
firsts+=("$first")
ok_ms=$(wait_all_ok "$port" 30) || ok_ms=never
health=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/health")
kill -9 "$pb_pid"
wait "$pb_pid" 2>/dev/null || true
after_etc=$(fingerprint "$work/etc")
after_cwd=$(fingerprint "$work/cwd")
sorted=$(printf '%s\n' "${firsts[@]}" | sort -n)
n=${#firsts[@]}
min=$(head -1 <<<"$sorted")
max=$(tail -1 <<<"$sorted")
median=$(sed -n "$(( (n + 1) / 2 ))p" <<<"$sorted")
figure="$kills kills ($early before the first frame, $late after); first frame after exec over $n starts: min $min / median $median / max $max ms (budget $budget_ms); last restart: every source ok ${ok_ms} ms after its first frame, /api/health $health"
if (( max < budget_ms )) && [[ $ok_ms != never && $health == 200 ]]; then
    record "kill -9 and restart" PASS "$figure"
else
    record "kill -9 and restart" FAIL "$figure"
fi
if [[ $before_etc == "$after_etc" && $before_cwd == "$after_cwd" && -z $(find "$work/cwd" -mindepth 1) ]]; then
    record "no state on disk after kill -9" PASS "config dir and cwd byte-identical ($(wc -l <<<"$before_etc") entries), cwd empty"
else
    record "no state on disk after kill -9" FAIL "$(diff <(echo "$before_etc") <(echo "$after_etc") | head -5) $(find "$work/cwd" -mindepth 1 | head -5)"
fi

# ---------------------------------------------------------- 2. writes nothing
echo "== 2. writes nothing (30 s under strace)"
trace=$work/strace.log
port=$(free_port)
(
    cd "$work/cwd"
    exec env PIBOARD_LOG=info strace -f -y -s 16 -o "$trace" \
        -e trace=open,openat,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,truncate,ftruncate,write,writev,pwrite64,pwritev,pwritev2 \
        "$bin" --headless --listen "127.0.0.1:$port" --config "$config" >/dev/null 2>"$work/strace-piboard.log"
) &
strace_pid=$!
pids+=("$strace_pid")
wait_log 'first frame drawn' "$work/strace-piboard.log" 30 || die "no frame under strace: $(tail -5 "$work/strace-piboard.log")"
timeout 12 curl -sN "http://127.0.0.1:$port/api/events" >"$work/events.txt" 2>/dev/null &
events_pid=$!
sleep 5
shot=$(curl -s -o "$work/shot.png" -w '%{http_code}' "http://127.0.0.1:$port/screenshot.png")
sleep 25
ok_trace=$(all_ok "$port" && echo yes || echo no)
wait "$events_pid" 2>/dev/null || true
events=$(grep -c '^event: status' "$work/events.txt" || true)
pb_pid=$(pgrep -P "$strace_pid" -n) || pb_pid=""
[[ -n $pb_pid ]] && kill -TERM "$pb_pid" 2>/dev/null
wait "$strace_pid" 2>/dev/null || true
# Opens for writing: O_WRONLY, O_RDWR, O_CREAT or O_TRUNC, successful.
opened_w=$(grep -E 'open(at)?\(' "$trace" | grep -E 'O_WRONLY|O_RDWR|O_CREAT|O_TRUNC' | grep -v '= -1' |
    grep -oE '"[^"]*"' | sort | uniq -c | sort -rn || true)
other_w=$(grep -E '(creat|mkdir|mkdirat|rename|renameat|renameat2|unlink|unlinkat|truncate|ftruncate)\(' "$trace" || true)
# Descriptors written to, by kind (strace -y names each).
written=$(grep -oE '(write|writev|pwrite64|pwritev|pwritev2)\([0-9]+<[^>]*>' "$trace" | sed -E 's/^[a-z0-9]+\([0-9]+<//; s/>$//' |
    sed -E 's/^(socket|pipe|anon_inode|TCP|UDP|UNIX|TCPv6|UDPv6|NETLINK):.*/\1:/; s/^anon_inode:.*/anon_inode:/' |
    sort | uniq -c | sort -rn)
indent() { while IFS= read -r l; do echo "    $l"; done; }
echo "  files opened for writing:"; indent <<<"${opened_w:-(none)}"
echo "  descriptors written to:"; indent <<<"$written"
echo "  create/mkdir/rename/unlink/truncate calls: $(grep -c . <<<"$other_w" || true)"
# Allowed: /dev/null, the DRI and TTY devices, and the log on stderr.
bad_open=$(grep -oE '"[^"]*"' <<<"$opened_w" | tr -d '"' | grep -vE '^(/dev/null|/dev/dri/.*|/dev/tty.*)$' || true)
bad_write=$(awk '{print $2}' <<<"$written" | grep -vE "^(socket:|pipe:|anon_inode:|TCP:|UDP:|UNIX:|TCPv6:|UDPv6:|NETLINK:|/dev/null|/dev/pts/.*|$work/strace-piboard.log)$" || true)
n_writes=$(awk '{s += $1} END {print s + 0}' <<<"$written")
figure="$n_writes writes: $(awk '{printf "%s %s, ", $1, $2}' <<<"$written" | sed 's/, $//'); files opened for writing: ${bad_open:-none besides /dev/null, /dev/dri, ttys}; create/mkdir/rename/unlink/truncate: $(grep -c . <<<"$other_w" || true); screenshot $shot, $events SSE events, sources ok: $ok_trace"
if [[ -z $bad_open && -z $bad_write && -z $other_w && $shot == 200 && $events -ge 1 && $ok_trace == yes ]]; then
    record "writes nothing (strace, 30 s)" PASS "$figure"
else
    record "writes nothing (strace, 30 s)" FAIL "$figure; unexpected: ${bad_open} ${bad_write} $(head -3 <<<"$other_w")"
fi

echo "== 2b. a full disk (tmpfs at 100 %)"
mkdir -p "$work/full"
if mount -t tmpfs -o size=1m,mode=0755 tmpfs "$work/full" 2>"$work/mount.err"; then
    mkdir -p "$work/full/etc"
    write_config "$work/full/etc/piboard.toml" "http://127.0.0.1:$prom_port"
    dd if=/dev/zero of="$work/full/fill" bs=4k 2>"$work/dd.err" || true
    grep -q 'No space left' "$work/dd.err" || die "dd did not fill the tmpfs: $(cat "$work/dd.err")"
    use=$(df --output=pcent "$work/full" | tail -1 | tr -d ' ')
    if echo probe 2>/dev/null >"$work/full/probe"; then full_write=yes; else full_write=no; fi
    port=$(free_port)
    pb_cwd=$work/full start_piboard "$work/full.log" "$work/full/etc/piboard.toml" "$port" \
        HOME="$work/full" TMPDIR="$work/full" XDG_CACHE_HOME="$work/full"
    full_ok=$(wait_all_ok "$port" 30) || full_ok=never
    sleep 11
    full_still=$(all_ok "$port" && echo yes || echo no)
    health=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/health")
    shot=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/screenshot.png")
    polls=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^piboard_poll_duration_seconds_count/ {s += $2} END {print s + 0}')
    kill -TERM "$pb_pid"; wait "$pb_pid" 2>/dev/null || true
    figure="tmpfs $use used, a write there fails: $([[ $full_write == no ]] && echo yes || echo NO); every source ok ${full_ok} ms after exec and still 11 s later: $full_still; /api/health $health, screenshot $shot, $polls polls"
    if [[ $full_write == no && $full_ok != never && $full_still == yes && $health == 200 && $shot == 200 ]] && (( polls >= 2 )); then
        record "full disk" PASS "$figure"
    else
        record "full disk" FAIL "$figure"
    fi
    umount "$work/full"
else
    record "full disk" SKIP "mount -t tmpfs refused: $(head -1 "$work/mount.err")"
fi

# ------------------------------------------------------------------ 3. DNS
echo "== 3. a DNS name that resolves differently mid-run"
if unshare --mount --propagation private true 2>"$work/unshare.err"; then
    mkdir -p "$work/dns"
    unshare --mount --propagation private "$script" --dns-inner "$work/dns" >"$work/dns.out" 2>"$work/dns.err" || true
    cat "$work/dns.out"
    switch=$(sed -n 's/^DNS_SWITCH_MS=//p' "$work/dns.out")
    if [[ -z $switch ]]; then
        record "DNS answer changes mid-run" FAIL "no figure: $(tail -3 "$work/dns.err")"
    elif [[ $switch == never ]]; then
        record "DNS answer changes mid-run" FAIL "$(sed -n 's/^DNS_NOTE=//p' "$work/dns.out"); once the old server was killed: $(sed -n 's/^DNS_AFTER_OLD_GONE_MS=//p' "$work/dns.out") ms"
    else
        record "DNS answer changes mid-run" PASS "the second server's data on /api/status ${switch} ms after /etc/hosts changed (poll interval 5 s)"
    fi
else
    record "DNS answer changes mid-run" SKIP "unshare --mount refused: $(head -1 "$work/unshare.err")"
fi

# ----------------------------------------------------------- 4. clock steps
echo "== 4. the wall clock steps +90 d, then -90 d (libfaketime)"
if [[ -f $libfaketime ]]; then
    stampfile=$work/faketime
    echo "+0" >"$stampfile"
    port=$(free_port)
    start_piboard "$work/faketime.log" "$config" "$port" \
        LD_PRELOAD="$libfaketime" FAKETIME_TIMESTAMP_FILE="$stampfile" FAKETIME_NO_CACHE=1 \
        FAKETIME_DONT_FAKE_MONOTONIC=1
    wait_all_ok "$port" 30 >/dev/null || die "no sources ok under libfaketime: $(tail -5 "$work/faketime.log")"
    polls() { curl -s "http://127.0.0.1:$port/metrics" | awk '/^piboard_poll_duration_seconds_count/ {s += $2} END {print s + 0}'; }
    snapshot() { # LABEL: sets snap_line (the figures) and snap_ok
        local s h
        s=$(status "$port") || s='{}'
        h=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/api/health")
        local date age states
        date=$(jq -r '.header.date + " " + .header.clock' <<<"$s")
        age=$(jq -r '[.sources[].data_age_s] | max' <<<"$s")
        states=$(jq -r '[.sources[].state] | join(",")' <<<"$s")
        snap_ok=0
        if [[ $h == 200 && $states == ok && $age != null ]] && (( age <= 15 )) && kill -0 "$pb_pid"; then snap_ok=1; fi
        snap_line="$1: screen says $date, /api/health $h, sources $states, oldest data ${age} s, polls $(polls)"
        echo "  $snap_line"
    }
    snapshot "before"
    base_date=$(status "$port" | jq -r '.header.date')
    fails=0
    lines=()
    for step in "+90d" "+0"; do
        echo "$step" >"$stampfile"
        t0=$(now_ms)
        # /api/health every 100 ms for 3 s after the step.
        bad_health=0
        for _ in $(seq 30); do
            h=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/api/health")
            [[ $h == 200 ]] || bad_health=$((bad_health + 1))
            sleep 0.1
        done
        snapshot "3 s after the step to $step"
        recover=$(wait_all_ok "$port" 20) || recover=never
        [[ $recover == never ]] || recover=$(( $(now_ms) - t0 ))
        polls_before=$(polls)
        sleep 11
        snapshot "14 s after the step to $step"
        date_now=$(status "$port" | jq -r '.header.date')
        if [[ $step == +0 ]]; then
            [[ $date_now == "$base_date" ]] || fails=$((fails + 1))
        else
            [[ $date_now != "$base_date" ]] || fails=$((fails + 1))
        fi
        (( snap_ok == 1 )) || fails=$((fails + 1))
        (( bad_health == 0 )) || fails=$((fails + 1))
        (( $(polls) > polls_before )) || fails=$((fails + 1))
        lines+=("to $step: screen date $date_now, /api/health non-200 $bad_health of 30 samples, sources ok ${recover} ms after")
    done
    if (( fails == 0 )); then
        record "clock steps (libfaketime)" PASS "$base_date -> ${lines[*]}; alive, polls went on"
    else
        record "clock steps (libfaketime)" FAIL "$fails failed checks; $base_date -> ${lines[*]}"
    fi
    stop_piboard
else
    record "clock steps (libfaketime)" SKIP "no $libfaketime (apt-get install faketime)"
fi

echo
echo "== figures ($(date -u +%Y-%m-%dT%H:%MZ), $bin)"
printf '%s\n' "${results[@]}"
exit "$failed"
