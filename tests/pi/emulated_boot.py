#!/usr/bin/env python3
"""Boots the aarch64 piboard binary on an emulated board (qemu-system-aarch64,
-M virt, Cortex-A53) with a virtio GPU at 800x480 and a virtio tablet, and
runs it through the KMS code path it uses on the Pi: Slint's linuxkms backend,
the software renderer on DRM dumb buffers, libinput for touch.

Run by tests/pi/emulated-boot.sh, which fetches Debian's arm64 kernel and
busybox-static and extracts them; this script builds the initramfs, boots it,
and drives the guest over QMP:

  1. waits for the guest to report piboard's first frame,
  2. takes the screen with QMP's screendump (PPM) into WORK/frame.ppm,
  3. taps the screen centre with input-send-event on the virtio tablet and
     waits for piboard's "tap" log line (the touch reached the UI through
     libinput, at the right coordinates),
  4. reads piboard's peak RSS (VmHWM) inside the guest.

Prints the figures and writes them to WORK/report.txt. Exit 1 on any failure.
Python 3 standard library only.
"""

import argparse
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WIDTH, HEIGHT = 800, 480
# The tap: the screen centre, in pixels.
TAP = (400, 240)
MODULES = ["virtio_pci", "virtio_gpu", "virtio_input", "evdev"]
LIB_DIRS = ["/usr/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu"]

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
wait_log "first frame drawn" "no first frame"
echo "EMU-FIRST-FRAME uptime=$(cut -d' ' -f1 /proc/uptime) $(grep 'first frame drawn' /tmp/piboard.log)"
wait_log " tap " "no tap"
echo "EMU-TAP $(grep ' tap ' /tmp/piboard.log | head -1)"
sleep 2
# piboard's own /metrics: frames counted after linuxkms drew them.
echo "EMU-METRICS $(wget -qO- http://127.0.0.1:8080/metrics | awk '
    /^piboard_frames_drawn_total / {printf "frames=%s ", $2}
    /^piboard_render_duration_seconds_sum / {printf "render_sum=%s ", $2}
    /^piboard_render_duration_seconds_count / {printf "render_count=%s ", $2}')"
echo "EMU-RSS $(grep -E 'VmHWM|VmRSS' /proc/$pid/status | tr -s ' \t' ' ' | tr '\n' ' ')"
kill -0 $pid 2>/dev/null && echo "EMU-ALIVE"
sleep 1
echo "EMU-DONE"
sync
poweroff -f
"""

FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>/usr/share/fonts</dir>
  <cachedir>/tmp/fontconfig</cachedir>
</fontconfig>
"""


class Cpio:
    """A newc ("070701") archive, the format the kernel unpacks as initramfs."""

    def __init__(self):
        self.data = bytearray()
        self.ino = 1
        self.seen = set()

    def _entry(self, name, mode, body=b"", rdev=(0, 0)):
        name = name.lstrip("/")
        fields = [self.ino, mode, 0, 0, 1, 0, len(body), 0, 0, rdev[0], rdev[1],
                  len(name) + 1, 0]
        self.ino += 1
        self.data += b"070701" + b"".join(b"%08x" % f for f in fields)
        self.data += name.encode() + b"\0"
        self.data += b"\0" * (-len(self.data) % 4)
        self.data += body
        self.data += b"\0" * (-len(self.data) % 4)

    def dir(self, path):
        parts = Path(path.lstrip("/")).parts
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in self.seen:
                self.seen.add(d)
                self._entry(d, stat.S_IFDIR | 0o755)

    def file(self, path, body, mode=0o644):
        self.dir(os.path.dirname(path))
        self._entry(path, stat.S_IFREG | mode, body)

    def copy(self, path, src):
        src = Path(src)
        mode = 0o755 if os.access(src, os.X_OK) else 0o644
        self.file(path, src.read_bytes(), mode)

    def symlink(self, path, target):
        self.dir(os.path.dirname(path))
        self._entry(path, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, path, major, minor):
        self.dir(os.path.dirname(path))
        self._entry(path, stat.S_IFCHR | 0o600, rdev=(major, minor))

    def tree(self, dest, src):
        for root, dirs, files in os.walk(src):
            rel = os.path.relpath(root, src)
            base = dest if rel == "." else f"{dest}/{rel}"
            self.dir(base)
            for f in sorted(files):
                p = os.path.join(root, f)
                if os.path.islink(p):
                    self.symlink(f"{base}/{f}", os.readlink(p))
                else:
                    self.copy(f"{base}/{f}", p)
            for d in dirs:
                p = os.path.join(root, d)
                if os.path.islink(p):
                    self.symlink(f"{base}/{d}", os.readlink(p))

    def bytes(self):
        self._entry("TRAILER!!!", 0)
        return bytes(self.data)


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def module_order(moddir):
    """The wanted modules and their dependencies, dependencies first."""
    paths = {}
    for p in Path(moddir, "kernel").rglob("*.ko"):
        paths[p.stem.replace("-", "_")] = p
    order = []

    def visit(name):
        name = name.replace("-", "_")
        if name in order:
            return
        if name not in paths:
            raise SystemExit(f"module {name} not found under {moddir} (built in?)")
        deps = run("modinfo", "-F", "depends", str(paths[name])).strip()
        for d in filter(None, deps.split(",")):
            visit(d)
        order.append(name)

    for m in MODULES:
        visit(m)
    return [(n, paths[n]) for n in order]


def library_closure(binary):
    """The interpreter and every NEEDED library, found in the arm64 multiarch dirs."""
    interp = re.search(r"program interpreter: (\S+)\]", run("readelf", "-l", binary))
    if not interp:
        raise SystemExit(f"{binary}: no program interpreter")
    found = {}
    todo = [binary]
    while todo:
        for lib in re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]",
                              run("readelf", "-d", todo.pop())):
            if lib in found:
                continue
            for d in LIB_DIRS:
                if os.path.exists(f"{d}/{lib}"):
                    found[lib] = os.path.realpath(f"{d}/{lib}")
                    todo.append(found[lib])
                    break
            else:
                raise SystemExit(f"{lib} (needed by the closure of {binary}) is not "
                                 f"in {LIB_DIRS}: install its arm64 package")
    return interp.group(1), found


def build_initramfs(args, work):
    cpio = Cpio()
    for d in ["proc", "sys", "dev", "tmp", "run", "root", "bin", "sbin", "usr/bin"]:
        cpio.dir(d)
    cpio.chardev("dev/console", 5, 1)
    cpio.copy("bin/busybox", args.busybox)
    cpio.file("init", INIT.replace("@AT@", str(args.at)).encode(), 0o755)
    cpio.copy("usr/bin/piboard", args.bin)
    interp, libs = library_closure(args.bin)
    cpio.copy(interp, os.path.realpath(interp))
    for name, path in sorted(libs.items()):
        cpio.copy(f"lib/aarch64-linux-gnu/{name}", path)
    mods = module_order(args.moddir)
    for name, path in mods:
        cpio.copy(f"modules/{path.name}", path)
    cpio.file("modules/order", "\n".join(p.name for _, p in mods).encode() + b"\n")
    cpio.tree("usr/share/libinput", args.libinput_data)
    if os.path.isdir(args.xkb_data):
        cpio.tree("usr/share/X11/xkb", args.xkb_data)
    cpio.file("etc/fonts/fonts.conf", FONTS_CONF.encode())
    # One system font, as on the Pi (libfontconfig1 pulls in fonts-dejavu-core):
    # piboard draws with its embedded fonts, but fontique's fontconfig backend
    # panics (NoMatch) when fontconfig knows no font at all.
    cpio.copy(f"usr/share/fonts/{os.path.basename(args.font)}", args.font)
    image = cpio.bytes()
    out = work / "initramfs.cpio"
    out.write_bytes(image)
    print(f"initramfs: {len(image) / 1e6:.1f} MB, {len(libs)} libraries, "
          f"modules: {' '.join(n for n, _ in mods)}")
    return out


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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", required=True, help="the aarch64 piboard binary")
    ap.add_argument("--kernel", required=True, help="the arm64 vmlinuz")
    ap.add_argument("--moddir", required=True, help="lib/modules/VERSION of that kernel")
    ap.add_argument("--busybox", required=True, help="busybox-static for arm64")
    ap.add_argument("--libinput-data", default="/usr/share/libinput")
    ap.add_argument("--xkb-data", default="/usr/share/X11/xkb")
    ap.add_argument("--font", default="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                    help="a system font for fontconfig (fonts-dejavu-core)")
    ap.add_argument("--at", type=int, default=40, help="the demo second to freeze")
    ap.add_argument("--rss-budget", type=float, default=25,
                    help="fail if piboard's peak RSS in the guest is above this (MiB)")
    ap.add_argument("--work", required=True)
    ap.add_argument("--timeout", type=int, default=300, help="seconds for the whole boot")
    ap.add_argument("--qemu", default="qemu-system-aarch64")
    args = ap.parse_args()

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    initramfs = build_initramfs(args, work)
    serial, frame = work / "serial.log", work / "frame.ppm"
    # A short path: a unix socket's name is limited to 107 bytes.
    qmp_dir = Path(tempfile.mkdtemp(prefix="piboard-qmp-"))
    qmp_sock = qmp_dir / "qmp.sock"
    for p in (serial, frame):
        p.unlink(missing_ok=True)

    cmd = [args.qemu, "-M", "virt", "-cpu", "cortex-a53", "-smp", "2", "-m", "1024",
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
        # The frame is frozen; give the renderer a moment past the first frame.
        time.sleep(3)
        qmp.cmd("screendump", filename=str(frame))
        for _ in range(50):
            if frame.exists() and frame.stat().st_size >= WIDTH * HEIGHT * 3:
                break
            time.sleep(0.1)
        report.append(f"screendump: {frame} ({frame.stat().st_size} bytes)")

        # A tap at the centre: absolute axes range 0..0x7fff in QEMU.
        def axis(a, v, size):
            return {"type": "abs", "data": {"axis": a, "value": round(v * 0x7FFF / size)}}
        qmp.cmd("input-send-event", events=[axis("x", TAP[0], WIDTH), axis("y", TAP[1], HEIGHT)])
        time.sleep(0.3)
        for down in (True, False):
            qmp.cmd("input-send-event",
                    events=[{"type": "btn", "data": {"down": down, "button": "left"}}])
            time.sleep(0.3)
        tap = wait_for(serial, "EMU-TAP", deadline, qemu)
        x, y = field(tap, "x"), field(tap, "y")
        tap_ok = abs(x - TAP[0]) <= 2 and abs(y - TAP[1]) <= 2
        ok &= tap_ok
        report.append(f"tap: sent at {TAP}, piboard logged x={x:g} y={y:g} "
                      f"({'OK' if tap_ok else 'WRONG PLACE'})")

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
