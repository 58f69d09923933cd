# mosh-rs build, test and install entry points. See README.md.

TARGET      ?= x86_64-unknown-linux-musl
ARM_TARGET  ?= aarch64-unknown-linux-musl
PPC_TARGET  ?= powerpc64le-unknown-linux-musl
RISCV_TARGET ?= riscv64gc-unknown-linux-musl
# rustup ships the ppc64le musl standard library with Rust 1.93.0 but not
# with any later release so far (1.94.0 to 1.95.0, and the stable, beta and
# nightly channels of 2026-10 say "available = false"), so the ppc64le
# build pins that release; rustup fetches it once (about 45 s). The same
# holds for riscv64, built with it too.
PPC_TOOLCHAIN ?= 1.93.0
# Checked (cargo clippy, which type-checks as cargo check does) but not
# linked: no linker for them ships with Rust.
CROSS_CHECK_TARGETS ?= x86_64-apple-darwin aarch64-apple-darwin x86_64-unknown-freebsd
PREFIX      ?= /usr/local
CARGO       ?= cargo
BIN          = target/$(TARGET)/release/mosh-rs
ARM_BIN      = target/$(ARM_TARGET)/release/mosh-rs
PPC_BIN      = target/$(PPC_TARGET)/release/mosh-rs
RISCV_BIN    = target/$(RISCV_TARGET)/release/mosh-rs
MAC_X86_BIN  = target/x86_64-apple-darwin/release/mosh-rs
MAC_ARM_BIN  = target/aarch64-apple-darwin/release/mosh-rs
DIST_DIR     = target/dist
# Seconds each fuzz target runs: `make fuzz`, and the brief run in `make test`.
FUZZ_SECONDS       ?= 60
FUZZ_BRIEF_SECONDS ?= 3

# Adds a rustup target when it is missing (no-op without rustup).
add_target = @command -v rustup >/dev/null 2>&1 && { rustup target list --installed | grep -qx '$(1)' || rustup target add '$(1)'; } || true

.PHONY: all build build-aarch64 build-ppc64le build-riscv64 cross-check test test-deps lint unit run install dist package bench soak fuzz fuzz-brief clean

all: build

build:
	$(call add_target,$(TARGET))
	$(CARGO) build --release --locked --target $(TARGET)
	@echo "built $(BIN) ($$(wc -c <$(BIN) | tr -d ' ') bytes)"

# Cross-built with rust-lld (see .cargo/config.toml); no C cross compiler.
build-aarch64:
	$(call add_target,$(ARM_TARGET))
	$(CARGO) build --release --locked --target $(ARM_TARGET)
	@echo "built $(ARM_BIN) ($$(wc -c <$(ARM_BIN) | tr -d ' ') bytes)"

# The same for ppc64le, with the pinned toolchain (see PPC_TOOLCHAIN).
build-ppc64le:
	@rustup toolchain list | grep -q '^$(PPC_TOOLCHAIN)-' || rustup toolchain install $(PPC_TOOLCHAIN) --profile minimal
	@rustup target list --installed --toolchain $(PPC_TOOLCHAIN) | grep -qx '$(PPC_TARGET)' || rustup target add --toolchain $(PPC_TOOLCHAIN) $(PPC_TARGET)
	rustup run $(PPC_TOOLCHAIN) cargo build --release --locked --target $(PPC_TARGET)
	@echo "built $(PPC_BIN) ($$(wc -c <$(PPC_BIN) | tr -d ' ') bytes)"

# And riscv64 (made static by its rustflags in .cargo/config.toml).
build-riscv64:
	@rustup toolchain list | grep -q '^$(PPC_TOOLCHAIN)-' || rustup toolchain install $(PPC_TOOLCHAIN) --profile minimal
	@rustup target list --installed --toolchain $(PPC_TOOLCHAIN) | grep -qx '$(RISCV_TARGET)' || rustup target add --toolchain $(PPC_TOOLCHAIN) $(RISCV_TARGET)
	rustup run $(PPC_TOOLCHAIN) cargo build --release --locked --target $(RISCV_TARGET)
	@echo "built $(RISCV_BIN) ($$(wc -c <$(RISCV_BIN) | tr -d ' ') bytes)"

# macOS (x86_64, arm64) and FreeBSD: clippy with -D warnings for each
# (about 20 s for the three once their dependencies are checked, 90 s
# the first time, with one job).
cross-check:
	@for t in $(CROSS_CHECK_TARGETS); do \
	    command -v rustup >/dev/null 2>&1 && { rustup target list --installed | grep -qx "$$t" || rustup target add "$$t"; }; \
	    echo "cross-check: $$t"; \
	    $(CARGO) clippy --quiet --locked --target "$$t" -- -D warnings || exit 1; \
	done

lint:
	$(CARGO) fmt --all -- --check
	cd fuzz && $(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

unit:
	$(CARGO) test --locked --release

# What the tests need (tmux, stock mosh, qemu, ...): installed when
# missing and run as root, else one line says what is missing.
test-deps:
	@sh scripts/test-deps.sh

# The release tests check the tarballs `package` made from the four
# builds, the aarch64, ppc64le and riscv64 binaries under qemu, man pages
# and completions; the fuzz targets run briefly.
test: test-deps lint cross-check build build-aarch64 build-ppc64le build-riscv64 package fuzz-brief
	MOSH_RS_BIN=$(CURDIR)/$(BIN) MOSH_RS_AARCH64_BIN=$(CURDIR)/$(ARM_BIN) \
	MOSH_RS_PPC64LE_BIN=$(CURDIR)/$(PPC_BIN) MOSH_RS_RISCV64_BIN=$(CURDIR)/$(RISCV_BIN) \
	MOSH_RS_DIST_DIR=$(CURDIR)/$(DIST_DIR) \
	$(CARGO) test --locked --release --no-fail-fast -- --test-threads=2

run: build
	$(BIN) mosh --local localhost

install: build
	DESTDIR="$(DESTDIR)" sh scripts/install.sh --prefix "$(PREFIX)" $(BIN)

# Tarballs of the four Linux release binaries, the two macOS ones when
# Zig can link them (scripts/build-macos.sh, about 2 minutes each; built,
# not run), and a source tarball, in target/dist.
dist: build build-aarch64 build-ppc64le build-riscv64
	@if sh scripts/build-macos.sh; then \
	    macos="macos-x86_64=$(MAC_X86_BIN) macos-arm64=$(MAC_ARM_BIN)"; else macos=; fi; \
	sh scripts/dist.sh $(DIST_DIR) x86_64=$(BIN) aarch64=$(ARM_BIN) ppc64le=$(PPC_BIN) riscv64=$(RISCV_BIN) $$macos

# The Linux tarballs from the builds as they are (what `make test` checks).
package:
	sh scripts/dist.sh $(DIST_DIR) x86_64=$(BIN) aarch64=$(ARM_BIN) ppc64le=$(PPC_BIN) riscv64=$(RISCV_BIN)

# The fault suite's long variants: a 60 s outage, 90 s asleep, two
# minutes of roaming, in every pairing (about a quarter of an hour).
# With MOSH_RS_SOAK_HOURS=H instead: floods through 10% loss while the
# client roams, H/4 hours in each pairing one after the other, reporting
# server and client RSS first and last and failing if either grows by
# more than 16 MiB plus a quarter (tests/faults/memory_soak.rs).
soak: build
ifdef MOSH_RS_SOAK_HOURS
	MOSH_RS_BIN=$(CURDIR)/$(BIN) MOSH_RS_SOAK_HOURS=$(MOSH_RS_SOAK_HOURS) \
	$(CARGO) test --locked --release --test faults memory_soak:: -- \
	  --ignored --test-threads=1 --nocapture
else
	MOSH_RS_BIN=$(CURDIR)/$(BIN) MOSH_RS_SOAK=1 \
	$(CARGO) test --locked --release --test faults -- --test-threads=2
endif

# Coverage-guided fuzzing with libFuzzer on the stable toolchain: every
# target in fuzz/fuzz_targets/ for FUZZ_SECONDS each (see README, Fuzzing).
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) sh scripts/fuzz.sh

# What `make test` runs: the fuzz build, then each target for a few
# seconds from its seeds and past crashes (about 2-3 minutes in all).
fuzz-brief:
	FUZZ_SECONDS=$(FUZZ_BRIEF_SECONDS) sh scripts/fuzz.sh

# MOSH_RS_BENCH_SECONDS and MOSH_RS_SOAK_SECONDS shorten benches/network/
# (60 s per bandwidth session, 120 s of soak by default).
bench: build
	MOSH_RS_BIN=$(CURDIR)/$(BIN) $(CARGO) bench --locked

clean:
	$(CARGO) clean
