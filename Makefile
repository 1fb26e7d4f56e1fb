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
DEMO_HOST ?= 127.0.0.1
DEMO_PORT ?= 8000

.PHONY: demo test lint typecheck unit install browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The browser tests drive Debian's chromium (never a downloaded browser), with a CJK font so
# pages and failure screenshots show Chinese: both installed when missing.
CHROMIUM ?= /usr/bin/chromium
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser:
	@[ -x $(CHROMIUM) ] && [ -f $(CJK_FONT) ] || { \
		$(SUDO) apt-get install -y -q chromium fonts-wqy-zenhei >/dev/null 2>&1 || \
		{ $(SUDO) apt-get update -q >/dev/null && \
		  $(SUDO) apt-get install -y -q chromium fonts-wqy-zenhei >/dev/null; }; }
	@$(CHROMIUM) --version 2>/dev/null

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

# pytest-xdist workers, one a core on CI's two: whole test files per worker, the slow files
# first (tests/conftest.py). Not `--dist loadgroup`: with pytest 9.2 it silently groups nothing
# (pytest-xdist issue 1386). Then the tests marked `timed` (a tight wall-clock budget) alone,
# as a second worker's load could break their budget. docs/testing.md.
TEST_WORKERS ?= 2

# Byte-code caches under .venv (not the checkout), even where the machine sets
# PYTHONDONTWRITEBYTECODE: the suite starts a few hundred `brokerlens` processes, and each would
# otherwise compile every brokerlens module from source again (~0.15 s of CPU each).
unit: export PYTHONDONTWRITEBYTECODE :=
unit: export PYTHONPYCACHEPREFIX := $(CURDIR)/$(VENV)/pycache
unit: $(STAMP) browser
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder -m "not timed"
	$(BIN)/pytest -q -m timed

test: lint typecheck unit

demo: $(STAMP)
	rm -rf $(DEMO_INBOX)
	$(BIN)/brokerlens generate --out $(DEMO_INBOX) --customers $(DEMO_CUSTOMERS) \
		--start $(DEMO_START) --days $(DEMO_DAYS) --seed 7
	$(BIN)/brokerlens --home $(DEMO_HOME) ingest $(DEMO_INBOX)
	$(BIN)/brokerlens --home $(DEMO_HOME) sql \
		"select biz_date, count(*) customers, round(sum(total_assets)/1e8, 2) assets_100m from daily_assets group by 1 order by 1 desc limit 5"
	$(BIN)/brokerlens --home $(DEMO_HOME) run
	# points: a run awards T; the demo's earlier dates are awarded once here
	$(BIN)/brokerlens --home $(DEMO_HOME) points build --since $(DEMO_START)
	# the models a run reads once they exist: behavioural risk preference of the newest quarter
	# and churn early warning; then the run again, so levels, risk_mismatch and churn scores show
	$(BIN)/brokerlens --home $(DEMO_HOME) riskpref fit
	$(BIN)/brokerlens --home $(DEMO_HOME) churn fit || echo "demo: no churn model (see above)"
	$(BIN)/brokerlens --home $(DEMO_HOME) run
	$(BIN)/brokerlens --home $(DEMO_HOME) sql \
		"select service_level, customer_tier, count(*) customers from customer_profile group by all order by 3 desc limit 10"
	$(BIN)/brokerlens --home $(DEMO_HOME) user demo
	@echo "demo: tomorrow's feed, in another terminal:"
	@echo "  $(BIN)/brokerlens generate --continue $(DEMO_INBOX) --days 1"
	@echo "  $(BIN)/brokerlens --home $(DEMO_HOME) daily $(DEMO_INBOX)"
	$(BIN)/brokerlens --home $(DEMO_HOME) serve --host $(DEMO_HOST) --port $(DEMO_PORT)

clean:
	rm -rf $(DEMO_INBOX) $(DEMO_HOME) .pytest_cache .mypy_cache .ruff_cache
