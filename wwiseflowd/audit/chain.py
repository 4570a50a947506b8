"""The hash chain of the audit log: each line ends with the sha256 of everything before it on the line.

A line is ``{..., "prev": "<hash of the previous line>", "hash": "<sha256 of this line up to prev>"}``.
The first line of a day's file carries the hash of the last line of the previous file (or of the
pruning anchor, or 64 zeros for the very first line), so the chain runs across files: an edited
line no longer matches its own hash, a removed or reordered line breaks the next line's ``prev``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: ``prev`` of the very first line ever written
GENESIS = "0" * 64
FILE_PREFIX = "audit-"
FILE_SUFFIX = ".jsonl"
#: the anchor retention writes when it removes old files: the ``prev`` the first kept line carries
ANCHOR_FILE = "anchor.json"
_SUFFIX = re.compile(rb',"hash":"([0-9a-f]{64})"\}\r?\n?$')
_TAIL_CHUNK = 64 * 1024


def seal(body: str) -> str:
    """The full line for ``body`` (a JSON object without its closing brace): body + hash + newline."""
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    return f'{body},"hash":"{digest}"}}\n'


def claimed_hash(raw: bytes) -> tuple[str | None, bool]:
    """(the hash a line claims, whether its content still matches it)."""
    match = _SUFFIX.search(raw)
    if match is None:
        return None, False
    claimed = match.group(1).decode()
    return claimed, hashlib.sha256(raw[: match.start()]).hexdigest() == claimed


def line_hash(raw: bytes) -> str | None:
    """The hash a line claims, if its own content still matches it; None when it does not."""
    claimed, intact = claimed_hash(raw)
    return claimed if intact else None


def audit_files(directory: Path) -> list[Path]:
    """The day files, oldest first."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob(f"{FILE_PREFIX}*{FILE_SUFFIX}") if p.is_file())


def iter_raw(path: Path, start: int = 0) -> Iterator[tuple[int, bytes]]:
    """``(byte offset, raw line)`` from ``start``; a last line without newline is included."""
    with path.open("rb") as fh:
        fh.seek(start)
        offset = start
        for raw in fh:
            yield offset, raw
            offset += len(raw)


def last_hash(path: Path) -> str | None:
    """The hash of the last complete, intact line of ``path``; None when it has none."""
    try:
        size = path.stat().st_size
    except OSError:
        return None
    with path.open("rb") as fh:
        chunk = _TAIL_CHUNK
        while True:
            start = max(0, size - chunk)
            fh.seek(start)
            data = fh.read(size - start)
            complete = data.split(b"\n")[:-1]  # the piece after the last newline is empty or torn
            candidates = complete if start == 0 else complete[1:]  # the first piece may be cut
            for raw in reversed(candidates):
                digest = line_hash(raw + b"\n")
                if digest is not None:
                    return digest
            if start == 0:
                return None
            chunk *= 4


def read_anchor(directory: Path) -> dict[str, str] | None:
    """The anchor retention left (``{"file", "prev"}``), if any."""
    try:
        data = json.loads((directory / ANCHOR_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def chain_start(directory: Path, before: Path) -> str:
    """The ``prev`` for the first line of file ``before``: the last hash of the file before it."""
    earlier = [p for p in audit_files(directory) if p.name < before.name]
    for path in reversed(earlier):
        digest = last_hash(path)
        if digest is not None:
            return digest
    anchor = read_anchor(directory)
    return anchor["prev"] if anchor and "prev" in anchor else GENESIS


@dataclass(frozen=True, slots=True)
class Problem:
    """One line (or blob) that does not verify."""

    file: str
    line: int
    reason: str

    def sentence(self) -> str:
        """``audit-2026-12-02.jsonl line 7: ...``."""
        return f"{self.file} line {self.line}: {self.reason}"
