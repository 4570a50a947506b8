"""The ``store`` fixture: every test in this folder runs once on SQLite and once on a real Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from wwiseflowd.store import Store
from wwiseflowd.store.redis_store import RedisStore, connect
from wwiseflowd.store.sqlite import SQLiteStore
from wwiseflowd.testing import RedisServer


def open_backend(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
    """A fresh store of ``backend``: a new SQLite file, or a new key prefix on the session's Redis."""
    if backend == "sqlite":
        return SQLiteStore(tmp_path / "wwiseflowd.sqlite3")
    server: RedisServer = request.getfixturevalue("redis_server")
    return RedisStore(connect(server.url), prefix=server.prefix())


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = open_backend(request.param, tmp_path, request)
    yield opened
    opened.close()
