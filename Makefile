# Tickertalk: build, run and test. GNU make; needs Go and gcc (for -race),
# plus Chromium and Node (apt-get install -y chromium nodejs) for the browser
# and service-worker tests, and nginx (apt-get install -y nginx-light) for
# the reverse-proxy test.
#
#   make run      build everything and serve http://localhost:8000 (store in ./data)
#   make dev      the same, rebuilt and restarted on every save; open pages reload
#   make cluster  build, then run three clustered nodes on 127.0.0.1:8001-8003
#                 (stores in ./data/cluster); Ctrl-C stops all three
#   make build    the server (bin/tickertalk) and the client (web/app.wasm + .br/.gz)
#   make wasm     the client only
#   make test     every test with -race, browser tests included, then the
#                 zero-allocation tests without -race (make test-alloc)
#   make e2e      the browser and end-to-end tests only
#   make bench    every benchmark
#   make bench-compare  Tickertalk against bare r3labs/sse, table and chart in docs/
#   make lint     gofmt, go vet (native and wasm), staticcheck
#   make docs     regenerate docs/asyncapi.json from the event registry
#   make clean    remove what the build made (never ./data)

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build
MAKEFLAGS += --no-builtin-rules

GO ?= go
ADDR ?= :8000
DATA_DIR ?= ./data
RUN_FLAGS ?=
TEST_TIMEOUT ?= 20m
TEST_FLAGS ?=
STATICCHECK_VERSION := v0.8.2
# Empty: look for /usr/bin/chromium, then chromium or chromium-browser on the
# PATH. Set it (or TICKERTALK_CHROMIUM, which the tests read too) to use
# another browser, or a missing path to try the skip rule.
CHROMIUM ?= $(TICKERTALK_CHROMIUM)

BIN := bin/tickertalk
WASM := web/app.wasm
WASM_BR := web/app.wasm.br
STATICCHECK := bin/staticcheck

# Every non-test Go source that can end up in the server or app.wasm, what
# they embed (the service worker), plus the module files: a change to any of
# them rebuilds, nothing else does (e2e/ and internal/ are test helpers).
GO_SOURCES := $(shell find . -name '*.go' -not -name '*_test.go' \
	-not -path './.git/*' -not -path './bin/*' -not -path './data/*' \
	-not -path './web/*' -not -path './e2e/*' -not -path './internal/*' \
	-not -path './tmp/*') go.mod go.sum \
	$(wildcard pwa/*.js)

# The browser tests get the artifacts that `build` made, by absolute path.
TEST_ENV := TICKERTALK_BIN=$(abspath $(BIN)) TICKERTALK_WEB_DIR=$(abspath web)

# A shell test for a usable Chromium, where e2e.FindChromium looks.
ifeq ($(CHROMIUM),)
HAVE_CHROMIUM := test -x /usr/bin/chromium || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1
else
HAVE_CHROMIUM := test -x $(CHROMIUM)
TEST_ENV += TICKERTALK_CHROMIUM=$(CHROMIUM)
endif

.PHONY: run cluster build wasm test test-alloc e2e bench bench-compare lint clean check-browser check-nginx docs dev

run: build
	./$(BIN) --addr $(ADDR) --data-dir $(DATA_DIR) --web-dir ./web $(RUN_FLAGS)

# The development loop (cmd/dev): builds, runs the server with --dev on
# DATA_DIR, and on every save of a Go source, the service worker or web/
# rebuilds, restarts the server and reloads the open pages.
dev:
	@mkdir -p bin
	$(GO) build -o bin/dev ./cmd/dev
	GO=$(GO) ./bin/dev --addr $(ADDR) --data-dir $(DATA_DIR) --web-dir ./web -- $(RUN_FLAGS)

# Three nodes on this machine, clustered by their embedded NATS (R3):
# cmd/cluster prints their URLs and stops them on Ctrl-C. CLUSTER_FLAGS go
# to every node.
CLUSTER_FLAGS ?=
cluster: build
	$(GO) run ./cmd/cluster --bin ./$(BIN) --data-dir $(DATA_DIR)/cluster --web-dir ./web -- $(CLUSTER_FLAGS)

build: $(BIN) $(WASM_BR)

wasm: $(WASM_BR)

$(BIN): $(GO_SOURCES)
	@mkdir -p $(@D)
	$(GO) build -o $@ .

$(WASM): $(GO_SOURCES)
	@mkdir -p $(@D)
	GOOS=js GOARCH=wasm $(GO) build -o $@ .

# Precompressed copies (brotli, gzip) that the server sends by Accept-Encoding.
# The touch keeps make from running it again when it found them up to date.
$(WASM_BR): $(WASM)
	$(GO) run ./cmd/precompress $<
	@touch $@

test: build
	@status=0; \
	$(TEST_ENV) $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) $(TEST_FLAGS) ./... || status=$$?; \
	$(MAKE) --no-print-directory test-alloc || status=$$?; \
	$(MAKE) --no-print-directory check-browser || status=$$?; \
	$(MAKE) --no-print-directory check-nginx || status=$$?; \
	exit $$status

# The zero-allocation tests skip under -race (sync.Pool drops items at
# random there), so they run again without it. It fails when fewer than
# ALLOC_TESTS_MIN of them ran, so that a rename cannot turn them off.
ALLOC_TESTS := WithoutAllocat|TestFirstFramesShareTheSnapshot
ALLOC_TESTS_MIN := 3
test-alloc:
	@out=$$($(GO) test -count=1 -v -run '$(ALLOC_TESTS)' ./server/ 2>&1) || { echo "$$out"; exit 1; }; \
	n=$$(grep -c -- '^--- PASS' <<<"$$out" || true); \
	if [ "$$n" -lt $(ALLOC_TESTS_MIN) ]; then echo "$$out"; echo "test-alloc: $$n allocation tests passed, want at least $(ALLOC_TESTS_MIN)"; exit 1; fi; \
	echo "ok  zero-allocation tests without -race: $$n passed"

e2e: build
	@status=0; \
	$(TEST_ENV) $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) $(TEST_FLAGS) ./e2e/... || status=$$?; \
	$(MAKE) --no-print-directory check-browser || status=$$?; \
	$(MAKE) --no-print-directory check-nginx || status=$$?; \
	exit $$status

# Prints a banner when Chromium is missing (the browser tests were skipped);
# under CI=true it fails instead, as the tests themselves do.
check-browser:
	@if ! { $(HAVE_CHROMIUM); }; then \
		echo; \
		echo '*******************************************************************************************'; \
		echo '*** BROWSER TESTS SKIPPED: chromium not found (install: apt-get install -y chromium) ***'; \
		echo '*******************************************************************************************'; \
		echo; \
		if [ "$${CI:-}" = true ]; then echo 'CI=true: a skipped browser test is a failure.'; exit 1; fi; \
	fi

# The same for nginx, which the reverse-proxy test runs (e2e.FindNginx:
# $(TICKERTALK_NGINX), /usr/sbin/nginx, or nginx on the PATH).
check-nginx:
	@if ! { if [ -n "$${TICKERTALK_NGINX:-}" ]; then test -x "$$TICKERTALK_NGINX"; else test -x /usr/sbin/nginx || command -v nginx >/dev/null 2>&1; fi; }; then \
		echo; \
		echo '*****************************************************************************************'; \
		echo '*** NGINX TESTS SKIPPED: nginx not found (install: apt-get install -y nginx-light) ***'; \
		echo '*****************************************************************************************'; \
		echo; \
		if [ "$${CI:-}" = true ]; then echo 'CI=true: a skipped nginx test is a failure.'; exit 1; fi; \
	fi

# The memory benchmarks run once each, in their own process: a second one
# in the same process would reuse the memory the first freed.
bench:
	$(GO) test -run '^$$' -bench . -skip IdleConnMemory -benchmem ./...
	$(GO) test -run '^$$' -bench 'IdleConnMemory$$' -benchtime 1x ./server/
	$(GO) test -run '^$$' -bench 'IdleConnMemoryBareR3labs$$' -benchtime 1x ./server/

# Tickertalk against bare r3labs/sse (cmd/baresse), A B A B, pinned with
# taskset: prints the table of ratios and writes docs/bench-compare.svg and
# docs/bench-compare.md. A few minutes; BENCH_FLAGS='--rounds 4
# --duration 20s --idle 19000' goes longer.
BENCH_FLAGS ?=
bench-compare:
	$(GO) run ./cmd/benchcompare $(BENCH_FLAGS)

# The AsyncAPI document of the protocol, from every kind the server
# declares; cmd/asyncapi's test fails when the checked-in one differs.
docs:
	$(GO) run ./cmd/asyncapi -o docs/asyncapi.json

# Every check runs, so one run lists every problem; lint fails if any did.
lint: $(STATICCHECK)
	@status=0; \
	echo 'gofmt -l'; \
	files=$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*' -not -path './tmp/*')); \
	if [ -n "$$files" ]; then echo "not gofmt-formatted:"; echo "$$files"; status=1; fi; \
	echo '$(GO) vet ./...'; $(GO) vet ./... || status=1; \
	echo 'GOOS=js GOARCH=wasm $(GO) vet ./app/... .'; GOOS=js GOARCH=wasm $(GO) vet ./app/... . || status=1; \
	if [ -x $(STATICCHECK) ]; then \
		echo '$(STATICCHECK) ./...'; ./$(STATICCHECK) ./... || status=1; \
		echo 'GOOS=js GOARCH=wasm $(STATICCHECK) ./app/... .'; GOOS=js GOARCH=wasm ./$(STATICCHECK) ./app/... . || status=1; \
	else \
		echo '*** staticcheck $(STATICCHECK_VERSION) could not be installed: skipped ***'; \
	fi; \
	exit $$status

# staticcheck, pinned; a failed install (no module proxy) skips it in lint.
$(STATICCHECK):
	@mkdir -p $(@D)
	GOBIN=$(abspath $(@D)) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) || \
		echo '*** could not install staticcheck $(STATICCHECK_VERSION) ***'

clean:
	rm -rf bin $(WASM) $(WASM).br $(WASM).gz
