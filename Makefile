# mosh-rs build, test and install entry points. See README.md.

TARGET      ?= x86_64-unknown-linux-musl
ARM_TARGET  ?= aarch64-unknown-linux-musl
PREFIX      ?= /usr/local
CARGO       ?= cargo
BIN          = target/$(TARGET)/release/mosh-rs
ARM_BIN      = target/$(ARM_TARGET)/release/mosh-rs
DIST_DIR     = target/dist
# Seconds each fuzz target runs: `make fuzz`, and the brief run in `make test`.
FUZZ_SECONDS       ?= 60
FUZZ_BRIEF_SECONDS ?= 3

# Adds a rustup target when it is missing (no-op without rustup).
add_target = @command -v rustup >/dev/null 2>&1 && { rustup target list --installed | grep -qx '$(1)' || rustup target add '$(1)'; } || true

.PHONY: all build build-aarch64 test lint unit run install dist package bench soak fuzz fuzz-brief clean

all: build

build:
	$(call add_target,$(TARGET))
	$(CARGO) build --release --locked --target $(TARGET)
	@echo "built $(BIN) ($$(stat -c %s $(BIN)) bytes)"

# Cross-built with rust-lld (see .cargo/config.toml); no C cross compiler.
build-aarch64:
	$(call add_target,$(ARM_TARGET))
	$(CARGO) build --release --locked --target $(ARM_TARGET)
	@echo "built $(ARM_BIN) ($$(stat -c %s $(ARM_BIN)) bytes)"

lint:
	$(CARGO) fmt --all -- --check
	cd fuzz && $(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

unit:
	$(CARGO) test --locked --release

# The release tests check the tarballs `package` made from both builds,
# the aarch64 binary under qemu-aarch64-static, man pages and completions.
test: lint build build-aarch64 package fuzz-brief
	MOSH_RS_BIN=$(CURDIR)/$(BIN) MOSH_RS_AARCH64_BIN=$(CURDIR)/$(ARM_BIN) \
	MOSH_RS_DIST_DIR=$(CURDIR)/$(DIST_DIR) \
	$(CARGO) test --locked --release --no-fail-fast -- --test-threads=2

run: build
	$(BIN) mosh --local localhost

install: build
	DESTDIR="$(DESTDIR)" sh scripts/install.sh --prefix "$(PREFIX)" $(BIN)

# Tarballs of both release binaries (plus a source tarball) in target/dist.
dist: build build-aarch64 package

package:
	sh scripts/dist.sh $(DIST_DIR) x86_64=$(BIN) aarch64=$(ARM_BIN)

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
