# Signpost: `make dev` starts the demo, `make test` runs every test. Both install what is
# missing first, so they work on a fresh machine (see README).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The wasm-bindgen CLI must match the crate pinned in Cargo.toml exactly.
WASM_BINDGEN_VERSION := $(shell sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml)
WORKER_BUILD_VERSION := 0.8.7
CARGO_BIN := $(HOME)/.cargo/bin
NODE_BIN := $(CURDIR)/node_modules/.bin

# Offline: wrangler must not phone home, worker-build must not download from GitHub, and the
# npm binaryen's wasm-opt is used, never Debian's (it produces modules that fail to load).
export WRANGLER_SEND_METRICS := false
export WRANGLER_SEND_ERROR_REPORTS := false
export WRANGLER_HIDE_BANNER := true
export CLOUDFLARE_CF_FETCH_ENABLED := false
export WASM_BINDGEN_BIN := $(CARGO_BIN)/wasm-bindgen
export WASM_OPT_BIN := $(NODE_BIN)/wasm-opt
export ESBUILD_BIN := $(NODE_BIN)/esbuild
export CHROMEDRIVER := /usr/bin/chromedriver
export CHROMIUM := /usr/bin/chromium

WASM_TARGET := wasm32-unknown-unknown
# Honour a CARGO_TARGET_DIR set by the caller (shared build caches).
SDK_WASM := $(or $(CARGO_TARGET_DIR),target)/$(WASM_TARGET)/sdk/signpost_wasm.wasm
SDK_OUT := sdk-js/dist
EDITOR_WASM := $(or $(CARGO_TARGET_DIR),target)/$(WASM_TARGET)/editor/signpost_wasm.wasm
EDITOR_OUT := $(SDK_OUT)/editor

.PHONY: help setup dev dev-vars init site-dev deploy-check deploy test bench measure-scale worker worker-test editor sdk demo seed sizes test-rust test-wasm test-node lint clean fuzz load spa-example

help:
	@echo "make dev    build everything, seed local KV, serve the demo at http://127.0.0.1:8787"
	@echo "make test   run every test suite (Rust, wasm in Node and Chromium, Worker in workerd)"
	@echo "make bench  benchmarks: the Worker against the alternatives, the core, sizes (one table)"
	@echo "make measure-scale  measurement at scale: 1M visitors, 10M rows in D1, write cost, memory, report times"
	@echo "make load   wrk at saturation against the Worker on workerd for LOAD_SECONDS (default 180): zero errors, memory flat"
	@echo "make fuzz   run each fuzz target for FUZZ_SECONDS (default $(FUZZ_SECONDS)) with cargo-fuzz on nightly"
	@echo "make init ORIGIN=https://...  your own site: wrangler.site.toml with staging and production (then site-dev, deploy-check, deploy ENV=...)"

## Installation (idempotent) ------------------------------------------------------------

setup: .tools/rust .tools/npm .tools/chromium .tools/tzdata

.tools/rust: Cargo.toml
	@mkdir -p .tools
	rustup target add $(WASM_TARGET)
	@if ! $(CARGO_BIN)/wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $(WASM_BINDGEN_VERSION)"; then \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); fi
	@if ! $(CARGO_BIN)/worker-build --version 2>/dev/null | grep -q "$(WORKER_BUILD_VERSION)"; then \
	  cargo install worker-build --version $(WORKER_BUILD_VERSION); fi
	@touch $@

.tools/npm: package.json package-lock.json examples/spa-preact/package.json
	@mkdir -p .tools
	npm ci --no-fund --no-audit
	@touch $@

.tools/chromium:
	@mkdir -p .tools
	@if [ ! -x $(CHROMIUM) ] || [ ! -x $(CHROMEDRIVER) ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; fi
	@touch $@

# The timezone test (tests/timezone_tzdata.rs) checks the core's zone table against the system's
# tz database, Debian's fat TZif files.
.tools/tzdata:
	@mkdir -p .tools
	@if [ ! -f /usr/share/zoneinfo/tzdata.zi ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tzdata; fi
	@touch $@

## Builds ---------------------------------------------------------------------------------

# The two Workers (src/lib.rs in worker/): the page Worker, in front of every page, built
# without the `api` feature into worker/build/; the API Worker (`/__signpost/*`, the Durable
# Objects, the queues' consumers) with it into worker/build-api/. worker-build's own wasm-opt is off (worker/Cargo.toml: it optimizes with the name
# section kept, 12 KB larger); wasm-opt runs here, -O (the Worker is timed: no size flags that
# cost speed) and --low-memory-unused, which lets it fold constant offsets into loads and stores
# (Rust's wasm puts its stack first, 1 MiB growing down to 0, so only a stack about to overflow
# reaches the low 1 KB). The name section is stripped (budgets in scripts/sizes.mjs);
# `make worker WORKER_WASM_NAMES=1` keeps it, for bench/profile.mjs. The feature list is
# worker-build's.
WORKER_WASM_FEATURES := $(addprefix --enable-,mutable-globals sign-ext nontrapping-float-to-int \
  bulk-memory multivalue reference-types exception-handling)
WORKER_WASM_OPT := $(WORKER_WASM_FEATURES) -O --low-memory-unused \
  $(if $(WORKER_WASM_NAMES),--debuginfo,--strip-debug --strip-producers)
# The page Worker's wasm keeps the functions that have one caller apart (`-ocimfs=0`): V8 compiles
# a wasm function whole on its first call, so a cold isolate's first page compiled every cold
# branch that wasm-opt had inlined into the page path (1.06 MB of baseline code, 0.85 MB without
# it; the first response 36.0 -> 29.4 ms, the CPU per page unchanged: bench/RESULTS.md). Not the
# API Worker: it would grow 37 KB raw, past its ceiling, and its cold start is off the page.
PAGE_WASM_OPT := -ocimfs=0
# $(call worker_build,<out dir>,<worker-build flags>[,<more wasm-opt flags>]): built and optimized
# beside it, then put in its place whole, so a Worker that `wrangler dev` is running never loads
# a half-written build.
worker_build = rm -rf worker/.$(1).tmp && cd worker && \
  $(CARGO_BIN)/worker-build --release --out-dir .$(1).tmp $(2) && cd .. && \
  $(WASM_OPT_BIN) $(WORKER_WASM_OPT) $(3) worker/.$(1).tmp/index_bg.wasm -o worker/.$(1).tmp/index_bg.wasm && \
  rm -rf worker/.$(1).old && { [ ! -d worker/$(1) ] || mv worker/$(1) worker/.$(1).old; } && \
  mv worker/.$(1).tmp worker/$(1) && rm -rf worker/.$(1).old
worker: .tools/rust .tools/npm
	$(call worker_build,build,--no-default-features,$(PAGE_WASM_OPT))
	$(call worker_build,build-api,)

# The Workers' test builds: feature `test-hooks` (the test clock, chosen visitor ids, a panic on
# demand, the /__signpost/test/* routes) into worker/build-test and worker/build-api-test,
# loaded only by tests through worker/test-entry.mjs and worker/api-test-entry.mjs. The
# production builds above never have them.
worker-test: .tools/rust .tools/npm
	$(call worker_build,build-test,--no-default-features --features test-hooks,$(PAGE_WASM_OPT))
	$(call worker_build,build-api-test,--features test-hooks)

# wasm-opt for the browser's wasm (the SDK's and the editor's), measured in bytes: similar
# functions merged first (the many instantiations of the same generic code), then -Oz to a fixed
# point. --low-memory-unused lets it fold constant offsets into loads and stores: Rust's wasm
# puts the stack first (1 MiB growing down to 0), so the low 1 KB is only reached by a stack
# about to overflow. Together about 1 KB brotli off the SDK's wasm.
SDK_WASM_OPT := --merge-similar-functions -Oz --converge --low-memory-unused --strip-debug --strip-producers \
  --enable-bulk-memory --enable-nontrapping-float-to-int

# The config editor's validation: signpost-wasm with feature `editor` (the visitor SDK's build
# stays without it), loaded by the editor page (/__signpost/admin) from /sdk/editor/, next to
# the SDK on the site, so it adds nothing to the Worker's bundle.
editor: .tools/rust .tools/npm
	cargo build --profile editor --target $(WASM_TARGET) -p signpost-wasm --features editor
	$(WASM_BINDGEN_BIN) --target web --no-typescript --out-dir $(EDITOR_OUT) --out-name editor $(EDITOR_WASM)
	$(WASM_OPT_BIN) $(SDK_WASM_OPT) $(EDITOR_OUT)/editor_bg.wasm -o $(EDITOR_OUT)/editor_bg.wasm

# The demo store's pages (generated from the catalog) into demo-site/public.
demo:
	node demo-site/build.mjs

# The browser SDK: the core in wasm (cargo profile `sdk`: sized, not fast) plus the JS around
# it (minified), copied into the demo's assets; prints the size report. The editor's wasm goes
# to the demo's /sdk/editor/, with the editor's forms (plain ES modules, sdk-js/editor/forms/: not
# in the Worker's bundle nor the visitor's SDK). The SDK's limits are generated from the core's (src/limits.rs).
sdk: .tools/rust .tools/npm demo editor
	cargo run -q --bin signpost -- limits --js > sdk-js/src/limits.js.new && mv sdk-js/src/limits.js.new sdk-js/src/limits.js
	cargo build --profile sdk --target $(WASM_TARGET) -p signpost-wasm
	$(WASM_BINDGEN_BIN) --target web --out-dir $(SDK_OUT) $(SDK_WASM)
	$(WASM_OPT_BIN) $(SDK_WASM_OPT) $(SDK_OUT)/signpost_wasm_bg.wasm -o $(SDK_OUT)/signpost_wasm_bg.wasm
	node sdk-js/build.mjs
	mkdir -p demo-site/public/sdk/editor && cp $(EDITOR_OUT)/editor.js $(EDITOR_OUT)/editor_bg.wasm demo-site/public/sdk/editor/
	rm -rf demo-site/public/sdk/editor/forms && cp -r sdk-js/editor/forms demo-site/public/sdk/editor/

# The single-page app example (examples/spa-preact, docs/spa.md): Vite's build of the Preact
# app, prerendered routes included, into examples/spa-preact/dist. Its tools are in the root's
# node_modules (the example is an npm workspace); tests/node/spa.test.mjs builds its own copy.
spa-example: .tools/npm
	@test -f $(SDK_OUT)/signpost_wasm_bg.wasm || $(MAKE) sdk
	cd examples/spa-preact && $(NODE_BIN)/vite build

# Local KV gets the demo's config and catalog (wrangler's local state in .wrangler/state).
seed: .tools/npm
	node scripts/seed-kv.mjs

# Local secrets for wrangler dev (it reads .dev.vars) and the demo's shop backend: a random
# session key, admin token, ingest token and identity secret, made once and kept (git-ignored);
# a secret an older .dev.vars lacks is added, the values it has are kept.
dev-vars:
	@node scripts/dev-vars.mjs .dev.vars

# Both Workers built first; `make worker` in another terminal rebuilds them while this runs (each
# build is swapped in whole, and wrangler reloads the Workers). The demo's shop backend (demo-site/backend.mjs: the store's pages, checkout and login) is the Worker's
# ORIGIN, as a real site would be, and the webhook receiver (scripts/receiver.mjs) is where the
# demo config's journeys send; both stop when wrangler does.
DEV_BACKEND := http://127.0.0.1:8788
dev: setup sdk seed dev-vars worker
	@echo "editor: http://127.0.0.1:8787/__signpost/admin  admin token: SIGNPOST_ADMIN_TOKEN in $(CURDIR)/.dev.vars"
	@echo "journeys' deliveries received: http://127.0.0.1:8790/"
	node demo-site/backend.mjs --listen $(DEV_BACKEND) --worker http://127.0.0.1:8787 & backend=$$!; \
	  node scripts/receiver.mjs 8790 & receiver=$$!; \
	  trap 'kill $$backend $$receiver 2>/dev/null' EXIT; \
	  $(NODE_BIN)/wrangler dev --config wrangler.toml --config wrangler.api.toml --ip 127.0.0.1 --port 8787 \
	    --inspector-ip 127.0.0.1 --show-interactive-dev-session=false --var ORIGIN:$(DEV_BACKEND)

## Your own site (README, "Your own site") -------------------------------------------------

# `make init ORIGIN=https://www.example.com [ROUTE='www.example.com/*'] [STAGING_ROUTE=...]`
# writes $(SITE_CONFIG) (staging and production, from wrangler.toml), the API Worker's
# $(SITE_API_CONFIG) (from wrangler.api.toml) and .dev.vars.<env> beside them, then creates the
# resources through wrangler when logged in, or prints the commands (OFFLINE=1 forces that;
# FORCE=1 writes the configuration again).
SITE_CONFIG ?= wrangler.site.toml
SITE_API_CONFIG = $(patsubst %.toml,%.api.toml,$(SITE_CONFIG))
ENV ?= staging
SITE_PORT ?= 8787
SIGNPOST_CLI := cargo run -q --bin signpost --
init: .tools/npm
	node scripts/init.mjs --out $(SITE_CONFIG) $(if $(ORIGIN),--origin '$(ORIGIN)') \
	  $(if $(ROUTE),--route '$(ROUTE)') $(if $(STAGING_ROUTE),--staging-route '$(STAGING_ROUTE)') \
	  $(if $(OFFLINE),--offline) $(if $(FORCE),--force)

# The site through the Worker on this machine (environment ENV's settings and secrets, local
# KV, D1 and queues); the example config is published to the local KV when none is live.
site-dev: .tools/rust .tools/npm worker
	@$(SIGNPOST_CLI) versions --env $(ENV) --local --wrangler-config $(SITE_CONFIG) | grep -q '^\*' || \
	  $(SIGNPOST_CLI) publish examples/config.json --catalog examples/catalog.json --env $(ENV) --local \
	    --wrangler-config $(SITE_CONFIG) --message "make site-dev: the example config"
	$(NODE_BIN)/wrangler dev --config $(SITE_CONFIG) --config $(SITE_API_CONFIG) --env $(ENV) \
	  --ip 127.0.0.1 --port $(SITE_PORT) --inspector-ip 127.0.0.1 --show-interactive-dev-session=false

# `wrangler deploy --dry-run` of each environment, failing over the plan's size limit (PLAN=paid
# for the Workers Paid plan's; README says which).
deploy-check: .tools/npm worker
	node scripts/deploy-check.mjs --config $(SITE_CONFIG) $(if $(PLAN),--plan $(PLAN))

# Both Workers, the API Worker first (the page Worker's service binding and Durable Objects name
# it). DRY_RUN=1: bundle and check only (no account needed).
deploy: .tools/npm worker
	$(NODE_BIN)/wrangler deploy --config $(SITE_API_CONFIG) --env $(ENV) \
	  $(if $(DRY_RUN),--dry-run --outdir $(CURDIR)/target/deploy-$(ENV)-api)
	$(NODE_BIN)/wrangler deploy --config $(SITE_CONFIG) --env $(ENV) \
	  $(if $(DRY_RUN),--dry-run --outdir $(CURDIR)/target/deploy-$(ENV))

## Tests ----------------------------------------------------------------------------------

test: setup lint test-rust test-wasm worker worker-test sdk sizes test-node
	@echo "all test suites passed"

# Rust, then the JavaScript (Biome, configured in biome.jsonc; `npx biome check --write .` fixes).
lint: .tools/npm
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p signpost-worker --target $(WASM_TARGET) --no-default-features --features test-hooks -- -D warnings
	$(NODE_BIN)/biome ci --error-on-warnings .

test-rust:
	cargo test --workspace

# The size budgets of what `make worker` and `make sdk` built (scripts/sizes.mjs): fails when
# the browser's wasm or start-up JS, or the Worker's upload, is over its budget.
sizes: .tools/npm
	node scripts/sizes.mjs

# The same wasm-bindgen tests in Node, then in headless Chromium.
test-wasm: .tools/rust .tools/chromium
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=$(CARGO_BIN)/wasm-bindgen-test-runner \
	  cargo test --target $(WASM_TARGET) -p signpost-wasm
	WASM_BINDGEN_USE_BROWSER=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=$(CARGO_BIN)/wasm-bindgen-test-runner \
	  cargo test --target $(WASM_TARGET) -p signpost-wasm

# The Worker in workerd (Miniflare) and the demo in Chromium; spa.test.mjs builds the SPA
# example (Vite) itself.
test-node: .tools/npm
	node --test --test-concurrency=1 tests/node/

## Benchmarks (not part of `make test`) ------------------------------------------------------

# Prints one table (and writes bench/out/results.md): the Worker against a pass-through and a
# hand-written Worker in workerd, cold start, the core natively and in wasm, sizes, KV operations.
# README's "Benchmarks" says how to read it. About 7 minutes once built (part 1 alone, 3.5).
CRITERION := -- --warm-up-time 1 --measurement-time 3 --noplot

bench: setup .tools/wrk worker worker-test sdk
	cargo build --release --target $(WASM_TARGET) -p signpost-bench-wasm
	cargo bench --bench decision $(CRITERION) '^(decide |page|profile from_(bytes|stored))'
	cargo bench --bench rewrite $(CRITERION) '/typical$$'
	node bench/run.mjs
	@echo "measurement at scale (1M visitors, 10M rows in D1, report times): make measure-scale"

# Measurement at scale (issue 19): the test build in workerd with D1 on disk, 1M visitors' rows
# (about 10M) loaded, then the write cost per row on the page path, memory, and each report's
# time; one table (bench/RESULTS.md has a run). About 15 minutes; the sqlite3 CLI loads the rows
# (`SCALE_LOAD=d1` goes through the binding, far slower); SCALE_VISITORS=20000 for a quick look.
measure-scale: .tools/npm worker-test sdk
	node bench/measure-scale.mjs

.tools/wrk:
	@mkdir -p .tools
	@if ! command -v wrk >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; fi
	@touch $@

## Load -----------------------------------------------------------------------------------

# wrk against the built Worker on workerd (Miniflare, local KV, the demo store) at saturation:
# fails on any error; prints throughput, latency and workerd's memory before, during and after.
load: .tools/npm .tools/wrk demo
	@test -f worker/build/index.js || $(MAKE) worker
	@test -f worker/build-test/index.js || $(MAKE) worker-test
	node scripts/load.mjs

## Fuzzing ---------------------------------------------------------------------------------

# cargo-fuzz on nightly over the core: config, events body, sp_s cookie, rewriter. New inputs
# go to fuzz/corpus/<target> (not committed), the committed seeds are read from
# fuzz/seeds/<target>; a crash stops the run and leaves its input in fuzz/artifacts/<target>.
FUZZ_SECONDS ?= 20
FUZZ_TARGETS := config events cookie rewrite

.tools/cargo-fuzz:
	@mkdir -p .tools
	rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@if ! cargo fuzz --version >/dev/null 2>&1; then cargo install cargo-fuzz; fi
	@touch $@

fuzz: .tools/cargo-fuzz
	cd fuzz && mkdir -p artifacts && for t in $(FUZZ_TARGETS); do \
	  mkdir -p corpus/$$t; \
	  echo "== fuzz $$t for $(FUZZ_SECONDS) s (log: fuzz/artifacts/$$t.log)"; \
	  cargo +nightly fuzz run --sanitizer none $$t corpus/$$t seeds/$$t -- -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=65536 -print_final_stats=1 > artifacts/$$t.log 2>&1 || { tail -n 40 artifacts/$$t.log; exit 1; }; \
	  grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' artifacts/$$t.log; \
	done

clean:
	rm -rf target worker/build worker/build-test worker/build-api worker/build-api-test worker/.build* $(SDK_OUT) demo-site/public .wrangler .tools examples/spa-preact/dist
