#!/usr/bin/env python3
"""Boots a piboard KMS binary on an emulated board (QEMU's virt machine with
a virtio GPU at 800x480 and a virtio tablet) and runs it through the KMS code
path it uses on the Pi: Slint's linuxkms backend, the software renderer on
DRM dumb buffers, libinput for touch. --arch picks the board (ARCHES): arm64
(qemu-system-aarch64, Cortex-A53: 64-bit Raspberry Pi OS) or armhf
(qemu-system-arm, Cortex-A15: 32-bit Raspberry Pi OS).

Run by tests/pi/emulated-boot.sh, which fetches Debian's kernel for that
architecture (arm64, or armmp for armhf) and busybox-static and extracts them; this script builds the initramfs
(emu_initramfs.py), boots it, and drives the guest over QMP (reading the
guest's memory figures with emu_memory.py):

  1. waits for the guest to report piboard's first frame, and its memory
     then and after the first requests to its :8080 server (which the
     later steps poll),
  2. takes the screen with QMP's screendump (PPM) into WORK/frame.ppm,
  3. taps the screen centre, beside every target, with input-send-event on
     the virtio tablet and waits for piboard's "tap" log line (the touch
     reached the UI through libinput, at the right coordinates),
  4. taps the alerts card, waits until the guest sees the alerts page drawn
     (a new frame counted on /metrics and the page named on /api/status),
     and takes the screen into WORK/page.ppm,
  5. taps the page's back button, waits for the overview drawn again, and
     takes the screen into WORK/back.ppm,
  6. reads piboard's peak RSS (VmHWM) inside the guest after each step,
     with its largest mappings (/proc/PID/smaps), its transparent huge
     pages and each thread's stack mapping, to say what a tap and a page
     switch cost; fails if the switch raises the peak by more than
     --switch-budget MiB, or if a thread's stack is 2 MiB or more (this
     kernel backs such a stack with a 2 MiB huge page when it lands
     aligned, which it does on some boots: src/app/mod.rs, THREAD_STACK).

  7. restarts piboard on a dark demo second (NIGHT) with its backlight on
     the PL061's line BACKLIGHT and a PIR on line 3 (the GPIO character
     device, linux-embedded-hal), checks the line reads "out lo" in
     debugfs and the screen is black, sends QMP's system_powerdown (QEMU
     pulses line 3), and checks the screen wakes: the line "out hi", the
     frame drawn again (WORK/woken.ppm, not black), and the wake latency
     from piboard's log (the edge read to the first frame lit again).
  8. restarts piboard with no config anywhere, the guest named and
     addressed as the setup goldens (tests/setup.rs), and takes its setup
     screen into WORK/setup.ppm (tests/pi/emulated-boot.sh compares it with
     tests/golden/setup-missing.png); fails if piboard exits.

Prints the figures and writes them to WORK/report.txt. Exit 1 on any failure.
Python 3 standard library only.
"""

import argparse
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from emu_initramfs import build_initramfs
from emu_memory import memory, memory_report, thread_stacks

WIDTH, HEIGHT = 800, 480
# The emulated board per architecture: QEMU's program, machine and CPU. The
# 32-bit one keeps every device below 4 GiB (highmem=off): Debian's armmp
# kernel has no LPAE.
ARCHES = {
    "arm64": {"qemu": "qemu-system-aarch64", "machine": "virt", "cpu": "cortex-a53"},
    "armhf": {"qemu": "qemu-system-arm", "machine": "virt,highmem=off", "cpu": "cortex-a15"},
}
# The taps, in pixels (tests/touch.rs checks them on the same frame): the
# screen's centre, beside every target; the alerts card; a page's back button.
TAP = (400, 240)
ALERTS = (430, 355)
BACK = (60, 84)
# Step 4: a demo second in the demo's night (dark; tests/golden/night-asleep),
# and the PL061 line the backlight is switched on (line 3 is the motion's).
NIGHT = 190
BACKLIGHT = 4

INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
echo "EMU-INIT uptime=$(cut -d' ' -f1 /proc/uptime)"
for m in $(cat /modules/order); do
    insmod "/modules/$m" || echo "EMU-FAIL insmod $m"
done
n=0
while [ ! -e /dev/dri/card0 ] || ! ls /dev/input/event* >/dev/null 2>&1; do
    n=$((n + 1)); [ $n -gt 100 ] && { echo "EMU-FAIL no /dev/dri/card0 or /dev/input/event*"; break; }
    sleep 0.1
done
# What udevd would record: libinput's udev backend skips devices udev has not
# initialised (no database entry). The virtio tablet has absolute axes and
# BTN_LEFT but no BTN_TOUCH, which udev's input_id tags as a mouse.
mkdir -p /run/udev/data
for ev in /sys/class/input/event*; do
    dev=$(cat "$ev/dev")
    name=$(cat "$ev/device/name")
    printf 'I:1\nE:ID_INPUT=1\nE:ID_INPUT_MOUSE=1\nG:seat\nQ:seat\nV:1\n' > "/run/udev/data/c$dev"
    echo "EMU-INPUT $ev c$dev $name"
done
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
export HOME=/root PIBOARD_LOG=info FONTCONFIG_FILE=/etc/fonts/fonts.conf
echo "EMU-START uptime=$(cut -d' ' -f1 /proc/uptime)"
/usr/bin/piboard --demo --at @AT@ >/tmp/piboard.log 2>&1 &
pid=$!
tail -f /tmp/piboard.log | sed 's/^/EMU-LOG /' &
# Waits up to 120 s for PATTERN in piboard's log, or says EMU-FAIL WHAT.
wait_log() {
    n=0
    until grep -q "$1" /tmp/piboard.log; do
        n=$((n + 1))
        if [ $n -gt 1200 ] || ! kill -0 $pid 2>/dev/null; then
            echo "EMU-FAIL $2"; break
        fi
        sleep 0.1
    done
}
# Memory now: piboard's status (peak and resident, by kind) and its largest
# mappings, for `mem LABEL` (the host compares the labels).
mem() {
    echo "EMU-MEM $1 $(grep -E '^(VmHWM|VmRSS|RssAnon|RssFile|RssShmem)' /proc/$pid/status |
        tr -s ' \t' ' ' | tr '\n' ' ')"
    awk -v label="$1" '
        function out() {
            if (rss >= 256) printf "EMU-MAP %s %s kB %s size=%s huge=%s at=%s\n", label, rss, name, size, huge, range
        }
        /^[0-9a-f]+-[0-9a-f]+ / { out(); name = ($6 == "" ? "[anon]" : $6); range = $1; rss = 0 }
        /^Size:/ { size = $2 }
        /^Rss:/ { rss = $2 }
        /^AnonHugePages:/ { huge = $2 }
        END { out() }' /proc/$pid/smaps
    # Each thread's name and stack pointer (the 8th field of its syscall
    # file, while it waits in one), to tell whose stack a mapping is.
    for t in /proc/$pid/task/*; do
        echo "EMU-THREAD $1 $(tr ' ' _ <$t/comm) sp=$(cut -d' ' -f8 $t/syscall)"
    done
    grep ' rw-p 00000000 00:00 0 ' /proc/$pid/maps | sed "s/^/EMU-ANON $1 /"
}
metric() {
    wget -qO- http://127.0.0.1:8080/metrics | awk -v m="$1" '$1 == m { print $2 }'
}
# The page named in /api/status.
page() {
    wget -qO- http://127.0.0.1:8080/api/status | tr -d ' \n' |
        sed -n 's/.*"page":{[^}]*"name":"\([a-z]*\)".*/\1/p'
}
# Waits (up to 30 s) until a new view model has been drawn after FRAMES and
# /api/status names PAGE, then a second more for the frame to settle.
settle() {
    n=0
    until [ "$(metric piboard_frames_drawn_total)" -gt "$1" ] && [ "$(page)" = "$2" ]; do
        n=$((n + 1)); [ $n -gt 150 ] && { echo "EMU-FAIL page $2 not drawn"; break; }
        sleep 0.2
    done
    sleep 1
}
wait_log "first frame drawn" "no first frame"
echo "EMU-FIRST-FRAME uptime=$(cut -d' ' -f1 /proc/uptime) $(grep 'first frame drawn' /tmp/piboard.log)"
sleep 3
mem boot
# The first requests to :8080 (the steps below poll it), apart from the taps.
metric piboard_frames_drawn_total >/dev/null
page >/dev/null
sleep 1
mem http
echo "EMU-READY overview"
# 1. A tap beside every target (the screen's centre): a touch, nothing opens.
wait_log " tap x=" "no tap"
echo "EMU-TAP $(grep ' tap x=' /tmp/piboard.log | head -1)"
sleep 2
mem touch
# 2. A tap on the alerts card: the alerts page.
frames=$(metric piboard_frames_drawn_total)
echo "EMU-READY touch frames=$frames"
wait_log "tap: open" "no tap on a target"
settle "$frames" alerts
echo "EMU-PAGE alerts frames=$(metric piboard_frames_drawn_total) $(grep 'tap: open' /tmp/piboard.log | head -1)"
mem page
# 3. A tap on the page's back button: the overview again.
frames=$(metric piboard_frames_drawn_total)
wait_log "tap: back" "no tap on back"
settle "$frames" overview
echo "EMU-PAGE overview frames=$(metric piboard_frames_drawn_total)"
mem back
# piboard's own /metrics: frames counted after linuxkms drew them.
echo "EMU-METRICS $(wget -qO- http://127.0.0.1:8080/metrics | awk '
    /^piboard_frames_drawn_total / {printf "frames=%s ", $2}
    /^piboard_render_duration_seconds_sum / {printf "render_sum=%s ", $2}
    /^piboard_render_duration_seconds_count / {printf "render_count=%s ", $2}')"
echo "EMU-RSS $(grep -E 'VmHWM|VmRSS' /proc/$pid/status | tr -s ' \t' ' ' | tr '\n' ' ')"
kill -0 $pid 2>/dev/null && echo "EMU-ALIVE"
# 4. The GPIO path on the PL061's character device (issue 16): a dark demo
# second, the backlight on line @BACKLIGHT@, a PIR on line 3 (the line QMP's
# system_powerdown pulses). gpio-keys holds that line where it is built in
# (Debian's armmp kernel; arm64 has it as a module nobody loads): unbind it.
kill $pid; wait $pid 2>/dev/null
for d in /sys/bus/platform/drivers/gpio-keys/*; do
    [ -L "$d" ] && [ "${d##*/}" != module ] && echo "${d##*/}" > /sys/bus/platform/drivers/gpio-keys/unbind
done
mount -t debugfs debugfs /sys/kernel/debug
# The backlight line as the kernel shows it ("out hi", "out lo").
backlight() {
    base=$(sed -n 's/.*GPIOs \([0-9]*\)-.*pl061.*/\1/p' /sys/kernel/debug/gpio | head -1)
    grep " gpio-$((base + @BACKLIGHT@)) " /sys/kernel/debug/gpio | grep -o '[a-z]* *[a-z]* *$' |
        tr -s ' '
}
/usr/bin/piboard --demo --at @NIGHT@ --backlight-gpio @BACKLIGHT@ --motion-gpio 3 \
    >/tmp/night.log 2>&1 &
pid=$!
tail -f /tmp/night.log | sed 's/^/EMU-NIGHT-LOG /' &
wait_night() {
    n=0
    until grep -q "$1" /tmp/night.log; do
        n=$((n + 1))
        if [ $n -gt 600 ] || ! kill -0 $pid 2>/dev/null; then echo "EMU-FAIL $2"; break; fi
        sleep 0.05
    done
}
wait_night "first frame drawn" "no first frame at night"
sleep 2
sed 's/^/EMU-DEBUGFS /' /sys/kernel/debug/gpio
echo "EMU-GPIO dark backlight=[$(backlight)]"
echo "EMU-READY night"
wait_night "lit again" "the pulse did not wake the screen"
echo "EMU-GPIO lit backlight=[$(backlight)]"
echo "EMU-WAKE $(grep -m1 ' motion' /tmp/night.log) / $(grep -m1 'lit again' /tmp/night.log)"
sleep 1
echo "EMU-READY woken"
kill -0 $pid 2>/dev/null && echo "EMU-NIGHT-ALIVE"
sleep 1
# 5. The first boot without a config (issue 18): piboard with no config
# anywhere shows the setup screen instead of exiting. The guest takes the
# name and addresses of the setup goldens (tests/setup.rs) so its frame can
# be compared: kitchen-pi, 192.168.86.131 and fd00::2.
kill $pid; wait $pid 2>/dev/null
hostname kitchen-pi
ip addr add 192.168.86.131/24 dev lo
ip -6 addr add fd00::2/64 dev lo 2>/dev/null || echo "EMU-FAIL no IPv6 address"
# As the unit starts it (deploy/piboard.service), with no file there yet.
/usr/bin/piboard --config /etc/piboard/piboard.toml >/tmp/setup.log 2>&1 &
pid=$!
tail -f /tmp/setup.log | sed 's/^/EMU-SETUP-LOG /' &
n=0
until grep -q "first frame drawn" /tmp/setup.log; do
    n=$((n + 1))
    if [ $n -gt 1200 ] || ! kill -0 $pid 2>/dev/null; then echo "EMU-FAIL no setup screen"; break; fi
    sleep 0.1
done
sleep 2
kill -0 $pid 2>/dev/null && echo "EMU-SETUP-ALIVE"
echo "EMU-READY setup health=$(wget -qO- http://127.0.0.1:8080/api/health 2>&1 | tr -d ' \n' | head -c 80)"
sleep 1
echo "EMU-DONE"
sync
poweroff -f
"""

class Qmp:
    def __init__(self, path, deadline):
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(str(path))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.file = self.sock.makefile("rw")
        self._read()  # the greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        while True:
            msg = json.loads(self.file.readline())
            if "event" not in msg:
                return msg

    def cmd(self, name, **arguments):
        self.file.write(json.dumps({"execute": name, "arguments": arguments}) + "\n")
        self.file.flush()
        reply = self._read()
        if "error" in reply:
            raise RuntimeError(f"QMP {name}: {reply['error']}")
        return reply["return"]


def wait_for(serial, marker, deadline, qemu):
    """The first serial line starting with `marker` (waiting until `deadline`)."""
    while True:
        text = serial.read_text(errors="replace") if serial.exists() else ""
        for line in text.splitlines():
            if line.startswith(marker):
                return line
            if line.startswith("EMU-FAIL") or "Kernel panic" in line:
                # Let the guest print piboard's log before giving up.
                end = time.monotonic() + 15
                while "EMU-DONE" not in serial.read_text(errors="replace"):
                    if qemu.poll() is not None or time.monotonic() > end:
                        break
                    time.sleep(0.2)
                raise RuntimeError(f"guest: {line}")
        if qemu.poll() is not None:
            raise RuntimeError(f"qemu exited ({qemu.returncode}) before {marker}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {marker}")
        time.sleep(0.2)


def field(line, name):
    m = re.search(rf"{name}[=:]\s*([0-9.]+)", line)
    if not m:
        raise RuntimeError(f"no {name} in: {line}")
    return float(m.group(1))


def screendump(qmp, path):
    """QEMU's picture of the screen (PPM) into `path`, once it is complete."""
    path.unlink(missing_ok=True)
    qmp.cmd("screendump", filename=str(path))
    for _ in range(50):
        if path.exists() and path.stat().st_size >= WIDTH * HEIGHT * 3:
            return f"{path} ({path.stat().st_size} bytes)"
        time.sleep(0.1)
    raise RuntimeError(f"screendump {path}: incomplete")


def tap(qmp, at):
    """A tap at `at` (pixels) on the virtio tablet: move, press, release.
    Its absolute axes range 0..0x7fff in QEMU."""
    def axis(a, v, size):
        return {"type": "abs", "data": {"axis": a, "value": round(v * 0x7FFF / size)}}
    qmp.cmd("input-send-event", events=[axis("x", at[0], WIDTH), axis("y", at[1], HEIGHT)])
    time.sleep(0.3)
    for down in (True, False):
        qmp.cmd("input-send-event",
                events=[{"type": "btn", "data": {"down": down, "button": "left"}}])
        time.sleep(0.3)


def drive(qmp, serial, work, deadline, qemu):
    """Steps 2 to 5 of the module doc; returns (report lines, ok)."""
    report, ok = [], True
    wait_for(serial, "EMU-READY overview", deadline, qemu)
    report.append(f"screendump of the overview: {screendump(qmp, work / 'frame.ppm')}")

    tap(qmp, TAP)
    line = wait_for(serial, "EMU-TAP", deadline, qemu)
    x, y = field(line, "x"), field(line, "y")
    tap_ok = abs(x - TAP[0]) <= 2 and abs(y - TAP[1]) <= 2
    ok &= tap_ok
    report.append(f"tap beside the targets: sent at {TAP}, piboard logged x={x:g} y={y:g} "
                  f"({'OK' if tap_ok else 'WRONG PLACE'})")

    line = wait_for(serial, "EMU-READY touch", deadline, qemu)
    idle = field(line, "frames") == 1
    ok &= idle
    report.append(f"frames after it: {field(line, 'frames'):g} (the first only: "
                  f"{'OK' if idle else 'THE FROZEN DEMO REDREW'})")
    tap(qmp, ALERTS)
    line = wait_for(serial, "EMU-PAGE alerts", deadline, qemu)
    report.append(f"tap on the alerts card at {ALERTS}: the alerts page drawn "
                  f"(frame {field(line, 'frames'):g}); screendump: "
                  f"{screendump(qmp, work / 'page.ppm')}")

    tap(qmp, BACK)
    line = wait_for(serial, "EMU-PAGE overview", deadline, qemu)
    report.append(f"tap on back at {BACK}: the overview drawn (frame "
                  f"{field(line, 'frames'):g}); screendump: {screendump(qmp, work / 'back.ppm')}")
    return report, ok


def lit_share(ppm):
    """The share of pixels that are not black in a binary PPM (P6, 8 bits)."""
    data = ppm.read_bytes()
    header = data.split(b"\n", 3)
    pixels = header[3]
    lit = sum(1 for i in range(0, len(pixels) - 2, 3) if pixels[i] | pixels[i + 1] | pixels[i + 2])
    return lit / max(len(pixels) // 3, 1)


def night(qmp, serial, work, deadline, qemu):
    """Step 4: the backlight line and the motion line on the PL061."""
    report, ok = [], True
    dark = wait_for(serial, "EMU-GPIO dark", deadline, qemu)
    wait_for(serial, "EMU-READY night", deadline, qemu)
    screendump(qmp, work / "night.ppm")
    black = lit_share(work / "night.ppm")
    dark_ok = "out lo" in dark and black == 0
    ok &= dark_ok
    report.append(f"asleep (--demo --at {NIGHT}): backlight line {BACKLIGHT} "
                  f"[{dark.split('[', 1)[1]}, screendump {black:.1%} lit "
                  f"({'OK' if dark_ok else 'NOT DARK'})")
    qmp.cmd("system_powerdown")
    lit = wait_for(serial, "EMU-GPIO lit", deadline, qemu)
    wake = wait_for(serial, "EMU-WAKE", deadline, qemu)
    wait_for(serial, "EMU-READY woken", deadline, qemu)
    screendump(qmp, work / "woken.ppm")
    shown = lit_share(work / "woken.ppm")
    lit_ok = "out hi" in lit and shown > 0.5
    ok &= lit_ok
    report.append(f"system_powerdown (a pulse on PL061 line 3): backlight line "
                  f"{BACKLIGHT} [{lit.split('[', 1)[1]}, screendump {shown:.1%} lit "
                  f"({'OK' if lit_ok else 'NOT WOKEN'})")
    stamps = re.findall(r"(\d\d):(\d\d):(\d\d\.\d+)Z", wake)
    if len(stamps) == 2:
        (h0, m0, s0), (h1, m1, s1) = stamps
        ms = ((int(h1) - int(h0)) * 3600 + (int(m1) - int(m0)) * 60
              + float(s1) - float(s0)) * 1000
        report.append(f"wake latency in the guest: {ms:.0f} ms from piboard reading "
                      f"the edge to the first frame lit again")
    else:
        report.append(f"wake latency: no timestamps in: {wake}")
    return report, ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--arch", choices=sorted(ARCHES), default="arm64",
                    help="the board: arm64 (64-bit) or armhf (32-bit Raspberry Pi OS)")
    ap.add_argument("--bin", required=True, help="the piboard KMS binary for --arch")
    ap.add_argument("--kernel", required=True, help="the vmlinuz for --arch")
    ap.add_argument("--moddir", required=True, help="lib/modules/VERSION of that kernel")
    ap.add_argument("--busybox", required=True, help="busybox-static for --arch")
    ap.add_argument("--libinput-data", default="/usr/share/libinput")
    ap.add_argument("--xkb-data", default="/usr/share/X11/xkb")
    ap.add_argument("--font", default="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                    help="a system font for fontconfig (fonts-dejavu-core)")
    ap.add_argument("--at", type=int, default=40, help="the demo second to freeze")
    ap.add_argument("--rss-budget", type=float, default=25,
                    help="fail if piboard's peak RSS in the guest is above this (MiB)")
    ap.add_argument("--switch-budget", type=float, default=2,
                    help="fail if opening a page and going back raises the peak RSS "
                         "by more than this (MiB)")
    ap.add_argument("--work", required=True)
    ap.add_argument("--timeout", type=int, default=300, help="seconds for the whole boot")
    ap.add_argument("--qemu", help="QEMU's program [the one for --arch]")
    args = ap.parse_args()
    board = ARCHES[args.arch]

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    init = (INIT.replace("@AT@", str(args.at)).replace("@NIGHT@", str(NIGHT))
            .replace("@BACKLIGHT@", str(BACKLIGHT)))
    initramfs = build_initramfs(args, work, init)
    serial = work / "serial.log"
    # A short path: a unix socket's name is limited to 107 bytes.
    qmp_dir = Path(tempfile.mkdtemp(prefix="piboard-qmp-"))
    qmp_sock = qmp_dir / "qmp.sock"
    for name in ("serial.log", "frame.ppm", "page.ppm", "back.ppm", "night.ppm", "woken.ppm",
                 "setup.ppm"):
        (work / name).unlink(missing_ok=True)

    cmd = [args.qemu or board["qemu"], "-M", board["machine"], "-cpu", board["cpu"],
           "-smp", "2", "-m", "1024",
           "-nodefaults", "-no-reboot", "-display", "none",
           "-kernel", args.kernel, "-initrd", str(initramfs),
           "-append", "console=ttyAMA0 rdinit=/init loglevel=4 panic=-1",
           "-device", f"virtio-gpu-pci,xres={WIDTH},yres={HEIGHT}",
           "-device", "virtio-tablet-pci",
           "-serial", f"file:{serial}",
           "-qmp", f"unix:{qmp_sock},server=on,wait=off"]
    print("$ " + " ".join(cmd), flush=True)
    started = time.monotonic()
    deadline = started + args.timeout
    qemu = subprocess.Popen(cmd)
    report = []
    ok = True
    try:
        qmp = Qmp(qmp_sock, deadline)
        init = field(wait_for(serial, "EMU-INIT", deadline, qemu), "uptime")
        start = field(wait_for(serial, "EMU-START", deadline, qemu), "uptime")
        first = wait_for(serial, "EMU-FIRST-FRAME", deadline, qemu)
        host_first = time.monotonic() - started
        since_start = field(first, "since_start_ms") / 1000
        to_frame = start - init + since_start
        report.append(f"first frame: {to_frame:.1f} s from init ({start - init:.1f} s "
                      f"to start piboard, incl. loading modules; {since_start:.1f} s "
                      f"in piboard), kernel uptime {start + since_start:.1f} s, "
                      f"{host_first:.0f} s after starting qemu")
        steps, fine = drive(qmp, serial, work, deadline, qemu)
        report += steps
        ok &= fine
        steps, fine = night(qmp, serial, work, deadline, qemu)
        report += steps
        ok &= fine
        line = wait_for(serial, "EMU-READY setup", deadline, qemu)
        report.append(f"no config: the setup screen drawn; screendump: "
                      f"{screendump(qmp, work / 'setup.ppm')}; {line.split('EMU-READY setup ')[-1]}")
        alive = "EMU-SETUP-ALIVE" in serial.read_text(errors="replace")
        ok &= alive
        if not alive:
            report.append("piboard without a config was no longer running (it must not exit)")

        metrics = wait_for(serial, "EMU-METRICS", deadline, qemu)
        frames, count = field(metrics, "frames"), field(metrics, "render_count")
        counted = frames >= 1 and count == frames
        ok &= counted
        mean = field(metrics, "render_sum") / max(count, 1) * 1000
        report.append(f"frames counted by piboard on linuxkms: {frames:g}, "
                      f"{count:g} timed, {mean:.1f} ms each on average "
                      f"(apply, draw and page flip, emulated CPU; "
                      f"{'OK' if counted else 'NOT COUNTED'})")

        rss = wait_for(serial, "EMU-RSS", deadline, qemu)
        hwm = field(rss, "VmHWM") / 1024
        within = hwm <= args.rss_budget
        ok &= within
        report.append(f"piboard peak RSS in the guest: {hwm:.1f} MiB (VmHWM; "
                      f"VmRSS {field(rss, 'VmRSS') / 1024:.1f} MiB; budget "
                      f"{args.rss_budget:g} MiB: {'OK' if within else 'OVER'})")
        text = serial.read_text(errors="replace")
        lines, fine = memory_report(memory(text), args.switch_budget)
        report += lines
        # A 2 MiB stack that lands 2 MiB-aligned is one transparent huge page
        # where THP is `always` (this kernel): 2 MiB resident, on some boots.
        stacks = thread_stacks(text)
        small = bool(stacks) and all(kb is not None and kb < 2048 for _, kb in stacks)
        ok &= small
        report.append("thread stacks (the writable mapping at each stack pointer): " +
                      ", ".join(f"{n} {'?' if kb is None else kb} kB" for n, kb in stacks) +
                      f" ({'OK: under 2 MiB' if small else '2 MiB OR MORE: a huge page can back one'})")
        ok &= fine
        text = serial.read_text(errors="replace")
        if "EMU-ALIVE" not in text:
            ok = False
            report.append("piboard was no longer running after the tap")
        wait_for(serial, "EMU-DONE", deadline, qemu)
        try:
            qemu.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        report.append(f"total: {time.monotonic() - started:.0f} s of emulation")
    except (RuntimeError, OSError) as e:
        ok = False
        report.append(f"FAILED: {e}")
    finally:
        if qemu.poll() is None:
            qemu.kill()
            qemu.wait()
        shutil.rmtree(qmp_dir, ignore_errors=True)
    print("--- guest serial console ---")
    print(serial.read_text(errors="replace") if serial.exists() else "(none)")
    print("--- emulated boot ---")
    print("\n".join(report))
    (work / "report.txt").write_text("\n".join(report) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
