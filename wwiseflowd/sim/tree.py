"""The project tree and its indices: where objects are, found by id, type, short id, name or path.

:class:`ProjectTree` is the read side of the model; :class:`~wwiseflowd.sim.model.Project` adds the
undoable, observed changes on top of it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from wwiseflowd.sim.classes import DEFAULT_VERSION, ClassInfo, WwiseVersion, class_table, type_lookup
from wwiseflowd.sim.objects import WwiseObject, fnv1_32, new_guid


class ProjectTree:
    """A Wwise project's objects held in memory, indexed by id, type, short id and globally unique name."""

    def __init__(self, name: str, directory: Path, version: WwiseVersion = DEFAULT_VERSION,
                 project_id: str | None = None) -> None:
        self.name = name
        self.directory = Path(directory)
        self.version = version
        self.classes: dict[str, ClassInfo] = class_table()
        self.root = WwiseObject("Project", name, project_id, 0)
        self._by_id: dict[str, WwiseObject] = {}
        self._by_type: dict[str, dict[str, WwiseObject]] = {}
        self._by_short: dict[int, WwiseObject] = {}
        self._global: dict[tuple[str, str], WwiseObject] = {}
        self._type_spelling: dict[str, str] = {}
        #: lower-case names of the unmodelled property values read from the project's XML
        self.extra_names: set[str] = set()
        #: bumped by every change to the tree or a name: caches of the tree (WAQL's search index)
        #: key on it, so change objects through the model's primitives, not their attributes
        self.generation = 0
        #: bumped by every change of notes (the search index re-reads which objects have notes)
        self.notes_generation = 0
        self._register(self.root)
        self.languages: list[dict[str, Any]] = [
            {"id": new_guid(), "name": "English(US)"}, {"id": new_guid(), "name": "SFX"},
        ]
        self.platforms: list[dict[str, Any]] = [{"id": new_guid(), "name": "Windows", "baseName": "Windows"}]
        self._rng = random.Random()

    # -- indices -----------------------------------------------------------------------------------

    def type_name(self, name: str) -> str | None:
        """The canonical type for ``name`` (any case): a Wwise type, or one read from this project."""
        key = name.lower()
        canonical = type_lookup().get(key)
        if canonical is None and key in self._by_type:
            canonical = self._type_spelling.get(key)
        return canonical

    def _register(self, obj: WwiseObject) -> None:
        self.generation += 1
        self._type_spelling.setdefault(obj.type.lower(), obj.type)
        self._by_id[obj.id] = obj
        self._by_type.setdefault(obj.type.lower(), {})[obj.id] = obj
        if obj.short_id:
            self._by_short.setdefault(obj.short_id, obj)
        if self.is_global(obj.type):
            self._global.setdefault((obj.type, obj.name.lower()), obj)

    def _unregister(self, obj: WwiseObject) -> None:
        self.generation += 1
        self._by_id.pop(obj.id, None)
        self._by_type.get(obj.type.lower(), {}).pop(obj.id, None)
        if self._by_short.get(obj.short_id) is obj:
            del self._by_short[obj.short_id]
        if self._global.get((obj.type, obj.name.lower())) is obj:
            del self._global[(obj.type, obj.name.lower())]

    def _new_short_id(self, obj: WwiseObject) -> int:
        if self.is_global(obj.type):
            return fnv1_32(obj.name)
        while True:  # Wwise draws random 32-bit ids for the others
            candidate = self._rng.getrandbits(32)
            if candidate and candidate not in self._by_short:
                return candidate

    def is_global(self, type_name: str) -> bool:
        """Types whose names are unique in the whole project (Event, Bus, SoundBank, ...)."""
        info = self.classes.get(type_name)
        return info is not None and info.global_name

    def contains(self, obj: WwiseObject) -> bool:
        """True while ``obj`` is part of the project (not deleted)."""
        return self._by_id.get(obj.id) is obj

    def __len__(self) -> int:
        return len(self._by_id)

    # -- lookups -----------------------------------------------------------------------------------

    def get(self, object_id: str) -> WwiseObject | None:
        """Object by GUID (any case, braces required)."""
        return self._by_id.get(object_id.upper())

    def find(self, designator: str) -> WwiseObject | None:
        """``{GUID}``, ``\\abs\\path``, ``Type:Name`` or ``Global:shortId``; None when nothing matches."""
        if not isinstance(designator, str) or not designator:
            return None
        if designator.startswith("{"):
            return self._by_id.get(designator.upper())
        if designator.startswith("\\"):
            return self.find_path(designator)
        type_part, sep, name = designator.partition(":")
        if not sep:
            return None
        if type_part.lower() == "global":
            return self._by_short.get(int(name)) if name.isdigit() else None
        canonical = self.type_name(type_part)
        if canonical is None:
            return None
        if self.is_global(canonical):
            return self._global.get((canonical, name.lower()))
        lowered = name.lower()
        return next((o for o in self.objects_of_type(canonical) if o.name.lower() == lowered), None)

    def find_path(self, path: str) -> WwiseObject | None:
        """Walk ``\\A\\B\\C`` from the Project (case-insensitive; doubled separators tolerated)."""
        node = self.root
        for segment in path.split("\\"):
            if not segment:
                continue
            child = node.child_named(segment)
            if child is None and node is self.root and self.version.is_2025:
                # 2025.1 still answers the old root names (migration notes)
                renamed = self.version.renamed_roots.get(segment.lower())
                child = node.child_named(renamed) if renamed else None
            if child is None:
                return None
            node = child
        return node

    def iter_objects(self) -> Iterator[WwiseObject]:
        """Every object, depth-first, in document order (the Project first)."""
        stack = [self.root]
        while stack:
            obj = stack.pop()
            yield obj
            if obj.children:
                stack.extend(reversed(obj.children))

    def descendants(self, obj: WwiseObject) -> Iterator[WwiseObject]:
        """Every object below ``obj``, depth-first, document order."""
        stack = list(reversed(obj.children))
        while stack:
            node = stack.pop()
            yield node
            if node.children:
                stack.extend(reversed(node.children))

    def objects_of_type(self, type_name: str) -> list[WwiseObject]:
        """All objects of a type (case-insensitive type name), in creation order."""
        return list(self._by_type.get(type_name.lower(), {}).values())

    def category_root(self, obj: WwiseObject) -> WwiseObject | None:
        """The category root folder (child of the Project) above or at ``obj``."""
        node: WwiseObject | None = obj
        while node is not None and node.parent is not None and node.parent.parent is not None:
            node = node.parent
        return node if node is not None and node.parent is self.root else None

    def category_of(self, obj: WwiseObject) -> str | None:
        """The category key (2024 root name) ``obj`` belongs to."""
        root = self.category_root(obj)
        return self.version.category_by_root.get(root.name) if root is not None else None

    def workunit_of(self, obj: WwiseObject) -> WwiseObject | None:
        """The nearest Work Unit at or above ``obj``."""
        node: WwiseObject | None = obj
        while node is not None:
            if node.type == "WorkUnit":
                return node
            node = node.parent
        return None

    def workunit_file(self, wu: WwiseObject) -> Path:
        """Where Wwise would keep a Work Unit's ``.wwu``."""
        parts = [wu.name + ".wwu"]
        node = wu.parent
        while node is not None and node.parent is not None:
            parts.append(node.name)
            node = node.parent
        return self.directory.joinpath(*reversed(parts))

    def master_bus(self) -> WwiseObject | None:
        """The project's top audio bus (default OutputBus); a loaded project's may have another name."""
        dwu = self.find_path(f"\\{self.version.master_mixer_root}\\Default Work Unit")
        if dwu is None:
            return None
        bus = dwu.child_named(self.version.master_bus_name)
        return bus if bus is not None else next((c for c in dwu.children if c.type == "Bus"), None)

    def originals_dir(self) -> Path:
        """The project's Originals folder."""
        return self.directory / "Originals"

    def reference_target(self, obj: WwiseObject, reference: str) -> WwiseObject | None:
        """The object a reference points to (defaults included), None when unset or deleted."""
        if reference in obj.references:
            target = obj.references[reference]
            return target if target is not None and self.contains(target) else None
        info = self.classes.get(obj.type)
        spec = info.references.get(reference) if info is not None else None
        if spec is not None and spec.default_to_master_bus:
            return self.master_bus()
        return None

    def original_file(self, obj: WwiseObject) -> Path | None:
        """Absolute Originals path of an AudioFileSource (or a Sound's first source)."""
        source = obj
        if obj.type != "AudioFileSource":
            source = next((c for c in obj.children if c.type == "AudioFileSource"), None)  # type: ignore[assignment]
        if source is None or source.audio_file is None:
            return None
        return self.originals_dir() / source.audio_file

    def global_conflict(self, name: str, type_name: str) -> WwiseObject | None:
        """The object of a globally named type that already uses ``name``."""
        return self._global.get((type_name, name.lower())) if self.is_global(type_name) else None

    # -- links (no journal, no notifications) -------------------------------------------------------

    def _link(self, parent: WwiseObject, obj: WwiseObject, index: int | None) -> None:
        """Put ``obj`` into ``parent``'s children (at ``index``) and name index."""
        self.generation += 1
        obj.parent = parent
        if index is None or index >= len(parent.children):
            parent.children.append(obj)
        else:
            parent.children.insert(index, obj)
        if obj.name:
            if parent._names is None:
                parent._names = {}
            parent._names.setdefault(obj.name.lower(), obj)

    def _unindex_name(self, parent: WwiseObject, obj: WwiseObject) -> None:
        if parent._names is not None and parent._names.get(obj.name.lower()) is obj:
            del parent._names[obj.name.lower()]
            # another sibling may share the name case-insensitively only for nameless Actions; re-index it
            twin = next((c for c in parent.children if c.name and c.name.lower() == obj.name.lower()), None)
            if twin is not None:
                parent._names[obj.name.lower()] = twin


__all__ = ["ProjectTree"]
