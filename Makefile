# reslua: the first command runs the shipped scenario on the embedded demo
# MCP servers; the second runs the test suite.
GO      ?= go
BIN     := bin/reslua
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: run test build check vet bench clean

run: build
	./$(BIN) scenarios/mcp.lua

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/reslua

test: vet
	$(GO) test -race -count=1 ./...

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "not gofmt'd: $$unformatted"; exit 1; fi
	$(GO) vet ./...

check: build
	./$(BIN) check scenarios/mcp.lua

# Benchmarks against wrk and k6 on one loopback target, then open-model
# accuracy and session memory (about 13 minutes; never part of make test). See bench/README.md.
bench:
	cd bench && ./run.sh && ./open.sh && ./sessions.sh

clean:
	rm -rf bin
