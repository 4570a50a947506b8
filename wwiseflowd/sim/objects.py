"""The emulator's object tree nodes: :class:`WwiseObject`, short ids, and the journal's records.

The :class:`~wwiseflowd.sim.model.Project` owns the tree; these are the pieces every layer shares.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Final, NamedTuple, Protocol

MISSING: Final = object()
"""Sentinel: the accessor does not apply to this object (the key is left out of the result row)."""


class UnknownAccessorError(Exception):
    """An accessor or property name that Wwise does not know (object.get then fails as a whole)."""


class NotEmulatedAccessorError(UnknownAccessorError):
    """A real Wwise accessor the emulator does not model: it fails loudly instead of being left out."""


def new_guid() -> str:
    """A fresh upper-case braced GUID, as Wwise writes them."""
    return "{" + str(uuid.uuid4()).upper() + "}"


def fnv1_32(name: str) -> int:
    """Wwise's short id of a named object: 32-bit FNV-1 of the lower-cased UTF-8 name."""
    h = 2166136261
    for byte in name.lower().encode("utf-8"):
        h = (h * 16777619) & 0xFFFFFFFF
        h ^= byte
    return h


class WwiseObject:
    """One object of the project tree."""

    __slots__ = ("id", "name", "type", "parent", "children", "properties", "references", "notes",
                 "short_id", "audio_file", "extra", "_names")

    def __init__(self, type_name: str, name: str, object_id: str | None = None, short_id: int = 0) -> None:
        self.id = object_id or new_guid()
        self.name = name
        self.type = type_name
        self.parent: WwiseObject | None = None
        self.children: list[WwiseObject] = []
        self.properties: dict[str, Any] = {}
        self.references: dict[str, WwiseObject | None] = {}
        self.notes = ""
        self.short_id = short_id
        #: AudioFileSource only: path relative to the Originals folder ("SFX/x.wav")
        self.audio_file: str | None = None
        #: property values read from a project's XML that the class table does not model, by
        #: lower-case name (answered by object.get, kept as read, never changed)
        self.extra: dict[str, Any] | None = None
        # lower-case child name -> child, for path lookups (empty names, e.g. Actions, are not indexed)
        self._names: dict[str, WwiseObject] | None = None

    @property
    def path(self) -> str:
        """``\\Actor-Mixer Hierarchy\\Default Work Unit\\X``; the Project is ``\\``."""
        parts: list[str] = []
        node: WwiseObject | None = self
        while node is not None and node.parent is not None:
            parts.append(node.name)
            node = node.parent
        return "\\" + "\\".join(reversed(parts))

    def child_named(self, name: str) -> WwiseObject | None:
        """The child called ``name`` (case-insensitive), if any."""
        if self._names is None:
            return None
        return self._names.get(name.lower())

    def __repr__(self) -> str:
        return f"<{self.type} {self.path} {self.id}>"


class Change(NamedTuple):
    """One recorded mutation: how to take it back and how to do it again."""

    undo: Callable[[], object]
    redo: Callable[[], object]


class ProjectObserver(Protocol):
    """Receives model notifications (the WAMP server turns them into topic EVENTs)."""

    def wants(self, topic: str) -> bool:
        """True when someone subscribed to ``topic`` (so building the payload is worth it)."""

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        """``payload`` values may be WwiseObjects; the observer formats them per subscription."""


__all__ = ["MISSING", "Change", "NotEmulatedAccessorError", "ProjectObserver", "UnknownAccessorError",
           "WwiseObject", "fnv1_32", "new_guid"]
