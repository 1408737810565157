# Rural credit scoring suite. `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PACKAGES := -e libs/common[postgres] -e libs/dev -e services/applications -e services/cashflow[backtest] -e services/scoring

.PHONY: help install run demo test test-fast lint bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): constraints.txt requirements-dev.txt libs/*/pyproject.toml services/*/pyproject.toml
	@echo "creating the environment in $(VENV) …"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
	$(BIN)/uv pip install --python $(BIN)/python --quiet -c constraints.txt $(PACKAGES) -r requirements-dev.txt
	@# promtool, prometheus and amtool for tests/deploy, from Debian, where root may apt-get; elsewhere those tests skip
	@command -v promtool >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager >/dev/null; }; } || \
	  echo "note: promtool not installed (Debian: apt-get install prometheus prometheus-alertmanager); the tests that need it will skip"
	@touch $(STAMP)

install: $(STAMP)  ## create the virtual environment and install everything (pinned)

run: $(STAMP)  ## start the whole suite on embedded defaults (SQLite, local broker); Ctrl-C stops it
	$(BIN)/ruralcredit up

demo: $(STAMP)  ## drive one scenario against the running suite and print the decision
	$(BIN)/ruralcredit demo

test: $(STAMP)  ## the whole test suite, lint and types included (PostgreSQL when DATABASE_URL points at one, SQLite otherwise)
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest

test-fast: $(STAMP)  ## the tests not marked slow (about a minute): unit, contracts, architecture, most integration
	$(BIN)/python -m pytest -m "not slow" -q

lint: $(STAMP)  ## ruff and mypy over every package
	$(BIN)/ruff check libs services tests bench
	$(BIN)/mypy -p ruralcredit_common -p ruralcredit_dev -p ruralcredit_applications -p ruralcredit_cashflow -p ruralcredit_scoring

bench: $(STAMP)  ## the benchmarks (see README for the figures)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/forecast.py
	$(BIN)/python bench/score.py

clean:  ## remove the environment and local state
	rm -rf $(VENV) var
