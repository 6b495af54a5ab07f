# Arcane: the commands a developer and CI need. Only Python 3.11+ and make are assumed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per core and one more by default, because the production tests
# mostly wait for the servers they start; 0 runs the suite in this one process. Work stealing: a
# process that runs out of tests takes some from one still busy (with the fuzz run).
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
CHROMIUM ?= chromium

.DEFAULT_GOAL := help
.PHONY: help install install-dev install-meinheld run test lint format check-deploy check-docs chromium redis-server clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -e 's|$$(HOST)|$(HOST)|g' -e 's|$$(PORT)|$(PORT)|g' | awk 'BEGIN {FS = ":.*## "} {printf "  make %-18s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.installed

$(VENV)/.installed-docs: requirements.txt requirements-dev.txt requirements-docs.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-docs.txt
	@touch $@ $(VENV)/.installed-dev $(VENV)/.installed

install: $(VENV)/.installed ## Install the pinned runtime requirements in .venv

install-dev: $(VENV)/.installed-dev ## Install the runtime and test requirements in .venv

# meinheld declares greenlet<0.5, which does not build on Python 3.11: both are pinned and
# installed without dependency resolution (pip check reports this one known exception).
$(VENV)/.installed-meinheld: requirements-meinheld.txt | $(VENV)/.installed
	$(BIN)/pip install --quiet --no-deps -r requirements-meinheld.txt
	@touch $@

install-meinheld: $(VENV)/.installed-meinheld ## Install the meinheld gunicorn worker in .venv (needs a C compiler)

run: install ## Serve the API on http://$(HOST):$(PORT) with the embedded database and demo data
	@echo "Arcane on http://$(HOST):$(PORT)  |  Swagger UI: http://$(HOST):$(PORT)/docs/swagger  |  ReDoc: http://$(HOST):$(PORT)/docs/redoc"
	ARCANE_ENV=$${ARCANE_ENV:-local} $(BIN)/flask --app arcane run --host $(HOST) --port $(PORT) --no-reload

# meinheld is an sdist: with no C compiler to build it, the suite runs without it and its tests skip.
test: install-dev redis-server ## Run the whole test suite, one process per core and one more (PYTEST_WORKERS=0: one process; meinheld's tests need a C compiler)
	@if [ -e $(VENV)/.installed-meinheld ] || problem=$$($(BIN)/python -m scripts.c_compiler); then \
		$(MAKE) --no-print-directory install-meinheld; \
	else \
		echo "Not installing meinheld: $$problem. Its tests will be skipped (see the README, Tests)."; \
	fi
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

redis-server: ## Install Debian's redis-server for the shared-limit tests if it is missing (as root), or say they skip
	@command -v redis-server >/dev/null && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server; \
	else \
		echo "redis-server is missing: the tests that need it skip (sudo apt-get install redis-server)"; \
	fi

lint: install-dev ## Lint and check formatting (ruff)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev ## Fix lint and formatting where ruff can
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-deploy: ## Lint the Dockerfile, compose file and Terraform (tools in .venv-tools)
	PYTHON=$(PYTHON) bash scripts/check_deploy.sh

check-docs: $(VENV)/.installed-docs chromium ## Lint the OpenAPI document, generate a client, render both docs pages in Chromium
	@command -v npx >/dev/null || { echo "check-docs needs Node.js 18+ with npx (Debian: apt-get install nodejs npm)"; exit 1; }
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m scripts.check_docs

chromium: ## Install Debian's Chromium for check-docs if it is missing (as root), or say how to
	@command -v $(CHROMIUM) >/dev/null && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	else \
		echo "check-docs needs Chromium: install Debian's package (sudo apt-get install chromium)"; \
		echo "or point CHROMIUM at a Chrome or Chromium binary: make check-docs CHROMIUM=/path/to/chrome"; \
		exit 1; \
	fi

clean: ## Remove the virtualenvs and caches
	rm -rf $(VENV) .venv-tools .pytest_cache .ruff_cache .coverage htmlcov build/docs-check

.PHONY: bench
BENCH_ARGS ?=

$(VENV)/.installed-bench: requirements.txt requirements-bench.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-bench.txt
	@touch $@

bench: $(VENV)/.installed-bench ## Benchmark Arcane against a bare Flask app (needs wrk; BENCH_ARGS=--quick; under flock on a shared machine)
	@command -v wrk >/dev/null || { echo "wrk is missing: sudo apt-get install wrk (see docs/benchmark.md)"; exit 2; }
	$(BIN)/python -m scripts.bench $(BENCH_ARGS)
