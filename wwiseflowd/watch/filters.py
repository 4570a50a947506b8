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
    Matching works on strings (a rescan of a 10,000-file tree must stay cheap).
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
        self._root = str(root)
        self.patterns = tuple(patterns)
        self.recursive = recursive
        self.excluded = tuple((p if p.is_absolute() else root / p) for p in excluded)
        self._excluded_rel = tuple(
            p.relative_to(root).as_posix() for p in self.excluded if p.is_relative_to(root)
        )

    def exclude(self, directory: Path) -> None:
        """Never take files under ``directory`` (e.g. a nested folder that has its own rule)."""
        self.excluded = (*self.excluded, directory)
        if directory.is_relative_to(self.root):
            self._excluded_rel = (*self._excluded_rel, directory.relative_to(self.root).as_posix())

    def relative(self, path: Path) -> PurePosixPath | None:
        """``path`` relative to the root as a POSIX path, or None when it lies outside."""
        rel = self.relative_str(str(path))
        return None if rel is None else PurePosixPath(rel or ".")

    def relative_str(self, path: str) -> str | None:
        """``path`` relative to the root, ``/``-separated ("" for the root itself), or None outside."""
        if path == self._root:
            return ""
        prefix = self._root.rstrip(os.sep) + os.sep
        if not path.startswith(prefix):
            return None
        rel = path[len(prefix) :]
        return rel.replace(os.sep, "/") if os.sep != "/" else rel

    def dir_allowed(self, rel_dir: PurePosixPath | str) -> bool:
        """True when files in ``rel_dir`` (relative to the root) may be candidates."""
        text = rel_dir if isinstance(rel_dir, str) else rel_dir.as_posix()
        if text in ("", "."):
            return True
        if not self.recursive:
            return False
        if any(_ignored_dir(part) for part in text.split("/")):
            return False
        return not any(text == ex or text.startswith(ex + "/") for ex in self._excluded_rel)

    def accepts_rel(self, rel: str) -> bool:
        """True when the file at ``rel`` (relative, ``/``-separated) is a candidate."""
        if not rel:
            return False
        rel_dir, _, name = rel.rpartition("/")
        if not self.dir_allowed(rel_dir) or is_ignored_name(name):
            return False
        return any(fnmatch.fnmatchcase(rel if "/" in pattern else name, pattern) for pattern in self.patterns)

    def accepts(self, path: Path) -> bool:
        """True when ``path`` is a file name this rule should import (the file need not exist)."""
        rel = self.relative_str(str(path))
        return rel is not None and self.accepts_rel(rel)

    def scan_rel(self, start: Path | None = None) -> Iterator[tuple[str, str]]:
        """``(absolute path, relative path)`` of every candidate under ``start`` (default: the root)."""
        first = str(start) if start is not None else self._root
        first_rel = self.relative_str(first)
        if first_rel is None:
            return
        stack = [(first, first_rel)]
        while stack:
            directory, rel_dir = stack.pop()
            if not self.dir_allowed(rel_dir):
                continue
            try:
                with os.scandir(directory) as it:
                    entries = list(it)
            except OSError:
                continue  # vanished or unreadable: the next rescan tries again
            prefix = rel_dir + "/" if rel_dir else ""
            for entry in entries:
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                rel = prefix + entry.name
                if is_dir:
                    if self.recursive:
                        stack.append((entry.path, rel))
                elif self.accepts_rel(rel):
                    yield entry.path, rel

    def scan(self, start: Path | None = None) -> Iterator[Path]:
        """Every candidate file currently under ``start`` (default: the root), without following links."""
        for path, _rel in self.scan_rel(start):
            yield Path(path)
