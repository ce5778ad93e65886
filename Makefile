# The two commands that matter: `make demo` and `make test`. Both set everything up.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# The oldest DuckDB 1.x release, kept aside (never imported by carewire): a test opens the
# analyst snapshot with it, as the DuckDB builds bundled in BI drivers would.
OLD_DUCKDB := $(VENV)/old-readers/duckdb-1.1.3
CONFIG ?= $(if $(wildcard carewire.yaml),carewire.yaml,carewire/sample/carewire.yaml)

.PHONY: install demo test lint test-clock-ahead test-scaleout bench eval models airflow airflow-env screenshots constraints clean

$(STAMP): setup.cfg pyproject.toml constraints-3.11.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints-3.11.txt \
	    -e '.[test,scaleout,ducklake,objectstore]'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
	    --target $(OLD_DUCKDB) duckdb==1.1.3
	touch $@

install: $(STAMP)  ## create .venv and install carewire with pinned versions

demo: $(STAMP)  ## run the pipeline once on the bundled sample data and report
	$(BIN)/carewire demo

test: $(STAMP)  ## run the test suite
	$(BIN)/python -m pytest

lint: $(STAMP)  ## ruff (pyproject.toml), then the import-linter contracts in setup.cfg (layers)
	$(BIN)/ruff check .
	@tmp=$$(mktemp -d) && rm -rf build && \
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --target $$tmp . && \
	(cd $$tmp && PYTHONPATH=$$tmp $(CURDIR)/$(BIN)/lint-imports $(CURDIR)/setup.cfg); \
	status=$$?; rm -rf $$tmp; exit $$status

test-clock-ahead: $(STAMP)  ## the suite again with the wall clock a year ahead: no test may depend on today
	$(BIN)/python -m pytest --clock-ahead=365

test-scaleout: $(STAMP)  ## Airflow on Celery, Redis, PostgreSQL, all running here (docs/scaling.md)
	$(BIN)/python -m pytest -m scaleout tests/scaleout

# The latency benchmark runs short here (2 min at 1 post/s, carewire's own schedule, up to
# 4 min to drain: 8 to 13 min with Airflow's start on a busy 2-core machine); the full run is
# `python -m benchmarks.latency` (15 min at 5 posts/s), see docs/latency.md.
bench: $(STAMP)  ## throughput benchmarks; print ratios against a baseline and the machine; a short post-to-queue latency run
	$(BIN)/python -m benchmarks.connectors
	$(BIN)/python -m benchmarks.sustained
	$(BIN)/python -m benchmarks.enrichment
	$(BIN)/python -m benchmarks.desk_queue
	$(BIN)/python -m benchmarks.suggestions
	$(BIN)/python -m benchmarks.landing_scan
	$(BIN)/python -m benchmarks.publish
	$(BIN)/python -m benchmarks.latency --minutes 2 --rate 1 --drain-minutes 4

eval: $(STAMP)  ## quality of sentiment, relevance, dedupe, routing, alerts and suggestions on ../shared/data (official metrics)
	$(BIN)/python -m evals

models: $(STAMP)  ## rebuild the shipped sentiment and same-issue models from ../shared/data
	$(BIN)/python -m evals.build_models

# Where `make airflow` keeps Airflow and carewire's data, and how much it runs at once:
# the UI and API on this machine only, and 4 task processes (not Airflow's 32) for 2 cores.
AIRFLOW_ENV = AIRFLOW_HOME=$(CURDIR)/airflow_home \
	AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags \
	AIRFLOW__CORE__LOAD_EXAMPLES=False \
	AIRFLOW__CORE__PARALLELISM=$${AIRFLOW__CORE__PARALLELISM:-4} \
	AIRFLOW__API__HOST=$${AIRFLOW__API__HOST:-127.0.0.1} \
	CAREWIRE_CONFIG=$(abspath $(CONFIG)) \
	CAREWIRE_DATA_DIR=$${CAREWIRE_DATA_DIR:-$(CURDIR)/data} \
	PATH=$(CURDIR)/$(BIN):$$PATH

airflow: $(STAMP)  ## airflow standalone with carewire's DAGs (UI on http://localhost:8080); Ctrl-C stops it all
	$(AIRFLOW_ENV) deploy/airflow-standalone

airflow-env:  ## the environment of `make airflow`, for the airflow CLI: eval "$$(make -s airflow-env)"
	@echo export $(AIRFLOW_ENV)

screenshots: $(STAMP)  ## the desk's screenshots in docs/screenshots, taken by its browser tests (needs chromium)
	CAREWIRE_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots CAREWIRE_REQUIRE_BROWSER=1 \
	$(BIN)/python -m pytest -q tests/browser

constraints:  ## re-resolve every dependency from setup.cfg into constraints-3.11.txt
	rm -rf /tmp/carewire-constraints && $(PYTHON) -m venv /tmp/carewire-constraints
	/tmp/carewire-constraints/bin/pip install --quiet -e '.[test,scaleout,ducklake,objectstore]'
	{ sed -n '1,/^$$/p' constraints-3.11.txt; \
	  /tmp/carewire-constraints/bin/pip freeze --exclude-editable | sed 's/+cpu$$//'; } > constraints-3.11.new
	mv constraints-3.11.new constraints-3.11.txt

clean:  ## remove the virtual environment and local data (landing zone, warehouse, Airflow)
	rm -rf $(VENV) data airflow_home
