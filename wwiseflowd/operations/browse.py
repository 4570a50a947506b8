"""Listing folders for the editor's file pickers: only inside the allowed roots of the path guard,
so a picker never shows what a run would refuse."""

from __future__ import annotations

from pathlib import Path

from wwiseflowd.operations.guard import PathGuard
from wwiseflowd.results import ErrorCode, Result

#: entries listed per folder; a drop folder with more is shown truncated (``truncated: true``)
MAX_ENTRIES = 500
#: file kinds a picker offers (the rest are folders)
AUDIO_SUFFIXES = frozenset({".wav", ".wave", ".bwf"})


def browse(guard: PathGuard, path: str | None) -> Result:
    """``{path, parent, entries: [{name, path, dir}], truncated}``; without ``path``, the roots.

    FORBIDDEN outside the roots, FILE_NOT_FOUND when the folder does not exist.
    """
    if not path:
        entries = [{"name": str(root), "path": str(root), "dir": True} for root in guard.roots]
        return Result.success({"path": None, "parent": None, "entries": entries, "truncated": False})
    checked = guard.check_path(path, "folder")
    if not checked.ok:
        return checked
    folder = Path(checked.data)
    if not folder.is_dir():
        return Result.failure(ErrorCode.FILE_NOT_FOUND, f"{folder} is not a folder (moved or deleted?).")
    try:
        children = sorted(folder.iterdir(), key=lambda p: (not p.is_dir(), p.name.lower()))
    except OSError as exc:
        return Result.failure(ErrorCode.FILE_NOT_FOUND, f"{folder} cannot be listed: {exc}.")
    shown = [
        p
        for p in children
        if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() in AUDIO_SUFFIXES)
    ]
    entries = [{"name": p.name, "path": str(p), "dir": p.is_dir()} for p in shown[:MAX_ENTRIES]]
    inside = guard.check_path(str(folder.parent), "folder").ok and folder not in guard.roots
    return Result.success(
        {
            "path": str(folder),
            "parent": str(folder.parent) if inside else None,
            "entries": entries,
            "truncated": len(shown) > MAX_ENTRIES,
        }
    )
