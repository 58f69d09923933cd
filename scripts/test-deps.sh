#!/bin/sh
# Installs what the mosh-rs tests need, idempotently: tmux, upstream mosh
# (the interop oracle), openssh-server (bootstrap tests) and the musl
# target. Needs root for apt-get; without root it says what is missing.
set -eu

need_pkgs=""
command -v tmux >/dev/null 2>&1 || need_pkgs="$need_pkgs tmux"
[ -x /usr/bin/mosh-server ] && [ -x /usr/bin/mosh-client ] || need_pkgs="$need_pkgs mosh"
[ -x /usr/sbin/sshd ] || need_pkgs="$need_pkgs openssh-server"
command -v ssh >/dev/null 2>&1 || need_pkgs="$need_pkgs openssh-client"
command -v locale >/dev/null 2>&1 || need_pkgs="$need_pkgs locales"

if [ -n "$need_pkgs" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "test-deps: installing$need_pkgs"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need_pkgs >/dev/null
    else
        echo "test-deps: missing$need_pkgs (run as root with apt-get to install)" >&2
    fi
fi

# The tests run programs in a UTF-8 locale; C.UTF-8 ships with libc.
if command -v rustup >/dev/null 2>&1; then
    target=${TARGET:-x86_64-unknown-linux-musl}
    rustup target list --installed | grep -qx "$target" || rustup target add "$target"
fi
echo "test-deps: ready"
