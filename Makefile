# Querent: one entry point for building and testing. `make test` is what CI runs.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: test test-rust lint dist clean

## test: every test the project has (Rust, then the frontend when present)
test: lint test-rust

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --locked -- -D warnings

test-rust:
	$(CARGO) build --locked --bins
	$(CARGO) test --locked --all-targets

clean:
	$(CARGO) clean
	rm -rf dist

.PHONY: package demo-data

## package: release archive of dist/ (target/package/querent-nlq-app-<version>.zip), manifests filled in
package:
	scripts/package.sh

## demo-data: write the demo data set (seed 42, 6 h) as request bodies to test-output/demo
demo-data:
	$(CARGO) run --quiet --bin querent -- demo --dry-run --out test-output/demo
