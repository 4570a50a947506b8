# Two commands do everything on a fresh clone:  `make demo`  and  `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench venv clean redis-server

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

## Debian's redis-server for the Redis store and fleet tests (installed as root when missing;
## elsewhere those tests skip and say why, except under CI=true where they fail)
redis-server:
	@command -v redis-server >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; } \
		|| echo "redis-server is missing and cannot be installed here: the Redis tests will skip"

## The whole test suite, plus ruff and mypy
test: $(STAMP) redis-server
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

## Benchmarks: figures for docs/benchmarks.md
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
