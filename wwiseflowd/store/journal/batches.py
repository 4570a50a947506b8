"""Batches in the journal: created, started, waiting for Wwise, finished with their counts."""

from __future__ import annotations

from wwiseflowd.store.journal.db import JournalDb
from wwiseflowd.store.journal.records import BatchRecord, BatchState, DropRecord, FileState


class BatchSteps(JournalDb):
    """Batches in the journal: created, started, waiting for Wwise, finished with their counts."""

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
