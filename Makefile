# bpo-research: the front door. `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL := bpo-research
# Extra report parameters, e.g. make report P="geography=India base_year=2025"
# (P='segment="Contact centre" definition=None' for a value with spaces). CLIENT and P reach
# bpo as single-quoted shell words made from their raw, unexpanded text ($(value ...)): a value
# is text whatever it contains (; $( ) ` '); bpo splits P itself, like a shell would (shlex).
P ?=
CLIENT ?=
quoted = '$(subst ','\'',$(value $(1)))'

# Two workers: notebook tests mostly wait on their kernels, so this halves the wall time.
# loadgroup keeps every Spark test on one worker: one JVM per run, not one per worker.
PYTEST_ARGS ?= -n 2 --dist loadgroup

.DEFAULT_GOAL := help
.PHONY: help setup report refresh validate runs test lint lab curate bench clean

help: ## List every target with one line each
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

# The stamp depends on pyproject.toml, so set-up reruns only when dependencies change.
$(STAMP): pyproject.toml
	@echo ">> creating $(VENV) and installing bpo-research with dev and spark extras (first run takes a few minutes)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,spark]'
	@$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (bpo-research)" >/dev/null
	@touch $(STAMP)
	@echo ">> set-up done: kernel '$(KERNEL)' registered inside $(VENV)"

setup: $(STAMP) ## Create .venv, install the package (editable, dev and spark extras) and the Jupyter kernel

report: setup ## Validate inputs, build and publish every client's reports (P="k=v ...", CLIENT=id, NO_PDF=1)
	@$(BIN)/bpo report $(if $(NO_PDF),--no-pdf) $(if $(value CLIENT),--client $(call quoted,CLIENT)) --params $(call quoted,P)

# Nothing to do is not a failure here (exit 0); `bpo refresh` alone keeps exit 3 for schedulers.
refresh: setup ## Validate, rebuild only what changed, publish, summarise (see README: exit codes)
	@$(BIN)/bpo refresh --nothing-to-do-ok $(if $(value CLIENT),--client $(call quoted,CLIENT)) --params $(call quoted,P)

runs: setup ## List published runs (and every refresh: make runs ARGS=--refreshes)
	@set -f; args=$(call quoted,ARGS); $(BIN)/bpo runs $$args

validate: setup ## Run every data contract (Great Expectations) on data/raw and stop on a critical failure
	@$(BIN)/bpo validate

test: setup ## Run the whole test suite
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup ## ruff check of the package, tests, benches and scripts
	@$(BIN)/ruff check src tests bench scripts

lab: setup ## Open JupyterLab on notebooks/ with the project kernel
	@$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

curate: setup ## Rebuild data/raw from ../shared/research (the committed curation)
	@$(BIN)/bpo curate

bench: setup ## Run the benchmarks in bench/ and print their ratios
	@for f in bench/bench_*.py; do echo ">> $$f"; $(BIN)/python $$f || exit 1; done

clean: ## Remove build output (reports/, data/processed/, build/); keeps .venv and data/raw
	@rm -rf build && find reports data/processed -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
