"""The drop journal: one SQLite (WAL) row per dropped file and per batch, so nothing is lost or doubled.

A file moves through ``seen -> stable -> queued -> importing -> done | failed``. The journal is
written before each step takes effect (the execution id is recorded *before* the run starts), so
after a crash the daemon knows which files were in flight and reconciles them against the Wwise
project instead of importing them again. It lives in its own file (``drops.sqlite3`` in the state
dir) so ``wwiseflowd status`` can read it while no daemon runs.
"""

from __future__ import annotations

from pathlib import Path

from wwiseflowd.store.journal.batches import BatchSteps
from wwiseflowd.store.journal.db import SCHEMA, JournalDb
from wwiseflowd.store.journal.files import FileSteps
from wwiseflowd.store.journal.records import (
    ACTIVE_STATES,
    BatchRecord,
    BatchState,
    DropRecord,
    FileState,
    KnownFile,
    StableFile,
)
from wwiseflowd.store.journal.reports import Reports

JOURNAL_FILENAME = "drops.sqlite3"


class Journal(FileSteps, BatchSteps, Reports):
    """The drop journal. Thread-safe: one connection behind a lock, each method one transaction.

    Its parts: :class:`~.db.JournalDb` (the file, its lock and transactions), :class:`~.files.FileSteps`,
    :class:`~.batches.BatchSteps` and :class:`~.reports.Reports`.
    """

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> Journal:
        """The journal file of a state dir."""
        return cls(state_dir / JOURNAL_FILENAME)


__all__ = [
    "ACTIVE_STATES",
    "JOURNAL_FILENAME",
    "SCHEMA",
    "BatchRecord",
    "BatchState",
    "DropRecord",
    "FileState",
    "Journal",
    "JournalDb",
    "KnownFile",
    "StableFile",
]
