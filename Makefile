# Querent: one entry point for building and testing. `make test` is what CI runs.
SHELL := /bin/bash
CARGO ?= cargo
NPM ?= npm

.PHONY: test test-rust lint dist clean test-frontend build-frontend

## test: every test the project has (Rust, then the frontend when present)
test: lint test-rust test-frontend

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --locked -- -D warnings

test-rust:
	$(CARGO) build --locked --bins
	$(CARGO) test --locked --all-targets

## build-frontend: the app, datasource and panel modules and manifests into dist/ (keeps backend binaries)
build-frontend:
	cd frontend && $(NPM) ci --no-audit --no-fund
	cd frontend && $(NPM) run build

## test-frontend: lint, typecheck, jest, build into dist/, dist layout test, headless-Chromium harness test
test-frontend: build-frontend
	cd frontend && $(NPM) run lint
	cd frontend && $(NPM) run typecheck
	cd frontend && $(NPM) test -- --ci
	cd frontend && $(NPM) run test:dist
	cd frontend && $(NPM) run build:harness
	cd frontend && $(NPM) run test:browser

clean:
	$(CARGO) clean
	rm -rf dist test-output frontend/node_modules
