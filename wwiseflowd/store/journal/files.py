"""A dropped file's way through the journal: seen, stable, queued, importing, done or failed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from wwiseflowd.store.journal.db import JournalDb
from wwiseflowd.store.journal.records import (
    ACTIVE_STATES,
    BatchState,
    DropRecord,
    FileState,
    KnownFile,
    StableFile,
)

#: at most this many values in one ``IN (...)`` (SQLite's limit is 999 on old builds)
_IN_CHUNK = 500


class FileSteps(JournalDb):
    """A dropped file's way through the journal: seen, stable, queued, importing, done or failed."""

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
        self.mark_stable_many([StableFile(file_id, size, mtime_ns, sha256, valid, reason)])

    def mark_stable_many(self, files: Iterable[StableFile]) -> None:
        """:meth:`mark_stable` for many files in one transaction (a burst becomes ready at once)."""
        now = self.clock()
        rows = [
            (FileState.STABLE.value, f.size, f.mtime_ns, f.sha256, int(f.valid), f.reason,
             None if f.valid else "INVALID_AUDIO", now, f.id)
            for f in files
        ]
        with self._tx() as db:
            db.executemany(
                "UPDATE drop_files SET state = ?, size = ?, mtime_ns = ?, sha256 = ?, valid = ?, "
                "error = ?, code = ?, updated_at = ? WHERE id = ?",
                rows,
            )

    def find_done(self, rule: str, rel_path: str, target: str) -> DropRecord | None:
        """The newest *done* import of ``rel_path`` into ``target`` by ``rule``, if any."""
        return self.find_done_many(rule, [rel_path], target).get(rel_path)

    def find_done_many(self, rule: str, rel_paths: Iterable[str], target: str) -> dict[str, DropRecord]:
        """:meth:`find_done` for many paths in a few queries: rel_path -> its newest done import."""
        wanted = list(dict.fromkeys(rel_paths))
        found: dict[str, DropRecord] = {}
        for start in range(0, len(wanted), _IN_CHUNK):
            part = wanted[start : start + _IN_CHUNK]
            marks = ",".join("?" for _ in part)
            records = self._files(
                f"WHERE rule = ? AND target = ? AND state = ? AND rel_path IN ({marks}) ORDER BY id",
                (rule, target, FileState.DONE.value, *part),
            )
            found.update((r.rel_path, r) for r in records)  # in id order: the newest wins
        return found

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
