#!/usr/bin/env bash
# The Pi build without Docker, on Debian or Ubuntu (what CI runs):
#   cross/build-aarch64.sh            # -> target/aarch64-unknown-linux-gnu/release/piboard
# One-time setup (as root):
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross pkg-config \
#       libudev-dev:arm64 libinput-dev:arm64 libxkbcommon-dev:arm64 libfontconfig-dev:arm64
#   rustup target add aarch64-unknown-linux-gnu
# With Docker instead: cross build --release --target aarch64-unknown-linux-gnu
#   (Cross.toml selects the image in cross/Dockerfile).
# The target alone selects the KMS backend (Cargo.toml, ARCHITECTURE.md "One
# build per target"). Extra arguments go to cargo (e.g. --locked).
set -euo pipefail
cd "$(dirname "$0")/.."

export PKG_CONFIG_ALLOW_CROSS=1
export PKG_CONFIG_PATH_aarch64_unknown_linux_gnu=/usr/lib/aarch64-linux-gnu/pkgconfig
export PKG_CONFIG_SYSROOT_DIR_aarch64_unknown_linux_gnu=/
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc

exec cargo build --release --target aarch64-unknown-linux-gnu "$@"
