"""The content-addressed blob store beside the audit log: ``audit/blobs/ab/abcdef...`` (sha256 of the bytes).

A payload or result too large to sit on its audit line is written here once and referenced from
the line as ``{"$blob": "<sha256>", "bytes": N}``; identical content is stored once. A blob is
written to a temporary name and renamed, so a crash never leaves half a blob under its hash.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: the key marking a reference to a blob on an audit line
BLOB_KEY = "$blob"


def blob_ref(value: Any) -> str | None:
    """The hash when ``value`` is a blob reference (``{"$blob": h, "bytes": n}``), else None."""
    if isinstance(value, dict) and len(value) == 2 and isinstance(value.get(BLOB_KEY), str):
        return str(value[BLOB_KEY])
    return None


class BlobStore:
    """Blobs named by the sha256 of their content, two-level fan-out by the first two hex digits."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def path(self, digest: str) -> Path:
        """Where the blob ``digest`` lives (whether or not it exists)."""
        return self.directory / digest[:2] / digest

    def put(self, content: bytes) -> str:
        """Store ``content`` (once) and return its sha256."""
        digest = hashlib.sha256(content).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, digest: str) -> bytes:
        """The blob's bytes; FileNotFoundError when it is missing."""
        return self.path(digest).read_bytes()

    def check(self, digest: str) -> str | None:
        """None when the blob exists and its content still hashes to its name, else the problem."""
        try:
            content = self.get(digest)
        except FileNotFoundError:
            return f"blob {digest} is missing"
        if hashlib.sha256(content).hexdigest() != digest:
            return f"blob {digest} was modified (its content no longer matches its hash)"
        return None

    def digests(self) -> Iterator[str]:
        """Every stored blob's hash."""
        if not self.directory.is_dir():
            return
        for sub in sorted(self.directory.iterdir()):
            if sub.is_dir():
                for blob in sorted(sub.iterdir()):
                    if not blob.name.startswith("."):
                        yield blob.name

    def size(self, digest: str) -> int:
        """Bytes used by one blob (0 when missing)."""
        try:
            return self.path(digest).stat().st_size
        except OSError:
            return 0

    def delete(self, digest: str) -> None:
        """Remove one blob (retention)."""
        self.path(digest).unlink(missing_ok=True)
