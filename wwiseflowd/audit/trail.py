"""The audit trail: the log, its blobs and its index as one object the engine and the front doors use.

Queries (``wwiseflowd audit``, ``GET /audit``), ``verify``, ``export`` and the entries replay reads
all go through :class:`AuditTrail`, so no front door reads day files or blobs itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from wwiseflowd.audit.blobs import BlobStore
from wwiseflowd.audit.chain import audit_files, read_anchor
from wwiseflowd.audit.index import AuditFilter, AuditIndex
from wwiseflowd.audit.log import AuditLog
from wwiseflowd.audit.reader import VerifyReport, blob_refs, parse, resolve, verify

AUDIT_DIRNAME = "audit"
EXPORT_FORMAT = "wwiseflowd-audit-export"


@dataclass(frozen=True)
class ExportReport:
    """What ``export`` wrote."""

    path: str
    entries: int
    blobs: int
    since: str | None
    until: str | None

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"path": self.path, "entries": self.entries, "blobs": self.blobs,
                "since": self.since, "until": self.until}


class AuditTrail:
    """``state_dir/audit`` (day files + ``blobs/``) and the index in the state store file."""

    def __init__(self, state_dir: Path, db_path: Path) -> None:
        self.directory = Path(state_dir) / AUDIT_DIRNAME
        self.blobs = BlobStore(self.directory / "blobs")
        self.log = AuditLog(self.directory, self.blobs)
        self._db_path = Path(db_path)
        self._index: AuditIndex | None = None

    @classmethod
    def for_settings(cls, settings: Any) -> AuditTrail:
        """The trail of a :class:`~wwiseflowd.config.Settings`."""
        return cls(Path(settings.paths.state_dir), Path(settings.store_path))

    @property
    def index(self) -> AuditIndex:
        """The index (opened on first use, so writing never needs it)."""
        if self._index is None:
            self._index = AuditIndex(self._db_path, self.directory, self.blobs)
        return self._index

    def close(self) -> None:
        """Close the log file and the index connection."""
        self.log.close()
        if self._index is not None:
            self._index.close()
            self._index = None

    # -- reading -----------------------------------------------------------------------------------

    def entries(self, query: AuditFilter | None = None, *, full: bool = True) -> list[dict[str, Any]]:
        """Matching entries, oldest first; ``full`` resolves blobs into the full payload and result."""
        self.index.sync()
        found = []
        for file, line, offset in self.index.find(query or AuditFilter()):
            entry = self._read_at(file, offset)
            if entry is None:
                continue
            entry = resolve(entry, self.blobs) if full else entry
            found.append({**entry, "file": file, "line": line})
        return found

    def execution(self, execution_id: str) -> list[dict[str, Any]]:
        """Every entry of one execution with blobs resolved (what replay and ``--execution`` use)."""
        return self.entries(AuditFilter(execution_id=execution_id, limit=100_000))

    def _read_at(self, file: str, offset: int) -> dict[str, Any] | None:
        try:
            with (self.directory / file).open("rb") as fh:
                fh.seek(offset)
                return parse(fh.readline())
        except OSError:
            return None

    # -- verify and export -------------------------------------------------------------------------

    def verify(self) -> VerifyReport:
        """Check the chain, the blobs, and the lines the index recorded (see :func:`verify`)."""
        expected = self.index.expected_hashes()  # what was there when last indexed
        report = verify(self.directory, self.blobs, expected)
        self.index.sync()  # record the lines seen now, so a later removal shows too
        return report

    def export(self, out: Path, since: datetime | None = None, until: datetime | None = None) -> ExportReport:
        """Write the entries of a time range, verbatim, plus their blobs, as one JSONL file.

        Line 1 is a header ``{"format", "since", "until", "entries", "blobs"}``; then the audit lines
        exactly as logged (their hashes still verify); then one ``{"blob": sha256, "content": ...}``
        per blob they reference.
        """
        self.index.sync()
        query = AuditFilter(since=since, until=until, limit=100_000)
        lines: list[bytes] = []
        digests: dict[str, None] = {}
        for file, _line, offset in self.index.find(query):
            with (self.directory / file).open("rb") as fh:
                fh.seek(offset)
                raw = fh.readline()
            lines.append(raw if raw.endswith(b"\n") else raw + b"\n")
            entry = parse(raw)
            digests.update(dict.fromkeys(blob_refs(entry or {})))
        since_text = since.isoformat() if since else None
        until_text = until.isoformat() if until else None
        header = {"format": EXPORT_FORMAT, "since": since_text, "until": until_text,
                  "entries": len(lines), "blobs": len(digests)}
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as fh:
            fh.write(json.dumps(header).encode() + b"\n")
            fh.writelines(lines)
            for digest in digests:
                content = json.loads(self.blobs.get(digest))
                record = {"blob": digest, "content": content}
                fh.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")
        return ExportReport(str(out), len(lines), len(digests), since_text, until_text)

    def disk_usage(self) -> dict[str, int]:
        """Bytes in day files and in blobs (``wwiseflowd prune`` and the figures use it)."""
        files = sum(p.stat().st_size for p in audit_files(self.directory))
        blobs = sum(self.blobs.size(d) for d in self.blobs.digests())
        return {"logBytes": files, "blobBytes": blobs}

    def anchor(self) -> dict[str, str] | None:
        """The pruning anchor, if retention removed old files."""
        return read_anchor(self.directory)
