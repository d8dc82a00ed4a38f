VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X leakwatch/internal/buildinfo.version=$(VERSION)

.PHONY: all fmt vet test race build deb demo ci
all: fmt vet test build

fmt:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	go vet ./...

test:
	go test ./...

race:
	go test -race ./...

build:
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o bin/watcher ./cmd/watcher

demo:
	go run ./cmd/watcher demo

ci:
	bash .ci/run

# The Debian package: dist/leakwatch_VERSION_ARCH.deb (dpkg-deb only).
deb:
	bash packaging/build-deb.sh $(VERSION) dist
