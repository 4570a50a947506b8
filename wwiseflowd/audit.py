"""The audit log: one JSON line per executed bus command, in ``state_dir/audit/audit-YYYY-MM-DD.jsonl``.

A new file starts each UTC day (daily rotation); ``wwiseflowd audit`` reads them back. Each line:
``time, executionId, node, command, payload, result {ok, code, error, summary}, durationMs``.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from wwiseflowd.events import utc_now_iso
from wwiseflowd.results import Result

FILE_PREFIX = "audit-"
FILE_SUFFIX = ".jsonl"
#: payloads larger than this (as JSON) are replaced by a note, so one huge batch cannot bloat the log
MAX_PAYLOAD_CHARS = 64_000
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def summarize(result: Result) -> dict[str, Any]:
    """The part of a Result kept in the audit log: ok, code, error and a short view of data."""
    summary: Any = None
    data = result.data
    if isinstance(data, dict):
        summary = {
            key: (f"<{len(value)} items>" if isinstance(value, list | dict) else value)
            for key, value in list(data.items())[:12]
        }
    elif isinstance(data, list):
        summary = f"<{len(data)} items>"
    elif data is not None:
        summary = str(data)[:200]
    return {"ok": result.ok, "code": result.code, "error": result.error, "summary": summary}


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """``10m``, ``2h``, ``3d``, ``30s`` (ago) or an ISO-8601 time; raises ValueError when neither."""
    now = now or datetime.now(UTC)
    match = _DURATION.match(text)
    if match:
        return now - timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"--since {text!r} is neither a duration like 10m, 2h, 3d nor an ISO time like "
            f"2026-01-31T12:00:00Z"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class AuditLog:
    """Append-only JSON-lines log, safe to share between threads; one file per UTC day."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._fh: IO[str] | None = None
        self._day: date | None = None

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
    ) -> None:
        """Write one entry. Never raises: an unwritable log must not fail the command it records."""
        payload_text = json.dumps(payload, default=str)
        if len(payload_text) > MAX_PAYLOAD_CHARS:
            payload = {"truncated": True, "chars": len(payload_text)}
        entry = {
            "time": utc_now_iso(),
            "executionId": execution_id,
            "node": node_id,
            "command": command,
            "payload": payload,
            "result": summarize(result),
            "durationMs": round(duration_ms, 3),
        }
        line = json.dumps(entry, default=str) + "\n"
        today = datetime.now(UTC).date()
        try:
            with self._lock:
                if self._fh is None or self._day != today:
                    self._open(today)
                assert self._fh is not None
                self._fh.write(line)
                self._fh.flush()
        except OSError as exc:
            from loguru import logger

            logger.warning("Could not write the audit log in {}: {}", self.directory, exc)

    def _open(self, day: date) -> None:
        if self._fh is not None:
            self._fh.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._fh = self.path_for(day).open("a", encoding="utf-8")
        self._day = day

    def read(
        self, *, execution_id: str | None = None, since: datetime | None = None
    ) -> Iterator[dict[str, Any]]:
        """Entries oldest first, optionally only one execution's and only those at/after ``since``."""
        if not self.directory.is_dir():
            return
        for path in sorted(self.directory.glob(f"{FILE_PREFIX}*{FILE_SUFFIX}")):
            day_text = path.name[len(FILE_PREFIX) : -len(FILE_SUFFIX)]
            try:
                day = date.fromisoformat(day_text)
            except ValueError:
                continue
            if since is not None and day < since.astimezone(UTC).date():
                continue
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue  # a torn last line after a crash
                    if execution_id is not None and entry.get("executionId") != execution_id:
                        continue
                    if since is not None and parse_since(entry["time"]) < since:
                        continue
                    yield entry

    def close(self) -> None:
        """Close the current file."""
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None
