# pilotlight — the two commands a new machine needs are in the README:
#   make test    installs what is missing, then vet + the whole suite against real servers
#   make bench   side-by-side benchmarks, written to docs/BENCHMARKS.md
#   make demo    a local MariaDB pair replicated by pilotlight, with writes going on, until Ctrl-C

SHELL   := /bin/bash
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN     ?= bin/pilotlight
RIG     := $(GO) run ./internal/testenv/rig
TESTFLAGS ?= -race -count=1 -timeout 45m

.PHONY: all build deps fmt-check vet test bench bench-sink-cp bench-replicate bench-sanitize bench-snapshot bench-restore demo rig rig-down clean

all: build

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/pilotlight

# Install servers and tools the tests use (apt, go install, npm); quick when present.
deps:
	bash internal/testenv/install.sh

fmt-check:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# Each test binary starts the real servers it needs (once) and stops them.
# The full verbose log goes to test.log; the terminal shows packages, failures,
# skips and a closing count.
test: deps fmt-check vet
	@set -o pipefail; $(GO) test -v $(TESTFLAGS) ./... > test.log 2>&1; status=$$?; \
	grep -E '^(ok|FAIL|panic:|--- FAIL|--- SKIP|\s+--- (FAIL|SKIP))' test.log | sed 's/^\s*//' ; \
	[ $$status -eq 0 ] || { echo "--- what the failing tests logged (full log: test.log):"; awk -f internal/testenv/failures.awk test.log | head -200; } ; \
	echo "$$(grep -cE '^\s*--- PASS' test.log) passed, $$(grep -cE '^\s*--- FAIL' test.log) failed, $$(grep -cE '^\s*--- SKIP' test.log) skipped"; \
	exit $$status

# Benchmarks, one after the other (each is CPU-heavy; never run them in parallel). Each writes
# its section of docs/BENCHMARKS.md; bench-<name> runs one.
bench: deps build
	bash internal/bench/sink_cp.sh
	bash internal/bench/replicate.sh
	bash internal/bench/sanitize.sh
	bash internal/bench/snapshot.sh
	bash internal/bench/restore.sh

bench-sink-cp: deps build
	bash internal/bench/sink_cp.sh

bench-replicate: deps build
	bash internal/bench/replicate.sh

bench-sanitize: deps build
	bash internal/bench/sanitize.sh

bench-snapshot: deps build
	bash internal/bench/snapshot.sh

bench-restore: deps build
	bash internal/bench/restore.sh

# A primary and a standby on free loopback ports, a sample shop database, pilotlight replicate
# with writes going on and pilotlight status every few seconds; Ctrl-C stops everything.
# DEMO_SECONDS=N stops by itself after N seconds (exit 0 only if both sides end up identical).
demo: build
	@bash internal/testenv/install.sh demo
	@bash internal/demo/demo.sh

# Start every server for manual use and print their URLs; rig-down stops them.
rig:
	$(RIG) up

rig-down:
	$(RIG) down

clean:
	rm -rf bin test.log
