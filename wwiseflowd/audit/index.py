"""The audit index: one row per audit line (and one per object id or path it names) in the state store.

The day files are the record; the index is derived from them and caught up on demand
(:meth:`AuditIndex.sync` reads only what was appended since the last call), so writing a bus
command costs no database write. Rows are never rewritten: a line that changes after it was
indexed is caught by ``wwiseflowd audit verify``, which compares the files with the hashes here.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from wwiseflowd.audit.blobs import BlobStore
from wwiseflowd.audit.chain import audit_files, claimed_hash, iter_raw
from wwiseflowd.audit.reader import parse, resolve
from wwiseflowd.store.doctor import StateFileCorrupt, open_state_file

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_entries (
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    time TEXT NOT NULL,
    execution_id TEXT,
    node TEXT,
    command TEXT NOT NULL,
    source TEXT,
    ok INTEGER,
    code TEXT,
    duration_ms REAL,
    hash TEXT,
    PRIMARY KEY (file, line)
);
CREATE INDEX IF NOT EXISTS audit_time ON audit_entries (time);
CREATE INDEX IF NOT EXISTS audit_execution ON audit_entries (execution_id);
CREATE TABLE IF NOT EXISTS audit_refs (
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    ref TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_refs_ref ON audit_refs (ref);
CREATE INDEX IF NOT EXISTS audit_refs_line ON audit_refs (file, line);
CREATE TABLE IF NOT EXISTS audit_files (
    file TEXT PRIMARY KEY,
    offset INTEGER NOT NULL,
    lines INTEGER NOT NULL
);
"""

_GUID = re.compile(r"^(?:id:)?\{[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\}$")
#: object references kept per entry (a batch of 10,000 files names ~30,000 objects)
MAX_REFS = 50_000


def iso(moment: datetime) -> str:
    """``moment`` in the audit lines' time format, for comparing as text."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class AuditFilter(BaseModel):
    """What ``wwiseflowd audit`` and ``GET /audit`` filter on; every field is optional."""

    since: datetime | None = Field(None, description="Only entries at or after this time.")
    until: datetime | None = Field(None, description="Only entries before this time.")
    execution_id: str | None = Field(None, description="Only this execution's commands.")
    command: str | None = Field(None, description="Only this bus command (e.g. audio_import).")
    object: str | None = Field(
        None, description="Only commands naming this object id, or this path or anything below it.")
    code: str | None = Field(None, description="Only results with this code (OK for successes).")
    source: str | None = Field(None, description="daemon, cli, rest, mcp, editor or replay.")
    limit: int = Field(1000, ge=1, le=100_000)
    offset: int = Field(0, ge=0)


def object_refs(entry: dict[str, Any]) -> set[str]:
    """Object ids (GUIDs) and paths named anywhere in an entry's payload or result data."""
    found: set[str] = set()
    stack: list[Any] = [entry.get("payload"), (entry.get("result") or {}).get("data")]
    while stack and len(found) < MAX_REFS:
        value = stack.pop()
        if isinstance(value, str):
            if value.startswith("\\") or _GUID.match(value):
                found.add(_norm_ref(value))
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found


def _norm_ref(ref: str) -> str:
    return ref.removeprefix("id:").lower()


#: audit lines indexed per transaction: the index shares the state store's file, whose ledger
#: writes wait at most 10 s for it (a first sync after 30 minutes of drops held it longer, and a
#: batch's run failed with "database is locked")
SYNC_CHUNK = 1000


class AuditIndex:
    """The index tables in the state store's SQLite file (own connection; WAL; thread-safe)."""

    def __init__(self, db_path: Path, directory: Path, blobs: BlobStore) -> None:
        self.directory = Path(directory)
        self.blobs = blobs
        self.db_path = Path(db_path)
        self._lock = threading.Lock()
        self._db = open_state_file(self.db_path, SCHEMA)  # not a database: StateFileCorrupt

    @contextmanager
    def _damage_named(self) -> Iterator[None]:
        """A page found damaged after opening raises :class:`StateFileCorrupt` too (not 'locked')."""
        try:
            yield
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as exc:
            raise StateFileCorrupt(self.db_path, exc) from None

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    def sync(self) -> int:
        """Index what was appended since the last call; returns how many lines were added."""
        added = 0
        with self._lock, self._damage_named():
            known = dict(self._db.execute("SELECT file, offset FROM audit_files").fetchall())
            lines = dict(self._db.execute("SELECT file, lines FROM audit_files").fetchall())
            for path in audit_files(self.directory):
                size = path.stat().st_size
                start = known.get(path.name, 0)
                if start == size:
                    continue
                if start > size:  # the file shrank: read it again; rows already there are kept
                    start, lines[path.name] = 0, 0
                added += self._sync_file(path, start, lines.get(path.name, 0))
        return added

    def _sync_file(self, path: Path, start: int, number: int) -> int:
        entries: list[tuple[Any, ...]] = []
        refs: list[tuple[str, int, str]] = []
        added, offset = 0, start
        for line_offset, raw in iter_raw(path, start):
            if not raw.endswith(b"\n"):
                break  # a line being written right now: index it next time
            offset = line_offset + len(raw)
            number += 1
            entry = parse(raw)
            if entry is not None:
                result = entry.get("result") or {}
                entries.append((
                    path.name, number, line_offset, str(entry.get("time", "")), entry.get("executionId"),
                    entry.get("node"), str(entry.get("command", "")), entry.get("source"),
                    None if result.get("ok") is None else int(bool(result.get("ok"))),
                    result.get("code"), entry.get("durationMs"), claimed_hash(raw)[0],
                ))
                refs += [(path.name, number, ref) for ref in object_refs(resolve(entry, self.blobs))]
            if len(entries) >= SYNC_CHUNK:
                added += self._insert(path.name, entries, refs, offset, number)
                entries, refs = [], []
        return added + self._insert(path.name, entries, refs, offset, number)

    def _insert(self, name: str, entries: list[tuple[Any, ...]], refs: list[tuple[str, int, str]],
                offset: int, number: int) -> int:
        """One transaction: ``entries`` and ``refs``, and how far the file ``name`` is indexed."""
        self._db.execute("BEGIN")
        try:
            self._db.executemany(
                "INSERT OR IGNORE INTO audit_entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", entries)
            self._db.executemany("INSERT INTO audit_refs VALUES (?, ?, ?)", refs)
            self._db.execute("INSERT OR REPLACE INTO audit_files VALUES (?, ?, ?)", (name, offset, number))
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return len(entries)

    def find(self, query: AuditFilter) -> list[tuple[str, int, int]]:
        """``(file, line, offset)`` of the matching entries, oldest first."""
        where, args = _where(query)
        sql = ("SELECT file, line, offset FROM audit_entries e"
               + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY time, file, line LIMIT ? OFFSET ?")
        with self._lock, self._damage_named():
            rows = self._db.execute(sql, [*args, query.limit, query.offset]).fetchall()
        return [(str(f), int(n), int(o)) for f, n, o in rows]

    def expected_hashes(self) -> dict[tuple[str, int], str]:
        """(file, line) -> hash for every indexed line (for verify)."""
        with self._lock, self._damage_named():
            rows = self._db.execute("SELECT file, line, hash FROM audit_entries WHERE hash IS NOT NULL")
            return {(f, n): h for f, n, h in rows}

    def execution_files(self, execution_ids: list[str]) -> set[str]:
        """Day files holding lines of these executions (retention keeps them)."""
        if not execution_ids:
            return set()
        marks = ",".join("?" * len(execution_ids))
        with self._lock:
            rows = self._db.execute(
                f"SELECT DISTINCT file FROM audit_entries WHERE execution_id IN ({marks})", execution_ids)
            return {r[0] for r in rows}

    def forget_files(self, names: list[str]) -> None:
        """Drop the rows of day files retention removed."""
        with self._lock:
            for name in names:
                for table in ("audit_entries", "audit_refs", "audit_files"):
                    self._db.execute(f"DELETE FROM {table} WHERE file = ?", (name,))

    def counts(self) -> Iterator[tuple[str, int]]:
        """(file, indexed lines)."""
        with self._lock:
            yield from self._db.execute("SELECT file, lines FROM audit_files ORDER BY file").fetchall()


def _where(query: AuditFilter) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    simple = {"execution_id": query.execution_id, "command": query.command, "source": query.source}
    for column, value in simple.items():
        if value is not None:
            where.append(f"e.{column} = ?")
            args.append(value)
    if query.code is not None:
        where.append("e.ok = 1" if query.code.upper() == "OK" else "e.code = ?")
        args += [] if query.code.upper() == "OK" else [query.code.upper()]
    if query.since is not None:
        where.append("e.time >= ?")
        args.append(iso(query.since))
    if query.until is not None:
        where.append("e.time < ?")
        args.append(iso(query.until))
    if query.object:
        ref = _norm_ref(query.object.strip())
        below = ref.rstrip("\\") + "\\"
        # a backslash sorts just before "]": [below, below-with-"]") is every path under ref
        where.append("(e.file, e.line) IN (SELECT file, line FROM audit_refs r WHERE r.ref = ? OR "
                     "(r.ref >= ? AND r.ref < ?))")
        args += [ref, below, below[:-1] + "]"]
    return where, args
