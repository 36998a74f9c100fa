# Ouderportaal – the two commands of README.md, plus a few helpers.
#   make run    the portal with demo data on http://127.0.0.1:5000 (needs only Python 3.11+);
#               make run PORT=5104 for another port (mail links follow, see devserver.py)
#   make test   everything the tests need, then the whole suite on SQLite and PostgreSQL, and
#               the end-to-end suite (tests/e2e), the three side by side

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
PORT ?= 5000

.PHONY: run test test-sqlite test-postgres test-e2e services worker bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo-data --if-empty
	PORT=$(PORT) $(BIN)/python devserver.py

worker: $(VENV)/.runtime
	$(BIN)/python worker.py

# Chromium, Redis and PostgreSQL: install or start what is missing (see scripts/).
services: $(VENV)/.dev
	bash scripts/ensure-test-services.sh

test: services
	bash scripts/run-tests.sh

test-sqlite: services
	$(BIN)/python -m pytest -m "not e2e"

test-postgres: services
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -m "not browser and not e2e"

# The end-to-end suite alone: the Procfile under honcho against servers of its own (about
# 13 minutes; E2E_OUTAGE_SECONDS / E2E_SMTP_OUTAGE_SECONDS shorten the faults).
test-e2e: services
	$(BIN)/python -m pytest -p no:cacheprovider -m e2e tests/e2e

bench: $(VENV)/.dev services
	bash bench/run-all.sh

clean:
	rm -rf $(VENV) .pytest_cache
