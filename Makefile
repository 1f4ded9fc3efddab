# Rapport — the two commands: `make run` and `make test`. Both call `make setup` first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup run test lint typecheck unit integration lifecycle bench fuzz infra-up infra-down clean

setup: $(VENV)/.installed ## virtualenv, Kafka jars, PostgreSQL server, Chromium (browser tests)
	@bash deploy/local/kafka.sh fetch
	@bash deploy/local/postgres.sh install
	@bash deploy/local/chromium.sh install

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "[setup] installing Python packages into $(VENV)"
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e '.[dev]'
	@touch $@

run: setup ## the whole stack on the embedded default (SQLite + local Kafka)
	@$(PY) -m stack.run

test: setup lint typecheck ## ruff, mypy, unit and integration tests (real Kafka + PostgreSQL)
	@$(PY) -m pytest tests -q

lint: $(VENV)/.installed
	@$(VENV)/bin/ruff check .

typecheck: $(VENV)/.installed
	@$(VENV)/bin/mypy libs/rapportkit services gateway stack bench fuzz importers rapport_cli tests

unit: $(VENV)/.installed
	@$(PY) -m pytest tests/unit -q

integration: setup
	@$(PY) -m pytest tests/integration tests/e2e -q

lifecycle: setup ## make run's launcher: SIGINT/SIGTERM at random moments, 50 rounds (RAPPORT_LIFECYCLE_ROUNDS), and crashes
	@RAPPORT_LIFECYCLE_ROUNDS=$${RAPPORT_LIFECYCLE_ROUNDS:-50} $(PY) -m pytest tests/integration/test_launcher.py -q

bench: setup ## stage rates + bottleneck, py-spy flame graphs, freshness, import, replay, queries; var/bench/summary.json
	@$(PY) -m bench.ingest

fuzz: setup ## schemathesis, every phase, on SQLite and PostgreSQL; fails on any 5xx or request over 5 s (FUZZ_* settings)
	@$(PY) -m fuzz

infra-up: setup
	@bash deploy/local/kafka.sh start
	@bash deploy/local/postgres.sh start

infra-down:
	@bash deploy/local/kafka.sh stop
	@bash deploy/local/postgres.sh stop

clean:
	rm -rf var .mypy_cache .ruff_cache .pytest_cache
