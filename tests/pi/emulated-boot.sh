#!/usr/bin/env bash
# A KMS binary on an emulated board (issue 10; armhf: issue 18): boots Debian
# Bookworm's kernel in QEMU's virt machine (1 GB) -- arm64: the aarch64
# binary, qemu-system-aarch64, Cortex-A53; armhf: the armv7 binary (32-bit
# Raspberry Pi OS), qemu-system-arm, Cortex-A15, the armmp kernel -- with a virtio GPU at 800x480 and a virtio tablet, runs `piboard --demo --at 40`
# from a busybox initramfs through the Pi's code path (Slint linuxkms, software
# renderer on DRM dumb buffers, libinput), and checks, with taps sent by QMP
# input-send-event on the virtio tablet (through libinput, as a touch is):
#   - the frame: QEMU's screendump against tests/golden/service-down.png with
#     the other machines' tolerance (tests/common/golden.rs,
#     Tolerance::OtherMachine; tests/golden.rs, emulated_board_frames_match_goldens),
#   - a tap beside every target reaches the UI at the right place (piboard
#     logs "tap x=.. y=..") and opens nothing,
#   - a tap on the alerts card opens the alerts page: its frame against
#     tests/golden/page-alerts-firing.png; a tap on back: the overview again,
#   - the GPIO path (issue 16): on a dark demo second, a backlight on the
#     PL061's line 4 reads "out lo" in debugfs and the screen is black; QMP's
#     system_powerdown pulses line 3 (piboard's motion line): "out hi" and
#     the dashboard drawn again, with the wake latency from the guest's log,
# and reports piboard's peak RSS inside the guest after each step (failing
# above 25 MiB, or if opening the page and going back raise it by more than
# 2 MiB) and the time from init to the first frame. About a minute once the
# packages are fetched.
#
# Needs (as root, Debian/Ubuntu with `dpkg --add-architecture ARCH` and
# `apt-get update` done): qemu-system-arm, python3, binutils (readelf), kmod
# (modinfo), fonts-dejavu-core, libinput-bin (the quirks data), the ARCH
# libraries the binary links (tests/pi/check.sh's packages), and the release
# build (cross/build-aarch64.sh, cross/build-armv7.sh). The kernel (the
# newest linux-image-6.1.0-*-arm64 or -armmp) and busybox-static:ARCH are
# fetched with `apt-get download` into $PIBOARD_EMU_WORK (default
# target/emulated-boot for arm64, target/emulated-boot-armhf), and reused
# from there.
#
#   tests/pi/emulated-boot.sh                 # arm64
#   tests/pi/emulated-boot.sh armhf           # 32-bit
#   PIBOARD_EMU_BIN=path/to/piboard tests/pi/emulated-boot.sh [arm64|armhf]
#   (PIBOARD_AARCH64_BIN, the old name, still works for arm64)
set -euo pipefail
cd "$(dirname "$0")/../.."

arch=${1:-arm64}
case $arch in
    arm64) triple=aarch64-unknown-linux-gnu kernel_flavour=arm64 qemu=qemu-system-aarch64
           build=cross/build-aarch64.sh default_work=target/emulated-boot
           bin=${PIBOARD_EMU_BIN:-${PIBOARD_AARCH64_BIN:-target/$triple/release/piboard}} ;;
    armhf) triple=armv7-unknown-linux-gnueabihf kernel_flavour=armmp qemu=qemu-system-arm
           build=cross/build-armv7.sh default_work=target/emulated-boot-armhf
           bin=${PIBOARD_EMU_BIN:-target/$triple/release/piboard} ;;
    *) echo "usage: $0 [arm64|armhf]" >&2; exit 2 ;;
esac
work=${PIBOARD_EMU_WORK:-$default_work}
# The demo second shown, and its goldens (tests/golden.rs, CASES): the
# overview, and the alerts page a tap on the alerts card opens.
at=40
golden=service-down
page_golden=page-alerts-firing

started=$(date +%s)
[ -x "$bin" ] || { echo "no $arch binary at $bin (run $build)" >&2; exit 1; }
for tool in "$qemu" python3 readelf modinfo dpkg-deb apt-get; do
    command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
dpkg --print-foreign-architectures | grep -qx "$arch" ||
    { echo "run: dpkg --add-architecture $arch && apt-get update" >&2; exit 1; }

mkdir -p "$work/debs"
work=$(realpath "$work")
kernel_pkg=$(apt-cache search --names-only "^linux-image-6\\.1\\.0-[0-9]+-$kernel_flavour\$" |
    awk '{print $1}' | sort -V | tail -n1)
[ -n "$kernel_pkg" ] || { echo "no linux-image-6.1.0-*-$kernel_flavour package (apt-get update?)" >&2; exit 1; }
kver=${kernel_pkg#linux-image-}
echo "kernel: $kernel_pkg"
(
    cd "$work/debs"
    ls "${kernel_pkg}"_*_"$arch".deb >/dev/null 2>&1 || apt-get download -q "$kernel_pkg"
    ls busybox-static_*_"$arch".deb >/dev/null 2>&1 || apt-get download -q "busybox-static:$arch"
) 2>&1 | grep -v "Download is performed unsandboxed" || true
rm -rf "$work/root"
mkdir -p "$work/root"
for deb in "$work/debs/${kernel_pkg}"_*_"$arch".deb "$work/debs"/busybox-static_*_"$arch".deb; do
    dpkg-deb -x "$deb" "$work/root"
done

python3 tests/pi/emulated_boot.py \
    --arch "$arch" \
    --bin "$bin" \
    --kernel "$work/root/boot/vmlinuz-$kver" \
    --moddir "$work/root/lib/modules/$kver" \
    --busybox "$work/root/bin/busybox" \
    --at "$at" \
    --work "$work/run"

echo "--- the frames against their goldens"
PIBOARD_EMU_FRAMES="$golden=$work/run/frame.ppm $page_golden=$work/run/page.ppm $golden=$work/run/back.ppm setup-missing=$work/run/setup.ppm" \
    cargo test --locked --test golden emulated_board_frames_match_goldens \
    -- --ignored --nocapture

echo "emulated boot ($arch): OK in $(( $(date +%s) - started )) s ($kernel_pkg, demo second $at)"
