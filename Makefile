# Two commands do everything on a fresh clone:  `make demo`  and  `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench venv clean

# wwiseflowd-grpc's install generates its gRPC code from the .proto (its hatch_build.py)
GRPC := plugins/wwiseflowd-grpc
$(STAMP): pyproject.toml plugins/wwiseflowd-audiocheck/pyproject.toml plugins/wwiseflowd-reaper/pyproject.toml \
		$(GRPC)/pyproject.toml $(GRPC)/hatch_build.py $(GRPC)/wwiseflowd_grpc/wwiseflow.proto
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]' -e plugins/wwiseflowd-audiocheck \
		-e plugins/wwiseflowd-reaper -e $(GRPC)
	touch $(STAMP)

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
