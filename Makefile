# mosh-rs build, test and install entry points. See README.md.

TARGET  ?= x86_64-unknown-linux-musl
PREFIX  ?= /usr/local
CARGO   ?= cargo
BIN      = target/$(TARGET)/release/mosh-rs
NAMES    = mosh mosh-client mosh-server

.PHONY: all build test lint unit run install bench clean musl-target

all: build

musl-target:
	@rustup target list --installed 2>/dev/null | grep -qx '$(TARGET)' || rustup target add $(TARGET)

build: musl-target
	$(CARGO) build --release --locked --target $(TARGET)
	@echo "built $(BIN) ($$(stat -c %s $(BIN)) bytes)"

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

unit:
	$(CARGO) test --locked --release

test: lint build
	MOSH_RS_BIN=$(CURDIR)/$(BIN) $(CARGO) test --locked --release --no-fail-fast -- --test-threads=2

run: build
	$(BIN) mosh --local localhost

install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/mosh-rs
	for n in $(NAMES); do ln -sf mosh-rs $(DESTDIR)$(PREFIX)/bin/$$n; done
	@echo "installed $(DESTDIR)$(PREFIX)/bin/mosh-rs and links: $(NAMES)"

bench: build
	MOSH_RS_BIN=$(CURDIR)/$(BIN) $(CARGO) bench --locked

clean:
	$(CARGO) clean
