# Everything a fresh machine needs is installed from here: Debian packages, the
# virtual environment and its pip packages. `make test` and `make demo` depend on it.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PROTOS := $(wildcard protos/avatar/v1/*.proto)
APT_PACKAGES := espeak-ng sox
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all setup system-deps proto test test-unit test-servicer test-integration test-gpu \
        demo bench lint clean

all: test

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

$(STAMP): pyproject.toml | system-deps
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# The CPU build of torch (a local wheel on these machines); installed first so the
	# range in pyproject.toml is already satisfied and no CUDA build is pulled.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: system-deps $(STAMP)

# Generated gRPC code lives in avatar/v1 only; tests/unit/test_generated_code.py fails
# when it is older than the .proto files.
proto: $(STAMP)
	$(PY) -m grpc_tools.protoc -I protos --python_out=. --pyi_out=. --grpc_python_out=. $(PROTOS)

test: setup
	$(PY) -m pytest -q -p no:cacheprovider tests

test-unit: setup
	$(PY) -m pytest -q tests/unit

test-servicer: setup
	$(PY) -m pytest -q tests/servicer

test-integration: setup
	$(PY) -m pytest -q tests/integration

test-gpu: setup
	$(PY) -m pytest -q tests/gpu

demo: setup
	$(VENV)/bin/avatar demo --out out/demo

bench: setup
	$(PY) -m bench

lint: setup
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) out .pytest_cache
