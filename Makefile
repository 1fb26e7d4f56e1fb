# The README's two set-up commands: `make demo` and `make test`. Both create .venv when it is
# missing and install what they need, idempotently (a stamp file tracks pyproject.toml).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_HOME ?= brokerlens-data
DEMO_INBOX ?= demo-inbox
DEMO_CUSTOMERS ?= 20000
DEMO_DAYS ?= 250
DEMO_START ?= 2025-01-02

.PHONY: demo test lint typecheck unit install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck unit

demo: $(STAMP)
	rm -rf $(DEMO_INBOX)
	$(BIN)/brokerlens generate --out $(DEMO_INBOX) --customers $(DEMO_CUSTOMERS) \
		--start $(DEMO_START) --days $(DEMO_DAYS) --seed 7
	$(BIN)/brokerlens --home $(DEMO_HOME) ingest $(DEMO_INBOX)
	$(BIN)/brokerlens --home $(DEMO_HOME) sql \
		"select biz_date, count(*) customers, round(sum(total_assets)/1e8, 2) assets_100m from daily_assets group by 1 order by 1 desc limit 5"
	$(BIN)/brokerlens --home $(DEMO_HOME) run
	$(BIN)/brokerlens --home $(DEMO_HOME) sql \
		"select service_level, customer_tier, count(*) customers from customer_profile group by all order by 3 desc limit 10"

clean:
	rm -rf $(DEMO_INBOX) $(DEMO_HOME) .pytest_cache .mypy_cache .ruff_cache
