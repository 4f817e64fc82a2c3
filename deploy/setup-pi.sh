#!/usr/bin/env bash
# One-time preparation of a fresh Raspberry Pi OS Bookworm Lite (64-bit) for
# piboard on a Waveshare 5" HDMI LCD (800x480, XPT2046 touch via ads7846):
#   - the libraries the binary needs (libinput10, libxkbcommon0, libfontconfig1)
#   - the `piboard` system user, in the video, render and input groups (and
#     gpio when the config has [display.backlight] or [display.motion]:
#     Raspberry Pi OS gives /dev/gpiochip* and /sys/class/pwm to that group)
#   - config.txt: KMS, SPI and the ads7846 touch overlay (a marked block),
#     and the pwm-2chan overlay when [display.backlight] has pwm = 0 | 1
#   - cmdline.txt: the forced 800x480 mode, no console on tty1, no cursor,
#     no console blanking
#   - getty on tty1 masked
#   - a udev rule that rotates (and optionally calibrates) touch to match
#     [display] rotation
#   - /etc/piboard (config, secrets.env 0600) and the systemd unit, enabled
# Idempotent: a second run changes nothing. Run on the Pi as root:
#   sudo ./setup-pi.sh [--dry-run] [--rotation 0|90|180|270]
#       [--calibration "a b c d e f"] [--connector HDMI-A-1] [--mode 800x480@60]
# --dry-run prints every change (as diffs and commands) and changes nothing.
# PIBOARD_ROOT=DIR prefixes every path (for tests); commands are looked up
# on PATH as usual.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=${PIBOARD_ROOT:-}
dry_run=0
rotation=""
calibration="1 0 0 0 1 0"
connector="HDMI-A-1"
mode="800x480@60"
changed=0
reboot_needed=0

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case $1 in
        --dry-run) dry_run=1 ;;
        --rotation) rotation=${2:?--rotation needs a value}; shift ;;
        --calibration) calibration=${2:?--calibration needs six numbers}; shift ;;
        --connector) connector=${2:?--connector needs a name}; shift ;;
        --mode) mode=${2:?--mode needs WxH@HZ}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "setup-pi.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

if [ "$dry_run" = 0 ] && [ -z "$root" ] && [ "$(id -u)" != 0 ]; then
    echo "setup-pi.sh: run as root (sudo), or with --dry-run" >&2
    exit 1
fi

say() { printf '%s\n' "$*"; }

# Runs a command, or says it would.
run() {
    changed=1
    if [ "$dry_run" = 1 ]; then say "would run: $*"; else say "+ $*"; "$@"; fi
}

# Writes $2 (content) to file $1 with mode $3 if it differs; shows the diff.
put_file() {
    local path=$root$1 content=$2 mode=$3 current=""
    [ -e "$path" ] && current=$(cat "$path")
    if [ -e "$path" ] && [ "$current" = "$content" ]; then
        return 0
    fi
    changed=1
    diff -u --label "$1 (now)" --label "$1 (new)" \
        <(if [ -n "$current" ]; then printf '%s\n' "$current"; fi) \
        <(printf '%s\n' "$content") || true
    if [ "$dry_run" = 0 ]; then
        mkdir -p "$(dirname "$path")"
        printf '%s\n' "$content" > "$path.piboard-new"
        chmod "$mode" "$path.piboard-new"
        mv -f "$path.piboard-new" "$path"
    fi
}

# --- the values -------------------------------------------------------------

# The rotation: --rotation, else `rotation = N` under [display] in the
# installed config, else 0.
if [ -z "$rotation" ]; then
    rotation=$(awk '
        /^[[:space:]]*\[/ { in_display = ($0 ~ /^[[:space:]]*\[display\][[:space:]]*$/) }
        in_display && /^[[:space:]]*rotation[[:space:]]*=/ {
            sub(/^[^=]*=[[:space:]]*/, ""); sub(/[[:space:]]*(#.*)?$/, ""); print; exit
        }' "$root/etc/piboard/piboard.toml" 2>/dev/null || true)
    rotation=${rotation:-0}
fi
# A key's value in a section of the installed config ("" when absent).
config_value() {
    awk -v want="[$1]" -v key="$2" '
        /^[[:space:]]*\[/ { line = $0; gsub(/[[:space:]]/, "", line); in_section = (line == want) }
        in_section && $0 ~ "^[[:space:]]*" key "[[:space:]]*=" {
            sub(/^[^=]*=[[:space:]]*/, ""); sub(/[[:space:]]*(#.*)?$/, ""); print; exit
        }' "$root/etc/piboard/piboard.toml" 2>/dev/null || true
}
# The backlight's PWM channel and whether any GPIO is configured.
pwm_channel=$(config_value display.backlight pwm)
uses_gpio=0
if [ -n "$pwm_channel$(config_value display.backlight gpio)$(config_value display.motion gpio)" ]; then
    uses_gpio=1
fi
case $pwm_channel in ""|0|1) ;; *)
    echo "setup-pi.sh: [display.backlight] pwm must be 0 or 1, not $pwm_channel" >&2; exit 2 ;;
esac
case $rotation in 0|90|180|270) ;; *)
    echo "setup-pi.sh: rotation must be 0, 90, 180 or 270, not $rotation" >&2; exit 2 ;;
esac
read -r -a cal <<< "$calibration"
if [ "${#cal[@]}" != 6 ]; then
    echo "setup-pi.sh: --calibration takes six numbers \"a b c d e f\"" >&2; exit 2
fi
if ! [[ $mode =~ ^([0-9]+)x([0-9]+)@([0-9]+)$ ]]; then
    echo "setup-pi.sh: --mode must look like 800x480@60" >&2; exit 2
fi
mode_w=${BASH_REMATCH[1]} mode_h=${BASH_REMATCH[2]} mode_hz=${BASH_REMATCH[3]}

# The libinput calibration matrix that maps the panel's touch coordinates
# (normalised 0..1, landscape) to the rotated picture: Slint's linuxkms
# renderer turns the picture clockwise by `rotation`, so touch turns back.
# tests/pi.rs checks this table against Slint's rotation transform.
rotation_matrix() {
    case $1 in
        0) echo "1 0 0 0 1 0" ;;
        90) echo "0 1 0 -1 0 1" ;;
        180) echo "-1 0 1 0 -1 1" ;;
        270) echo "0 -1 1 1 0 0" ;;
    esac
}

# rotation ∘ calibration: the calibration (measured on the unrotated panel)
# applies first.
touch_matrix() {
    local r
    read -r -a r <<< "$(rotation_matrix "$rotation")"
    awk -v a="${r[0]}" -v b="${r[1]}" -v c="${r[2]}" -v d="${r[3]}" -v e="${r[4]}" -v f="${r[5]}" \
        -v p="${cal[0]}" -v q="${cal[1]}" -v s="${cal[2]}" -v t="${cal[3]}" -v u="${cal[4]}" -v v="${cal[5]}" '
        function n(x) { x = sprintf("%.6g", x); return (x == "-0") ? "0" : x }
        BEGIN {
            print n(a*p + b*t), n(a*q + b*u), n(a*s + b*v + c), \
                  n(d*p + e*t), n(d*q + e*u), n(d*s + e*v + f)
        }'
}

# --- boot configuration -----------------------------------------------------

boot=/boot/firmware
[ -d "$root$boot" ] || boot=/boot

config_block="# >>> piboard: Waveshare 5\" HDMI LCD under KMS (managed by setup-pi.sh)
[all]
dtoverlay=vc4-kms-v3d
hdmi_force_hotplug=1
dtparam=spi=on
dtoverlay=ads7846,cs=1,penirq=25,penirq_pull=2,speed=50000,keep_vref_on=0,swapxy=0,pmax=255,xohms=150,xmin=200,xmax=3900,ymin=200,ymax=3900"
if [ -n "$pwm_channel" ]; then
    # The backlight's hardware PWM: channel 0 on GPIO 18, channel 1 on GPIO 19
    # (for GPIO 12/13 instead: pin=12,func=4,pin2=13,func2=4).
    config_block="$config_block
dtoverlay=pwm-2chan"
fi
config_block="$config_block
# <<< piboard"

if [ -e "$root$boot/config.txt" ]; then
    current=$(cat "$root$boot/config.txt")
    # Drop any earlier piboard block, then append the current one.
    without=$(printf '%s\n' "$current" | awk '
        /^# >>> piboard/ { skip = 1; next }
        /^# <<< piboard/ { skip = 0; next }
        !skip')
    new_config=$(printf '%s\n\n%s' "$without" "$config_block" | cat -s)
    if [ "$new_config" != "$current" ]; then reboot_needed=1; fi
    put_file "$boot/config.txt" "$new_config" 0755
else
    say "warning: no $boot/config.txt; skipping the display and touch overlay" >&2
fi

if [ -e "$root$boot/cmdline.txt" ]; then
    read -r -a tokens < "$root$boot/cmdline.txt"
    out=()
    for t in "${tokens[@]}"; do
        case $t in
            console=tty1) out+=("console=tty3") ;;       # kernel messages off the panel
            "video=$connector:"*|consoleblank=*|vt.global_cursor_default=*|logo.nologo) ;;
            *) out+=("$t") ;;
        esac
    done
    # The panel's EDID is not trusted: force the mode (M: CVT timings, D: on).
    out+=("video=$connector:${mode_w}x${mode_h}M@${mode_hz}D" "consoleblank=0" \
        "vt.global_cursor_default=0" "logo.nologo")
    new_cmdline="${out[*]}"
    if [ "$new_cmdline" != "${tokens[*]}" ]; then reboot_needed=1; fi
    put_file "$boot/cmdline.txt" "$new_cmdline" 0755
else
    say "warning: no $boot/cmdline.txt; skipping the kernel command line" >&2
fi

# --- touch ------------------------------------------------------------------

put_file /etc/udev/rules.d/99-piboard-touch.rules "# piboard: touch follows [display] rotation = $rotation (managed by setup-pi.sh).
# Calibration (on the unrotated panel): $calibration
ACTION==\"add|change\", SUBSYSTEM==\"input\", KERNEL==\"event[0-9]*\", ENV{ID_INPUT_TOUCHSCREEN}==\"1\", ENV{LIBINPUT_CALIBRATION_MATRIX}=\"$(touch_matrix)\"" 0644

# --- user, console, service -------------------------------------------------

# The shared libraries the binary links beyond libc and libudev.
missing=()
for pkg in libinput10 libxkbcommon0 libfontconfig1; do
    if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" != "install ok installed" ]; then
        missing+=("$pkg")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    run apt-get install -y --no-install-recommends "${missing[@]}"
fi

groups=video,render,input
if [ "$uses_gpio" = 1 ]; then
    if getent group gpio >/dev/null 2>&1; then
        groups=$groups,gpio
    else
        say "warning: no gpio group: give /dev/gpiochip* (and /sys/class/pwm) to the piboard user by hand" >&2
    fi
fi
# Owners only mean something on the Pi itself, not in a test root.
own_cfg=(-o root -g piboard) own_root=(-o root -g root)
if [ -n "$root" ]; then own_cfg=() own_root=(); fi
if ! id piboard >/dev/null 2>&1; then
    run useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin --groups "$groups" piboard
else
    have=" $(id -nG piboard) "
    for g in ${groups//,/ }; do
        case $have in *" $g "*) ;; *) run usermod -a -G "$g" piboard ;; esac
    done
fi

if [ "$(systemctl is-enabled getty@tty1.service 2>/dev/null || true)" != masked ]; then
    run systemctl mask getty@tty1.service
fi

if [ ! -d "$root/etc/piboard" ]; then
    run install -d -m 0750 "${own_cfg[@]}" "$root/etc/piboard"
fi
if [ ! -e "$root/etc/piboard/piboard.toml" ]; then
    run install -m 0640 "${own_cfg[@]}" "$here/piboard.toml" "$root/etc/piboard/piboard.toml"
fi
if [ ! -e "$root/etc/piboard/secrets.env" ]; then
    run install -m 0600 "${own_root[@]}" /dev/null "$root/etc/piboard/secrets.env"
fi

unit_before=$changed
changed=0
put_file /etc/systemd/system/piboard.service "$(cat "$here/piboard.service")" 0644
if [ "$changed" = 1 ]; then run systemctl daemon-reload; fi
changed=$(( changed | unit_before ))
if [ "$(systemctl is-enabled piboard.service 2>/dev/null || true)" != enabled ]; then
    run systemctl enable piboard.service
fi

if [ "$changed" = 0 ]; then
    say "setup-pi.sh: nothing to change"
elif [ "$dry_run" = 1 ]; then
    say "setup-pi.sh: dry run, nothing changed"
else
    say "setup-pi.sh: done"
    if [ "$reboot_needed" = 1 ]; then say "setup-pi.sh: reboot for the display and touch settings"; fi
    if [ ! -x "$root/usr/local/bin/piboard" ]; then
        say "setup-pi.sh: now install the binary: deploy/deploy.sh HOST from your build machine"
    fi
fi
