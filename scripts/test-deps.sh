#!/bin/sh
# Installs what the mosh-rs tests need, idempotently: tmux, upstream mosh
# (the interop oracle), openssh-server (bootstrap tests), nftables and
# iproute2 (the ssh carrier tests firewall a private network namespace), the release
# checks' tools (qemu-user-static runs the aarch64, ppc64le and riscv64 builds; groff and mandoc
# lint the man pages; zsh loads the zsh completion; dash and busybox run
# install.sh as a non-GNU sh would; ruby dry-runs the Homebrew formula),
# the programs the
# program comparison runs (vim, nano, emacs, mc, ncdu, w3m, less, man,
# git, python3), a C++ compiler (libFuzzer, for the fuzz targets), the
# musl targets, the macOS and FreeBSD targets the cross check
# type-checks, the pinned toolchain the ppc64le and riscv64 builds use,
# and py-rattler-build (renders the conda recipe) in a venv under
# ~/.cache/mosh-rs. Needs root for apt-get; without root it says what is
# missing.
set -eu

need_pkgs=""
command -v tmux >/dev/null 2>&1 || need_pkgs="$need_pkgs tmux"
[ -x /usr/bin/mosh-server ] && [ -x /usr/bin/mosh-client ] || need_pkgs="$need_pkgs mosh"
[ -x /usr/sbin/sshd ] || need_pkgs="$need_pkgs openssh-server"
[ -x /usr/sbin/nft ] || need_pkgs="$need_pkgs nftables"
[ -x /usr/sbin/ip ] || need_pkgs="$need_pkgs iproute2"
command -v ssh >/dev/null 2>&1 || need_pkgs="$need_pkgs openssh-client"
command -v locale >/dev/null 2>&1 || need_pkgs="$need_pkgs locales"
{ command -v qemu-aarch64-static && command -v qemu-ppc64le-static && command -v qemu-riscv64-static; } >/dev/null 2>&1 ||
    need_pkgs="$need_pkgs qemu-user-static"
command -v groff >/dev/null 2>&1 || need_pkgs="$need_pkgs groff-base"
command -v mandoc >/dev/null 2>&1 || need_pkgs="$need_pkgs mandoc"
command -v zsh >/dev/null 2>&1 || need_pkgs="$need_pkgs zsh"
command -v dash >/dev/null 2>&1 || need_pkgs="$need_pkgs dash"
command -v busybox >/dev/null 2>&1 || need_pkgs="$need_pkgs busybox"
command -v ruby >/dev/null 2>&1 || need_pkgs="$need_pkgs ruby"
command -v python3 >/dev/null 2>&1 || need_pkgs="$need_pkgs python3 python3-venv"
# Real programs for tests/interop/program_compare.rs (a plain pane against a session).
command -v vim >/dev/null 2>&1 || need_pkgs="$need_pkgs vim"
command -v nano >/dev/null 2>&1 || need_pkgs="$need_pkgs nano"
command -v emacs >/dev/null 2>&1 || need_pkgs="$need_pkgs emacs-nox"
command -v mc >/dev/null 2>&1 || need_pkgs="$need_pkgs mc"
command -v ncdu >/dev/null 2>&1 || need_pkgs="$need_pkgs ncdu"
command -v w3m >/dev/null 2>&1 || need_pkgs="$need_pkgs w3m"
command -v less >/dev/null 2>&1 || need_pkgs="$need_pkgs less"
command -v man >/dev/null 2>&1 || need_pkgs="$need_pkgs man-db"
[ -e /usr/share/man/man7/ascii.7.gz ] || need_pkgs="$need_pkgs manpages"
command -v git >/dev/null 2>&1 || need_pkgs="$need_pkgs git"
command -v seq >/dev/null 2>&1 || need_pkgs="$need_pkgs coreutils"
command -v bash >/dev/null 2>&1 || need_pkgs="$need_pkgs bash"
# The fuzz targets (scripts/fuzz.sh): libfuzzer-sys compiles libFuzzer with a C++ compiler.
command -v c++ >/dev/null 2>&1 || need_pkgs="$need_pkgs g++"

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
    for target in "${TARGET:-x86_64-unknown-linux-musl}" aarch64-unknown-linux-musl \
        x86_64-apple-darwin aarch64-apple-darwin x86_64-unknown-freebsd; do
        rustup target list --installed | grep -qx "$target" || rustup target add "$target" ||
            echo "test-deps: could not add the Rust target $target" >&2
    done
    # The ppc64le build's pinned toolchain (PPC_TOOLCHAIN in the Makefile).
    ppc=${PPC_TOOLCHAIN:-1.93.0}
    rustup toolchain list | grep -q "^$ppc-" || rustup toolchain install "$ppc" --profile minimal ||
        echo "test-deps: could not install the Rust toolchain $ppc" >&2
    for target in powerpc64le-unknown-linux-musl riscv64gc-unknown-linux-musl; do
        rustup target list --installed --toolchain "$ppc" | grep -qx "$target" ||
            rustup target add --toolchain "$ppc" "$target" ||
            echo "test-deps: could not add $target to Rust $ppc" >&2
    done
fi

# py-rattler-build renders dist/conda-forge/recipe.yaml offline; the conda
# recipe test finds it at this path (or at $MOSH_RS_RATTLER_PYTHON).
venv="${XDG_CACHE_HOME:-$HOME/.cache}/mosh-rs/rattler-venv"
if ! "$venv/bin/python" -c 'import rattler_build' >/dev/null 2>&1; then
    echo "test-deps: installing py-rattler-build into $venv"
    python3 -m venv "$venv" && "$venv/bin/pip" install -q py-rattler-build ||
        echo "test-deps: could not install py-rattler-build" >&2
fi
echo "test-deps: ready"
