"""WAQL word search (``from search "..."`` and the ``:`` operator) and the name index behind it.

A word matches where it starts a word of the value, case-insensitively; ``*`` inside a word matches
any run of word characters. ``from search`` keeps the objects whose name, or else whose notes,
match every word, in document order.

Scanning 100,000 names with the word pattern costs ~200 ms (its look-behind turns off the regex
engine's literal search), so ``from search`` first finds the names that contain a literal piece of
one word with ``str.find`` over one lower-cased text of all names, then runs the exact matcher on
those candidates only. The index is cached per project and rebuilt when
:attr:`~wwiseflowd.sim.tree.ProjectTree.generation` moves (any change to the tree or a name); its
list of objects with notes is re-read when ``notes_generation`` moves.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from itertools import compress, count
from operator import attrgetter

from wwiseflowd.sim.objects import WwiseObject
from wwiseflowd.sim.tree import ProjectTree

Matcher = Callable[[str], bool]

_NAME, _NOTES = attrgetter("name"), attrgetter("notes")

#: one index per live project (weak keys: a dropped project takes its index with it)
_INDEXES: weakref.WeakKeyDictionary[ProjectTree, NameIndex] = weakref.WeakKeyDictionary()


def word_matcher(text: str) -> Matcher:
    """WAQL ``:`` and ``from search``: every word of ``text`` must start a word of the value.

    Case-insensitive; ``*`` inside a word matches any run of word characters (``foot*ep``).
    """
    patterns = [
        re.compile(r"(?<![0-9A-Za-z])" + re.escape(word).replace(r"\*", r"[0-9A-Za-z_]*"), re.IGNORECASE)
        for word in text.split()
    ]
    if not patterns:
        return lambda value: True
    if len(patterns) == 1:
        search = patterns[0].search
        return lambda value: search(value) is not None
    return lambda value: all(p.search(value) for p in patterns)


class NameIndex:
    """Every object of a project in document order, with its names as one lower-cased text.

    ``names`` holds one line per object (``objects[i]`` is line ``i``); it is only built when
    every name is ASCII and free of line breaks, because then "the lower-cased name contains the
    lower-cased piece" is exactly what the case-insensitive pattern needs (for other text Python's
    case folding has special pairs such as ``ſ``/``s``, and the index falls back to a plain scan).
    """

    def __init__(self, project: ProjectTree) -> None:
        self.generation = project.generation
        self.objects = list(project.iter_objects())
        text = "\n".join(map(_NAME, self.objects))
        usable = text.isascii() and text.count("\n") == len(self.objects) - 1
        self.names: str | None = text.lower() if usable else None
        self._notes_generation = -1
        self._with_notes: list[int] = []

    def search(self, text: str, notes_generation: int) -> list[WwiseObject]:
        """The objects whose name, or else notes, match every word of ``text``, in document order
        (``notes_generation``: the project's, to know whether notes changed since the last search)."""
        matches = word_matcher(text)
        objects = self.objects
        piece = _literal_piece(text)
        if self.names is None or piece is None:
            return [o for o in objects if matches(o.name) or (o.notes and matches(o.notes))]
        found = {i for i in self._lines_containing(piece) if matches(objects[i].name)}
        with_notes = self._objects_with_notes(notes_generation)
        found.update(i for i in with_notes if matches(objects[i].notes))
        return [objects[i] for i in sorted(found)]

    def _objects_with_notes(self, notes_generation: int) -> list[int]:
        """Positions (in ``objects``) of the objects that have notes, re-read after notes changed."""
        if notes_generation != self._notes_generation:
            self._with_notes = list(compress(count(), map(_NOTES, self.objects)))
            self._notes_generation = notes_generation
        return self._with_notes

    def _lines_containing(self, piece: str) -> list[int]:
        """Lines of ``names`` that contain ``piece`` (which holds no line break), each once."""
        names = self.names
        assert names is not None
        lines: list[int] = []
        line, counted_to = 0, 0
        at = names.find(piece)
        while at != -1:
            line += names.count("\n", counted_to, at)
            counted_to = at
            lines.append(line)
            line_end = names.find("\n", at)  # go on from the next line: this one is already in
            if line_end == -1:
                break
            at = names.find(piece, line_end)
        return lines


def search(project: ProjectTree, text: str) -> list[WwiseObject]:
    """``from search "text"``: objects whose name, or else notes, match every word, in document order."""
    return name_index(project).search(text, project.notes_generation)


def name_index(project: ProjectTree) -> NameIndex:
    """The project's current name index (built on first use, rebuilt after any change)."""
    index = _INDEXES.get(project)
    if index is None or index.generation != project.generation:
        index = _INDEXES[project] = NameIndex(project)
    return index


def _literal_piece(text: str) -> str | None:
    """The longest lower-cased ASCII run of one word (between ``*``), which every name a match of
    ``text`` starts in must contain; None when there is no such piece (no words, non-ASCII)."""
    pieces = [part for word in text.split() for part in word.split("*") if part]
    if not pieces or not all(piece.isascii() for piece in pieces):
        return None
    return max(pieces, key=len).lower()


__all__ = ["NameIndex", "name_index", "search", "word_matcher"]
