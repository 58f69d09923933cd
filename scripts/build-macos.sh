#!/bin/sh
# Links the macOS release binaries (x86_64 and arm64) on Linux, for
# `make dist`: Zig (PyPI's ziglang) as the linker through cargo-zigbuild
# (also from PyPI), both installed into a venv under ~/.cache/mosh-rs on
# first use. Zig brings stubs of macOS's libSystem, so no Apple SDK is
# needed. The binaries are built, not run (nothing here runs macOS).
#
#   build-macos.sh    (then target/{x86_64,aarch64}-apple-darwin/release/mosh-rs)
#
# Exits 1, saying why in one line, when Zig cannot be had; `make dist`
# then packs the Linux tarballs only. About 2 minutes per target on one core.
set -eu

venv="${XDG_CACHE_HOME:-$HOME/.cache}/mosh-rs/zig-venv"
if [ ! -x "$venv/bin/cargo-zigbuild" ] || ! "$venv/bin/python" -c 'import ziglang' >/dev/null 2>&1; then
    echo "build-macos: installing ziglang and cargo-zigbuild into $venv"
    { python3 -m venv "$venv" && "$venv/bin/pip" install -q ziglang cargo-zigbuild; } >/dev/null 2>&1 || {
        echo "build-macos: could not install ziglang and cargo-zigbuild from PyPI; no macOS binaries" >&2
        exit 1
    }
fi
PATH="$venv/bin:$PATH"
export PATH

# The oldest macOS each build runs on (Rust's own defaults; Zig would
# otherwise mark them for its newest macOS only).
for pair in x86_64-apple-darwin=10.12 aarch64-apple-darwin=11.0; do
    target=${pair%%=*}
    if command -v rustup >/dev/null 2>&1; then
        rustup target list --installed | grep -qx "$target" || rustup target add "$target"
    fi
    MACOSX_DEPLOYMENT_TARGET=${pair#*=} cargo-zigbuild build --release --locked --target "$target" || {
        echo "build-macos: linking for $target failed; no macOS binaries" >&2
        exit 1
    }
done
