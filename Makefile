# patentflow: `make run` runs the pipeline once, `make test` runs the test suite
# (`make test-fast` without the end-to-end runs, drills and the PostgreSQL production shape).
# Everything installs into .venv from the pinned requirements.lock (uv, fetched with pip if missing).

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Bumped when the install recipe changes, so existing venvs are brought up to it once.
STAMP := $(VENV)/.installed-2
AS_OF ?=
SCALE ?= 0.02
# Tests run in parallel, one worker per core of the 2-core machine.
TEST_WORKERS ?= 2
# loadfile keeps a module on one worker, so its module-scoped fixtures are built once.
PYTEST := PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile
PATENTFLOW_HOME ?= $(CURDIR)/.patentflow
export PATENTFLOW_HOME

.PHONY: venv run up down test test-fast lint bench prod-smoke lock clean

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv==0.9.30"
	@test -x $(BIN)/python || $(PYTHON) -m uv venv --quiet --python $(PYTHON) $(VENV)
	@# Bytecode is compiled at install: where PYTHONDONTWRITEBYTECODE is set (it is on these
	@# machines) every process would otherwise compile Airflow, GX and dbt from source again.
	$(PYTHON) -m uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(PYTHON) -m uv pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null || true
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/patentflow run $(if $(AS_OF),--as-of $(AS_OF)) --scale $(SCALE)

# Airflow for real in the background: UI on 127.0.0.1:$PATENTFLOW_UI_PORT (8080), scheduler, DAG
# processor, triggerer, and the sandbox delivering day by day; `make down` stops them.
up: $(STAMP)
	$(BIN)/patentflow up --scale $(SCALE)

down: $(STAMP)
	$(BIN)/patentflow down

# The slowest tests are listed at the end, so a CI log shows where the suite's time goes.
test: $(STAMP)
	$(BIN)/ruff check .
	$(PYTEST) --durations=25

test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(PYTEST) -m "not e2e and not postgres" --hypothesis-profile=fast

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m benchmarks.pipeline $(if $(AS_OF),--as-of $(AS_OF))

# The production shape for real: Airflow on the local PostgreSQL with CeleryExecutor and Redis.
prod-smoke: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m devtools.prod_smoke $(if $(AS_OF),--as-of $(AS_OF))

# Re-resolve the pins after editing requirements.in.
lock:
	$(PYTHON) -m uv pip compile requirements.in --python-version 3.11 -o requirements.lock

clean:
	rm -rf .patentflow dbt_project/target dbt_project/logs
