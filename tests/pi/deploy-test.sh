#!/usr/bin/env bash
# deploy/deploy.sh against a real sshd listening on 127.0.0.1 (a throwaway
# host key, an authorized key, this user), installing into a temporary root.
# systemctl on the "Pi" is a shim whose `restart` (re)starts a small HTTP
# server answering /api/health, so the health wait is real too. The binary
# deployed is the host build (target/debug/piboard), so the config check
# deploy.sh runs on the Pi is real.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
t=$(mktemp -d)
sshd_pid=""
cleanup() {
    if [ -n "$sshd_pid" ]; then kill "$sshd_pid" 2>/dev/null || true; fi
    if [ -f "$t/health.pid" ]; then kill "$(cat "$t/health.pid")" 2>/dev/null || true; fi
    rm -rf "$t"
}
trap cleanup EXIT
fail() { echo "deploy-test: FAIL: $*" >&2; [ -f "$t/sshd.log" ] && tail -20 "$t/sshd.log" >&2; exit 1; }

port=${PIBOARD_TEST_SSH_PORT:-2222}
health_port=${PIBOARD_TEST_HEALTH_PORT:-18080}
cargo build --locked --quiet
bin=$repo/target/debug/piboard

# --- sshd on loopback -------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -f "$t/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$t/client_key"
cp "$t/client_key.pub" "$t/authorized_keys"
chmod 600 "$t/authorized_keys"
mkdir -p /run/sshd
cat > "$t/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $t/host_key
AuthorizedKeysFile $t/authorized_keys
PidFile $t/sshd.pid
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
AllowUsers $(id -un)
Subsystem sftp internal-sftp
CFG
/usr/sbin/sshd -D -e -f "$t/sshd_config" 2> "$t/sshd.log" &
sshd_pid=$!

export PIBOARD_SSH_OPTS="-o Port=$port -o IdentityFile=$t/client_key -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes"
host="$(id -un)@127.0.0.1"
for _ in $(seq 50); do
    # shellcheck disable=SC2086
    ssh $PIBOARD_SSH_OPTS "$host" true 2>/dev/null && break
    sleep 0.2
done

# --- the "Pi" ---------------------------------------------------------------
root=$t/pi
mkdir -p "$root/etc/piboard" "$t/www/api"
# As on a Pi after setup-pi.sh and filling in the secrets.
printf 'PIBOARD_PROXMOX_TOKEN_SECRET=test-secret\nPIBOARD_MOONRAKER_API_KEY=test-key\n' > "$root/etc/piboard/secrets.env"
chmod 600 "$root/etc/piboard/secrets.env"
cat > "$t/systemctl" <<SH
#!/bin/sh
echo "systemctl \$*" >> "$t/systemctl.log"
if [ "\$1" = restart ]; then
    [ -f "$t/health.pid" ] && kill "\$(cat "$t/health.pid")" 2>/dev/null
    # What the service would run, recorded so rollbacks can be seen.
    sha256sum "$root/usr/local/bin/piboard" | cut -d' ' -f1 > "$t/running"
    if [ "\$(head -c 2 "$root/usr/local/bin/piboard")" = "#!" ]; then
        # A script posing as piboard (case 6): it runs and never answers.
        nohup "$root/usr/local/bin/piboard" >/dev/null 2>&1 &
    else
        echo ok > "$t/www/api/health"
        nohup python3 -m http.server --bind 127.0.0.1 --directory "$t/www" $health_port >/dev/null 2>&1 &
    fi
    echo \$! > "$t/health.pid"
fi
SH
chmod +x "$t/systemctl"
export PIBOARD_DEPLOY_ROOT=$root PIBOARD_SUDO="" PIBOARD_SYSTEMCTL=$t/systemctl
export PIBOARD_HEALTH_URL=http://127.0.0.1:$health_port/api/health PIBOARD_HEALTH_TIMEOUT=30
export PIBOARD_BIN=$bin

deploy() { deploy/deploy.sh --no-build "$@" "$host"; }
staged() { find /tmp -maxdepth 1 -name 'piboard-deploy.*' | sort; }
staged_before=$(staged)
sha() { sha256sum "$1" | cut -d' ' -f1; }

# 1. First deploy: binary, config, unit installed; restarted; healthy.
deploy > "$t/out1.txt" 2>&1 || fail "first deploy: $(cat "$t/out1.txt")"
grep -q 'healthy:' "$t/out1.txt" || fail "first deploy did not wait for health"
cmp -s "$bin" "$root/usr/local/bin/piboard" || fail "binary not installed"
cmp -s deploy/piboard.toml "$root/etc/piboard/piboard.toml" || fail "config not installed"
cmp -s deploy/piboard.service "$root/etc/systemd/system/piboard.service" || fail "unit not installed"
grep -q 'systemctl daemon-reload' "$t/systemctl.log" || fail "no daemon-reload"
grep -q 'systemctl restart piboard.service' "$t/systemctl.log" || fail "no restart"
[ "$(staged)" = "$staged_before" ] || fail "staging dir left behind"

# 2. A second deploy with a new binary keeps the Pi's config and the old binary.
echo "# edited on the Pi" >> "$root/etc/piboard/piboard.toml"
first=$(sha "$root/usr/local/bin/piboard")
cp "$bin" "$t/piboard-v2" && printf 'v2' >> "$t/piboard-v2"   # a different, still runnable file
PIBOARD_BIN=$t/piboard-v2 deploy > "$t/out2.txt" 2>&1 || fail "second deploy: $(cat "$t/out2.txt")"
grep -q 'kept the config' "$t/out2.txt" || fail "did not say it kept the config"
grep -q '# edited on the Pi' "$root/etc/piboard/piboard.toml" || fail "overwrote the config without --force"
[ "$(sha "$root/usr/local/bin/piboard.previous")" = "$first" ] || fail "previous binary not kept"
[ "$(cat "$t/running")" = "$(sha "$t/piboard-v2")" ] || fail "new binary not running"

# 3. --rollback restores the previous binary and restarts it.
deploy --rollback > "$t/out3.txt" 2>&1 || fail "rollback: $(cat "$t/out3.txt")"
[ "$(sha "$root/usr/local/bin/piboard")" = "$first" ] || fail "rollback did not restore the binary"
[ "$(cat "$t/running")" = "$first" ] || fail "rollback did not restart"

# 4. --force replaces the config.
deploy --force > "$t/out4.txt" 2>&1 || fail "forced deploy: $(cat "$t/out4.txt")"
cmp -s deploy/piboard.toml "$root/etc/piboard/piboard.toml" || fail "--force did not replace the config"

# 4b. Only the config changed (same binary, same unit): installed and
# reloaded, not restarted; piboard.previous untouched.
cp deploy/piboard.toml "$t/edited.toml" && echo "# edited here" >> "$t/edited.toml"
previous=$(sha "$root/usr/local/bin/piboard.previous")
restarts=$(grep -c 'restart' "$t/systemctl.log")
deploy --force --config "$t/edited.toml" > "$t/out4b.txt" 2>&1 || fail "config-only deploy: $(cat "$t/out4b.txt")"
grep -q 'only the config changed' "$t/out4b.txt" || fail "did not reload: $(cat "$t/out4b.txt")"
cmp -s "$t/edited.toml" "$root/etc/piboard/piboard.toml" || fail "config not installed on reload"
[ "$(tail -1 "$t/systemctl.log")" = "systemctl reload piboard.service" ] || fail "no systemctl reload"
[ "$(grep -c 'restart' "$t/systemctl.log")" = "$restarts" ] || fail "restarted for a config change"
[ "$(sha "$root/usr/local/bin/piboard.previous")" = "$previous" ] || fail "reload replaced piboard.previous"
deploy --force > "$t/out4c.txt" 2>&1 || fail "config-only deploy back: $(cat "$t/out4c.txt")"

# 5. A config the binary refuses never goes live; nothing changes.
printf '[display]\nrotation = 45\n' > "$t/bad.toml"
before=$(sha "$root/usr/local/bin/piboard")
if deploy --force --config "$t/bad.toml" > "$t/out5.txt" 2>&1; then fail "a bad config deployed"; fi
grep -q 'config check failed' "$t/out5.txt" || fail "no config-check message: $(cat "$t/out5.txt")"
cmp -s deploy/piboard.toml "$root/etc/piboard/piboard.toml" || fail "bad config installed"
[ "$(sha "$root/usr/local/bin/piboard")" = "$before" ] || fail "binary changed despite a bad config"

# 6. A new binary that never becomes healthy (it passes the config check,
#    then only sleeps): the deploy undoes itself. The old binary is back,
#    restarted and healthy; the exit status is non-zero; the message says
#    what happened and where the new binary's log is.
good=$(sha "$root/usr/local/bin/piboard")
cat > "$t/piboard-hangs" <<'SH'
#!/bin/sh
# Never healthy: passes deploy.sh's config check, then only sleeps.
case "$1" in --check-config) exit 0 ;; esac
exec sleep 600
SH
chmod +x "$t/piboard-hangs"
if PIBOARD_BIN=$t/piboard-hangs PIBOARD_HEALTH_TIMEOUT=4 deploy > "$t/out6.txt" 2>&1; then
    fail "a deploy that never became healthy exited 0: $(cat "$t/out6.txt")"
fi
[ "$(sha "$root/usr/local/bin/piboard")" = "$good" ] || fail "the old binary is not back: $(cat "$t/out6.txt")"
[ "$(cat "$t/running")" = "$good" ] || fail "the old binary was not restarted"
[ "$(sha "$root/usr/local/bin/piboard.failed")" = "$(sha "$t/piboard-hangs")" ] \
    || fail "the unhealthy binary was not kept as piboard.failed"
curl -fsS --max-time 3 -o /dev/null "$PIBOARD_HEALTH_URL" || fail "not healthy after the undo"
grep -q 'ROLLED BACK: the previous binary is running again and healthy' "$t/out6.txt" \
    || fail "no rollback message: $(cat "$t/out6.txt")"
grep -q "journalctl -u piboard --since '[0-9-]* [0-9:]* UTC'" "$t/out6.txt" \
    || fail "no pointer to the new binary's log: $(cat "$t/out6.txt")"

# 7. Without PIBOARD_BIN, the binary follows the Pi's userland, asked over
#    ssh: this "Pi" is the build machine (amd64, no piboard build for it);
#    32-bit Raspberry Pi OS (armhf) gets the armv7 build.
pi_arch=$(dpkg --print-architecture)
if PIBOARD_BIN="" deploy --dry-run > "$t/out7.txt" 2>&1; then fail "deployed to an $pi_arch host"; fi
grep -q "no piboard build for a Pi running $pi_arch $(uname -m)" "$t/out7.txt" \
    || fail "did not ask the host's architecture: $(cat "$t/out7.txt")"
PIBOARD_BIN="" PIBOARD_ARCH=armhf deploy --dry-run > "$t/out7b.txt" 2>&1 || true
grep -q "runs armhf (kernel -): armv7-unknown-linux-gnueabihf" "$t/out7b.txt" \
    || fail "armhf did not pick the armv7 build: $(cat "$t/out7b.txt")"

# 8. No health at all, old binary included: deploy fails, the undo says the
#    previous binary is not healthy either.
kill "$(cat "$t/health.pid")"; rm -f "$t/health.pid"
sed -i 's/^        nohup python3.*$/        :/' "$t/systemctl"
# (Another binary than the installed one, so it is a restart, not a reload.)
if PIBOARD_BIN=$t/piboard-v2 PIBOARD_HEALTH_TIMEOUT=3 deploy > "$t/out8.txt" 2>&1; then fail "deploy succeeded without health"; fi
grep -q 'not healthy either' "$t/out8.txt" || fail "no word on the failed undo: $(cat "$t/out8.txt")"
grep -q 'journalctl -u piboard --since' "$t/out8.txt" || fail "no log pointer: $(cat "$t/out8.txt")"

# 8b. Only the config changed and piboard is unhealthy after the reload:
#     the binary did not change, so nothing is put back; exit non-zero.
installed=$(sha "$root/usr/local/bin/piboard")
if PIBOARD_BIN=$root/usr/local/bin/piboard PIBOARD_HEALTH_TIMEOUT=3 deploy --force --config "$t/edited.toml" \
        > "$t/out8b.txt" 2>&1; then fail "an unhealthy reload exited 0"; fi
grep -q 'reloaded config left piboard unhealthy' "$t/out8b.txt" || fail "no word on the reload: $(cat "$t/out8b.txt")"
[ "$(sha "$root/usr/local/bin/piboard")" = "$installed" ] || fail "an unhealthy reload replaced the binary"
if [ -n "${PIBOARD_TEST_SHOW:-}" ]; then cat "$t/out6.txt" "$t/out7.txt" "$t/out8.txt"; fi

echo "deploy-test: ok (deploy, keep config, keep previous, rollback, --force, config-only reload, bad config refused, unhealthy binary undone, architecture picked, health timeout)"
