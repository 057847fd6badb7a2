# Herald: `make run` starts the demo page, `make test` runs the whole suite.
# Both bootstrap the virtualenv in .venv from requirements/lock.txt (hashed pins, made from
# pyproject.toml by `make lock`) on first use.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.herald-installed
LOCK := requirements/lock.txt
# `make lock`: pip-tools in a virtualenv of its own, and pip's settings of this machine left out
# (its local indexes and find-links), so that the lock names PyPI's releases and files only.
LOCK_VENV := .venv-lock
LOCK_TOOLS := pip==26.3 pip-tools==7.7.0
LOCK_ENV := env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT \
	PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock"
PORT ?= 5000
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

export FLASK_APP := wsgi
export PORT

.DEFAULT_GOAL := help
.PHONY: help run test translations test-sqlite test-postgres lint format audit lock lock-upgrade lock-check bench bench-fanout bench-push bench-audience bench-metrics bench-scale browser clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

# The locked releases only, each checked against its hashes; then the lock must still satisfy
# pyproject.toml (tools/lockfile.py), and Herald itself is built with the locked setuptools.
$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# pip itself first, at its locked release and hashes: the pip a venv starts with (23.x on
	@# Python 3.11) fails the lock in --require-hashes mode on an extra (pip-audit's
	@# CacheControl[filecache]) since CacheControl 0.15 was published.
	awk '/^pip==/{p=1} p{print} p && !/\\$$/{exit}' $(LOCK) > $(VENV)/pip-lock.txt
	$(BIN)/python -m pip install --quiet --require-hashes -r $(VENV)/pip-lock.txt
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python tools/lockfile.py --lock $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --editable .
	@touch $@

run: $(STAMP) ## Start Herald with demo data on http://127.0.0.1:$(PORT) (SQLite, no other server)
	$(BIN)/flask db upgrade
	$(BIN)/flask demo
	@echo "Herald is serving on http://127.0.0.1:$(PORT) (the worker runs beside it; Ctrl-C stops both)"
	@$(BIN)/flask worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; \
		$(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

# The two passes run side by side, one per core: they share no file, database or Redis
# database (each test that needs Redis picks its database by pass). Their output streams as
# it comes, every line prefixed by its pass. Either failing fails `make test`.
test: $(STAMP) browser ## Run the whole suite on SQLite and on PostgreSQL, side by side
	$(MAKE) --no-print-directory -j2 test-sqlite test-postgres

test-sqlite: $(STAMP)
	@echo "== tests on SQLite =="
	set -o pipefail; TEST_DATABASE_URL= $(BIN)/pytest 2>&1 | sed -u 's/^/sqlite   | /'

test-postgres: $(STAMP)
	@echo "== tests on PostgreSQL ($(PG_TEST_URL)) =="
	set -o pipefail; TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest 2>&1 | sed -u 's/^/postgres | /'

# The English catalog (translations/messages.pot) is every marked string of the code and
# templates; each language's catalog is merged from it, never fuzzy-matched (a guessed
# translation is worse than the English one). Catalogs compile at process start (i18n/catalogs.py).
TRANSLATED := de fr es ja ar
translations: $(STAMP) ## Extract the marked strings and merge them into each language's catalog
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-wrap --sort-by-file \
		--project Herald -o translations/messages.pot statuspage admin templates
	@for lang in $(TRANSLATED); do \
		if [ -f translations/$$lang/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel update --no-wrap --no-fuzzy-matching --ignore-obsolete \
				-i translations/messages.pot -d translations -l $$lang; \
		else \
			$(BIN)/pybabel init --no-wrap -i translations/messages.pot -d translations -l $$lang; \
		fi; \
	done

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Accepted findings of `make audit`, each with its reason beside it: --ignore-vuln ID  # why.
# None yet. Releases held below their newest are in tools/audit_exceptions.toml.
AUDIT_IGNORE :=

audit: $(STAMP) ## pip-audit over the locked releases, through PyPI's advisories (tools/pip_audit_bridge.py)
	$(BIN)/python tools/pip_audit_bridge.py --lock $(LOCK) $(AUDIT_IGNORE) $(AUDIT_ARGS)

$(LOCK_VENV)/.installed: Makefile
	@test -x $(LOCK_VENV)/bin/python || $(PYTHON) -m venv $(LOCK_VENV)
	@$(LOCK_VENV)/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
		(echo "the lock is for Python 3.11: rm -r $(LOCK_VENV); make lock PYTHON=python3.11"; exit 1)
	$(LOCK_ENV) $(LOCK_VENV)/bin/python -m pip install --quiet $(LOCK_TOOLS)
	@touch $@

lock: $(LOCK_VENV)/.installed ## Regenerate requirements/lock.txt from pyproject.toml (pip-tools, hashes); keeps current pins
	$(LOCK_ENV) $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe \
		--extra dev --strip-extras --build-deps-for editable \
		--no-emit-index-url --no-emit-find-links $(LOCK_ARGS) -o $(LOCK) pyproject.toml

lock-upgrade: ## The same, with every pin moved to its newest release (what `make audit` can check fully)
	$(MAKE) --no-print-directory lock LOCK_ARGS=--upgrade

lock-check: $(STAMP) ## Fail if requirements/lock.txt no longer satisfies pyproject.toml
	$(BIN)/python tools/lockfile.py --lock $(LOCK)

bench: $(STAMP) browser ## Benchmarks (gunicorn + wrk + nginx); prints RESULT lines
	@command -v wrk >/dev/null && command -v nginx >/dev/null || \
		($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk nginx-light)
	$(BIN)/python bench/public_page.py

bench-fanout: $(STAMP) ## Email fan-out to 100,000 subscribers vs a raw smtplib loop as concurrent (slow: ~15 min here)
	$(BIN)/python bench/fanout_email.py $(BENCH_ARGS)

bench-push: $(STAMP) ## Web push fan-out to 20,000 subscriptions vs a raw pywebpush loop (~3 min)
	$(BIN)/python bench/fanout_push.py $(BENCH_ARGS)

bench-audience: $(STAMP) ## Recipients of a notice among 1,000,000 subscribers vs one streamed query (PostgreSQL; BENCH_ARGS=--sqlite)
	$(BIN)/python bench/audience.py $(BENCH_ARGS)

bench-metrics: $(STAMP) ## 100 points/s for 10 metrics over a simulated hour: ingest, bounded storage, page with 10 charts vs without (~2 min)
	$(BIN)/python bench/metrics_charts.py $(BENCH_ARGS)

bench-scale: $(STAMP) ## Push fan-out to 100,000 with 1 then 2 workers, page p99 under wrk meanwhile (PostgreSQL + Redis; BENCH_ARGS="--subscribers 20000")
	$(BIN)/python bench/scale.py $(BENCH_ARGS)

browser: ## Install Debian's chromium (browser tests), nginx (tests/deploy), Alertmanager (tests/monitoring) and Prometheus (the metrics pull) if missing
	@command -v chromium >/dev/null && test -x /usr/sbin/nginx && test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf && test -x /usr/bin/prometheus-alertmanager && command -v prometheus >/dev/null || \
		($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium nginx-light prometheus-alertmanager prometheus fonts-dejavu-core)

clean: ## Remove the virtualenv and caches (keeps instance/ data)
	rm -rf $(VENV) $(LOCK_VENV) .pytest_cache .ruff_cache *.egg-info
