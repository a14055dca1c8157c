# Every target installs what it needs first, so a fresh clone needs only Python 3.11+, make, bash.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Dagster needs an absolute DAGSTER_HOME that exists; the repository root holds dagster.yaml.
export DAGSTER_HOME := $(CURDIR)
# The checkout keeps its embedded server and reports beside it (an installed package defaults
# to the user's data directory); a value already in the environment wins.
export ORPHANS_HOME ?= $(CURDIR)/.orphans
export ORPHANS_REPORTS_ROOT ?= $(CURDIR)/reports
DRIVERS ?= 2000
SEED ?= 42
SIZES ?= 10000,100000,1000000
BENCH_SHAPES ?= demo,install

.PHONY: install run test lint ui serve bench stop clean freeze-migrations

$(STAMP): pyproject.toml setup.py
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
	@echo "Both runs are in the Dagster UI: run 'ORPHANS_API_TOKEN=<a secret> make ui', open"
	@echo "http://127.0.0.1:3000/runs and log in with that secret"

## make test: the whole suite against a real PostgreSQL (embedded, or TEST_DATABASE_URL). On the
## embedded default it runs in TEST_WORKERS pytest-xdist workers, each with a server of its own;
## one server given by TEST_DATABASE_URL is shared, so the suite then runs in one process.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/pytest -q $(if $(TEST_DATABASE_URL),,-n $(TEST_WORKERS) --dist loadfile)

lint: $(STAMP)
	$(BIN)/ruff check orphans_pipeline orphans_pipeline_tests bench
	$(BIN)/ruff format --check orphans_pipeline orphans_pipeline_tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	@# The definitions load and validate (dg); a throwaway instance, so no database is needed.
	tmp=$$(mktemp -d) && printf "telemetry:\n  enabled: false\n" > $$tmp/dagster.yaml && \
		DAGSTER_HOME=$$tmp $(BIN)/dg check defs --use-active-venv; \
		status=$$?; rm -rf $$tmp; exit $$status

## make ui: the Dagster UI on http://127.0.0.1:3000 behind its login (ORPHANS_API_TOKEN), and
## the daemon, through the CLI's `ui`: `ORPHANS_API_TOKEN=dev-secret make ui`, log in with it.
ui: $(STAMP)
	$(BIN)/orphans-pipeline ui

## make serve: the HTTP API and the review page on http://127.0.0.1:8000/orphans.
serve: $(STAMP)
	$(BIN)/orphans-pipeline serve

## make freeze-migrations: pin the revisions not pinned yet in sql/migrations/checksums.sha256
## (once their SQL is final); a pinned revision is never rewritten.
freeze-migrations: $(STAMP)
	$(BIN)/python -m orphans_pipeline_tests.migration_manifest

## make bench: issue 22's ratios beside their targets at SIZES, both data shapes (the install
## shape on CT4's real schema), where the seconds go; bench/results/ (BENCH_ARGS: more options
## of bench/run.py, e.g. --ct4 subset, --runs upgrade,first, --baseline FILE.json).
bench: $(STAMP)
	$(BIN)/python bench/run.py --sizes $(SIZES) --shapes $(BENCH_SHAPES) $(if $(BENCH_OUT),--out $(BENCH_OUT)) $(BENCH_ARGS)

stop: $(STAMP)
	$(BIN)/orphans-pipeline db stop
	@# The test workers' own servers, should a worker have ended without stopping its one.
	@for home in $(ORPHANS_HOME)/gw*; do \
		[ -d "$$home/pg" ] && ORPHANS_HOME="$$home" $(BIN)/orphans-pipeline db stop; \
	done; true

clean: stop
	rm -rf $(VENV) .orphans
