#!/usr/bin/env bash
# The 32-bit Raspberry Pi OS build (Bookworm armhf: Pi 2, 3, Zero 2 W) without
# Docker, on Debian or Ubuntu (what CI runs):
#   cross/build-armv7.sh              # -> target/armv7-unknown-linux-gnueabihf/release/piboard
# One-time setup (as root):
#   dpkg --add-architecture armhf && apt-get update
#   apt-get install gcc-arm-linux-gnueabihf libc6-dev-armhf-cross pkg-config \
#       libudev-dev:armhf libinput-dev:armhf libxkbcommon-dev:armhf libfontconfig-dev:armhf
#   rustup target add armv7-unknown-linux-gnueabihf
# With Docker instead: cross build --release --target armv7-unknown-linux-gnueabihf
#   (Cross.toml selects the image in cross/Dockerfile, built for armhf).
# The target alone selects the KMS backend (Cargo.toml, ARCHITECTURE.md "One
# build per target"). Extra arguments go to cargo (e.g. --locked).
set -euo pipefail
cd "$(dirname "$0")/.."

export PKG_CONFIG_ALLOW_CROSS=1
export PKG_CONFIG_PATH_armv7_unknown_linux_gnueabihf=/usr/lib/arm-linux-gnueabihf/pkgconfig
export PKG_CONFIG_SYSROOT_DIR_armv7_unknown_linux_gnueabihf=/
export CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER=arm-linux-gnueabihf-gcc
export CC_armv7_unknown_linux_gnueabihf=arm-linux-gnueabihf-gcc

exec cargo build --release --target armv7-unknown-linux-gnueabihf "$@"
