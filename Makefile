# The two commands of the README: `make run` and `make test`. Both create .venv and
# install from the lock files on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run test lint test-sqlite test-postgres venv lock bench clean

venv: $(STAMP)

$(STAMP): requirements.lock requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock -r requirements-dev.lock
	touch $(STAMP)

## make run: the engine on its embedded default (SQLite + django-q2) with the demo program.
# The one place (with the test suite) that picks the development settings: every other start
# (gunicorn cms.wsgi, manage.py, celery -A cms) must name its settings or stops (cms/startup.py).
run: export DJANGO_SETTINGS_MODULE ?= cms.settings.dev
# The set-up steps print one line each (migrations quietly, logs at WARNING); runengine ends the
# start-up output with the admin address, the credentials and the demo links.
run: venv
	LOG_LEVEL=WARNING $(PY) manage.py migrate --noinput -v0
	@echo "database up to date"
	LOG_LEVEL=WARNING $(PY) manage.py load_demo
	LOG_LEVEL=WARNING $(PY) manage.py ensure_admin
	$(PY) manage.py runengine 127.0.0.1:8000

## make test: lint, architecture contract, the suite on SQLite, then on PostgreSQL with Celery+Redis.
test: venv lint test-sqlite test-postgres

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/djlint --lint $(wildcard */templates)

# Service tests need a database other processes can share: they run in the PostgreSQL pass.
# Two processes (the machine's 2 cores); tests that share a port or the Celery broker are grouped.
XDIST := -n 2 --dist loadgroup

test-sqlite: venv
	$(BIN)/pytest -m "not services" $(XDIST)

# Runs when PostgreSQL answers; under CI=true it must (tests/conftest.py fails the run otherwise).
# Browser tests and child processes on their own settings (backend_independent) ran in the SQLite pass.
test-postgres: venv
	@if $(PY) tests/services.py postgres; then \
		DATABASE_URL=$(PG_URL) $(BIN)/pytest -m "not browser and not backend_independent" $(XDIST); \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL is not reachable at $(PG_URL) and CI=true: failing"; exit 1; \
	else \
		echo "PostgreSQL not reachable at $(PG_URL): skipping the PostgreSQL run (set PG_URL)"; \
	fi

lock: venv
	$(BIN)/pip-compile --quiet --strip-extras -o requirements.lock requirements.in
	$(BIN)/pip-compile --quiet --strip-extras -o requirements-dev.lock requirements-dev.in

bench: venv
	$(PY) bench/tick.py
	$(PY) bench/send.py
	$(PY) bench/referral_clicks.py
	$(PY) bench/dashboard.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* .pytest_cache .ruff_cache
