"""What the drop journal holds: the states of files and batches and one record of each."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple


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


class StableFile(NamedTuple):
    """A file found complete (or definitely invalid, with ``reason``) and hashed."""

    id: int
    size: int
    mtime_ns: int
    sha256: str | None
    valid: bool
    reason: str | None = None


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
        """Build from a ``SELECT {FILE_COLUMNS}`` row (:mod:`.db`)."""
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
        """Build from a ``SELECT {BATCH_COLUMNS}`` row (:mod:`.db`)."""
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
