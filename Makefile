# grimbots developer tasks. `make` (or `make help`) lists them.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO        ?= go
BIN_DIR   ?= bin
PKG       := github.com/grimbots/grimbots
VERSION   ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X $(PKG)/internal/buildinfo.Version=$(VERSION)

GOLANGCI_LINT_VERSION := v2.15.0
GOVULNCHECK_VERSION   := v1.9.0
GOBIN     := $(shell $(GO) env GOPATH)/bin
GOLANGCI_LINT := $(or $(shell command -v golangci-lint 2>/dev/null),$(GOBIN)/golangci-lint)

# The same services and variables as .ci/run.
TEST_ENV := GRIMBOTS_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
	GRIMBOTS_TEST_REDIS_URL='redis://127.0.0.1:6379/0' \
	GRIMBOTS_TEST_REQUIRE_SERVICES=1

.PHONY: help run build test test-race test-all lint vuln bench bench-profile fmt ci clean

help: ## List the targets
	@echo 'Usage: make TARGET'
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: ## Run the platform locally (go run ./cmd/grimbots serve)
	$(GO) run ./cmd/grimbots serve

build: ## Build ./bin/grimbots with the version from git describe
	@mkdir -p $(BIN_DIR)
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN_DIR)/grimbots ./cmd/grimbots
	@echo "built $(BIN_DIR)/grimbots ($(VERSION))"

test: ## Run the tests (PostgreSQL/Redis suites skip without services)
	$(GO) test ./...

test-race: ## Run the tests with the race detector
	$(GO) test -race -count=1 ./...

test-all: ## Run every suite with -race against local PostgreSQL and Redis (as CI does)
	$(TEST_ENV) $(GO) test -race -count=1 -p 2 -timeout 45m ./...

ci: ## Run the full CI script (.ci/run)
	bash .ci/run

lint: ## Run golangci-lint (installs v2.15.0 if absent)
	@if [ ! -x "$(GOLANGCI_LINT)" ]; then \
		echo "installing golangci-lint $(GOLANGCI_LINT_VERSION)"; \
		$(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION); \
	fi
	$(GOLANGCI_LINT) run ./...

vuln: ## Check dependencies for known vulnerabilities (govulncheck)
	$(GO) run golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION) ./...

bench: ## Load benchmark: idle RSS, req/s and latency of GET /api/v1/me on SQLite
	bash bench/run.sh

bench-profile: ## In-process GET /api/v1/me benchmark with a CPU profile (bench/results/)
	@mkdir -p bench/results
	$(GO) test ./bench -run '^$$' -bench Me -benchtime 5s -benchmem \
		-cpuprofile bench/results/cpu.out -o bench/results/bench.test
	$(GO) tool pprof -top -cum -nodecount 30 bench/results/bench.test bench/results/cpu.out

fmt: ## Format the code (gofmt -s)
	gofmt -s -w $$(find . -name '*.go' -not -path './.git/*' -not -path './vendor/*' -not -path '*/testdata/*')

clean: ## Remove build output
	rm -rf $(BIN_DIR)
