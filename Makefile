# The two commands a person needs: `make demo` and `make test`. Both set up first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test demo up lint format lock bench clean

setup: $(STAMP)

# Reinstall only when the pinned set or the project metadata changes.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Three workers: most of a DAG scenario's time is waiting on the sandbox, not the CPU.
TEST_WORKERS ?= 3

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup --durations=25

demo: setup
	$(BIN)/python -m scripts.demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-resolve requirements.in into the full pinned set (needs network access to PyPI).
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet -r requirements.in
	.lockenv/bin/pip freeze --exclude-editable > requirements.txt
	rm -rf .lockenv

# The sandbox and a real Airflow on 127.0.0.1, for a person to use the UI (Ctrl-C stops both).
up: setup
	deploy/airflow/up.sh

bench: setup
	$(BIN)/python bench/offline_scale.py
	$(BIN)/python bench/plan_scale.py
	$(BIN)/python bench/dag_import.py
	$(BIN)/python bench/deploy_scale.py
	$(BIN)/python bench/fanout_celery.py
	$(BIN)/python bench/fidelity.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache out
