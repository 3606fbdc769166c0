# supportflow — every target installs what it needs; nothing is assumed on the machine.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
DATABASE_URL ?= sqlite:///$(CURDIR)/var/supportflow.db
export DATABASE_URL
# The browser tests drive Debian's Chromium through Playwright; `playwright install` is never used (it downloads
# a browser from the internet).
CHROMIUM := /usr/bin/chromium
# The mail tests start their own Dovecot (Debian's dovecot-imapd) with a configuration of their own on free ports;
# the system service the package starts on port 143 is not used.
DOVECOT := /usr/sbin/dovecot

.PHONY: install run test test-fast lint bench bench-freeze clean i18n

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# The browser parts (bpmn-js modeler, properties panel, form-js editor, bpmnlint, diagram viewer) come from
# npm at the versions in webapp/frontend/package-lock.json and are bundled by esbuild into webapp/static/dist.
FRONTEND := webapp/frontend
BUNDLE   := webapp/static/dist/.built

$(FRONTEND)/node_modules/.installed: $(FRONTEND)/package-lock.json
	npm ci --prefix $(FRONTEND) --no-audit --no-fund
	touch $@

$(BUNDLE): $(FRONTEND)/node_modules/.installed $(FRONTEND)/build.mjs $(wildcard $(FRONTEND)/src/*.* $(FRONTEND)/src/*/*.*)
	cd $(FRONTEND) && node build.mjs
	touch $@

# The message catalogues (engine/translations/LANG/LC_MESSAGES/messages.po) are compiled on install; `make i18n`
# extracts the marked sentences into messages.pot and merges them into each catalogue, for translators.
CATALOGUES := $(wildcard engine/translations/*/LC_MESSAGES/messages.po)
COMPILED   := $(CATALOGUES:.po=.mo)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy -k N_ -k _ --no-location --sort-output --project supportflow \
		-o engine/translations/messages.pot .
	$(BIN)/pybabel update -i engine/translations/messages.pot -d engine/translations --no-fuzzy-matching \
		--ignore-obsolete

install: $(STAMP) $(BUNDLE) $(COMPILED)

# One process serving the app and API, and one background worker (timers, outbox) beside it, on SQLite.
run: install
	mkdir -p var
	$(BIN)/supportflow db upgrade
	$(BIN)/supportflow demo-data
	$(BIN)/supportflow worker & pid=$$!; \
	trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null' EXIT INT TERM; \
	$(BIN)/supportflow serve

lint: install
	$(BIN)/ruff check engine webapp tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m webapp.i18n_check

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else \
		echo "The browser tests need Debian's Chromium at $(CHROMIUM): run 'sudo apt-get install -y chromium'," >&2; \
		echo "or run the other tests only: $(BIN)/pytest -m 'not browser'" >&2; \
		exit 1; \
	fi

$(DOVECOT):
	@if [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's dovecot-imapd for the mail tests"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y dovecot-imapd; \
	else \
		echo "The mail tests need Debian's Dovecot at $(DOVECOT): run 'sudo apt-get install -y dovecot-imapd'," >&2; \
		echo "or run the other tests only: $(BIN)/pytest -m 'not browser' --ignore tests/test_mail_poll.py" >&2; \
		exit 1; \
	fi

test: lint $(CHROMIUM) $(DOVECOT)
	$(BIN)/pytest

# The pure tests only (no database, browser or process; marked by tests/conftest.py): seconds, for every edit.
test-fast: install
	$(BIN)/pytest -m pure

bench/peer/node_modules/.installed: bench/peer/package-lock.json
	npm ci --prefix bench/peer --no-audit --no-fund
	touch $@

bench: install bench/peer/node_modules/.installed
	$(BIN)/python bench/run.py
	$(BIN)/python bench/sandbox_freeze.py

# /healthz latency on gunicorn while Validate runs diagram code that used to freeze the server (figures only).
bench-freeze: install
	$(BIN)/python bench/sandbox_freeze.py

clean:
	rm -rf $(VENV) var .pytest_cache webapp/static/dist $(FRONTEND)/node_modules

# Several processes on one PostgreSQL database (issue 5), configured by the environment only:
#   DATABASE_URL=postgresql+psycopg://USER@HOST:5432/DB  SECRET_KEY=…  make serve-pg
# gunicorn serves the app with WEB_CONCURRENCY workers (default 2) × GUNICORN_THREADS threads (default 4) on
# HOST:PORT (default 127.0.0.1:5000; /healthz and /metrics there too), next to BACKGROUND_WORKERS (default 1)
# `supportflow worker` processes (timers, outbox; SMTP when SUPPORTFLOW_SMTP_HOST is set). Their Prometheus
# counters are added up across all the processes through PROMETHEUS_MULTIPROC_DIR (emptied at each start).
BACKGROUND_WORKERS ?= 1
BENCH_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/supportflow_bench

.PHONY: serve-pg bench-load bench-scale

serve-pg: install
	@case "$$DATABASE_URL" in postgresql*) ;; *) echo "serve-pg runs on PostgreSQL: set DATABASE_URL=postgresql+psycopg://USER@HOST:5432/DB (SQLite: make run)" >&2; exit 2;; esac
	$(BIN)/supportflow db upgrade
	$(BIN)/supportflow deploy
	export PROMETHEUS_MULTIPROC_DIR="$${PROMETHEUS_MULTIPROC_DIR:-$(CURDIR)/var/prometheus}" PORT="$${PORT:-5000}"; \
	rm -rf "$$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$$PROMETHEUS_MULTIPROC_DIR"; \
	pids=""; for n in $$(seq $(BACKGROUND_WORKERS)); do $(BIN)/supportflow worker & pids="$$pids $$!"; done; \
	trap 'kill $$pids 2>/dev/null; wait $$pids 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn -c python:webapp.gunicorn_conf webapp.wsgi:app

# Benchmarks against a PostgreSQL database of their own, which they wipe (BENCH_DATABASE_URL); figures only.
bench-load: install
	$(BIN)/python bench/load.py --database-url "$(BENCH_DATABASE_URL)" --duration $${DURATION:-15}

bench-scale: install
	$(BIN)/python bench/inbox_scale.py --database-url "$(BENCH_DATABASE_URL)"
