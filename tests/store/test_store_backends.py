"""The Store contract, run against SQLite and a real redis-server alike (tests/store/conftest.py)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from wwiseflowd.store import MemoEntry, Store
from wwiseflowd.store.sqlite import SQLiteStore


def execution(execution_id: str, started: str, **extra: Any) -> dict[str, Any]:
    return {"executionId": execution_id, "workflowId": "wf", "startedAt": started, "ok": True,
            "source": "cli", "durationMs": 1.5, "stopAt": None, "results": [{"nodeId": "a"}], **extra}


def test_a_memo_entry_reads_back_as_written_and_can_be_forgotten(store: Store) -> None:
    assert store.memo_get("k1") is None
    store.memo_put_many([MemoEntry("k1", "wwise.create", {"id": "{A}", "names": ["é", 1.5]}),
                         MemoEntry("k2", "t", None, created_at="2026-01-01T00:00:00.000Z")])
    entry = store.memo_get("k1")
    assert entry is not None and entry.node_type == "wwise.create"
    assert entry.data == {"id": "{A}", "names": ["é", 1.5]}
    assert entry.created_at.endswith("Z")
    assert store.memo_get("k2") == MemoEntry("k2", "t", None, "2026-01-01T00:00:00.000Z")
    store.memo_put_many([MemoEntry("k1", "t", 2)])  # replace
    assert store.memo_get("k1").data == 2  # type: ignore[union-attr]
    assert store.memo_delete(["k1", "missing"]) == 1
    assert store.memo_get("k1") is None and store.memo_delete([]) == 0


def test_a_batch_memo_read_returns_exactly_the_entries_that_exist(store: Store) -> None:
    assert store.memo_get_many([]) == {} and store.memo_get_many(["nope"]) == {}
    # more keys than one Redis MGET chunk and than SQLite's old limit of 999 SQL variables
    written = [MemoEntry(f"k{i}", "t", {"i": i, "s": "é"}, created_at="2026-01-01T00:00:00.000Z")
               for i in range(0, 2500, 2)]
    store.memo_put_many(written)
    asked = [f"k{i}" for i in range(2500)] + ["k0", "it's \"quoted\""]  # a repeat, an odd key
    found = store.memo_get_many(asked)
    assert found == {entry.key: entry for entry in written}
    assert found["k42"] == store.memo_get("k42")
    store.memo_delete(["k42"])
    assert "k42" not in store.memo_get_many(["k42", "k44"])


def test_a_batch_memo_read_decodes_every_kind_of_json_value_and_refuses_a_row_that_is_not_json(
    tmp_path: Path,
) -> None:
    # SQLite decodes the rows of a batch read as the items of one JSON array: values holding
    # commas and brackets must come back whole; a row that is not JSON still raises
    sqlite = SQLiteStore(tmp_path / "values.db")
    values = [None, 0, -1.5, "a,b]", "é\u2028", [], {}, [1, [2, "]"]], {"k": {"v": ",]"}}, True]
    written = [MemoEntry(f"k{i}", "t", value, created_at="2026-01-01T00:00:00.000Z")
               for i, value in enumerate(values)]
    sqlite.memo_put_many(written)
    assert sqlite.memo_get_many([e.key for e in written]) == {e.key: e for e in written}
    # two rows that are not JSON alone but would pass as two items of an array: "[1" and "2],3"
    sqlite._db.execute("UPDATE memo SET data = '[1' WHERE key = 'k1'")
    sqlite._db.execute("UPDATE memo SET data = '2],3' WHERE key = 'k2'")
    with pytest.raises(ValueError):
        sqlite.memo_get_many([e.key for e in written])
    sqlite.close()


def test_an_execution_is_updated_in_place_and_listed_without_its_node_results(store: Store) -> None:
    store.ledger_record(execution("e1", "2026-12-01T10:00:00.000Z"), "running")
    assert store.ledger_get("e1")["status"] == "running"  # type: ignore[index]
    store.ledger_record(execution("e1", "2026-12-01T10:00:00.000Z", ok=False, code="X"), "failed")
    stored = store.ledger_get("e1")
    assert stored == {**execution("e1", "2026-12-01T10:00:00.000Z", ok=False, code="X"), "status": "failed"}
    assert store.ledger_list() == [{"executionId": "e1", "workflowId": "wf", "status": "failed", "ok": False,
                                    "source": "cli", "startedAt": "2026-12-01T10:00:00.000Z",
                                    "durationMs": 1.5, "stopAt": None}]
    assert store.ledger_get("nope") is None


def test_a_result_with_any_file_name_reads_back_as_recorded(store: Store) -> None:
    """Accents, CJK, emoji, and a name that is not valid UTF-8 (a lone surrogate, as Python decodes
    such a file name) all round-trip through the ledger's row."""
    files = ["Foley/Pas_été.wav", "声/足音.wav", "🔊.wav", "bad_\udcff.wav"]
    for i, name in enumerate(files):
        results = [{"nodeId": "import", "data": {"files": [name]}, "durationMs": 0.25}]
        store.ledger_record(execution(f"e{i}", "2026-12-01T10:00:00.000Z", results=results), "succeeded")
        stored = store.ledger_get(f"e{i}")
        assert stored is not None and stored["results"] == results, name


def test_the_ledger_lists_newest_first_with_paging_and_a_status_filter(store: Store) -> None:
    for day in range(1, 8):
        status = "running" if day % 3 == 0 else "succeeded"
        store.ledger_record(execution(f"e{day}", f"2026-11-0{day}T00:00:00.000Z"), status)  # type: ignore[arg-type]
    assert [r["executionId"] for r in store.ledger_list()] == ["e7", "e6", "e5", "e4", "e3", "e2", "e1"]
    assert [r["executionId"] for r in store.ledger_list(limit=2, offset=1)] == ["e6", "e5"]
    assert [r["executionId"] for r in store.ledger_list(status="running")] == ["e6", "e3"]
    assert store.ledger_list(status="cancelled") == [] and store.ledger_list(limit=0) == []
    assert store.ledger_list(offset=50) == []


def test_the_ledger_filters_by_source_and_workflow_substring_before_paging(store: Store) -> None:
    for n in range(1, 10):
        source = "editor" if n % 2 else "daemon"
        workflow = "Footsteps-import" if n % 3 == 0 else "dialogue"
        store.ledger_record(execution(f"e{n}", f"2026-11-0{n}T00:00:00.000Z", source=source,
                                      workflowId=workflow), "failed" if n == 9 else "succeeded")
    ids = lambda **query: [r["executionId"] for r in store.ledger_list(**query)]  # noqa: E731
    assert ids(source="editor") == ["e9", "e7", "e5", "e3", "e1"]
    assert ids(source="editor", limit=2, offset=1) == ["e7", "e5"]
    assert ids(workflow="FOOTSTEP") == ["e9", "e6", "e3"]
    assert ids(workflow="step", source="daemon") == ["e6"]
    assert ids(workflow="step", status="succeeded") == ["e6", "e3"]
    assert ids(source="mcp") == [] and ids(source="editor", offset=5) == []


def test_a_document_is_kept_under_its_key_and_pruned_unless_a_running_run_uses_it(store: Store) -> None:
    document = {"id": "wf", "nodes": [{"id": "a", "type": "t", "position": {"x": 1, "y": 2}}], "edges": []}
    store.document_put("k-running", document)
    store.document_put("k-old", {"nodes": []})
    store.document_put("k-running", {"nodes": ["ignored: a key names one content"]})
    assert store.document_get("k-running") == document and store.document_get("nope") is None
    store.ledger_record(execution("e_run", "2026-01-01T00:00:00.000Z", documentKey="k-running"), "running")
    later = "2999-01-01T00:00:00.000Z"
    assert store.prune(later, memo=False, ledger=True, dry_run=True)["documents"] == 1
    assert store.prune(later, memo=False, ledger=True)["documents"] == 1
    assert store.document_get("k-old") is None and store.document_get("k-running") == document


def test_a_known_document_is_touched_without_being_encoded_again(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = sys.modules[type(store).__module__]
    encoded: list[Any] = []
    encode = module.compact_json

    def counting(value: Any) -> str:
        encoded.append(value)
        return str(encode(value))

    monkeypatch.setattr(module, "compact_json", counting)
    document = {"id": "wf", "nodes": [], "edges": []}
    store.document_put("k", document)
    store.document_put("k", document)  # every re-run of the same document
    assert encoded == [document] and store.document_get("k") == document


def test_pruning_forgets_old_memo_and_finished_runs_but_never_running_ones(store: Store) -> None:
    store.memo_put_many([MemoEntry("old", "t", 1, created_at="2026-01-01T00:00:00.000Z"),
                         MemoEntry("new", "t", 2, created_at="2026-12-01T00:00:00.000Z")])
    store.ledger_record(execution("e_done", "2026-01-01T00:00:00.000Z"), "succeeded")
    store.ledger_record(execution("e_running", "2026-01-01T00:00:00.000Z"), "running")
    store.ledger_record(execution("e_new", "2026-12-01T00:00:00.000Z"), "failed")
    before = "2026-06-01T00:00:00.000Z"
    counts = store.prune(before, memo=True, ledger=True, dry_run=True)
    assert counts == {"memo": 1, "ledger": 1, "documents": 0}
    assert store.memo_get("old") is not None
    assert store.prune(before, memo=False, ledger=True) == {"memo": 0, "ledger": 1, "documents": 0}
    assert store.prune(before, memo=True, ledger=True) == {"memo": 1, "ledger": 0, "documents": 0}
    assert store.memo_get("old") is None and store.memo_get("new") is not None
    assert store.ledger_get("e_done") is None
    assert {r["executionId"] for r in store.ledger_list()} == {"e_running", "e_new"}


def test_a_run_left_running_by_a_dead_process_is_settled_as_interrupted(store: Store) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    store.ledger_record(execution("e_mine", "2026-12-01T00:00:00.000Z"), "running")
    store.ledger_record(execution("e_dead", "2026-12-01T00:00:01.000Z"), "running")
    dead_pid = int(dead.stdout)
    # the dead process's record: re-recorded under its pid through the backend's own owner field
    _record_as(store, "e_dead", dead_pid)
    settled = store.ledger_settle_orphans(lambda pid: pid != dead_pid)
    assert settled == ["e_dead"]
    stored = store.ledger_get("e_dead")
    assert stored is not None
    assert (stored["status"], stored["code"], stored["ok"]) == ("failed", "INTERRUPTED", False)
    assert "run the workflow again" in stored["error"]
    assert store.ledger_get("e_mine")["status"] == "running"  # type: ignore[index]
    assert [r["executionId"] for r in store.ledger_list(status="failed")] == ["e_dead"]
    assert store.ledger_settle_orphans(lambda pid: False) == []  # own runs are never orphans


def _record_as(store: Store, execution_id: str, pid: int) -> None:
    """Pretend ``pid`` recorded the run (SQLite: the pid column; Redis: the owners hash)."""
    from wwiseflowd.store.redis_store import RedisStore
    from wwiseflowd.store.sqlite import SQLiteStore

    if isinstance(store, SQLiteStore):
        with store._lock:
            store._db.execute("UPDATE executions SET pid = ? WHERE id = ?", (pid, execution_id))
    elif isinstance(store, RedisStore):
        store.client.hset(store._k("exec", "owners"), execution_id, f"{store.host} {pid}")
    else:
        pytest.fail(f"unknown store {store!r}")


def test_many_threads_share_one_store(store: Store) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(25):
                store.memo_put_many([MemoEntry(f"t{n}-{i}", "t", i)])
                assert store.memo_get(f"t{n}-{i}").data == i  # type: ignore[union-attr]
                store.ledger_record(execution(f"t{n}-{i}", "2026-12-01T00:00:00.000Z"), "succeeded")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(store.ledger_list(limit=1000)) == 100


def test_on_redis_the_memo_is_shared_per_host_unless_the_fleet_shares_one_wwise(
    redis_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wwiseflowd.store.redis_store import RedisStore, connect

    prefix = redis_server.prefix()
    here = RedisStore(connect(redis_server.url), prefix=prefix)
    same_host = RedisStore(connect(redis_server.url), prefix=prefix)
    monkeypatch.setattr("socket.gethostname", lambda: "agent-b")
    other_host = RedisStore(connect(redis_server.url), prefix=prefix)
    fleet_a = RedisStore(connect(redis_server.url), prefix=prefix, memo_scope="fleet")
    monkeypatch.undo()
    fleet_b = RedisStore(connect(redis_server.url), prefix=prefix, memo_scope="fleet")
    here.memo_put_many([MemoEntry("k", "t", 1)])
    fleet_a.memo_put_many([MemoEntry("f", "t", 2)])
    assert same_host.memo_get("k") is not None and other_host.memo_get("k") is None
    assert fleet_b.memo_get("f") is not None and here.memo_get("f") is None
    for store in (here, same_host, other_host, fleet_a, fleet_b):
        store.close()
