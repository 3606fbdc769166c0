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

.PHONY: install run test lint bench clean

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

install: $(STAMP) $(BUNDLE)

run: install
	mkdir -p var
	$(BIN)/supportflow db upgrade
	$(BIN)/supportflow demo-data
	$(BIN)/supportflow serve

lint: install
	$(BIN)/ruff check engine webapp tests bench
	$(BIN)/lint-imports

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else \
		echo "The browser tests need Debian's Chromium at $(CHROMIUM): run 'sudo apt-get install -y chromium'," >&2; \
		echo "or run the other tests only: $(BIN)/pytest -m 'not browser'" >&2; \
		exit 1; \
	fi

test: lint $(CHROMIUM)
	$(BIN)/pytest

bench/peer/node_modules/.installed: bench/peer/package-lock.json
	npm ci --prefix bench/peer --no-audit --no-fund
	touch $@

bench: install bench/peer/node_modules/.installed
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var .pytest_cache webapp/static/dist $(FRONTEND)/node_modules
