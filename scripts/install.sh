#!/bin/sh
# Installs mosh-rs for one user or system-wide, without network or root
# (unless the prefix needs it):
#
#   install.sh [--prefix DIR] [--force] [BINARY]
#
# puts BINARY at DIR/bin/mosh-rs (default DIR: ~/.local), makes the links
# mosh, mosh-client and mosh-server to it, and installs the man pages and
# the bash and zsh completions found next to this script (a release
# tarball) or in the source tree's dist/. Without BINARY it uses the
# mosh-rs next to this script, else the source tree's release build for
# this machine. Running it again replaces what it installed before; a
# file it did not make (say, another mosh) is left alone unless --force.
# $DESTDIR, if set, is prepended to every path written (for packagers).
#
# Plain POSIX sh and tools only (macOS's /bin/sh and BSD tools, dash,
# busybox): no GNU options such as readlink -f, stat -c, install -D or
# sed -i.
set -eu

say() { printf '%s\n' "$*"; }
fail() {
    printf 'install.sh: %s\n' "$*" >&2
    exit 1
}
usage() {
    say "Usage: install.sh [--prefix DIR] [--force] [BINARY]"
    say "Installs BINARY (default: the mosh-rs next to this script or the release"
    say "build) as DIR/bin/mosh-rs with links mosh, mosh-client, mosh-server, plus"
    say "man pages and shell completions. DIR defaults to ~/.local."
}

prefix=
force=0
binary=
while [ $# -gt 0 ]; do
    case $1 in
        --prefix) [ $# -ge 2 ] || fail "--prefix needs a directory"; prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --force) force=1; shift ;;
        -h | --help) usage; exit 0 ;;
        --) shift; break ;;
        -*) usage >&2; fail "unknown option: $1" ;;
        *) [ -z "$binary" ] || fail "more than one BINARY given: $binary, $1"; binary=$1; shift ;;
    esac
done
if [ $# -gt 0 ]; then
    [ -z "$binary" ] && [ $# -eq 1 ] || fail "more than one BINARY given"
    binary=$1
fi

if [ -z "$prefix" ]; then
    [ -n "${HOME:-}" ] || fail "HOME is not set; give --prefix DIR"
    prefix=$HOME/.local
fi
case $prefix in
    /*) ;;
    *) prefix=$(pwd)/$prefix ;;
esac
prefix=${prefix%/}
[ -n "$prefix" ] || prefix=/

here=$(cd "$(dirname "$0")" && pwd)

# The first existing path of the arguments, or nothing.
first_of() {
    for candidate in "$@"; do
        if [ -e "$candidate" ]; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    return 0
}

# The Rust target this machine's release build is made for.
release_target() {
    case $(uname -s):$(uname -m) in
        Darwin:arm64 | Darwin:aarch64) echo aarch64-apple-darwin ;;
        Darwin:*) echo x86_64-apple-darwin ;;
        *:ppc64le) echo powerpc64le-unknown-linux-musl ;;
        *:*) echo "$(uname -m)-unknown-linux-musl" ;;
    esac
}

if [ -z "$binary" ]; then
    binary=$(first_of "$here/mosh-rs" \
        "$here/../target/$(release_target)/release/mosh-rs" \
        "$here/../target/release/mosh-rs")
    [ -n "$binary" ] || fail "no mosh-rs binary next to this script or in target/; build it with 'make' or name it: install.sh [--prefix DIR] BINARY"
fi
[ -f "$binary" ] || fail "$binary: no such file"
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
version_text=$("$binary" --version 2>/dev/null) ||
    fail "$binary does not run on this machine ($(uname -m)); is it the build for another architecture?"
version=$(printf '%s\n' "$version_text" | head -n 1)
case $version in
    *"(mosh-rs "*) ;;
    *) fail "$binary is not mosh-rs (its --version says: $version)" ;;
esac

man_dir=$(first_of "$here/man" "$here/../dist/man")
completion_dir=$(first_of "$here/completions" "$here/../dist/completions")

root=${DESTDIR:-}
bin_dir=$prefix/bin
changed=0

# Whether $1 may be replaced: absent, a symlink, or --force was given.
replaceable() {
    [ ! -e "$1" ] || [ -L "$1" ] || [ "$force" = 1 ]
}

# Copies $1 to $2 with mode $3 unless $2 already has the same bytes.
# Copies to a temporary name first, so a running mosh-rs is not disturbed.
put_file() {
    if [ -f "$2" ] && [ ! -L "$2" ] && cmp -s "$1" "$2"; then
        chmod "$3" "$2"
        say "  unchanged $2"
        return 0
    fi
    tmp="$(dirname "$2")/.$(basename "$2").install.$$"
    cp "$1" "$tmp" && chmod "$3" "$tmp" && mv -f "$tmp" "$2" || {
        rm -f "$tmp"
        fail "could not write $2"
    }
    say "  installed $2"
    changed=1
}

# Makes $2 a symlink to $1, unless a file that is not a link is in the way.
put_link() {
    if [ -L "$2" ] && [ "$(readlink "$2")" = "$1" ]; then
        say "  unchanged $2 -> $1"
        return 0
    fi
    if ! replaceable "$2"; then
        say "  skipped $2: a file that is not a link is there (remove it, or use --force)"
        return 0
    fi
    rm -f "$2"
    ln -s "$1" "$2" || fail "could not link $2"
    say "  linked $2 -> $1"
    changed=1
}

say "Installing $version"
say "  from $binary into $prefix"
mkdir -p "$root$bin_dir" || fail "cannot create $root$bin_dir (try another --prefix)"
put_file "$binary" "$root$bin_dir/mosh-rs" 755
for name in mosh mosh-client mosh-server; do
    put_link mosh-rs "$root$bin_dir/$name"
done

if [ -n "$man_dir" ]; then
    mkdir -p "$root$prefix/share/man/man1"
    for page in mosh mosh-client mosh-server; do
        put_file "$man_dir/$page.1" "$root$prefix/share/man/man1/$page.1" 644
    done
else
    say "  no man pages found next to this script; skipped"
fi

if [ -n "$completion_dir" ]; then
    bash_dir=$prefix/share/bash-completion/completions
    mkdir -p "$root$bash_dir"
    put_file "$completion_dir/mosh.bash" "$root$bash_dir/mosh" 644
    # bash-completion loads a file named after the command being completed.
    for name in mosh-client mosh-server mosh-rs; do
        put_link mosh "$root$bash_dir/$name"
    done
    zsh_dir=$prefix/share/zsh/site-functions
    mkdir -p "$root$zsh_dir"
    put_file "$completion_dir/_mosh" "$root$zsh_dir/_mosh" 644
else
    say "  no shell completions found next to this script; skipped"
fi

if [ "$changed" = 0 ]; then
    say "Nothing to do: this build was already installed."
else
    say "Done."
fi

# Can the user run it by name?
case ":${PATH:-}:" in
    *":$bin_dir:"* | *":$bin_dir/:"*)
        say "$bin_dir is on your PATH: run 'mosh --version' to check." ;;
    *)
        say "$bin_dir is NOT on your PATH. Add it, e.g. in ~/.profile or ~/.bashrc:"
        say "  export PATH=\"$bin_dir:\$PATH\""
        say "mosh starts the server over ssh in a non-interactive shell, so on a server"
        say "either put that line where such shells read it (~/.bashrc before any"
        say "'interactive only' return) or connect with --server=$bin_dir/mosh-server." ;;
esac
if [ -n "$completion_dir" ]; then
    say "zsh completion: make sure $prefix/share/zsh/site-functions is on \$fpath."
fi
