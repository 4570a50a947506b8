"""The drop journal: one SQLite (WAL) row per dropped file and per batch, so nothing is lost or doubled.

A file moves through ``seen -> stable -> queued -> importing -> done | failed``. The journal is
written before each step takes effect (the execution id is recorded *before* the run starts), so
after a crash the daemon knows which files were in flight and reconciles them against the Wwise
project instead of importing them again. It lives in its own file (``drops.sqlite3`` in the state
dir) so ``wwiseflowd status`` can read it while no daemon runs.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

from wwiseflowd.store.doctor import StateFileCorrupt

JOURNAL_FILENAME = "drops.sqlite3"


class FileState(StrEnum):
    """Where a dropped file is in the pipeline."""

    SEEN = "seen"
    STABLE = "stable"
    QUEUED = "queued"
    IMPORTING = "importing"
    DONE = "done"
    FAILED = "failed"
    #: a ``dry_run = true`` rule ran it on a copy of a project; the file stays, nothing was imported
    PREVIEWED = "previewed"


#: states of a file the daemon still has to finish
ACTIVE_STATES = (FileState.SEEN, FileState.STABLE, FileState.QUEUED, FileState.IMPORTING)


class BatchState(StrEnum):
    """Where a batch is: ``waiting`` means Wwise was unavailable and it will be retried."""

    QUEUED = "queued"
    RUNNING = "running"
    WAITING = "waiting"
    DONE = "done"
    FAILED = "failed"


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
CREATE INDEX IF NOT EXISTS drop_files_state ON drop_files (state);
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

_FILE_COLUMNS = (
    "id, rule, path, rel_path, target, state, size, mtime_ns, sha256, valid, batch_id, "
    "execution_id, object_ids, object_path, attempts, code, error, note, created_at, updated_at"
)
_BATCH_COLUMNS = (
    "id, rule, state, files, imported, failed, skipped, execution_id, attempts, code, error, "
    "retry_at, created_at, started_at, finished_at"
)


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")


class KnownFile(NamedTuple):
    """The newest journal record of a path, in brief, for rescans."""

    id: int
    state: FileState
    size: int | None
    mtime_ns: int | None
    settled: bool
    batch_over: bool


@dataclass
class DropRecord:
    """One dropped file as the journal knows it."""

    id: int
    rule: str
    path: str
    rel_path: str
    target: str
    state: FileState
    size: int | None
    mtime_ns: int | None
    sha256: str | None
    valid: bool
    batch_id: int | None
    execution_id: str | None
    object_ids: list[str]
    object_path: str | None
    attempts: int
    code: str | None
    error: str | None
    note: str | None
    created_at: float
    updated_at: float

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> DropRecord:
        """Build from a ``SELECT {_FILE_COLUMNS}`` row."""
        values = list(row)
        values[5] = FileState(values[5])
        values[9] = bool(values[9])
        values[12] = json.loads(values[12] or "[]")
        return cls(*values)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (camelCase, ISO times) for status output."""
        return {
            "id": self.id,
            "rule": self.rule,
            "path": self.path,
            "relPath": self.rel_path,
            "target": self.target,
            "state": self.state.value,
            "size": self.size,
            "sha256": self.sha256,
            "batchId": self.batch_id,
            "executionId": self.execution_id,
            "objectIds": self.object_ids,
            "objectPath": self.object_path,
            "attempts": self.attempts,
            "code": self.code,
            "error": self.error,
            "note": self.note,
            "updatedAt": _iso(self.updated_at),
        }


@dataclass
class BatchRecord:
    """One batch of files of one rule."""

    id: int
    rule: str
    state: BatchState
    files: int
    imported: int
    failed: int
    skipped: int
    execution_id: str | None
    attempts: int
    code: str | None
    error: str | None
    retry_at: float
    created_at: float
    started_at: float | None
    finished_at: float | None

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> BatchRecord:
        """Build from a ``SELECT {_BATCH_COLUMNS}`` row."""
        values = list(row)
        values[2] = BatchState(values[2])
        return cls(*values)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form for status output."""
        duration = (
            round((self.finished_at - self.started_at) * 1000, 1)
            if self.finished_at is not None and self.started_at is not None
            else None
        )
        return {
            "id": self.id,
            "rule": self.rule,
            "state": self.state.value,
            "files": self.files,
            "imported": self.imported,
            "failed": self.failed,
            "skipped": self.skipped,
            "executionId": self.execution_id,
            "attempts": self.attempts,
            "code": self.code,
            "error": self.error,
            "createdAt": _iso(self.created_at),
            "startedAt": _iso(self.started_at),
            "finishedAt": _iso(self.finished_at),
            "durationMs": duration,
        }


class Journal:
    """The drop journal. Thread-safe: one connection behind a lock, each method one transaction."""

    def __init__(self, path: Path | str, *, clock: Any = time.time) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            str(self.path), check_same_thread=False, isolation_level=None, timeout=10.0
        )
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StateFileCorrupt(self.path, exc) from None

    def _migrate(self) -> None:
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(drop_files)")}
        if "settled" not in columns:  # journals from before settling was recorded: all were settled
            self._db.execute("ALTER TABLE drop_files ADD COLUMN settled INTEGER NOT NULL DEFAULT 1")

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> Journal:
        """The journal file of a state dir."""
        return cls(state_dir / JOURNAL_FILENAME)

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
            rows = self._db.execute(f"SELECT {_FILE_COLUMNS} FROM drop_files {where}", tuple(params))
            return [DropRecord.from_row(r) for r in rows.fetchall()]

    def _batches(self, where: str, params: Iterable[Any] = ()) -> list[BatchRecord]:
        with self._lock:
            rows = self._db.execute(f"SELECT {_BATCH_COLUMNS} FROM batches {where}", tuple(params))
            return [BatchRecord.from_row(r) for r in rows.fetchall()]

    # -- files -------------------------------------------------------------------------------

    def file(self, file_id: int) -> DropRecord | None:
        """One file record by id."""
        found = self._files("WHERE id = ?", (file_id,))
        return found[0] if found else None

    def latest_by_rel(self, rule: str) -> dict[str, DropRecord]:
        """The newest record of each relative path of ``rule`` (what a rescan compares against)."""
        out: dict[str, DropRecord] = {}
        for record in self._files("WHERE rule = ? ORDER BY id", (rule,)):
            out[record.rel_path] = record
        return out

    def known_files(self, rule: str) -> dict[str, KnownFile]:
        """The newest record of each relative path of ``rule``, in brief (what a rescan compares against)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT f.rel_path, f.id, f.state, f.size, f.mtime_ns, f.settled, "
                "b.state IS NULL OR b.state IN (?, ?) FROM drop_files f "
                "LEFT JOIN batches b ON b.id = f.batch_id WHERE f.id IN "
                "(SELECT MAX(id) FROM drop_files WHERE rule = ? GROUP BY rel_path)",
                (BatchState.DONE.value, BatchState.FAILED.value, rule),
            ).fetchall()
        return {
            rel: KnownFile(file_id, FileState(state), size, mtime, bool(settled), bool(batch_over))
            for rel, file_id, state, size, mtime, settled, batch_over in rows
        }

    def unsettled(self, rule: str) -> list[DropRecord]:
        """Done or failed files of finished batches (or of none) whose move, delete or ``failed/``
        report never happened: the daemon stopped in between. Start-up and rescans finish them."""
        return self._files(
            "WHERE rule = ? AND settled = 0 AND state IN (?, ?) AND (batch_id IS NULL OR batch_id IN "
            "(SELECT id FROM batches WHERE state IN (?, ?))) ORDER BY id",
            (rule, FileState.DONE.value, FileState.FAILED.value, BatchState.DONE.value,
             BatchState.FAILED.value),
        )

    def mark_settled(self, file_ids: Iterable[int]) -> None:
        """The files' disposal (move, delete, leave, ``failed/`` report) is done."""
        with self._tx() as db:
            db.executemany("UPDATE drop_files SET settled = 1 WHERE id = ?", [(i,) for i in file_ids])

    def active(self, rule: str | None = None) -> list[DropRecord]:
        """Files not yet done or failed (optionally of one rule), oldest first."""
        marks = ",".join("?" for _ in ACTIVE_STATES)
        params: list[Any] = [s.value for s in ACTIVE_STATES]
        where = f"WHERE state IN ({marks})"
        if rule is not None:
            where += " AND rule = ?"
            params.append(rule)
        return self._files(where + " ORDER BY id", params)

    def record_seen(self, rule: str, entries: Iterable[tuple[str, str, str]]) -> dict[str, int]:
        """Record ``(path, rel_path, target)`` as seen unless an active record exists; rel -> id."""
        now = self.clock()
        ids: dict[str, int] = {}
        marks = ",".join("?" for _ in ACTIVE_STATES)
        with self._tx() as db:
            for path, rel, target in entries:
                row = db.execute(
                    f"SELECT id FROM drop_files WHERE rule = ? AND rel_path = ? AND state IN ({marks}) "
                    "ORDER BY id DESC LIMIT 1",
                    (rule, rel, *[s.value for s in ACTIVE_STATES]),
                ).fetchone()
                if row is not None:
                    ids[rel] = row[0]
                    continue
                cur = db.execute(
                    "INSERT INTO drop_files (rule, path, rel_path, target, state, created_at, updated_at, "
                    "settled) VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                    (rule, path, rel, target, FileState.SEEN.value, now, now),
                )
                ids[rel] = int(cur.lastrowid or 0)
        return ids

    def mark_stable(
        self,
        file_id: int,
        *,
        size: int,
        mtime_ns: int,
        sha256: str | None,
        valid: bool,
        reason: str | None = None,
    ) -> None:
        """The file is complete (or definitely invalid, with ``reason``) and hashed."""
        with self._tx() as db:
            db.execute(
                "UPDATE drop_files SET state = ?, size = ?, mtime_ns = ?, sha256 = ?, valid = ?, "
                "error = ?, code = ?, updated_at = ? WHERE id = ?",
                (
                    FileState.STABLE.value,
                    size,
                    mtime_ns,
                    sha256,
                    int(valid),
                    reason,
                    None if valid else "INVALID_AUDIO",
                    self.clock(),
                    file_id,
                ),
            )

    def find_done(self, rule: str, rel_path: str, target: str) -> DropRecord | None:
        """The newest *done* import of ``rel_path`` into ``target`` by ``rule``, if any."""
        found = self._files(
            "WHERE rule = ? AND rel_path = ? AND target = ? AND state = ? ORDER BY id DESC LIMIT 1",
            (rule, rel_path, target, FileState.DONE.value),
        )
        return found[0] if found else None

    def forget(self, file_ids: Iterable[int]) -> None:
        """Delete records of files that vanished before they were imported."""
        with self._tx() as db:
            db.executemany("DELETE FROM drop_files WHERE id = ?", [(i,) for i in file_ids])

    def mark_importing(self, file_ids: Iterable[int], execution_id: str) -> None:
        """Written *before* the run starts: these files may reach Wwise under ``execution_id``."""
        now = self.clock()
        with self._tx() as db:
            db.executemany(
                "UPDATE drop_files SET state = ?, execution_id = ?, attempts = attempts + 1, "
                "updated_at = ? WHERE id = ?",
                [(FileState.IMPORTING.value, execution_id, now, i) for i in file_ids],
            )

    def mark_done(
        self,
        file_id: int,
        *,
        object_ids: list[str] | None = None,
        object_path: str | None = None,
        execution_id: str | None = None,
        note: str | None = None,
    ) -> None:
        """The file is in the project (or was already: ``note`` says why nothing ran)."""
        self.mark_done_many([(file_id, object_ids or [], object_path)], execution_id=execution_id, note=note)

    def mark_done_many(
        self,
        entries: Iterable[tuple[int, list[str], str | None]],
        *,
        execution_id: str | None = None,
        note: str | None = None,
    ) -> None:
        """``(file id, object ids, object path)`` of files now in the project, in one transaction."""
        now = self.clock()
        with self._tx() as db:
            db.executemany(
                "UPDATE drop_files SET state = ?, object_ids = ?, object_path = ?, "
                "execution_id = COALESCE(?, execution_id), note = ?, code = NULL, error = NULL, "
                "updated_at = ? WHERE id = ?",
                [
                    (FileState.DONE.value, json.dumps(ids), path, execution_id, note, now, file_id)
                    for file_id, ids, path in entries
                ],
            )

    def mark_failed(self, file_id: int, *, code: str, error: str, execution_id: str | None = None) -> None:
        """The file cannot be imported; ``error`` says why and what to do."""
        self.mark_failed_many([(file_id, code, error)], execution_id=execution_id)

    def mark_failed_many(
        self, entries: Iterable[tuple[int, str, str]], *, execution_id: str | None = None
    ) -> None:
        """``(file id, code, error)`` of files that cannot be imported, in one transaction."""
        now = self.clock()
        with self._tx() as db:
            db.executemany(
                "UPDATE drop_files SET state = ?, code = ?, error = ?, "
                "execution_id = COALESCE(?, execution_id), updated_at = ? WHERE id = ?",
                [(FileState.FAILED.value, code, error, execution_id, now, i) for i, code, error in entries],
            )

    def mark_previewed(self, file_ids: Iterable[int]) -> None:
        """Done or failed files of a dry-run rule become ``previewed`` (settled, left in place): what
        the run would have said stays (code, error, object path), yet no later run counts them as
        imported, so the same file is imported for real once the rule stops being a dry run."""
        with self._tx() as db:
            db.executemany(
                "UPDATE drop_files SET state = ?, settled = 1, updated_at = ? "
                "WHERE id = ? AND state IN (?, ?)",
                [(FileState.PREVIEWED.value, self.clock(), i, FileState.DONE.value, FileState.FAILED.value)
                 for i in file_ids],
            )

    def set_note(self, file_id: int, note: str) -> None:
        """Add a short remark (e.g. where the file was moved) after any earlier one."""
        self.set_notes([(file_id, note)])

    def set_notes(self, entries: Iterable[tuple[int, str]]) -> None:
        """:meth:`set_note` for many files in one transaction."""
        with self._tx() as db:
            db.executemany(
                "UPDATE drop_files SET note = CASE WHEN note IS NULL THEN ? ELSE note || '; ' || ? END "
                "WHERE id = ?",
                [(note, note, file_id) for file_id, note in entries],
            )

    # -- batches -----------------------------------------------------------------------------

    def create_batch(self, rule: str, file_ids: list[int]) -> int:
        """A new queued batch holding ``file_ids`` (which become ``queued``)."""
        now = self.clock()
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO batches (rule, state, files, created_at) VALUES (?, ?, ?, ?)",
                (rule, BatchState.QUEUED.value, len(file_ids), now),
            )
            batch_id = int(cur.lastrowid or 0)
            db.executemany(
                "UPDATE drop_files SET state = ?, batch_id = ?, updated_at = ? WHERE id = ?",
                [(FileState.QUEUED.value, batch_id, now, i) for i in file_ids],
            )
        return batch_id

    def batch(self, batch_id: int) -> BatchRecord | None:
        """One batch by id."""
        found = self._batches("WHERE id = ?", (batch_id,))
        return found[0] if found else None

    def batch_files(self, batch_id: int) -> list[DropRecord]:
        """The files of a batch, in drop order."""
        return self._files("WHERE batch_id = ? ORDER BY id", (batch_id,))

    def next_batch(self, now: float | None = None) -> BatchRecord | None:
        """The oldest batch ready to run (queued, running after a crash, or waiting and due)."""
        now = self.clock() if now is None else now
        found = self._batches(
            "WHERE state IN (?, ?) OR (state = ? AND retry_at <= ?) ORDER BY id LIMIT 1",
            (BatchState.QUEUED.value, BatchState.RUNNING.value, BatchState.WAITING.value, now),
        )
        return found[0] if found else None

    def next_retry_at(self) -> float | None:
        """When the earliest waiting batch is due, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT MIN(retry_at) FROM batches WHERE state = ?", (BatchState.WAITING.value,)
            ).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def start_batch(self, batch_id: int, execution_id: str) -> None:
        """The batch's run is about to start."""
        with self._tx() as db:
            db.execute(
                "UPDATE batches SET state = ?, execution_id = ?, attempts = attempts + 1, "
                "started_at = ? WHERE id = ?",
                (BatchState.RUNNING.value, execution_id, self.clock(), batch_id),
            )

    def wait_batch(self, batch_id: int, *, retry_at: float, code: str, error: str) -> None:
        """Wwise was unavailable: keep the batch and try again at ``retry_at``."""
        with self._tx() as db:
            db.execute(
                "UPDATE batches SET state = ?, retry_at = ?, code = ?, error = ? WHERE id = ?",
                (BatchState.WAITING.value, retry_at, code, error, batch_id),
            )

    def finish_batch(
        self, batch_id: int, *, code: str | None = None, error: str | None = None
    ) -> BatchRecord:
        """Close a batch, counting its files' outcomes."""
        with self._tx() as db:
            counts = dict(
                db.execute(
                    "SELECT state, COUNT(*) FROM drop_files WHERE batch_id = ? GROUP BY state",
                    (batch_id,),
                ).fetchall()
            )
            skipped = db.execute(
                "SELECT COUNT(*) FROM drop_files WHERE batch_id = ? AND state = ? AND note IS NOT NULL "
                "AND note LIKE 'already%'",
                (batch_id, FileState.DONE.value),
            ).fetchone()[0]
            imported = counts.get(FileState.DONE.value, 0) - skipped
            failed = counts.get(FileState.FAILED.value, 0)
            state = BatchState.FAILED if failed and not imported and not skipped else BatchState.DONE
            db.execute(
                "UPDATE batches SET state = ?, imported = ?, failed = ?, skipped = ?, code = ?, "
                "error = ?, finished_at = ? WHERE id = ?",
                (state.value, imported, failed, skipped, code, error, self.clock(), batch_id),
            )
        record = self.batch(batch_id)
        assert record is not None
        return record

    # -- reporting ---------------------------------------------------------------------------

    def counts_by_rule(self) -> dict[str, dict[str, int]]:
        """``{rule: {state: count}}`` over all files."""
        with self._lock:
            rows = self._db.execute(
                "SELECT rule, state, COUNT(*) FROM drop_files GROUP BY rule, state"
            ).fetchall()
        out: dict[str, dict[str, int]] = {}
        for rule, state, count in rows:
            out.setdefault(rule, {})[state] = count
        return out

    def recent_batches(self, limit: int = 20) -> list[BatchRecord]:
        """Newest batches first."""
        return self._batches("ORDER BY id DESC LIMIT ?", (limit,))

    def recent_failures(self, limit: int = 20) -> list[DropRecord]:
        """Newest failed files first; a failure a later import of the same file fixed is not listed."""
        return self._files(
            "WHERE state = ? AND NOT EXISTS (SELECT 1 FROM drop_files AS fixed WHERE fixed.rule = "
            "drop_files.rule AND fixed.rel_path = drop_files.rel_path AND fixed.state = ? AND "
            "fixed.updated_at >= drop_files.updated_at) ORDER BY updated_at DESC LIMIT ?",
            (FileState.FAILED.value, FileState.DONE.value, limit),
        )

    def recent_files(self, limit: int = 50) -> list[DropRecord]:
        """Most recently changed files first, whatever their state (the editor's drop-folder page)."""
        return self._files("ORDER BY updated_at DESC, id DESC LIMIT ?", (limit,))

    def waiting_batches(self) -> list[BatchRecord]:
        """Batches not finished yet, oldest first."""
        return self._batches(
            "WHERE state IN (?, ?, ?) ORDER BY id",
            (BatchState.QUEUED.value, BatchState.RUNNING.value, BatchState.WAITING.value),
        )

    # -- retention (``[retention] journal_days``) ------------------------------------------------

    def prune(self, before: float, *, dry_run: bool = False,
              still_there: Callable[[str], bool] = os.path.exists) -> dict[str, int]:
        """Forget finished, settled files last changed before ``before`` (epoch s) and the finished
        batches left without files; ``{"files", "batches"}`` forgotten (or that would be).

        Never a file still in flight, nor one still lying at its drop path: its row is what stops a
        rescan from importing it a second time.
        """
        finished = (BatchState.DONE.value, BatchState.FAILED.value)
        with self._tx() as db:
            rows = db.execute(
                "SELECT id, path FROM drop_files WHERE state IN (?, ?, ?) AND settled = 1 AND updated_at < ?",
                (FileState.DONE.value, FileState.FAILED.value, FileState.PREVIEWED.value, before),
            ).fetchall()
            doomed = {file_id for file_id, path in rows if not still_there(path)}
            members: dict[int, set[int | None]] = {}
            for batch_id, file_id in db.execute(
                "SELECT b.id, f.id FROM batches b LEFT JOIN drop_files f ON f.batch_id = b.id "
                "WHERE b.state IN (?, ?) AND COALESCE(b.finished_at, b.created_at) < ?",
                (*finished, before),
            ):
                members.setdefault(batch_id, set()).add(file_id)
            batches = [b for b, ids in members.items() if all(i is None or i in doomed for i in ids)]
            if not dry_run:
                db.executemany("DELETE FROM drop_files WHERE id = ?", [(i,) for i in doomed])
                db.executemany("DELETE FROM batches WHERE id = ?", [(b,) for b in batches])
        return {"files": len(doomed), "batches": len(batches)}

    def moved_to(self, path: str, sha256: str | None = None) -> str | None:
        """Where the daemon moved the imported file ``path`` (with that content), if it did (replay)."""
        with self._lock:
            row = self._db.execute(
                "SELECT note FROM drop_files WHERE path = ? AND (? IS NULL OR sha256 = ?) "
                "AND note LIKE 'moved to %' ORDER BY id DESC LIMIT 1",
                (path, sha256, sha256),
            ).fetchone()
        return str(row[0])[len("moved to "):] if row else None
