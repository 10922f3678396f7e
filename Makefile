# SMS Bridge — the two commands: `make run` (the product on the devstack) and `make test` (every check).
# Both set up what they need first; a second run only reinstalls when a dependency file changed.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP_STAMP := $(VENV)/.deps-installed
NODE_STAMP := node_modules/.deps-installed
WEB_STAMP := webresources/node_modules/.deps-installed

.PHONY: help setup run test lint typecheck pytest solution frontend clean

help:
	@echo "make run    set up, then start Azurite, the Dataverse and Twilio emulators and the function app"
	@echo "make test   set up, then ruff, mypy and pytest (non-zero on any failure)"
	@echo "make solution  build dist/SmsBridge_<version>_unmanaged.zip and _managed.zip (validated against the XSDs)"
	@echo "make setup  only install Python and Node dependencies"
	@echo "make clean  remove the virtual environment, node_modules and caches"

setup: $(PIP_STAMP) $(NODE_STAMP) $(WEB_STAMP)

$(PIP_STAMP): requirements.txt requirements-dev.txt pyproject.toml VERSION
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB_STAMP): webresources/package.json webresources/package-lock.json
	npm ci --prefix webresources --no-audit --no-fund --loglevel=error
	@touch $@

# The front end: the inbox pane and form scripts (typecheck, lint, unit tests, build into webresources/dist).
frontend: setup
	npm --prefix webresources run --silent check

run: setup
	$(PY) -m devstack run

solution: frontend
	$(PY) -m solution.packer --out dist

lint: setup
	$(PY) -m ruff check .

typecheck: setup
	$(PY) -m mypy

pytest: setup
	$(PY) -m pytest

test: setup frontend
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest

clean:
	rm -rf $(VENV) node_modules webresources/node_modules webresources/dist dist .mypy_cache .ruff_cache \
		.pytest_cache .hypothesis
