"""The audit log writer: one hash-chained JSON line per bus command, in ``audit/audit-YYYY-MM-DD.jsonl``.

Each line holds the full payload and the full Result. A payload (or a result's ``data``) whose JSON
is longer than :data:`INLINE_MAX` goes to the blob store and the line holds ``{"$blob", "bytes"}``
instead; nothing is truncated. Line fields, in order::

    v, time, executionId, node, source, command, payload, result {ok, code, error, data},
    durationMs, prev, hash

Several processes (the daemon and a ``wwiseflowd exec``) may append to the same file: an append
holds an exclusive lock on ``audit/.lock`` and re-reads the chain's tail when the file grew under it.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from wwiseflowd.audit.blobs import BLOB_KEY, BlobStore
from wwiseflowd.audit.chain import FILE_PREFIX, FILE_SUFFIX, GENESIS, chain_start, last_hash, seal
from wwiseflowd.results import Result

try:  # POSIX: the lock is shared with other processes; elsewhere the in-process lock only
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: the line format version
FORMAT_VERSION = 1
#: JSON longer than this (characters) goes to the blob store instead of the line
INLINE_MAX = 4096
#: sources a front door may give; the daemon's drop folders run as "watch", shown as "daemon"
SOURCES = ("daemon", "cli", "rest", "mcp", "editor", "replay")
SOURCE_ALIASES = {"watch": "daemon", "workflow-file": "daemon"}


def normalize_source(source: str | None) -> str:
    """The front door a source string belongs to (``watch`` -> ``daemon``); unknown ones as given."""
    if not source:
        return "cli"
    return SOURCE_ALIASES.get(source, source)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


class AuditLog:
    """Append-only, hash-chained JSON-lines log; thread- and process-safe; one file per UTC day."""

    def __init__(
        self, directory: Path, blobs: BlobStore | None = None, *, inline_max: int = INLINE_MAX,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.directory = Path(directory)
        self.clock = clock
        self.blobs = blobs or BlobStore(self.directory / "blobs")
        self.inline_max = inline_max
        self._lock = threading.Lock()
        self._fh: IO[bytes] | None = None
        self._lock_fh: IO[bytes] | None = None
        self._path: Path | None = None
        self._end = -1
        self._prev = GENESIS

    def path_for(self, day: date) -> Path:
        """The file holding ``day``'s entries."""
        return self.directory / f"{FILE_PREFIX}{day.isoformat()}{FILE_SUFFIX}"

    def append(
        self,
        *,
        command: str,
        payload: Any,
        result: Result,
        duration_ms: float,
        execution_id: str | None = None,
        node_id: str | None = None,
        source: str | None = None,
    ) -> None:
        """Write one entry. Never raises: an unwritable log must not fail the command it records."""
        try:
            now = self.clock()
            head = (
                f'{{"v":{FORMAT_VERSION},"time":{_dumps(_iso(now))},"executionId":{_dumps(execution_id)},'
                f'"node":{_dumps(node_id)},"source":{_dumps(normalize_source(source))},'
                f'"command":{_dumps(command)},"payload":{self._inline(payload)},'
                f'"result":{{"ok":{_dumps(result.ok)},"code":{_dumps(result.code)},'
                f'"error":{_dumps(result.error)},"data":{self._inline(result.data)}}},'
                f'"durationMs":{round(duration_ms, 3)}'
            )
            with self._lock, self._process_lock():
                self._write(head, self.path_for(now.astimezone(UTC).date()))
        except (OSError, TypeError, ValueError) as exc:
            from loguru import logger

            logger.warning("Could not write the audit log in {}: {}", self.directory, exc)

    def _inline(self, value: Any) -> str:
        """``value`` as JSON, or a blob reference when it is too long for the line."""
        text = _dumps(value)
        if len(text) <= self.inline_max:
            return text
        digest = self.blobs.put(text.encode("utf-8"))
        return _dumps({BLOB_KEY: digest, "bytes": len(text.encode("utf-8"))})

    def _write(self, head: str, path: Path) -> None:
        if self._fh is None or path != self._path:
            self._open(path)
        assert self._fh is not None
        size = os.fstat(self._fh.fileno()).st_size
        if size != self._end:  # another process wrote (or this is the first write): find the tail
            self._prev = (last_hash(path) if size else None) or chain_start(self.directory, path)
            if size and not _ends_with_newline(path, size):
                self._fh.write(b"\n")  # a torn line from a crash stays visible; ours starts clean
        line = seal(f'{head},"prev":"{self._prev}"').encode("utf-8")
        self._fh.write(line)
        self._fh.flush()
        self._end = os.fstat(self._fh.fileno()).st_size
        self._prev = line[-67:-3].decode()

    def _open(self, path: Path) -> None:
        if self._fh is not None:
            self._fh.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("ab")
        self._path = path
        self._end = -1

    @contextmanager
    def _process_lock(self) -> Iterator[None]:
        if fcntl is None:
            yield
            return
        if self._lock_fh is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._lock_fh = (self.directory / ".lock").open("ab")
        fcntl.flock(self._lock_fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_fh.fileno(), fcntl.LOCK_UN)

    def close(self) -> None:
        """Close the current file."""
        with self._lock:
            for fh in (self._fh, self._lock_fh):
                if fh is not None:
                    fh.close()
            self._fh = self._lock_fh = None
            self._path = None


def _ends_with_newline(path: Path, size: int) -> bool:
    with path.open("rb") as fh:
        fh.seek(size - 1)
        return fh.read(1) == b"\n"
