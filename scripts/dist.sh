#!/bin/sh
# Packs release tarballs (called by `make dist` after both builds):
#
#   dist.sh OUT_DIR ARCH=BINARY...      e.g. x86_64=target/.../mosh-rs
#
# ARCH is x86_64, aarch64, ppc64le or riscv64 (static Linux binaries), or
# macos-x86_64 or macos-arm64.
#
# For each ARCH it writes OUT_DIR/mosh-rs-VERSION-ARCH.tar.gz holding one
# directory with the binary, install.sh, man pages, completions, README
# and licences. From a git checkout it also writes the source tarball
# mosh-rs-VERSION.tar.gz (git archive of HEAD), and the conda-forge recipe
# and the Homebrew formula with that tarball's sha256 filled in
# (OUT_DIR/conda-forge/recipe.yaml, OUT_DIR/homebrew/mosh-rs.rb).
# Then SHA256SUMS over every tarball. Tarballs are reproducible: sorted,
# owned by root, dated to the commit (or $SOURCE_DATE_EPOCH).
set -eu

say() { printf '%s\n' "$*"; }
fail() {
    printf 'dist.sh: %s\n' "$*" >&2
    exit 1
}

[ $# -ge 2 ] || fail "usage: dist.sh OUT_DIR ARCH=BINARY..."
out=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$top/Cargo.toml" | head -n 1)
[ -n "$version" ] || fail "no version in Cargo.toml"

in_git=0
git -C "$top" rev-parse --verify -q HEAD >/dev/null 2>&1 && in_git=1
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
    epoch=$SOURCE_DATE_EPOCH
elif [ "$in_git" = 1 ]; then
    epoch=$(git -C "$top" log -1 --format=%ct)
else
    epoch=0
fi

# What the header of each architecture's binary says: the ELF machine
# number for Linux, the Mach-O magic and CPU type for macOS (as od prints
# the first 8 bytes as two little-endian words).
expected_machine() {
    case $1 in
        x86_64) echo 62 ;;
        aarch64) echo 183 ;;
        ppc64le) echo 21 ;;
        riscv64) echo 243 ;;
        macos-x86_64) echo "4277009103 16777223" ;;
        macos-arm64) echo "4277009103 16777228" ;;
        *) fail "unknown architecture $1 (expected x86_64, aarch64, ppc64le, riscv64, macos-x86_64 or macos-arm64)" ;;
    esac
}

machine_of() {
    case $1 in
        macos-*) od -An -tu4 -N8 "$2" | tr -s ' \n' '  ' | sed 's/^ //; s/ $//' ;;
        *) od -An -tu2 -j18 -N2 "$2" | tr -d ' \n' ;;
    esac
}

# Writes the gzip'd tar of directory $2 (inside $1) to $3, reproducibly.
pack() {
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
        --format=gnu -C "$1" -cf - "$2" | gzip -n -9 >"$3"
}

rm -rf "$out"
mkdir -p "$out/stage"
out=$(cd "$out" && pwd)

for pair in "$@"; do
    arch=${pair%%=*}
    binary=${pair#*=}
    [ -f "$binary" ] || fail "$binary: no such file (build it first: make dist)"
    machine=$(machine_of "$arch" "$binary")
    [ "$machine" = "$(expected_machine "$arch")" ] ||
        fail "$binary is not an $arch executable (header says $machine)"
    name=mosh-rs-$version-$arch
    dir=$out/stage/$name
    mkdir -p "$dir/man" "$dir/completions"
    cp "$binary" "$dir/mosh-rs"
    chmod 755 "$dir/mosh-rs"
    cp "$top/scripts/install.sh" "$dir/install.sh"
    chmod 755 "$dir/install.sh"
    cp "$top/dist/man/mosh.1" "$top/dist/man/mosh-client.1" "$top/dist/man/mosh-server.1" "$dir/man/"
    cp "$top/dist/completions/mosh.bash" "$top/dist/completions/_mosh" "$dir/completions/"
    cp "$top/README.md" "$top/LICENSE" "$top/LICENSE-APACHE" "$dir/"
    chmod 644 "$dir/man/"* "$dir/completions/"* "$dir/README.md" "$dir/LICENSE" "$dir/LICENSE-APACHE"
    pack "$out/stage" "$name" "$out/$name.tar.gz"
    say "dist: $name.tar.gz ($(wc -c <"$out/$name.tar.gz") bytes; binary $(wc -c <"$binary") bytes)"
done

if [ "$in_git" = 1 ]; then
    source_name=mosh-rs-$version
    git -C "$top" archive --format=tar --prefix="$source_name/" HEAD | gzip -n -9 >"$out/$source_name.tar.gz"
    if [ -n "$(git -C "$top" status --porcelain --untracked-files=no)" ]; then
        say "dist: warning: uncommitted changes are not in $source_name.tar.gz (it is HEAD)"
    fi
    sum=$(sha256sum "$out/$source_name.tar.gz" | cut -d ' ' -f 1)
    mkdir -p "$out/conda-forge"
    sed -e "s/^\(  *sha256: *\).*/\1$sum/" "$top/dist/conda-forge/recipe.yaml" >"$out/conda-forge/recipe.yaml"
    mkdir -p "$out/homebrew"
    sed -e "s/^\(  sha256 \)\"0*\"/\1\"$sum\"/" "$top/dist/homebrew/mosh-rs.rb" >"$out/homebrew/mosh-rs.rb"
    say "dist: $source_name.tar.gz (source, sha256 $sum); conda-forge/recipe.yaml and homebrew/mosh-rs.rb use it"
else
    say "dist: not a git checkout, so no source tarball or conda recipe"
fi

rm -rf "$out/stage"
(cd "$out" && sha256sum -- *.tar.gz >SHA256SUMS)
say "dist: $out/SHA256SUMS"
