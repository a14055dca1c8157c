# Every target installs what it needs first, so a fresh clone needs only Python 3.11+, make, bash.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Dagster needs an absolute DAGSTER_HOME that exists; the repository root holds dagster.yaml.
export DAGSTER_HOME := $(CURDIR)
DRIVERS ?= 2000
SEED ?= 42
SIZES ?= 10000,100000,1000000
BENCH_SHAPES ?= demo,install

.PHONY: install run test lint ui serve bench stop clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make run: embedded PostgreSQL, schema, demo data, then a dry run and an execute of the job.
run: $(STAMP)
	$(BIN)/orphans-pipeline db create-ct4
	$(BIN)/orphans-pipeline db upgrade
	$(BIN)/orphans-pipeline demo-data --drivers $(DRIVERS) --seed $(SEED) --replace
	$(BIN)/orphans-pipeline fix
	$(BIN)/orphans-pipeline fix --execute
	@echo
	@echo "Both runs are in the Dagster UI: run 'make ui' and open http://127.0.0.1:3000/runs"

## make test: the whole suite against a real PostgreSQL (embedded, or TEST_DATABASE_URL).
test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check orphans_pipeline orphans_pipeline_tests bench
	$(BIN)/ruff format --check orphans_pipeline orphans_pipeline_tests bench
	$(BIN)/mypy

ui: $(STAMP)
	$(BIN)/orphans-pipeline ui

## make serve: the HTTP API and the review page on http://127.0.0.1:8000/orphans.
serve: $(STAMP)
	$(BIN)/orphans-pipeline serve

## make bench: pipeline vs floors (and naive) at SIZES, both data shapes; bench/results/.
bench: $(STAMP)
	$(BIN)/python bench/run.py --sizes $(SIZES) --shapes $(BENCH_SHAPES) $(if $(BENCH_OUT),--out $(BENCH_OUT))

stop: $(STAMP)
	$(BIN)/orphans-pipeline db stop

clean: stop
	rm -rf $(VENV) .orphans
