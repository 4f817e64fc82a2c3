#!/usr/bin/env bash
# Deploys piboard to a Pi prepared by deploy/setup-pi.sh:
#   deploy/deploy.sh [--force] [--no-build] [--dry-run] [--config FILE] HOST
#   deploy/deploy.sh --rollback HOST
# Asks the Pi which binary it runs (64-bit or 32-bit Raspberry Pi OS), builds
# that one if it is missing or older than the sources (cross/build-aarch64.sh
# or cross/build-armv7.sh), copies the binary, config and unit with scp,
# installs them (the previous binary kept as piboard.previous), checks the
# config with the new binary, restarts the service and waits for
# http://HOST:8080/api/health to answer. When only the config changed (the
# binary on the Pi has the same sha256 and the unit file is the same), it
# installs the config and reloads instead (`systemctl reload`: SIGHUP, no
# black frame, no lost history).
# If the new binary does not answer in time, the
# deploy undoes itself: the previous binary goes back, is restarted and
# waited for, and deploy.sh exits 1 saying so and where the new binary's
# log is.
#   --force     replace the config on the Pi (by default an existing one is kept)
#   --rollback  put piboard.previous back, restart, wait for health
#   --no-build  use the binary as it is
#   --dry-run   print what would be done, touch nothing (it still asks the Pi
#               its architecture, unless PIBOARD_BIN or PIBOARD_ARCH is set)
# HOST is what ssh takes (pi@192.168.86.131, or a Host from ~/.ssh/config).
# Environment (defaults in brackets):
#   PIBOARD_BIN            binary to deploy [target/<the Pi's target>/release/piboard]
#   PIBOARD_ARCH           the Pi's userland, arm64 or armhf [asked over ssh:
#                          dpkg --print-architecture, uname -m]
#   PIBOARD_SSH_OPTS       extra options for ssh and scp, e.g. "-o Port=2222"
#   PIBOARD_SUDO           privilege command on the Pi, may be empty [sudo]
#   PIBOARD_SYSTEMCTL      service manager on the Pi [$PIBOARD_SUDO systemctl]
#   PIBOARD_DEPLOY_ROOT    prefix for every path on the Pi (tests) []
#   PIBOARD_HEALTH_URL     [http://HOST-without-user:8080/api/health]
#   PIBOARD_HEALTH_TIMEOUT seconds to wait for health [90]
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
force=0 rollback=0 build=1 dry_run=0 host="" config="$repo/deploy/piboard.toml"

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case $1 in
        --force) force=1 ;;
        --rollback) rollback=1 ;;
        --no-build) build=0 ;;
        --dry-run) dry_run=1 ;;
        --config) config=${2:?--config needs a file}; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "deploy.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
        *) if [ -n "$host" ]; then echo "deploy.sh: one HOST only" >&2; exit 2; fi; host=$1 ;;
    esac
    shift
done
if [ -z "$host" ]; then usage >&2; exit 2; fi

read -r -a ssh_opts <<< "${PIBOARD_SSH_OPTS:-}"
sudo=${PIBOARD_SUDO-sudo}
systemctl=${PIBOARD_SYSTEMCTL:-$sudo systemctl}
root=${PIBOARD_DEPLOY_ROOT:-}
hostname=${host#*@}
health=${PIBOARD_HEALTH_URL:-http://$hostname:8080/api/health}
timeout=${PIBOARD_HEALTH_TIMEOUT:-90}

say() { printf 'deploy.sh: %s\n' "$*"; }

# Runs a command here, or says it would.
run() {
    if [ "$dry_run" = 1 ]; then say "would run: $*"; else "$@"; fi
}

# Runs a shell script on the Pi with the given arguments (bash -s).
remote() {
    local script=$1; shift
    if [ "$dry_run" = 1 ]; then
        say "would run on $host with arguments ($*):"
        printf '%s\n' "$script" | sed -e 's/^ *//' -e '/^#/d' -e 's/^/    /'
        return 0
    fi
    # ssh hands the remote shell one string: quote each argument for it.
    # shellcheck disable=SC2029
    ssh "${ssh_opts[@]}" "$host" "bash -s -- $(printf '%q ' "$@")" <<< "$script"
}

wait_healthy() {
    if [ "$dry_run" = 1 ]; then say "would wait up to ${timeout}s for $health"; return 0; fi
    say "waiting up to ${timeout}s for $health"
    local deadline=$(( $(date +%s) + timeout ))
    until curl -fsS --max-time 3 -o /dev/null "$health"; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            say "no answer from $health after ${timeout}s"
            say "look at: ssh $host journalctl -u piboard -n 50"
            return 1
        fi
        sleep 2
    done
    say "healthy: $health"
}

# --- which binary: the Pi's architecture ------------------------------------
# The userland decides, not the kernel: 32-bit Raspberry Pi OS can boot a
# 64-bit kernel (uname -m says aarch64) under armhf programs. So dpkg's
# architecture, with uname -m beside it: an armv6l CPU (Pi 1, Zero W) runs
# armhf programs but not the armv7 build.

# "USERLAND MACHINE" on the Pi (e.g. "arm64 aarch64", "armhf armv7l";
# "none" without dpkg), asked over ssh; PIBOARD_ARCH gives the first word.
pi_arch() {
    if [ -n "${PIBOARD_ARCH:-}" ]; then echo "$PIBOARD_ARCH -"; return; fi
    # shellcheck disable=SC2016
    ssh "${ssh_opts[@]}" "$host" \
        'echo "$(dpkg --print-architecture 2>/dev/null || echo none) $(uname -m)"'
}

# Sets `target` (a Rust target triple) and `builder` for pi_arch's answer.
pick_target() {
    case $1 in
        *armv6l) ;;
        "armhf "*|"none armv7l"|"none armv8l")
            target=armv7-unknown-linux-gnueabihf builder=build-armv7.sh; return 0 ;;
        "arm64 "*|"none aarch64")
            target=aarch64-unknown-linux-gnu builder=build-aarch64.sh; return 0 ;;
    esac
    say "no piboard build for a Pi running $1 (64-bit or 32-bit Raspberry Pi OS on a Pi 2 or newer: arm64, armhf)" >&2
    return 1
}

if [ "$rollback" = 0 ] && [ -z "${PIBOARD_BIN:-}" ]; then
    arch=$(pi_arch) || { say "cannot ask $host for its architecture" >&2; exit 1; }
    pick_target "$arch" || exit 1
    say "$host runs ${arch% *} (kernel ${arch#* }): $target"
else
    target=aarch64-unknown-linux-gnu builder=build-aarch64.sh
fi
bin=${PIBOARD_BIN:-$repo/target/$target/release/piboard}

# Shared by the remote scripts: where things live on the Pi (expanded there).
# shellcheck disable=SC2016
paths='R=$1; BIN=$R/usr/local/bin/piboard; ETC=$R/etc/piboard; UNIT=$R/etc/systemd/system/piboard.service'

if [ "$rollback" = 1 ]; then
    remote "set -eu; $paths; SUDO=\$2; SYSTEMCTL=\$3
        if [ ! -e \"\$BIN.previous\" ]; then echo 'deploy.sh: no previous binary on the Pi' >&2; exit 1; fi
        \$SUDO cp -p \"\$BIN\" \"\$BIN.rolled-back\"
        \$SUDO cp -p \"\$BIN.previous\" \"\$BIN.new\"
        \$SUDO mv -f \"\$BIN.new\" \"\$BIN\"
        \$SYSTEMCTL restart piboard.service
        echo 'deploy.sh: restored the previous binary (the replaced one is piboard.rolled-back)'" \
        "$root" "$sudo" "$systemctl"
    wait_healthy
    exit
fi

# --- undo: a new binary that never became healthy ---------------------------
# Kept apart from the install steps above and below: only the health wait's
# failure calls it.

# The Pi's clock now, in a form `journalctl --since` takes.
pi_now() {
    if [ "$dry_run" = 1 ]; then echo now; return; fi
    ssh "${ssh_opts[@]}" "$host" "date -u '+%Y-%m-%d %H:%M:%S UTC'" 2>/dev/null || echo today
}

# Puts piboard.previous back (the unhealthy one kept as piboard.failed),
# restarts it, waits for health again and exits 1 saying what it did and
# where the new binary's log is. $1: the Pi's time before the restart.
undo_deploy() {
    local since=$1 log
    log="ssh $host journalctl -u piboard --since '$since'"
    say "the new binary did not become healthy: putting the previous one back"
    if ! remote "set -eu; $paths; SUDO=\$2; SYSTEMCTL=\$3
        if [ ! -e \"\$BIN.previous\" ]; then echo 'deploy.sh: no previous binary on the Pi to put back' >&2; exit 1; fi
        \$SUDO cp -p \"\$BIN\" \"\$BIN.failed\"
        \$SUDO cp -p \"\$BIN.previous\" \"\$BIN.new\"
        \$SUDO mv -f \"\$BIN.new\" \"\$BIN\"
        \$SYSTEMCTL restart piboard.service
        echo 'deploy.sh: restored the previous binary and restarted it (the new one is kept as piboard.failed)'" \
        "$root" "$sudo" "$systemctl"; then
        say "FAILED: the new binary is installed and unhealthy, and there was nothing to put back"
        say "the new binary's log: $log"
        exit 1
    fi
    if wait_healthy; then
        say "ROLLED BACK: the previous binary is running again and healthy; the deploy did not take"
    else
        say "ROLLED BACK, BUT the previous binary is not healthy either (a config the deploy replaced stays in place)"
    fi
    say "the new binary's log: $log"
    exit 1
}

# --- build ------------------------------------------------------------------

if [ "$build" = 1 ] && { [ ! -x "$bin" ] || [ -n "$(find "$repo/src" "$repo/ui" "$repo/assets" \
        "$repo/Cargo.toml" "$repo/Cargo.lock" -newer "$bin" -print -quit)" ]; }; then
    say "building $bin"
    run "$repo/cross/$builder"
fi
if [ "$dry_run" = 0 ] && [ ! -x "$bin" ]; then say "no binary at $bin" >&2; exit 1; fi
if [ ! -r "$config" ]; then say "no config at $config" >&2; exit 1; fi

# --- copy -------------------------------------------------------------------

if [ "$dry_run" = 1 ]; then
    stage=/tmp/piboard-deploy.XXXXXX
    say "would run on $host: mktemp -d"
else
    stage=$(ssh "${ssh_opts[@]}" "$host" mktemp -d /tmp/piboard-deploy.XXXXXX)
fi
# Under the names the Pi expects, whatever they are called here.
local_stage=$(mktemp -d)
trap 'rm -rf "$local_stage"' EXIT
ln -s "$(realpath "$bin")" "$local_stage/piboard"
ln -s "$(realpath "$config")" "$local_stage/piboard.toml"
ln -s "$repo/deploy/piboard.service" "$local_stage/piboard.service"
if ! run scp -q "${ssh_opts[@]}" "$local_stage/piboard" "$local_stage/piboard.toml" \
        "$local_stage/piboard.service" "$host:$stage/"; then
    ssh "${ssh_opts[@]}" "$host" rm -rf "$stage" || true
    say "copying to $host failed" >&2
    exit 1
fi

# --- reload instead of restart, when only the config changed ----------------
# Two pieces of the install script below, run on the Pi. `only_config` sets
# ONLY_CONFIG=1 when the staged binary is byte-for-byte the installed one
# (sha256) and the staged unit is the installed one: then the binary and its
# piboard.previous stay as they are, and `apply_change` reloads the service
# (ExecReload sends SIGHUP; piboard reads the config again, see
# ARCHITECTURE.md "Config reload") instead of restarting it.
# shellcheck disable=SC2016
only_config='ONLY_CONFIG=0
    if [ -e "$BIN" ] && [ -e "$UNIT" ] && cmp -s "$UNIT" "$STAGE/piboard.service" &&
            [ "$(sha256sum < "$BIN")" = "$(sha256sum < "$STAGE/piboard")" ]; then ONLY_CONFIG=1; fi'
# shellcheck disable=SC2016
apply_change='if [ "$ONLY_CONFIG" = 1 ]; then
        $SUDO rm -f "$BIN.new"
        $SYSTEMCTL reload piboard.service
        echo "deploy.sh: only the config changed: installed and reloaded (no restart)"
    else
        $SUDO mv -f "$BIN.new" "$BIN"
        $SUDO install -m 0644 "$STAGE/piboard.service" "$UNIT"
        $SYSTEMCTL daemon-reload
        $SYSTEMCTL restart piboard.service
        echo "deploy.sh: installed and restarted"
    fi'

# --- install, check, restart ------------------------------------------------

since=$(pi_now)
remote "set -eu; $paths; STAGE=\$2; FORCE=\$3; SUDO=\$4; SYSTEMCTL=\$5
    cleanup() { rm -rf \"\$STAGE\"; }; trap cleanup EXIT
    \$SUDO install -d \"\$R/usr/local/bin\" \"\$ETC\" \"\$R/etc/systemd/system\"
    $only_config
    # Keep the running binary as piboard.previous; replace atomically.
    if [ -e \"\$BIN\" ] && [ \"\$ONLY_CONFIG\" = 0 ]; then \$SUDO cp -p \"\$BIN\" \"\$BIN.previous\"; fi
    \$SUDO install -m 0755 \"\$STAGE/piboard\" \"\$BIN.new\"
    if [ -e \"\$ETC/piboard.toml\" ] && [ \"\$FORCE\" != 1 ]; then
        echo 'deploy.sh: kept the config on the Pi (--force replaces it)'
        CONFIG=\$ETC/piboard.toml
    else
        \$SUDO install -m 0640 \"\$STAGE/piboard.toml\" \"\$ETC/piboard.toml.new\"
        if getent group piboard >/dev/null; then \$SUDO chgrp piboard \"\$ETC/piboard.toml.new\"; fi
        CONFIG=\$ETC/piboard.toml.new
    fi
    # A config the new binary refuses never goes live.
    # (With the service's secrets, as systemd would pass them.)
    if ! \$SUDO sh -c 'set -a; if [ -r \"\$1\" ]; then . \"\$1\"; fi; set +a; exec \"\$2\" --check-config --config \"\$3\"' \\
            sh \"\$ETC/secrets.env\" \"\$BIN.new\" \"\$CONFIG\"; then
        \$SUDO rm -f \"\$BIN.new\" \"\$ETC/piboard.toml.new\"
        echo 'deploy.sh: config check failed; nothing changed' >&2; exit 1
    fi
    if [ -e \"\$ETC/piboard.toml.new\" ]; then \$SUDO mv -f \"\$ETC/piboard.toml.new\" \"\$ETC/piboard.toml\"; fi
    $apply_change" \
    "$root" "$stage" "$force" "$sudo" "$systemctl" | tee "$local_stage/install.log"

if grep -q 'only the config changed' "$local_stage/install.log"; then
    # The binary did not change: there is nothing to put back.
    wait_healthy || { say "the reloaded config left piboard unhealthy: fix it and deploy again"; exit 1; }
else
    wait_healthy || undo_deploy "$since"
fi
