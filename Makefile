# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test install lint check-python

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Spoke needs Python 3.11 or newer")'

$(BIN)/spoke: pyproject.toml | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

install: $(BIN)/spoke

## Start the registry on the embedded default (SQLite + ./spoke-data, no servers needed).
run: install
	$(BIN)/spoke serve

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

## Install everything the tests need, then lint, type-check and run the whole suite.
## (The servers the tests start, PostgreSQL, Redis and SeaweedFS, are installed on first
## use by spoke.devstack; the protoc plugins for code generation here.)
test: lint
	bash scripts/install-codegen-tools.sh
	bash scripts/install-observability-tools.sh
	bash scripts/install-deploy-tools.sh
	bash scripts/install-container-tools.sh
	bash scripts/install-browser-tools.sh
	$(BIN)/pytest
