# llmbench: `make run` (offline quick start) and `make test` are all a new machine needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

# Everything local stays in the checkout: Prefect's database, the MLflow store, router profiles.
export LLMBENCH_HOME ?= $(CURDIR)
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 90
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export MLFLOW_TRACKING_URI ?= sqlite:///$(CURDIR)/mlflow.db
export PREFECT_PORT ?= 4200
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

mlflow-ui: install ## MLflow UI on the local store
	MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false $(BIN)/mlflow ui --backend-store-uri $(MLFLOW_TRACKING_URI) \
		--host 127.0.0.1 --port $(MLFLOW_PORT) --workers 1

clean:
	rm -rf $(VENV) .prefect mlflow.db mlartifacts mlruns .run
