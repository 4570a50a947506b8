"""A state database locked by another writer makes a run wait or fail with a transient code, never
INTERNAL: a drop batch whose run met a locked ledger is retried instead of failed for good."""

from __future__ import annotations

import sqlite3
import threading
from functools import partial
from pathlib import Path

import pytest

from tests.engine.engine_testnodes import TestNodes, flow, node
from wwiseflowd.config import settings_for_tests
from wwiseflowd.engine import Engine
from wwiseflowd.plugins import Plugins
from wwiseflowd.results import TRANSIENT_CODES
from wwiseflowd.store import StoreUnavailable, wait_for_store
from wwiseflowd.store.sqlite import SQLiteStore


def _hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another connection holding the file's write lock (a long audit-index sync, another process)."""
    other = sqlite3.connect(str(path), isolation_level=None, timeout=0, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


def _short_busy_timeout(store: SQLiteStore) -> None:
    store._db.execute("PRAGMA busy_timeout = 50")  # the default 10 s, shortened for the test


def test_a_locked_ledger_raises_store_unavailable_and_is_written_once_the_lock_goes(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "state.sqlite3")
    _short_busy_timeout(store)
    execution = {"executionId": "exec_locked", "workflowId": "w", "ok": True}
    other = _hold_write_lock(store.path)
    with pytest.raises(StoreUnavailable, match="state.sqlite3"):
        store.ledger_record(execution, "succeeded")
    threading.Timer(0.3, lambda: other.execute("COMMIT")).start()
    wait_for_store(partial(store.ledger_record, execution, "succeeded"), "a result", patience_s=10)
    assert (store.ledger_get("exec_locked") or {})["status"] == "succeeded"
    other.close()
    store.close()


def test_a_run_that_meets_a_locked_state_database_fails_with_a_transient_code(
    tmp_path: Path, nodes: TestNodes
) -> None:
    plugins = Plugins()
    plugins.register(nodes, "testnodes")
    settings = settings_for_tests(tmp_path)
    with Engine(settings, plugins) as engine:
        assert isinstance(engine.store, SQLiteStore)
        _short_busy_timeout(engine.store)
        other = _hold_write_lock(engine.store.path)
        try:
            result = engine.execute(flow(node("a", "emit", value=1)))
        finally:
            other.execute("COMMIT")
            other.close()
        assert not result.ok and result.code in {c.value for c in TRANSIENT_CODES}, result.error
        assert "locked" in (result.error or "")
        again = engine.execute(flow(node("a", "emit", value=1)))
    assert again.ok, again.error
