# The quick start is `make run` and `make test`; everything else is optional.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ledger_shop
UP_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ledger_shop
UP_BROKER_URL ?= redis://127.0.0.1:6379/0
UP_CACHE_URL ?= redis://127.0.0.1:6379/1
UP_NATS_URL ?= nats://127.0.0.1:4222
PYTEST_ARGS ?=

.PHONY: run test test-sqlite test-postgres browser lint up bench bench-full migrate seed clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.11)")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dev]'
	@touch $(STAMP)

migrate: $(STAMP)
	@mkdir -p var
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

## make run: the demo shop on SQLite at http://127.0.0.1:8000, Celery tasks run in-process.
run: seed
	@$(PY) manage.py demo_banner
	$(PY) manage.py runserver 127.0.0.1:8000

## make up: web (gunicorn), Celery worker, Celery beat and the relay to NATS, via honcho.
up: export DATABASE_URL = $(UP_DATABASE_URL)
up: export CELERY_BROKER_URL = $(UP_BROKER_URL)
up: export CACHE_URL = $(UP_CACHE_URL)
up: export NATS_URL = $(UP_NATS_URL)
# Every process counts into this directory and /metrics adds them up; emptied at each start.
up: export PROMETHEUS_MULTIPROC_DIR = $(CURDIR)/var/prometheus
up: $(STAMP)
	@mkdir -p var
	rm -rf var/prometheus && mkdir -p var/prometheus
	$(PY) -m config.createdb
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(VENV)/bin/honcho start -f Procfile

## make test: the whole suite on SQLite, then on PostgreSQL when one is reachable (required in CI).
test: test-sqlite test-postgres

# The browser tests drive Debian's Chromium. As root with apt (a fresh Debian machine, CI) it is
# installed here; elsewhere they are left out with a message saying what to install.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests (once)."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "NOTE: $(CHROMIUM) is missing, so the browser tests (-m browser) are left out."; \
		echo "      Install it with: sudo apt-get install chromium   (Debian or Ubuntu)"; \
	fi

test-sqlite: $(STAMP) browser
	@if [ -x $(CHROMIUM) ]; then marks="not postgres"; \
	elif [ "$$CI" = "true" ]; then echo "CI requires $(CHROMIUM) for the browser tests." >&2; exit 1; \
	else marks="not postgres and not browser"; fi; \
	echo "env -u DATABASE_URL $(PY) -m pytest -m \"$$marks\" $(PYTEST_ARGS)"; \
	env -u DATABASE_URL $(PY) -m pytest -m "$$marks" $(PYTEST_ARGS)

test-postgres: $(STAMP)
	@if DATABASE_URL='$(TEST_DATABASE_URL)' $(PY) -m tests.postgres_reachable; then \
		DATABASE_URL='$(TEST_DATABASE_URL)' $(PY) -m pytest -m "not browser and not sqlite" $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL at $(TEST_DATABASE_URL) is not reachable; CI requires it." >&2; exit 1; \
	else \
		echo "Skipping the PostgreSQL pass: nothing reachable at $(TEST_DATABASE_URL) (set TEST_DATABASE_URL)."; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

## make bench: the benchmarks on PostgreSQL (quick sizes); make bench-full: the issue's sizes.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ledger_shop_bench
BENCH_ARGS ?=

bench: $(STAMP)
	BENCH_DATABASE_URL='$(BENCH_DATABASE_URL)' $(PY) -m bench --quick $(BENCH_ARGS)

bench-full: $(STAMP)
	BENCH_DATABASE_URL='$(BENCH_DATABASE_URL)' $(PY) -m bench --full $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
