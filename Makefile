# Querent: one entry point for building and testing. `make test` is what CI runs.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: test test-rust lint dist clean

## test: every test the project has (Rust, then the frontend when present)
test: lint test-rust

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --locked -- -D warnings

## dist: the plugin as Grafana loads it. Backend part: the release binary as
## dist/datasource/gpx_querent_<os>_<arch> (linux_amd64, or linux_arm64 when built there).
PLUGIN_OS := $(shell uname -s | tr '[:upper:]' '[:lower:]')
PLUGIN_ARCH := $(shell uname -m | sed -e 's/x86_64/amd64/' -e 's/aarch64/arm64/')
.PHONY: dist-backend
dist: dist-backend
dist-backend:
	$(CARGO) build --release --locked --bin gpx_querent
	mkdir -p dist/datasource
	install -m 0755 target/release/gpx_querent dist/datasource/gpx_querent_$(PLUGIN_OS)_$(PLUGIN_ARCH)

test-rust:
	$(CARGO) build --locked --bins
	$(CARGO) test --locked --all-targets

clean:
	$(CARGO) clean
	rm -rf dist
