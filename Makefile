# Tanggap: `make up` runs everything locally, `make test` runs lint, types and the whole suite,
# `make bench` measures it (results in bench/results/, summary in the README).
# Both install what they need on first use (cached in .venv/ and .cache/).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: up down test lint install infra-start infra-stop status bench clean

up: install
	$(PY) -m infra up

down:
	@$(PYTHON) -m infra down

test: install lint
	$(PY) -m infra install --browser
	$(PY) -m infra run -- $(PY) -m pytest $(PYTEST_ARGS)

# ruff (lint and import order) over the whole tree; mypy over shared/ and services/ (strict on
# shared/ and the pure domain modules, see pyproject.toml)
lint: install
	$(PY) -m ruff check services shared tests bench infra
	$(PY) -m mypy

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

bench: $(BENCH_STAMP)
	$(PY) -m infra run -- $(PY) -m bench $(BENCH_ARGS)

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install -q -e '.[test,bench]'
	@touch $(BENCH_STAMP)

infra-start: install
	$(PY) -m infra start

infra-stop:
	@$(PYTHON) -m infra stop

status:
	@$(PYTHON) -m infra status

clean: infra-stop
	rm -rf $(VENV) .cache
