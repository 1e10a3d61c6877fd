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
