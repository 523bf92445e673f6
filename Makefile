# Two commands on a fresh machine: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: run test lint install migrate demo serve bench browser-deps check clean

# Development targets ask for debug mode and the address `make run` serves. Production sets
# its own environment and starts gunicorn and the worker itself (README: Production).
run test migrate demo check bench: export DJANGO_DEBUG ?= 1
PORT ?= 8000
run demo: export CRAMPS_SITE_URL ?= http://127.0.0.1:$(PORT)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

# The background worker (handout renders, large imports) runs beside the server; Ctrl+C stops both.
run: demo
	$(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production mode on this machine, configured by the environment as in the README (no debug).
serve: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn -c gunicorn.conf.py cramps.wsgi

test: install
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# One table of every page type (queries, server time at demo size and at scale, req/s uncached and
# cached against the static file), handout render time and the load run; JSON in bench/results/.
# Then the import benchmark. Set BENCH_DATABASE_URL, BENCH_SCALE_DATABASE_URL, BENCH_REDIS_URL and
# BENCH_PORT to databases, a Redis DB and a port of your own (bench/pages.py).
bench: install
	$(PY) bench/pages.py
	$(PY) bench/imports.py
	$(PY) bench/search.py

check: install
	$(PY) manage.py check_citations

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
