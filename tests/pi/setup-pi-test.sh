#!/usr/bin/env bash
# deploy/setup-pi.sh for real into a temporary root (a Bookworm boot
# partition's files), with useradd/usermod/id/systemctl replaced by shims
# that record what they were asked; then again, which must change nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "setup-pi-test: FAIL: $*" >&2; exit 1; }

root=$t/root shims=$t/shims log=$t/commands.log state=$t/state
mkdir -p "$root/boot/firmware" "$shims" "$state"
printf 'console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 fsck.repair=yes rootwait cfg80211.ieee80211_regdom=GB\n' \
    > "$root/boot/firmware/cmdline.txt"
printf '# For more options and information see\n# http://rptl.io/configtxt\ndtparam=audio=on\ncamera_auto_detect=1\ndisplay_auto_detect=1\nauto_initramfs=1\ndtoverlay=vc4-kms-v3d\nmax_framebuffers=2\narm_64bit=1\n\n[cm4]\notg_mode=1\n\n[all]\n' \
    > "$root/boot/firmware/config.txt"

# Shims: a user that exists once useradd ran; systemctl remembers enable/mask.
cat > "$shims/useradd" <<SH
#!/bin/sh
echo "useradd \$*" >> "$log"; touch "$state/user"
SH
cat > "$shims/usermod" <<SH
#!/bin/sh
echo "usermod \$*" >> "$log"; echo "\$3" >> "$state/groups"
SH
cat > "$shims/id" <<SH
#!/bin/sh
if [ "\$1" = piboard ]; then [ -e "$state/user" ] || exit 1; exit 0; fi
if [ "\$1" = -nG ]; then echo "piboard video render input \$(cat "$state/groups" 2>/dev/null)"; exit 0; fi
exec /usr/bin/id "\$@"
SH
cat > "$shims/getent" <<SH
#!/bin/sh
[ "\$*" = "group gpio" ] && echo "gpio:x:997:"
SH
cat > "$shims/systemctl" <<SH
#!/bin/sh
echo "systemctl \$*" >> "$log"
case \$1 in
    is-enabled) cat "$state/\$2" 2>/dev/null || { echo disabled; exit 1; } ;;
    enable) echo enabled > "$state/\$2" ;;
    mask) echo masked > "$state/\$2" ;;
esac
SH
cat > "$shims/dpkg-query" <<SH
#!/bin/sh
for last; do :; done
if [ -e "$state/pkg-\$last" ]; then printf 'install ok installed'; else exit 1; fi
SH
cat > "$shims/apt-get" <<SH
#!/bin/sh
echo "apt-get \$*" >> "$log"
for p; do case \$p in -*|install) ;; *) touch "$state/pkg-\$p" ;; esac; done
SH
chmod +x "$shims"/*

run_setup() { PATH=$shims:$PATH PIBOARD_ROOT=$root deploy/setup-pi.sh --rotation 180 "$@"; }

# --dry-run first: says what it would do, changes nothing.
before=$(cd "$root" && find . -type f -exec sha256sum {} + | sort)
run_setup --dry-run > "$t/dry.txt"
grep -q 'would run: useradd' "$t/dry.txt" || fail "--dry-run does not mention the user"
grep -q '^+.*video=HDMI-A-1:800x480M@60D' "$t/dry.txt" || fail "--dry-run does not show the cmdline change"
[ "$(cd "$root" && find . -type f -exec sha256sum {} + | sort)" = "$before" ] || fail "--dry-run changed files"
if [ -e "$log" ] && grep -v 'is-enabled' "$log"; then fail "--dry-run ran commands"; fi

run_setup > "$t/first.txt"
cmdline=$(cat "$root/boot/firmware/cmdline.txt")
for want in console=tty3 video=HDMI-A-1:800x480M@60D consoleblank=0 vt.global_cursor_default=0 \
        cfg80211.ieee80211_regdom=GB console=serial0,115200; do
    case " $cmdline " in *" $want "*) ;; *) fail "cmdline.txt lacks $want: $cmdline" ;; esac
done
case " $cmdline " in *" console=tty1 "*) fail "cmdline.txt still has console=tty1" ;; esac
[ "$(wc -l < "$root/boot/firmware/cmdline.txt")" = 1 ] || fail "cmdline.txt is not one line"
grep -q '^dtoverlay=ads7846,.*penirq=25' "$root/boot/firmware/config.txt" || fail "no ads7846 overlay"
grep -q '^dtparam=spi=on' "$root/boot/firmware/config.txt" || fail "no SPI"
grep -q '^otg_mode=1' "$root/boot/firmware/config.txt" || fail "existing config.txt lines lost"
grep -q 'LIBINPUT_CALIBRATION_MATRIX}="-1 0 1 0 -1 1"' "$root/etc/udev/rules.d/99-piboard-touch.rules" \
    || fail "no 180° touch rule"
cmp -s deploy/piboard.service "$root/etc/systemd/system/piboard.service" || fail "unit not installed"
[ "$(stat -c %a "$root/etc/piboard/secrets.env")" = 600 ] || fail "secrets.env is not 0600"
[ -e "$root/etc/piboard/piboard.toml" ] || fail "no config installed"
for cmd in "apt-get install -y --no-install-recommends libinput10 libxkbcommon0 libfontconfig1" "useradd --system" "systemctl mask getty@tty1.service" "systemctl daemon-reload" "systemctl enable piboard.service"; do
    grep -q "^$cmd" "$log" || fail "did not run $cmd"
done

# Again: nothing to change, no command but queries.
snapshot=$(cd "$root" && find . -type f -exec sha256sum {} + | sort)
: > "$log"
run_setup > "$t/second.txt"
grep -qx 'setup-pi.sh: nothing to change' "$t/second.txt" || fail "second run changed something: $(cat "$t/second.txt")"
[ "$(cd "$root" && find . -type f -exec sha256sum {} + | sort)" = "$snapshot" ] || fail "second run changed files"
if grep -v 'is-enabled' "$log"; then fail "second run ran commands"; fi

# A new rotation changes only the touch rule.
PATH=$shims:$PATH PIBOARD_ROOT=$root deploy/setup-pi.sh --rotation 90 > "$t/third.txt"
grep -q 'LIBINPUT_CALIBRATION_MATRIX}="0 1 0 -1 0 1"' "$root/etc/udev/rules.d/99-piboard-touch.rules" \
    || fail "rotation 90 not applied"
grep -q 'pwm' "$root/boot/firmware/config.txt" && fail "a PWM overlay without a PWM backlight"
grep -q 'gpio' "$log" && fail "the gpio group without GPIO in the config"

# A config with a PWM backlight and a PIR: the pwm-2chan overlay and the
# gpio group; run twice, the second changes nothing.
printf '[display]\nrotation = 90\n\n[display.backlight]\npwm = 0\n\n[display.motion]\ngpio = 17\n' \
    > "$root/etc/piboard/piboard.toml"
: > "$log"
run_setup > "$t/fourth.txt"
grep -qx 'dtoverlay=pwm-2chan' "$root/boot/firmware/config.txt" || fail "no pwm-2chan overlay"
[ "$(grep -c '^dtoverlay=pwm' "$root/boot/firmware/config.txt")" = 1 ] || fail "the overlay twice"
grep -q '^usermod -a -G gpio piboard' "$log" || fail "the piboard user not added to gpio"
grep -q 'reboot for the display' "$t/fourth.txt" || fail "no reboot asked for the overlay"
snapshot=$(cd "$root" && find . -type f -exec sha256sum {} + | sort)
: > "$log"
run_setup > "$t/fifth.txt"
grep -qx 'setup-pi.sh: nothing to change' "$t/fifth.txt" || fail "GPIO rerun changed something: $(cat "$t/fifth.txt")"
[ "$(cd "$root" && find . -type f -exec sha256sum {} + | sort)" = "$snapshot" ] || fail "GPIO rerun changed files"
if grep -v 'is-enabled' "$log"; then fail "GPIO rerun ran commands"; fi
echo "setup-pi-test: ok (dry run, first run, idempotent second run, rotation change, PWM overlay and gpio group, idempotent)"
