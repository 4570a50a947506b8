"""SQLite implementation of :class:`~wwiseflowd.store.Store` (WAL mode, one connection, a lock)."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wwiseflowd.events import utc_now_iso
from wwiseflowd.gc_pause import gc_paused
from wwiseflowd.jsontext import bulk_json, compact_json
from wwiseflowd.store import ExecutionStatus, MemoEntry, StoreUnavailable
from wwiseflowd.store.doctor import open_state_file

SCHEMA = """
CREATE TABLE IF NOT EXISTS memo (
    key TEXT PRIMARY KEY,
    node_type TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS executions (
    id TEXT PRIMARY KEY,
    workflow_id TEXT,
    status TEXT NOT NULL,
    ok INTEGER,
    source TEXT,
    started_at TEXT,
    duration_ms REAL,
    stop_at TEXT,
    result TEXT NOT NULL,
    pid INTEGER
);
CREATE INDEX IF NOT EXISTS executions_started ON executions (started_at);
CREATE TABLE IF NOT EXISTS documents (
    key TEXT PRIMARY KEY,
    document TEXT NOT NULL,
    used_at TEXT NOT NULL
);
"""


def _memo_entry(row: tuple[str, str, str, str]) -> MemoEntry:
    """A memo row ``(key, node_type, data, created_at)`` as a MemoEntry."""
    return MemoEntry(key=row[0], node_type=row[1], data=json.loads(row[2]), created_at=row[3])


def _migrate(db: sqlite3.Connection) -> None:
    columns = {row[1] for row in db.execute("PRAGMA table_info(executions)")}
    if "pid" not in columns:  # ledgers written before the owner's pid was kept
        db.execute("ALTER TABLE executions ADD COLUMN pid INTEGER")


class SQLiteStore:
    """The memo and the run ledger in one SQLite file; safe to share between threads."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = open_state_file(self.path, SCHEMA, _migrate)

    @contextmanager
    def _held(self) -> Iterator[None]:
        """The store's lock. "database is locked" (another connection held the file for longer than
        the busy timeout) becomes StoreUnavailable: a run waits for the store (:func:`wait_for_store`)
        or fails with a transient code, so a drop batch is retried instead of failed for good."""
        with self._lock:
            try:
                yield
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                raise StoreUnavailable(
                    f"The state database {self.path} stayed locked by another writer ({exc}); if this "
                    "lasts, look for another process using the state directory") from exc

    # -- memo ----------------------------------------------------------------------------------

    def memo_get(self, key: str) -> MemoEntry | None:
        """The memo entry for ``key``, or None."""
        with self._held():
            row = self._db.execute(
                "SELECT key, node_type, data, created_at FROM memo WHERE key = ?", (key,)
            ).fetchone()
        return None if row is None else _memo_entry(row)

    def memo_get_many(self, keys: Iterable[str]) -> dict[str, MemoEntry]:
        """The entries of ``keys`` that exist, by key: one statement (the keys go in as one JSON
        array, so no limit on the number of SQL variables applies)."""
        wanted = compact_json(list(keys))
        with self._held():
            rows = self._db.execute(
                "SELECT m.key, m.node_type, m.data, m.created_at, json_valid(m.data) "
                "FROM json_each(?) AS j JOIN memo AS m ON m.key = j.value", (wanted,)
            ).fetchall()
        if not all(row[4] for row in rows):  # not JSON (written by hand?): decoded one by one, and raise
            return {row[0]: _memo_entry(row) for row in rows}
        # each row holds one JSON value: as the items of one array they are decoded in one call; a
        # run reading 10,000 entries ahead makes 30,000 objects here, and a collection passing over
        # them (and the run's plan) cost as long as the rest of its memo hits together
        with gc_paused():
            datas = json.loads("[" + ",".join([row[2] for row in rows]) + "]")
            return {row[0]: MemoEntry(row[0], row[1], data, row[3])
                    for row, data in zip(rows, datas, strict=True)}

    def memo_put_many(self, entries: Iterable[MemoEntry]) -> None:
        """Insert or replace entries in one transaction."""
        now = utc_now_iso()
        rows = [(e.key, e.node_type, compact_json(e.data), e.created_at or now) for e in entries]
        if not rows:
            return
        with self._held():
            self._db.execute("BEGIN")
            try:
                self._db.executemany("INSERT OR REPLACE INTO memo VALUES (?, ?, ?, ?)", rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def memo_delete(self, keys: Iterable[str]) -> int:
        """Forget entries; returns how many existed."""
        removed = 0
        with self._held():
            for key in keys:
                removed += self._db.execute("DELETE FROM memo WHERE key = ?", (key,)).rowcount
        return removed

    # -- ledger ---------------------------------------------------------------------------------

    def ledger_record(self, execution: dict[str, Any], status: ExecutionStatus) -> None:
        """Insert or update the execution ``execution["executionId"]``."""
        row = (
            execution["executionId"],
            execution.get("workflowId"),
            status,
            None if status == "running" else int(bool(execution.get("ok"))),
            execution.get("source"),
            execution.get("startedAt"),
            execution.get("durationMs"),
            execution.get("stopAt"),
            bulk_json({**execution, "status": status}),
            os.getpid(),
        )
        with self._held():
            self._db.execute(
                "INSERT OR REPLACE INTO executions "
                "(id, workflow_id, status, ok, source, started_at, duration_ms, stop_at, result, pid) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )

    def ledger_settle_orphans(self, alive: Callable[[int], bool]) -> list[str]:
        """Mark ``running`` rows whose process is gone as failed with INTERRUPTED; their ids."""
        with self._held():
            rows = self._db.execute(
                "SELECT id, result, pid FROM executions WHERE status = 'running'"
            ).fetchall()
        settled = []
        for execution_id, text, pid in rows:
            if pid == os.getpid() or (pid is not None and alive(pid)):
                continue
            result = {
                **json.loads(text),
                "ok": False,
                "status": "failed",
                "code": "INTERRUPTED",
                "error": (
                    "The process running this execution stopped before it finished (crash or kill). "
                    "Changes it had made may still be in the Wwise project: check it, then run the "
                    "workflow again."
                ),
            }
            with self._held():
                self._db.execute(
                    "UPDATE executions SET status = 'failed', ok = 0, result = ? "
                    "WHERE id = ? AND status = 'running'",
                    (compact_json(result), execution_id),
                )
            settled.append(execution_id)
        return settled

    def ledger_get(self, execution_id: str) -> dict[str, Any] | None:
        """The stored execution result (with ``status``), or None."""
        with self._held():
            row = self._db.execute(
                "SELECT result FROM executions WHERE id = ?", (execution_id,)
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def ledger_list(
        self, limit: int = 50, offset: int = 0, status: ExecutionStatus | None = None,
        *, source: str | None = None, workflow: str | None = None,
    ) -> list[dict[str, Any]]:
        """Summaries newest first: executionId, workflowId, status, ok, source, startedAt, ...;
        filtered as :meth:`wwiseflowd.store.Store.ledger_list` says."""
        query = (
            "SELECT id, workflow_id, status, ok, source, started_at, duration_ms, stop_at "
            "FROM executions"
        )
        clauses: list[str] = []
        args: list[Any] = []
        for clause, value in (("status = ?", status), ("source = ?", source),
                              ("instr(lower(workflow_id), ?) > 0", workflow.lower() if workflow else None)):
            if value:
                clauses.append(clause)
                args.append(value)
        if clauses:
            query += " WHERE " + " AND ".join(clauses)
        query += " ORDER BY started_at DESC, rowid DESC LIMIT ? OFFSET ?"
        args += [max(0, limit), max(0, offset)]
        with self._held():
            rows = self._db.execute(query, args).fetchall()
        return [
            {
                "executionId": r[0],
                "workflowId": r[1],
                "status": r[2],
                "ok": None if r[3] is None else bool(r[3]),
                "source": r[4],
                "startedAt": r[5],
                "durationMs": r[6],
                "stopAt": r[7],
            }
            for r in rows
        ]

    # -- documents ------------------------------------------------------------------------------

    def document_put(self, key: str, document: dict[str, Any]) -> None:
        """Keep ``document`` under ``key`` (its content address); a known key is only touched, and
        its document not encoded again (2 ms for a 10,000-node document, at every re-run)."""
        now = utc_now_iso()
        with self._held():
            if self._db.execute("UPDATE documents SET used_at = ? WHERE key = ?", (now, key)).rowcount:
                return
        text = compact_json(document)
        with self._held():
            self._db.execute(
                "INSERT INTO documents VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET used_at = excluded.used_at",
                (key, text, now),
            )

    def document_get(self, key: str) -> dict[str, Any] | None:
        """The document stored under ``key``, or None."""
        with self._held():
            row = self._db.execute("SELECT document FROM documents WHERE key = ?", (key,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    # -- retention ------------------------------------------------------------------------------

    def prune(self, before: str, *, memo: bool, ledger: bool, dry_run: bool = False) -> dict[str, int]:
        """Forget memo rows created, finished ledger rows started and documents last used before
        ``before``."""
        statements = {
            "memo": (memo, "FROM memo WHERE created_at < ?"),
            "ledger": (ledger, "FROM executions WHERE status != 'running' AND started_at < ?"),
            # a document a running execution still uses stays, however old
            "documents": (ledger, "FROM documents WHERE used_at < ? AND key NOT IN (SELECT "
                          "json_extract(result, '$.documentKey') FROM executions WHERE status = 'running' "
                          "AND json_extract(result, '$.documentKey') IS NOT NULL)"),
        }
        counts = {}
        with self._held():
            for name, (wanted, where) in statements.items():
                if not wanted:
                    counts[name] = 0
                    continue
                counts[name] = self._db.execute(f"SELECT COUNT(*) {where}", (before,)).fetchone()[0]
                if not dry_run:
                    self._db.execute(f"DELETE {where}", (before,))
        return counts

    def close(self) -> None:
        """Close the connection (further calls fail)."""
        with self._held():
            self._db.close()
