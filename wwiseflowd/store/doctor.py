"""Damaged state files: a sentence that says what to do, and ``wwiseflowd doctor`` to check and repair.

The state dir holds SQLite files (the memo and run ledger, the drop journal, the audit index).
When one is not a database any more (a disk error, a half-copied backup, another program's file
under that name), opening it raises :class:`StateFileCorrupt` naming the file, what happened and
how to recover, instead of a traceback. Moving a damaged file aside is safe: the drop journal is
rebuilt by the next rescan (files still in the drop folders are found again, and files already in
the Wwise project are recognised by their provenance notes), the memo and ledger start empty.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wwiseflowd.results import ErrorCode

#: suffixes of a SQLite database's companion files, moved together with it
_COMPANIONS = ("-wal", "-shm")


class StateFileCorrupt(RuntimeError):
    """A state database cannot be opened; ``str()`` is the sentence for the user, :attr:`code` its
    code in a Result (REST answers it with 503)."""

    code = ErrorCode.STATE_FILE_CORRUPT

    def __init__(self, path: Path, detail: object) -> None:
        self.path = path
        super().__init__(
            f"The state file {path} is damaged or is not a wwiseflowd database ({detail}). Move it "
            f"aside to recover: run 'wwiseflowd doctor --repair' (or rename the file yourself) and "
            f"start again. Nothing dropped is lost: the drop journal is rebuilt by a rescan, and files "
            f"already in the Wwise project are recognised by their provenance notes."
        )


def open_state_file(
    path: Path, schema: str, migrate: Callable[[sqlite3.Connection], None] | None = None,
    *, cache_kib: int | None = None,
) -> sqlite3.Connection:
    """A state file's connection: WAL with ``synchronous=NORMAL``, autocommit (each statement commits
    unless wrapped in an explicit transaction), shareable between threads (callers hold a lock), the
    ``schema`` created and ``migrate`` run; ``cache_kib`` bounds its page cache (SQLite's default is
    2 MiB). A file that is not a database raises StateFileCorrupt."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10.0)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        if cache_kib is not None:
            db.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
        db.executescript(schema)
        if migrate is not None:
            migrate(db)
    except sqlite3.DatabaseError as exc:
        db.close()
        raise StateFileCorrupt(path, exc) from None
    return db


@dataclass(frozen=True)
class Finding:
    """One state file and whether it opens."""

    path: Path
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, object]:
        """JSON-able form for ``doctor --json``."""
        return {"path": str(self.path), "ok": self.ok, "detail": self.detail}


def check_file(path: Path) -> Finding:
    """Open ``path`` read-only and run SQLite's quick integrity check."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
        try:
            rows = db.execute("PRAGMA quick_check").fetchall()
        finally:
            db.close()
    except sqlite3.Error as exc:
        return Finding(path, False, str(exc))
    verdict = "; ".join(str(r[0]) for r in rows)
    return Finding(path, verdict == "ok", verdict)


def check_state_dir(state_dir: Path) -> list[Finding]:
    """A finding per ``*.sqlite3`` file in ``state_dir`` (and its sub-directories)."""
    return [check_file(p) for p in sorted(state_dir.rglob("*.sqlite3")) if p.is_file()]


def move_aside(path: Path) -> Path:
    """Rename a damaged database (and its -wal/-shm files) to ``<name>.corrupt-<time>``."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    path.rename(target)
    for suffix in _COMPANIONS:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(target.with_name(target.name + suffix))
    return target


def repair_state_dir(state_dir: Path) -> list[tuple[Finding, Path]]:
    """Move every damaged database in ``state_dir`` aside; returns what moved where."""
    return [(f, move_aside(f.path)) for f in check_state_dir(state_dir) if not f.ok]
