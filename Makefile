# llmbench: `make run` (offline quick start) and `make test` are all a new machine needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

# Local state (profiles, MLflow store, the local Prefect server) lives in the llmbench home, $LLMBENCH_HOME or
# ~/.llmbench, the same whichever way llmbench is started: `llmbench server status` prints where each thing is.
# Tests never touch it (they set LLMBENCH_HOME to temporary directories).
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export LLMBENCH_PREFECT_PORT ?= 4200
export MLFLOW_PORT ?= 5000

.PHONY: install run test lint format serve stop mlflow-ui clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

run: install ## compare the built-in simulated models through the Prefect flow, logged to MLflow
	$(BIN)/llmbench quickstart

test: install ## the whole suite
	$(PY) -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

serve: install ## Prefect server + work pool + worker + deployments on localhost
	$(BIN)/python -m deployments.local serve

stop:
	$(BIN)/python -m deployments.local stop

mlflow-ui: install ## MLflow UI on the store llmbench records to (MLFLOW_TRACKING_URI, else the home's)
	MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false $(BIN)/mlflow ui --backend-store-uri "$$($(PY) -c \
		'import os; from llmbench.home import home_paths; print(os.environ.get("MLFLOW_TRACKING_URI") or home_paths().mlflow_uri)')" \
		--host 127.0.0.1 --port $(MLFLOW_PORT) --workers 1

clean: ## the virtual environment (the llmbench home is left alone: `llmbench server stop`, then remove it)
	rm -rf $(VENV)
