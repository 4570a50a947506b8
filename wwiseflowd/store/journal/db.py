"""The drop journal's SQLite file: schema, migration, the locked connection and its transactions."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wwiseflowd.store.doctor import open_state_file
from wwiseflowd.store.journal.records import BatchRecord, DropRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS drop_files (
    id INTEGER PRIMARY KEY,
    rule TEXT NOT NULL,
    path TEXT NOT NULL,
    rel_path TEXT NOT NULL,
    target TEXT NOT NULL,
    state TEXT NOT NULL,
    size INTEGER,
    mtime_ns INTEGER,
    sha256 TEXT,
    valid INTEGER NOT NULL DEFAULT 1,
    batch_id INTEGER,
    execution_id TEXT,
    object_ids TEXT NOT NULL DEFAULT '[]',
    object_path TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    code TEXT,
    error TEXT,
    note TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    settled INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS drop_files_rel ON drop_files (rule, rel_path);
CREATE INDEX IF NOT EXISTS drop_files_batch ON drop_files (batch_id);
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    rule TEXT NOT NULL,
    state TEXT NOT NULL,
    files INTEGER NOT NULL,
    imported INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    execution_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    code TEXT,
    error TEXT,
    retry_at REAL NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL
);
CREATE INDEX IF NOT EXISTS batches_state ON batches (state);
"""

FILE_COLUMNS = (
    "id, rule, path, rel_path, target, state, size, mtime_ns, sha256, valid, batch_id, "
    "execution_id, object_ids, object_path, attempts, code, error, note, created_at, updated_at"
)
BATCH_COLUMNS = (
    "id, rule, state, files, imported, failed, skipped, execution_id, attempts, code, error, "
    "retry_at, created_at, started_at, finished_at"
)


#: the indexes that keep what ``/health`` and the pump ask for as cheap with 100,000 files known as
#: with 100 (created after :func:`_migrate` adds the columns they need). The status counts scan
#: (rule, state) only; the newest files and failures come from the end of an index instead of a
#: sort of the whole table; files not yet settled are few and indexed apart. Without them one
#: status took 200 ms under the journal's lock at 16,600 files and starved the pump in the soak.
INDEXES = """
DROP INDEX IF EXISTS drop_files_state;
CREATE INDEX IF NOT EXISTS drop_files_rule_state ON drop_files (rule, state);
CREATE INDEX IF NOT EXISTS drop_files_state_time ON drop_files (state, updated_at);
CREATE INDEX IF NOT EXISTS drop_files_time ON drop_files (updated_at);
CREATE INDEX IF NOT EXISTS drop_files_unsettled ON drop_files (rule) WHERE settled = 0;
"""

#: the journal's page cache: what /health and the pump ask goes through indexes and touches a few
#: pages, while a rescan reads every file's row once, which filled SQLite's default 2 MiB cache
#: and stayed in an idle daemon's memory (the operating system caches the file anyway)
CACHE_KIB = 512


def _migrate(db: sqlite3.Connection) -> None:
    columns = {row[1] for row in db.execute("PRAGMA table_info(drop_files)")}
    if "settled" not in columns:  # journals from before settling was recorded: all were settled
        db.execute("ALTER TABLE drop_files ADD COLUMN settled INTEGER NOT NULL DEFAULT 1")
    db.executescript(INDEXES)


class JournalDb:
    """The journal's SQLite file: one connection behind a lock, each method one transaction."""

    def __init__(self, path: Path | str, *, clock: Any = time.time) -> None:
        self.path = Path(path)
        self.clock = clock
        self._lock = threading.RLock()
        self._db = open_state_file(self.path, SCHEMA, _migrate, cache_kib=CACHE_KIB)

    def close(self) -> None:
        """Checkpoint the WAL into the main file and close."""
        with self._lock:
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error:
                pass  # another reader holds it; the WAL is still durable
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _files(self, where: str, params: Iterable[Any] = ()) -> list[DropRecord]:
        with self._lock:
            rows = self._db.execute(f"SELECT {FILE_COLUMNS} FROM drop_files {where}", tuple(params))
            return [DropRecord.from_row(r) for r in rows.fetchall()]

    def _batches(self, where: str, params: Iterable[Any] = ()) -> list[BatchRecord]:
        with self._lock:
            rows = self._db.execute(f"SELECT {BATCH_COLUMNS} FROM batches {where}", tuple(params))
            return [BatchRecord.from_row(r) for r in rows.fetchall()]
