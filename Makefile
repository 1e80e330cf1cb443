# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
CHECKOV_VENV := $(VENV)/checkov
PYTEST_WORKERS ?= 2
STAGE ?= dev
# jsii (CDK's bridge to Node.js) warns at every start on this machine's Node 20.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: run test unit api e2e infra fuzz bench lint package synth deploy browser messages screenshots clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

# checkov in its own venv (it pins packaging<24): only the infra checks need it.
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-stamp
$(CHECKOV_STAMP): infra/requirements-checkov.txt $(STAMP)
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r infra/requirements-checkov.txt
	touch $(CHECKOV_STAMP)

## Start the whole API on 127.0.0.1:$${PORT:-8000} with an embedded moto DynamoDB.
run: $(STAMP)
	$(PY) -m local.run

## Run the whole test suite (lint, then unit, API, end-to-end, infra, the dashboard in a real browser).
test: lint browser $(CHECKOV_STAMP)
	$(PY) -m pytest -n $(PYTEST_WORKERS) -q tests

## Chromium and its driver (Debian's packages) for the dashboard's browser test: installed when
## missing if this runs as root with apt-get, else one line says the command to run.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium and chromium-driver (apt-get) for the dashboard's browser test"; \
		apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || \
		{ apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-driver >/dev/null; }; \
	else echo "The dashboard's browser test needs Chromium: sudo apt-get install -y chromium chromium-driver" >&2; \
		exit 1; fi

unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

api: $(STAMP)
	$(PY) -m pytest -q tests/api

e2e: $(STAMP)
	$(PY) -m pytest -q tests/e2e

## Synthesize the CDK app and check it (cfn-lint, checkov, the stack's properties); no AWS account needed.
infra: $(STAMP) $(CHECKOV_STAMP)
	$(PY) -m pytest -n $(PYTEST_WORKERS) -q tests/infra

## Fuzz every operation of openapi.yaml against the local server, longer than make test does.
fuzz: $(STAMP)
	AFFILINK_FUZZ_EXAMPLES=$${AFFILINK_FUZZ_EXAMPLES:-300} $(PY) -m pytest -n $(PYTEST_WORKERS) -q tests/e2e/test_fuzz.py

## Bring the French catalogue of the dashboard up to date with its strings (then translate what it lists).
messages: $(STAMP)
	$(PY) -m local.messages

## The README's screenshots of the dashboard, taken by its browser test, into docs/screenshots/.
screenshots: $(STAMP) browser
	AFFILINK_SCREENSHOTS=docs/screenshots $(PY) -m pytest -q tests/e2e/test_dashboard_browser.py

## Every hot path against its floor, with its target: bench/results.md (docs/performance.md explains it).
bench: $(STAMP)
	$(PY) -m bench.run

## ruff, the type checker (mypy), the import contracts (import-linter, in pyproject.toml) and the
## complexity bar (radon: no function of the product rated worse than C).
lint: $(STAMP)
	$(PY) -m ruff check app.py chalicelib local tests bench infra
	$(PY) -m mypy
	$(VENV)/bin/lint-imports --no-cache
	@worse="$$($(VENV)/bin/radon cc -n D -s app.py chalicelib)"; \
	if [ -n "$$worse" ]; then echo "Rated worse than C by radon cc (split them):"; echo "$$worse"; exit 1; fi

## The Lambda deployment package (app.py, chalicelib/, requirements.txt) in build/package,
## with every module's compiled bytecode (infra/bytecode.py: a cold start then compiles nothing).
package: $(STAMP)
	rm -rf build/package
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(VENV)/bin/chalice package build/package
	$(PY) -m infra.bytecode build/package/deployment.zip

## The CloudFormation templates of stage $(STAGE) in infra/cdk.out, without an AWS account.
synth: $(STAMP)
	cd infra && CDK_CONTEXT_JSON='{"stage": "$(STAGE)"}' CDK_OUTDIR=cdk.out ../$(PY) deploy.py

## Deploy stage $(STAGE) to the AWS account of your credentials (README: "Deploy to AWS");
## more context in CDK_ARGS, e.g. CDK_ARGS="-c alarm_email=ops@example.com".
deploy: $(STAMP)
	cd infra && npx --yes aws-cdk@2 deploy -c stage=$(STAGE) $(CDK_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache .mypy_cache build
