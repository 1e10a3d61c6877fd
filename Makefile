# Querent: one entry point for building and testing. `make test` is what CI runs.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: test test-rust lint eval lezer dist clean

NOW_OF_THE_DATA := 2026-11-25T08:38:56Z
SCHEMA := tests/fixtures/demo-schema.json

## test: every test the project has (Rust, the evaluation, Grafana's grammars, then the frontend)
test: lint test-rust eval lezer

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets --locked -- -D warnings

test-rust:
	$(CARGO) build --locked --bins
	rm -f target/translated-queries.jsonl
	$(CARGO) test --locked --all-targets

## eval: the translator on the dev set and our paraphrases (structural mode, recorded schema)
eval:
	$(CARGO) run --quiet --locked --bin querent -- eval ../shared/eval/dev.jsonl --schema $(SCHEMA) --now $(NOW_OF_THE_DATA) --min-accuracy 100
	$(CARGO) run --quiet --locked --bin querent -- eval tests/eval/paraphrases.jsonl --schema $(SCHEMA) --now $(NOW_OF_THE_DATA) --min-accuracy 100

## lezer: every query the property tests produced, parsed with Grafana's own LogQL/TraceQL grammars
lezer:
	cd tests/lezer && npm ci --no-audit --no-fund --silent
	test -s target/translated-queries.jsonl || $(CARGO) test --locked --test translate_properties
	node tests/lezer/check.mjs target/translated-queries.jsonl

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
