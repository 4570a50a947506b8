"""Writing a small file so that a reader sees the old content or the new, never half of it.

Reports and pointers other processes read while the daemon writes them (``runtime.json``, dry-run
change reports, a failed file's ``.error.json``) go through :func:`write_text_atomic`: the text goes
to a hidden temporary file beside the target, which then replaces it in one rename.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` by a rename, so no reader sees a half-written file. A write
    that fails (disk full, text UTF-8 cannot hold) raises and leaves the old file and no temporary
    file; two writers of one path (threads or processes) each write their own temporary file, so the
    last rename wins whole."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
