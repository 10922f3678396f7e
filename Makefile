# SMS Bridge — the two commands: `make run` (the product on the devstack) and `make test` (every check).
# Both set up what they need first; a second run only reinstalls when a dependency file changed.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP_STAMP := $(VENV)/.deps-installed
# One npm workspace at the root: the front end (frontend/) and the devstack's Node tools (frontend/README.md).
NODE_STAMP := node_modules/.deps-installed
# checkov lives in a venv of its own: its dependencies must not move the product's pins.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.checkov-3.3.30
# Microsoft's Python language worker runs on Python 3.13 only: the test that the function app loads in it drives the
# worker in a venv of its own, built with PYTHON313 if given, else python3.13 on PATH, else pyenv's 3.13.
WORKER_VENV := .venv-worker
WORKER_STAMP := $(WORKER_VENV)/.deps-installed

.PHONY: help setup browser run test lint typecheck pytest solution controls frontend infra-check clean

help:
	@echo "make run    set up, then start Azurite, the Dataverse and Twilio emulators and the function app"
	@echo "make test   set up, then ruff, mypy and pytest (non-zero on any failure)"
	@echo "make solution  build dist/SmsBridge_<version>_unmanaged.zip and _managed.zip (validated against the XSDs)"
	@echo "make setup  only install Python and Node dependencies"
	@echo "make clean  remove the virtual environments, node_modules and caches"

setup: $(PIP_STAMP) $(WORKER_STAMP) $(NODE_STAMP) browser

# Browser tests drive Debian's Chromium through Playwright; nothing downloads a browser of its own. The emoji font
# lets screenshots show emoji rather than empty boxes.
browser:
	@{ command -v chromium >/dev/null 2>&1 && test -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf; } || { \
		echo "installing Debian's chromium and emoji font for the browser tests (needs root: sudo make setup)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
			fonts-noto-color-emoji >/dev/null; }

$(PIP_STAMP): requirements.txt requirements-dev.txt pyproject.toml VERSION
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

# Each candidate is asked for its version: pyenv's shims answer `python3.13` even when no 3.13 is selected.
$(WORKER_STAMP): requirements-worker.txt
	@test -x $(WORKER_VENV)/bin/python || { \
		for candidate in $(PYTHON313) python3.13 "$$(pyenv prefix 3.13 2>/dev/null)/bin/python"; do \
			if "$$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then \
				python313="$$candidate"; break; fi; \
		done; \
		if [ -z "$$python313" ]; then \
			echo "Python 3.13 is needed for $(WORKER_VENV) (Microsoft's Python worker): install it (pyenv install 3.13," \
				"or a python3.13 package) or name it with PYTHON313=/path/to/python3.13" >&2; exit 1; fi; \
		"$$python313" -m venv $(WORKER_VENV); }
	$(WORKER_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-worker.txt
	@touch $@

$(NODE_STAMP): package.json package-lock.json $(wildcard frontend/*/package.json)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(CHECKOV_STAMP):
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check checkov==3.3.30
	@touch $@

# Infrastructure as code: every checkov check passes or is skipped with its reason next to the resource.
infra-check: $(CHECKOV_STAMP)
	LOG_LEVEL=ERROR $(CHECKOV_VENV)/bin/checkov -d infra --compact --quiet --skip-download

# Table, column and choice names for code, generated from solution/tables (python -m solution.names); the files are
# committed, and rewritten here when a table definition changed.
NAMES := schema/names.py frontend/shared/src/names.ts
$(NAMES) &: solution/names.py $(wildcard solution/schema/*.py) $(shell find solution/tables -name '*.toml' 2>/dev/null) | $(PIP_STAMP)
	$(PY) -m solution.names
	@touch $(NAMES)

# The chat control and the web resources as the packer and the devstack take them; rebuilt only when their sources
# change (frontend/shared is part of both).
CONTROL_BUNDLE := frontend/chat-control/out/controls/TextSMSChatSystem/bundle.js
WEB_BUNDLE := frontend/webresources/dist/smsb_/scripts/smsbridge.js
SHARED_SOURCES := $(shell find frontend/shared/src -type f 2>/dev/null)

$(CONTROL_BUNDLE): $(NODE_STAMP) $(NAMES) $(SHARED_SOURCES) \
		$(shell find frontend/chat-control/TextSMSChatSystem -type f -not -path '*/generated/*' 2>/dev/null)
	PP_TOOLS_TELEMETRY_OPTOUT=true npm run --silent build --workspace @smsb/chat-control
	@# pcf-scripts can report a lint error and still exit 0 without writing the bundle
	@test -f $(CONTROL_BUNDLE) || { echo "the chat control did not build (see pcf-scripts' errors above)" >&2; exit 1; }
	@touch $(CONTROL_BUNDLE)

$(WEB_BUNDLE): $(NODE_STAMP) $(NAMES) $(SHARED_SOURCES) \
		$(shell find frontend/webresources/src frontend/webresources/static -type f 2>/dev/null)
	npm run --silent build --workspace @smsb/webresources

controls: $(CONTROL_BUNDLE) $(WEB_BUNDLE)

# The front end (frontend/README.md), every step of it: the generated names are current; both bundles build (the
# control's build lints it and writes the manifest types the typecheck reads); typecheck, ESLint and Prettier; then
# every front-end test (Vitest), the built control's bundle test included.
frontend: setup
	$(PY) -m solution.names --check
	rm -f $(CONTROL_BUNDLE)
	PP_TOOLS_TELEMETRY_OPTOUT=true npm run --silent build
	@test -f $(CONTROL_BUNDLE) || { echo "the chat control did not build (see pcf-scripts' errors above)" >&2; exit 1; }
	npm run --silent typecheck
	npm run --silent lint
	npm test --silent

run: setup controls
	$(PY) -m devstack run

# Building builds: the front-end tests run in `make test`, not here.
solution: setup controls
	$(PY) -m solution.packer --out dist

lint: setup
	$(PY) -m ruff check .

typecheck: setup
	$(PY) -m mypy

pytest: setup
	$(PY) -m pytest

# Every step runs and reports even when an earlier one failed; the target fails if any did.
test: setup
	@failed=""; \
	$(MAKE) --no-print-directory frontend || failed="$$failed frontend"; \
	$(MAKE) --no-print-directory infra-check || failed="$$failed infra-check"; \
	$(PY) -m ruff check . || failed="$$failed ruff"; \
	$(PY) -m mypy || failed="$$failed mypy"; \
	$(PY) -m pytest || failed="$$failed pytest"; \
	if [ -n "$$failed" ]; then echo "make test: failed:$$failed" >&2; exit 1; fi

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(WORKER_VENV) node_modules dist frontend/webresources/dist \
		frontend/chat-control/out frontend/chat-control/TextSMSChatSystem/generated .mypy_cache .ruff_cache \
		.pytest_cache .hypothesis
