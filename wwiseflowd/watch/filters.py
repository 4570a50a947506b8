"""Which paths in a drop folder are candidates: the rule's patterns, minus hidden, temporary and OS junk.

Matching is done here on the path relative to the drop folder (not with watchdog's patterns, whose
syntax changed in watchdog 7), so the live observer, the startup scan and the rescans agree.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

#: file names that operating systems and sync tools leave behind
JUNK_NAMES = frozenset({"thumbs.db", "desktop.ini", "ehthumbs.db", "icon\r", ".ds_store"})
#: directories that never hold drops (OS metadata, sync tools, recycle bins)
JUNK_DIRS = frozenset(
    {
        "@eadir",
        "__macosx",
        ".stfolder",
        ".trashes",
        ".spotlight-v100",
        ".fseventsd",
        "$recycle.bin",
        "system volume information",
    }
)
#: suffixes of files still being downloaded, copied or rendered
TEMP_SUFFIXES = (
    ".part",
    ".partial",
    ".tmp",
    ".temp",
    ".crdownload",
    ".download",
    ".!ut",
    ".swp",
    ".reapeaks",
    ".pkf",
    ".sfk",
    ".asd",
)


def is_ignored_name(name: str) -> bool:
    """True for hidden (``.*``), temporary (``~*``, ``*.part``, ``*.tmp`` ...) and OS junk names."""
    lowered = name.lower()
    return name.startswith((".", "~")) or lowered in JUNK_NAMES or lowered.endswith(TEMP_SUFFIXES)


def _ignored_dir(name: str) -> bool:
    return name.startswith((".", "~")) or name.lower() in JUNK_DIRS


class DropFilter:
    """Decides whether a path under ``root`` is a drop candidate for one rule.

    ``excluded`` are directories (relative to ``root`` or absolute) that belong to the daemon
    itself, such as ``processed/`` and ``failed/``; nothing under them is ever a candidate.
    """

    def __init__(
        self,
        root: Path,
        patterns: Iterable[str] = ("*.wav", "*.WAV"),
        *,
        recursive: bool = True,
        excluded: Iterable[Path] = (),
    ) -> None:
        self.root = root
        self.patterns = tuple(patterns)
        self.recursive = recursive
        self.excluded = tuple((p if p.is_absolute() else root / p) for p in excluded)
        self._excluded_rel = tuple(
            PurePosixPath(p.relative_to(root).as_posix()) for p in self.excluded if p.is_relative_to(root)
        )

    def relative(self, path: Path) -> PurePosixPath | None:
        """``path`` relative to the root as a POSIX path, or None when it lies outside."""
        try:
            return PurePosixPath(path.relative_to(self.root).as_posix())
        except ValueError:
            return None

    def dir_allowed(self, rel_dir: PurePosixPath) -> bool:
        """True when files in ``rel_dir`` (relative to the root) may be candidates."""
        if rel_dir == PurePosixPath("."):
            return True
        if not self.recursive:
            return False
        if any(_ignored_dir(part) for part in rel_dir.parts):
            return False
        return not any(rel_dir == ex or rel_dir.is_relative_to(ex) for ex in self._excluded_rel)

    def accepts(self, path: Path) -> bool:
        """True when ``path`` is a file name this rule should import (the file need not exist)."""
        rel = self.relative(path)
        if rel is None or rel == PurePosixPath("."):
            return False
        if not self.dir_allowed(rel.parent):
            return False
        if is_ignored_name(rel.name):
            return False
        text = rel.as_posix()
        return any(
            fnmatch.fnmatchcase(text if "/" in pattern else rel.name, pattern) for pattern in self.patterns
        )

    def scan(self, start: Path | None = None) -> Iterator[Path]:
        """Every candidate file currently under ``start`` (default: the root), without following links."""
        stack = [start or self.root]
        while stack:
            directory = stack.pop()
            rel_dir = self.relative(directory)
            if rel_dir is None or not self.dir_allowed(rel_dir):
                continue
            try:
                entries = list(_scandir(directory))
            except OSError:
                continue  # vanished or unreadable: the next rescan tries again
            for entry_path, is_dir in entries:
                if is_dir:
                    if self.recursive:
                        stack.append(entry_path)
                elif self.accepts(entry_path):
                    yield entry_path


def _scandir(directory: Path) -> Iterator[tuple[Path, bool]]:
    with os.scandir(directory) as it:
        for entry in it:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            yield Path(entry.path), is_dir
