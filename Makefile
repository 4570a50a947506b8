# Two commands do everything on a fresh clone:  `make demo`  and  `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench reliability venv clean ui chromium screenshots redis-server

# wwiseflowd-grpc's install generates its gRPC code from the .proto (its hatch_build.py)
GRPC := plugins/wwiseflowd-grpc
$(STAMP): pyproject.toml plugins/wwiseflowd-audiocheck/pyproject.toml plugins/wwiseflowd-reaper/pyproject.toml \
		$(GRPC)/pyproject.toml $(GRPC)/hatch_build.py $(GRPC)/wwiseflowd_grpc/wwiseflow.proto
	@echo "== Setting up $(VENV) (once; again only when a plugin's or wwiseflowd's pyproject.toml changes)"
	@test -x $(BIN)/python || { echo "-- creating the virtualenv $(VENV) with $(PY)"; $(PY) -m venv $(VENV); }
	@echo "-- upgrading pip inside $(VENV)"
	@$(BIN)/python -m pip install -q --upgrade pip
	@echo "-- installing wwiseflowd (editable, with its dev tools: pytest, ruff, mypy) and the plugins"
	@echo "   audiocheck, reaper and grpc (which generates its gRPC code); about 30-60 s the first time,"
	@echo "   pip lists each package as it goes"
	$(BIN)/python -m pip install --progress-bar off -e '.[dev]' -e plugins/wwiseflowd-audiocheck \
		-e plugins/wwiseflowd-reaper -e $(GRPC)
	@touch $(STAMP)
	@echo "== $(VENV) is ready"

venv: $(STAMP)

## The web editor: ui/ (React, Vite) built into wwiseflowd/webui/, which the daemon serves at /
UI_OUT := wwiseflowd/webui/index.html
UI_SRC := $(wildcard ui/src/*) ui/index.html ui/vite.config.ts ui/tsconfig.json ui/package-lock.json
ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund --loglevel=error
$(UI_OUT): ui/node_modules/.package-lock.json $(UI_SRC)
	cd ui && npm run build --silent
ui: $(UI_OUT)

## The editor's screenshots in docs/ (editor-*.png), taken by its browser tests
screenshots: $(STAMP) ui chromium
	EDITOR_SCREENSHOTS_DIR=$(CURDIR)/docs $(BIN)/python -m pytest tests/ui/test_editor_browser.py -q

## Debian's chromium for the browser tests (apt-get when missing and root, as on CI)
chromium:
	scripts/install-chromium.sh

## The daemon on built-in defaults: emulator in-process, a demo drop folder in ./demo/drop
demo: $(STAMP) ui
	$(BIN)/python demo/run_demo.py

## Debian's redis-server for the Redis store and fleet tests (installed as root when missing;
## elsewhere those tests skip and say why, except under CI=true where they fail)
redis-server:
	@command -v redis-server >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; } \
		|| echo "redis-server is missing and cannot be installed here: the Redis tests will skip"

## The whole test suite, plus ruff and mypy
test: $(STAMP) ui chromium redis-server
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

## Benchmarks: figures for docs/benchmarks.md
bench: $(STAMP) ui chromium redis-server
	$(BIN)/python -m bench

## The fault-injection suite (crashes, Wwise kills, fuzzing, a 180 s soak): docs/reliability.md
reliability: $(STAMP)
	$(BIN)/python -m bench reliability

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache ui/node_modules wwiseflowd/webui
