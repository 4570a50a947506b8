# Two commands do everything on a fresh clone:  `make demo`  and  `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench venv clean

$(STAMP): pyproject.toml plugins/wwiseflowd-audiocheck/pyproject.toml plugins/wwiseflowd-reaper/pyproject.toml
	@echo "== Setting up $(VENV) (once; again only when a pyproject.toml changes)"
	@test -x $(BIN)/python || { echo "-- creating the virtualenv $(VENV) with $(PY)"; $(PY) -m venv $(VENV); }
	@echo "-- upgrading pip inside $(VENV)"
	@$(BIN)/python -m pip install -q --upgrade pip
	@echo "-- installing wwiseflowd (editable, with its dev tools: pytest, ruff, mypy) and the plugins"
	@echo "   audiocheck and reaper; about 30 s the first time, pip lists each package as it goes"
	$(BIN)/python -m pip install --progress-bar off -e '.[dev]' -e plugins/wwiseflowd-audiocheck \
		-e plugins/wwiseflowd-reaper
	@touch $(STAMP)
	@echo "== $(VENV) is ready"

venv: $(STAMP)

## The daemon on built-in defaults: emulator in-process, a demo drop folder in ./demo/drop
demo: $(STAMP)
	$(BIN)/python demo/run_demo.py

## The whole test suite, plus ruff and mypy
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

## Benchmarks: figures for docs/benchmarks.md
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
