# Contract (see README): `make serve`, `make test`, `make install`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8080
DATA_DIR ?= .ecsim-data

.PHONY: install install-test serve test lint typecheck unit bench bench-deps clean system-deps packer-client

install: $(STAMP) system-deps

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e .
	touch $@

# What the Linux data plane needs (and what instances run: they share the host's /usr);
# installed only when we are root and something is missing.
SYSTEM_TOOLS := nft ip tini sshd ssh ping nc rsync curl mkfs.ext4 fdisk extundelete
SYSTEM_PACKAGES := nftables iproute2 tini openssh-server openssh-client iputils-ping \
	netcat-openbsd rsync curl e2fsprogs fdisk extundelete procps util-linux
system-deps:
	@if [ "$$(id -u)" = "0" ]; then \
		missing=0; for tool in $(SYSTEM_TOOLS); do \
			PATH="$$PATH:/usr/sbin:/sbin" command -v $$tool >/dev/null || missing=1; done; \
		if [ $$missing = 1 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				$(SYSTEM_PACKAGES) >/dev/null; \
		fi; \
	fi

$(VENV)/.installed-test: $(STAMP) pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# The Node client (@alicloud/pop-core) for the cross-language test, when npm is available.
NODE_DIR := .node
$(NODE_DIR)/.installed:
	@if command -v npm >/dev/null; then \
		npm install --silent --no-audit --no-fund --prefix $(NODE_DIR) @alicloud/pop-core@1.8.0 >/dev/null && touch $@; \
	else echo "npm not found: the Node client test will be skipped"; fi

# Packer 1.6.6 (Debian's) for the guide's §5 build test, when we are root; optional: the test
# skips without it, so a failed install does not fail the build.
packer-client:
	@if [ "$$(id -u)" = "0" ] && ! command -v packer >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq packer \
			>/dev/null) || echo "packer not installed: the Packer test will be skipped"; \
	fi

install-test: install $(VENV)/.installed-test $(NODE_DIR)/.installed packer-client

serve: install
	$(BIN)/ecsim serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

lint: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install-test
	$(BIN)/mypy

unit: install-test
	$(BIN)/pytest -q

test: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest -q

$(VENV)/.installed-bench: $(STAMP) pyproject.toml
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $@

# `make bench BENCH_ARGS=--quick` for a short run.
BENCH_ARGS ?=
# restic is the storage benchmark's anchor (Debian's package), installed when we are root
bench-deps:
	@if [ "$$(id -u)" = "0" ] && ! command -v restic >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq restic >/dev/null; \
	fi

bench: install bench-deps $(VENV)/.installed-test $(VENV)/.installed-bench
	$(BIN)/python bench/api_bench.py $(BENCH_ARGS)
	$(BIN)/python bench/security_groups_bench.py $(BENCH_ARGS)
	$(BIN)/python bench/engine_bench.py $(BENCH_ARGS)
	$(BIN)/python bench/instances_bench.py $(BENCH_ARGS)
	$(BIN)/python bench/analyzer_bench.py $(BENCH_ARGS)
	$(BIN)/python bench/oss_bench.py $(BENCH_ARGS)
	$(BIN)/python bench/storage_bench.py $(BENCH_ARGS)
	$(BIN)/python bench/dataplane_bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(NODE_DIR) $(DATA_DIR) .mypy_cache .pytest_cache .ruff_cache
