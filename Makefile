# aicmo: the two commands are `make run` and `make test`; everything else is what they use.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
BUF := node_modules/.bin/buf

.PHONY: help run test lint proto proto-check bench clean kubectl

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

$(BUF): package.json
	npm install --no-audit --no-fund --loglevel=error
	@touch $@

kubectl: ## Install kubectl (Debian's kubernetes-client) when missing.
	@bash deploy/tools/ensure-kubectl.sh

proto: $(INSTALLED) ## Generate the Python code for protos/ into gen/.
	$(PY) tools/protogen.py

proto-check: $(INSTALLED)
	$(PY) tools/protogen.py --check

lint: $(INSTALLED) $(BUF) proto-check ## ruff, mypy (strict), buf lint, buf breaking against main.
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(BUF) lint
	bash tools/buf-breaking.sh $(BUF)

test: $(INSTALLED) lint kubectl ## Set everything up and run the whole suite.
	$(VENV)/bin/pytest

run: $(INSTALLED) ## Set everything up and start the whole stack on SQLite (Ctrl-C stops it).
	$(VENV)/bin/aicmo dev up

bench: $(INSTALLED) ## Measure throughput against the floors; results in bench/results/.
	$(PY) -m bench

clean: ## Remove the virtual environment, node_modules, local databases and caches.
	rm -rf $(VENV) node_modules var .pytest_cache .ruff_cache .mypy_cache bench/results
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
