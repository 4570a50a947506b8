"""Fixtures for the engine tests: an Engine over real SQLite/audit files in a temp dir."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.engine.engine_testnodes import TestNodes
from wwiseflowd.config import settings_for_tests
from wwiseflowd.engine import Engine
from wwiseflowd.plugins import Plugins


@pytest.fixture
def nodes() -> TestNodes:
    return TestNodes()


@pytest.fixture
def make_engine(tmp_path: Path, nodes: TestNodes) -> Iterator[Callable[..., Engine]]:
    """``make_engine(**engine_settings)``: a started Engine with the test plugin only."""
    engines: list[Engine] = []

    def make(**engine: Any) -> Engine:
        plugins = Plugins()
        plugins.register(nodes, "testnodes")
        defaults = {"retry_base_ms": 1, "retry_max_ms": 5}
        settings = settings_for_tests(tmp_path, engine={**defaults, **engine})
        created = Engine(settings, plugins).start()
        engines.append(created)
        return created

    yield make
    for created in engines:
        created.close()


@pytest.fixture
def engine(make_engine: Callable[..., Engine]) -> Engine:
    return make_engine()
