# Loopdesk. `make run` starts the app with demo data; `make test` runs everything.
GO        ?= go
VENDOR    := web/static/vendor
HTMX      := $(VENDOR)/htmx.min.js
SSE       := $(VENDOR)/sse.js
BIN       := bin/loopdesk

.PHONY: run test build generate lint assets bench clean

$(HTMX) $(SSE) &: web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp web/node_modules/htmx.org/dist/htmx.min.js $(HTMX)
	cp web/node_modules/htmx-ext-sse/dist/sse.min.js $(SSE)

## assets: install front-end packages from npm and copy them into the embedded static folder
assets: $(HTMX) $(SSE)

## generate: regenerate templ components (commit the *_templ.go files)
generate:
	$(GO) tool templ generate

## build: a static binary in bin/
build: assets
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/server

## run: start Loopdesk with demo data (DATABASE_URL if set, else a private cluster in ./data)
run: build
	./$(BIN) serve --demo

## test: every test, against real Postgres (a throwaway cluster) and headless Chromium
test: assets
	$(GO) run ./cmd/pgrun -- $(GO) test -count=1 -timeout 20m ./...
	$(GO) run ./cmd/pgrun -- $(GO) test -run '^$$' -fuzz '^FuzzSearchQuery$$' -fuzztime 10s ./internal/tickets
	$(GO) test -run '^$$' -fuzz '^FuzzFormDecode$$' -fuzztime 10s ./web/formbody

## lint: gofmt and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## bench: big-data benchmarks and the crash test (kill -9 during intake); not part of make test
bench: assets
	$(GO) run ./cmd/pgrun -- $(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) run ./cmd/loadbench -explain -breach
	$(GO) run ./cmd/loadbench -crash

clean:
	rm -rf bin $(VENDOR) web/node_modules
