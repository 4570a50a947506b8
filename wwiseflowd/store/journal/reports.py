"""What the journal tells status pages and replay, and forgetting old records (retention)."""

from __future__ import annotations

import os
from collections.abc import Callable

from wwiseflowd.store.journal.db import JournalDb
from wwiseflowd.store.journal.records import BatchRecord, BatchState, DropRecord, FileState


class Reports(JournalDb):
    """What the journal tells status pages and replay, and forgetting old records (retention)."""

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
        # "+fixed.state": the look-up of a later import goes by path (drop_files_rel), not through
        # every done file (drop_files_state_time, SQLite's own pick): 200 failures among 16,600
        # files took 6-15 s under the journal's lock, and /health (status) asks for it on every request
        return self._files(
            "WHERE state = ? AND NOT EXISTS (SELECT 1 FROM drop_files AS fixed WHERE fixed.rule = "
            "drop_files.rule AND fixed.rel_path = drop_files.rel_path AND +fixed.state = ? AND "
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
