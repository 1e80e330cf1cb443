# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= 2

.PHONY: run test unit api e2e fuzz bench lint package clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

## Start the whole API on 127.0.0.1:$${PORT:-8000} with an embedded moto DynamoDB.
run: $(STAMP)
	$(PY) -m local.run

## Run the whole test suite (lint, then unit, API, end-to-end).
test: lint
	$(PY) -m pytest -n $(PYTEST_WORKERS) -q tests

unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

api: $(STAMP)
	$(PY) -m pytest -q tests/api

e2e: $(STAMP)
	$(PY) -m pytest -q tests/e2e

## Fuzz every operation of openapi.yaml against the local server, longer than make test does.
fuzz: $(STAMP)
	AFFILINK_FUZZ_EXAMPLES=$${AFFILINK_FUZZ_EXAMPLES:-300} $(PY) -m pytest -n $(PYTEST_WORKERS) -q tests/e2e/test_fuzz.py

bench: $(STAMP)
	$(PY) -m bench.run

## ruff, the type checker (mypy) and the import layers (import-linter, in pyproject.toml).
lint: $(STAMP)
	$(PY) -m ruff check app.py chalicelib local tests bench
	$(PY) -m mypy
	$(VENV)/bin/lint-imports --no-cache

## The Lambda deployment package (app.py, chalicelib/, requirements.txt) in build/package.
package: $(STAMP)
	rm -rf build/package
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(VENV)/bin/chalice package build/package

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache .mypy_cache build
