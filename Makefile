# supportflow — every target installs what it needs; nothing is assumed on the machine.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
DATABASE_URL ?= sqlite:///$(CURDIR)/var/supportflow.db
export DATABASE_URL

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	mkdir -p var
	$(BIN)/supportflow db upgrade
	$(BIN)/supportflow demo-data
	$(BIN)/supportflow serve

lint: install
	$(BIN)/ruff check engine webapp tests bench
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

bench/peer/node_modules/.installed: bench/peer/package-lock.json
	npm ci --prefix bench/peer --no-audit --no-fund
	touch $@

bench: install bench/peer/node_modules/.installed
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var .pytest_cache
