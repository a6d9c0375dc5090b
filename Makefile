# KAM — the two commands: `make run` (set up and serve on SQLite) and `make test` (the whole suite).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test faults load load-ci install install-dev assets chromium jq migrate seed lint check worker beat clean

run: install assets ## Install, migrate, load demo data and serve http://127.0.0.1:8000 (SQLite by default)
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py setup_schedule
	DEBUG=1 $(BIN)/python manage.py seed_demo
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install-dev assets chromium jq ## Install test needs and run the whole suite (PostgreSQL when DATABASE_URL names one)
	$(BIN)/pytest $(PYTEST_ARGS)

faults: install-dev ## The fault suite: its own PostgreSQL and Redis on free ports, gunicorn, Celery; stops, freezes, restarts them
	KAM_FAULT_SUITE=1 $(BIN)/pytest tests/faults -p no:cacheprovider -q -s $(PYTEST_ARGS)

load: install-dev ## The documented morning rush: 50 KAMs for 10 minutes on a stack of its own; acknowledged = stored
	$(BIN)/python -m tests.load.run --users 50 --seconds 600

load-ci: install-dev ## The same for 60 seconds (CI)
	$(BIN)/python -m tests.load.run --users 50 --seconds 60

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(VENV)/.installed
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

install-dev: $(VENV)/.installed-dev
$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(VENV)/.installed $@

assets: node_modules/.package-lock.json
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# Browser tests drive Debian's Chromium; Playwright never downloads a browser of its own.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

# scripts/test_endpoints.sh (run by the suite against a live server) drives the API with curl and jq.
jq:
	@command -v jq >/dev/null 2>&1 || { \
		echo "Installing jq for scripts/test_endpoints.sh"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq jq >/dev/null; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq jq >/dev/null; fi; }

migrate: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput

seed: migrate
	DEBUG=1 $(BIN)/python manage.py seed_demo

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: install-dev
	DEBUG=1 $(BIN)/python manage.py check
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

worker: install ## A Celery worker (needs REDIS_URL)
	$(BIN)/celery -A kam worker -l info

beat: install ## Celery beat with the database scheduler (needs REDIS_URL)
	$(BIN)/celery -A kam beat -l info

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3
