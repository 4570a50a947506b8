"""The emulator's project model: Wwise objects, indices, accessors, and undoable mutations.

Every change goes through a handful of primitives (insert, remove, move, rename, set property /
reference / notes) that keep the indices right, record an undo/redo pair in the open journal and
tell the observer (the WAMP server's topic publisher) what happened.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Final, NamedTuple, Protocol

from wwiseflowd.sim.classes import (
    CATEGORY_CHILDREN,
    DEFAULT_VERSION,
    FORBIDDEN_NAME_CHARS,
    KNOWN_UNMODELLED_ACCESSORS,
    UNMODELLED_NAMESPACES,
    ClassInfo,
    WwiseVersion,
    all_property_names,
    class_table,
    type_lookup,
)
from wwiseflowd.sim.errors import INVALID_PROPERTY, INVALID_REFERENCE, WaapiError, invalid_arguments

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


_TOPIC: Final = "ak.wwise.core."
_OBJECT_ACCESSORS: Final = frozenset({"parent", "workunit"})


class Project:
    """A Wwise project held in memory, indexed by id, type, short id and globally unique name."""

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
        self._register(self.root)
        self.journal: list[Change] | None = None
        self.observer: ProjectObserver | None = None
        #: ids of Work Units changed since the last save
        self.dirty_workunits: set[str] = set()
        self.languages: list[dict[str, Any]] = [
            {"id": new_guid(), "name": "English(US)"}, {"id": new_guid(), "name": "SFX"},
        ]
        self.platforms: list[dict[str, Any]] = [{"id": new_guid(), "name": "Windows", "baseName": "Windows"}]
        #: a dry run: nothing is written under ``directory`` (no save, no Originals copy)
        self.read_only = False
        #: read-only imports: Originals path a file would be copied to -> the file it came from
        self.planned_files: dict[str, str] = {}
        self._rng = random.Random()

    # -- construction ------------------------------------------------------------------------------

    @classmethod
    def new(cls, name: str, directory: Path, version: WwiseVersion = DEFAULT_VERSION) -> Project:
        """A fresh project like Wwise's "New Project": category roots, Default Work Units, master bus."""
        project = cls(name, directory, version)
        for root_name in version.roots:
            root = project.add(project.root, "Folder", root_name)
            dwu = project.add(root, "WorkUnit", "Default Work Unit")
            if root_name == version.master_mixer_root:
                project.add(dwu, "Bus", version.master_bus_name)
            elif root_name == "Conversion Settings":
                project.add(dwu, "Conversion", "Default Conversion Settings")
        project.dirty_workunits.clear()
        return project

    def add(self, parent: WwiseObject, type_name: str, name: str, *, object_id: str | None = None,
            short_id: int | None = None) -> WwiseObject:
        """Attach a new object without checks, events or undo (loading and bulk building)."""
        obj = WwiseObject(type_name, name, object_id, short_id if short_id is not None else 0)
        if short_id is None:
            obj.short_id = self._new_short_id(obj)
        self._link(parent, obj, None)
        self._register(obj)
        return obj

    def bulk_add(self, parent: WwiseObject, type_name: str, names: Iterable[str]) -> list[WwiseObject]:
        """Attach many objects of one type under ``parent`` fast (benchmarks: 50,000 Sounds)."""
        return [self.add(parent, type_name, name) for name in names]

    # -- indices -----------------------------------------------------------------------------------

    def type_name(self, name: str) -> str | None:
        """The canonical type for ``name`` (any case): a Wwise type, or one read from this project."""
        key = name.lower()
        canonical = type_lookup().get(key)
        if canonical is None and key in self._by_type:
            canonical = self._type_spelling.get(key)
        return canonical

    def _register(self, obj: WwiseObject) -> None:
        self._type_spelling.setdefault(obj.type.lower(), obj.type)
        self._by_id[obj.id] = obj
        self._by_type.setdefault(obj.type.lower(), {})[obj.id] = obj
        if obj.short_id:
            self._by_short.setdefault(obj.short_id, obj)
        if self.is_global(obj.type):
            self._global.setdefault((obj.type, obj.name.lower()), obj)

    def _unregister(self, obj: WwiseObject) -> None:
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

    # -- accessors ---------------------------------------------------------------------------------

    def get_value(self, obj: WwiseObject, accessor: str) -> Any:
        """The value of one ``options.return`` accessor for ``obj`` (JSON-able), or MISSING."""
        value = self.resolve(obj, accessor)
        if isinstance(value, WwiseObject):
            return {"id": value.id, "name": value.name}
        return value

    def resolve(self, obj: WwiseObject, accessor: str) -> Any:
        """Like :meth:`get_value`, but a chain that reaches an object returns the object itself."""
        if "." not in accessor:
            return self._single(obj, accessor)
        node: Any = obj
        for part in accessor.split("."):
            if not isinstance(node, WwiseObject):
                # still validate the rest of the chain so typos fail loudly
                self._check_known(part)
                node = MISSING
                continue
            node = self._single(node, part)
            if node is None:
                node = MISSING
        return node

    def _check_known(self, accessor: str) -> None:
        key = accessor.lstrip("@").lower()
        if key in _BUILTIN or key in all_property_names() or key in self.extra_names:
            return
        if _unmodelled(key):
            raise NotEmulatedAccessorError(accessor)
        raise UnknownAccessorError(accessor)

    def _single(self, obj: WwiseObject, accessor: str) -> Any:
        key = accessor.lower()
        builtin = _BUILTIN.get(key)
        if builtin is not None:
            return builtin(self, obj)
        name = key.lstrip("@")
        info = self.classes.get(obj.type)
        canonical = info.lookup.get(name) if info is not None else None
        if canonical is not None and info is not None:
            if canonical in info.properties:
                spec = info.properties[canonical]
                return obj.properties.get(canonical, spec.default)
            return self.reference_target(obj, canonical)
        if obj.extra and name in obj.extra:  # a value read from the project's XML the class table lacks
            return obj.extra[name]
        if name in all_property_names() or name in self.extra_names:
            return MISSING  # a property of other types: Wwise leaves it out of this row
        if _unmodelled(name):
            raise NotEmulatedAccessorError(accessor)
        raise UnknownAccessorError(accessor)

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

    # -- validation --------------------------------------------------------------------------------

    def canonical_type(self, type_name: Any) -> str:
        """The WAAPI type name for ``type_name``; raises an invalid_arguments WaapiError."""
        canonical = type_lookup().get(type_name.lower()) if isinstance(type_name, str) else None
        if canonical is None or canonical == "Project":
            raise invalid_arguments(f"Type '{type_name}' is not a Wwise object type that can be created.",
                                    type=type_name)
        if canonical in ("PropertyContainer", "ActorMixer"):
            canonical = self.version.actor_mixer_type  # 2025.1 renamed the class
        return canonical

    def allowed_children(self, parent: WwiseObject) -> frozenset[str]:
        """Types ``parent`` may hold (reference §5)."""
        if parent.type == "Project":
            return frozenset()
        if parent.type in ("Folder", "WorkUnit"):
            if parent.parent is self.root:  # a category root folder holds Work Units only
                return frozenset({"WorkUnit"})
            category = self.category_of(parent) or ""
            allowed = CATEGORY_CHILDREN.get(category, frozenset({"WorkUnit", "Folder"}))
            if category == "Actor-Mixer Hierarchy" and self.version.is_2025:  # music merged into Containers
                allowed = allowed | CATEGORY_CHILDREN["Interactive Music Hierarchy"]
            return allowed
        info = self.classes.get(parent.type)
        return info.children if info is not None else frozenset()

    def check_child(self, parent: WwiseObject, type_name: str) -> None:
        """Raise when Wwise would refuse a ``type_name`` under ``parent``."""
        allowed = self.allowed_children(parent)
        if type_name in allowed:
            return
        shown = ", ".join(sorted(allowed)) or "no children"
        raise invalid_arguments(
            f"An object of type {type_name} cannot be a child of {parent.type} '{parent.path}'; "
            f"that {parent.type} can hold: {shown}.", parent=parent.id, type=type_name)

    def check_name(self, name: Any, type_name: str) -> str:
        """Raise for names Wwise refuses; Actions alone may be nameless."""
        if not isinstance(name, str):
            raise invalid_arguments(f"The name of a {type_name} must be a string, got {name!r}.")
        if not name:
            if type_name == "Action":
                return name
            raise invalid_arguments(f"A {type_name} needs a non-empty name.")
        bad = sorted(set(name) & FORBIDDEN_NAME_CHARS)
        if bad or name != name.strip():
            shown = " ".join(bad) if bad else "leading or trailing spaces"
            raise invalid_arguments(
                f"Invalid name '{name}': Wwise object names may not contain {shown}. "
                f"Use letters, digits, spaces, '-' or '_'.", name=name)
        return name

    def unique_name(self, parent: WwiseObject, name: str, type_name: str) -> str:
        """``name`` or the first free ``name_01``, ``name_02``, ... (onNameConflict rename)."""
        if not self.name_taken(parent, name, type_name):
            return name
        n = 1
        while True:
            candidate = f"{name}_{n:02d}"
            if not self.name_taken(parent, candidate, type_name):
                return candidate
            n += 1

    def name_taken(self, parent: WwiseObject, name: str, type_name: str) -> bool:
        """True when a sibling, or for global types any object of the type, already has ``name``."""
        if not name:
            return False
        if parent.child_named(name) is not None:
            return True
        return self.is_global(type_name) and (type_name, name.lower()) in self._global

    def global_conflict(self, name: str, type_name: str) -> WwiseObject | None:
        """The object of a globally named type that already uses ``name``."""
        return self._global.get((type_name, name.lower())) if self.is_global(type_name) else None

    # -- journal and notifications -----------------------------------------------------------------

    def _record(self, undo: Callable[[], object], redo: Callable[[], object]) -> None:
        if self.journal is not None:
            self.journal.append(Change(undo, redo))

    def revert(self, changes: list[Change]) -> None:
        """Take ``changes`` back, newest first (undo groups, failed calls)."""
        saved, self.journal = self.journal, None
        try:
            for change in reversed(changes):
                change.undo()
        finally:
            self.journal = saved

    def replay(self, changes: list[Change]) -> None:
        """Do ``changes`` again, oldest first (redo)."""
        saved, self.journal = self.journal, None
        try:
            for change in changes:
                change.redo()
        finally:
            self.journal = saved

    def _notify(self, topic: str, **payload: Any) -> None:
        observer = self.observer
        if observer is not None and observer.wants(_TOPIC + topic):
            observer.publish(_TOPIC + topic, payload)

    def _touch(self, obj: WwiseObject) -> None:
        wu = self.workunit_of(obj)
        if wu is not None:
            self.dirty_workunits.add(wu.id)

    # -- mutation primitives -----------------------------------------------------------------------

    def create(self, parent: WwiseObject, type_name: str, name: str, *, object_id: str | None = None,
               index: int | None = None) -> WwiseObject:
        """Create and attach one object (callers check nesting and names first)."""
        obj = WwiseObject(type_name, name, object_id.upper() if object_id else None)
        obj.short_id = self._new_short_id(obj)
        obj.parent = parent
        self._insert(obj, index)
        self._record(lambda: self._remove(obj), lambda: self._insert(obj, index))
        return obj

    def delete(self, obj: WwiseObject) -> None:
        """Detach ``obj`` and everything below it."""
        index = self._remove(obj)
        self._record(lambda: self._insert(obj, index), lambda: self._remove(obj))

    def move(self, obj: WwiseObject, new_parent: WwiseObject) -> None:
        """Re-parent ``obj`` (appended to the new parent's children)."""
        old_parent = obj.parent
        assert old_parent is not None
        old_index = self._relink(obj, new_parent, None)
        self._record(lambda: self._relink(obj, old_parent, old_index),
                     lambda: self._relink(obj, new_parent, None))

    def rename(self, obj: WwiseObject, new_name: str) -> None:
        """Change ``obj``'s name (globally named types also get a new short id)."""
        old_name = obj.name
        self._rename(obj, new_name)
        self._record(lambda: self._rename(obj, old_name), lambda: self._rename(obj, new_name))

    def set_notes(self, obj: WwiseObject, notes: str) -> None:
        """Replace ``obj``'s notes."""
        old = obj.notes
        self._set_notes(obj, notes)
        self._record(lambda: self._set_notes(obj, old), lambda: self._set_notes(obj, notes))

    def set_property(self, obj: WwiseObject, prop: str, value: Any) -> None:
        """Set a property (validated and coerced against the class table); raises WaapiError."""
        info = self.classes.get(obj.type)
        canonical = info.lookup.get(prop.lower()) if info is not None else None
        if info is None or canonical is None or canonical not in info.properties:
            if info is not None and canonical in info.references:
                raise WaapiError(INVALID_PROPERTY, f"{prop} is a reference of {obj.type}, not a property; "
                                 "use setReference.", {"property": prop})
            raise WaapiError(INVALID_PROPERTY, f"Property {prop} does not exist on {obj.type} "
                             f"'{obj.name}'.", {"property": prop, "object": obj.id})
        if value is None:
            stored: Any = MISSING  # null resets to the default
        else:
            try:
                stored = info.properties[canonical].coerce(value)
            except ValueError as exc:
                details = {"property": canonical, "value": value}
                raise WaapiError(INVALID_PROPERTY, str(exc), details) from None
        old = obj.properties.get(canonical, MISSING)
        self._set_property(obj, canonical, stored)
        self._record(lambda: self._set_property(obj, canonical, old),
                     lambda: self._set_property(obj, canonical, stored))

    def set_reference(self, obj: WwiseObject, reference: str, target: WwiseObject | None) -> None:
        """Point a reference at ``target`` (None clears it); raises WaapiError for wrong names/types."""
        info = self.classes.get(obj.type)
        canonical = info.lookup.get(reference.lower()) if info is not None else None
        if info is None or canonical is None or canonical not in info.references:
            raise WaapiError(INVALID_REFERENCE, f"Reference {reference} does not exist on {obj.type} "
                             f"'{obj.name}'.", {"reference": reference, "object": obj.id})
        spec = info.references[canonical]
        if target is not None and spec.targets and target.type not in spec.targets:
            wanted = " or ".join(sorted(spec.targets))
            raise WaapiError(INVALID_REFERENCE, f"Reference {canonical} of {obj.type} '{obj.name}' must "
                             f"point to a {wanted}, not to {target.type} '{target.name}'.",
                             {"reference": canonical, "value": target.id})
        if spec.default_to_master_bus and target is None:
            raise WaapiError(INVALID_REFERENCE, f"Reference {canonical} of {obj.type} '{obj.name}' cannot "
                             "be empty; point it at a bus.", {"reference": canonical})
        old = obj.references.get(canonical, MISSING)
        self._set_reference(obj, canonical, target)
        self._record(lambda: self._set_reference(obj, canonical, old),
                     lambda: self._set_reference(obj, canonical, target))

    def record_external(self, undo: Callable[[], object], redo: Callable[[], object]) -> None:
        """Journal a change outside the tree (e.g. a file copied into Originals)."""
        self._record(undo, redo)

    # -- raw operations (no journal) ---------------------------------------------------------------

    @staticmethod
    def _link(parent: WwiseObject, obj: WwiseObject, index: int | None) -> None:
        """Put ``obj`` into ``parent``'s children (at ``index``) and name index."""
        obj.parent = parent
        if index is None or index >= len(parent.children):
            parent.children.append(obj)
        else:
            parent.children.insert(index, obj)
        if obj.name:
            if parent._names is None:
                parent._names = {}
            parent._names.setdefault(obj.name.lower(), obj)

    def _unlink(self, obj: WwiseObject) -> int:
        """Take ``obj`` out of its parent's children and name index; returns where it was."""
        parent = obj.parent
        assert parent is not None
        self._touch(obj)
        index = parent.children.index(obj)
        del parent.children[index]
        self._unindex_name(parent, obj)
        return index

    def _insert(self, obj: WwiseObject, index: int | None) -> None:
        parent = obj.parent
        assert parent is not None
        self._link(parent, obj, index)
        self._register(obj)
        for node in self.descendants(obj):
            self._register(node)
        self._touch(obj)
        self._notify("object.created", object=obj)
        self._notify("object.childAdded", parent=parent, child=obj)

    def _remove(self, obj: WwiseObject) -> int:
        parent = obj.parent
        assert parent is not None
        self._notify("object.preDeleted", object=obj)
        index = self._unlink(obj)  # obj keeps its parent pointer: postDeleted and undo still know it
        for node in self.descendants(obj):
            self._unregister(node)
        self._unregister(obj)
        self._notify("object.postDeleted", object=obj)
        self._notify("object.childRemoved", parent=parent, child=obj)
        return index

    def _relink(self, obj: WwiseObject, new_parent: WwiseObject, index: int | None) -> int:
        old_parent = obj.parent
        assert old_parent is not None
        old_index = self._unlink(obj)
        self._link(new_parent, obj, index)
        self._touch(obj)
        self._notify("object.childRemoved", parent=old_parent, child=obj)
        self._notify("object.childAdded", parent=new_parent, child=obj)
        return old_index

    def _unindex_name(self, parent: WwiseObject, obj: WwiseObject) -> None:
        if parent._names is not None and parent._names.get(obj.name.lower()) is obj:
            del parent._names[obj.name.lower()]
            # another sibling may share the name case-insensitively only for nameless Actions; re-index it
            twin = next((c for c in parent.children if c.name and c.name.lower() == obj.name.lower()), None)
            if twin is not None:
                parent._names[obj.name.lower()] = twin

    def _rename(self, obj: WwiseObject, new_name: str) -> None:
        old_name = obj.name
        parent = obj.parent
        self._unregister(obj)
        if parent is not None:
            self._unindex_name(parent, obj)
        obj.name = new_name
        if self.is_global(obj.type):
            obj.short_id = fnv1_32(new_name)
        if parent is not None and new_name:
            if parent._names is None:
                parent._names = {}
            parent._names.setdefault(new_name.lower(), obj)
        self._register(obj)
        self._touch(obj)
        self._notify("object.nameChanged", object=obj, oldName=old_name, newName=new_name)

    def _set_notes(self, obj: WwiseObject, notes: str) -> None:
        old = obj.notes
        obj.notes = notes
        self._touch(obj)
        self._notify("object.notesChanged", object=obj, oldNotes=old, newNotes=notes)

    def _set_property(self, obj: WwiseObject, prop: str, value: Any) -> None:
        info = self.classes[obj.type]
        old = obj.properties.get(prop, info.properties[prop].default)
        if value is MISSING:
            obj.properties.pop(prop, None)
        else:
            obj.properties[prop] = value
        self._touch(obj)
        new = obj.properties.get(prop, info.properties[prop].default)
        self._notify("object.propertyChanged", object=obj, property=prop, old=old, new=new)

    def _set_reference(self, obj: WwiseObject, reference: str, target: Any) -> None:
        old = self.reference_target(obj, reference)
        if target is MISSING:
            obj.references.pop(reference, None)
        else:
            obj.references[reference] = target
        self._touch(obj)
        new = self.reference_target(obj, reference)
        self._notify("object.referenceChanged", object=obj, reference=reference, old=old, new=new)


def _unmodelled(key: str) -> bool:
    """A Wwise accessor the emulator does not model (``duration``, ``sound:convertedWemFilePath``, ...)."""
    return key in KNOWN_UNMODELLED_ACCESSORS or key.partition(":")[0] in UNMODELLED_NAMESPACES


# -- built-in accessors ------------------------------------------------------------------------------


def _parent(project: Project, obj: WwiseObject) -> Any:
    return obj.parent if obj.parent is not None else MISSING


def _workunit(project: Project, obj: WwiseObject) -> Any:
    wu = project.workunit_of(obj)
    return wu if wu is not None else MISSING


def _category(project: Project, obj: WwiseObject) -> Any:
    root = project.category_root(obj)
    return root.name if root is not None else MISSING


def _class_id(project: Project, obj: WwiseObject) -> Any:
    info = project.classes.get(obj.type)
    return info.class_id if info is not None else MISSING


def _original(project: Project, obj: WwiseObject) -> Any:
    path = project.original_file(obj)
    return str(path) if path is not None else MISSING


def _active_source(project: Project, obj: WwiseObject) -> Any:
    if obj.type != "Sound":
        return MISSING
    source = next((c for c in obj.children if c.type == "AudioFileSource"), None)
    return source if source is not None else MISSING


def _file_path(project: Project, obj: WwiseObject) -> Any:
    if obj.type == "Project":
        return str(project.directory / f"{project.name}.wproj")
    wu = project.workunit_of(obj)
    return str(project.workunit_file(wu)) if wu is not None else MISSING


def _wu_is_default(project: Project, obj: WwiseObject) -> Any:
    wu = project.workunit_of(obj)
    return wu.name == "Default Work Unit" if wu is not None else MISSING


def _is_playable(project: Project, obj: WwiseObject) -> Any:
    return obj.type in ("Sound", "ActorMixer", "PropertyContainer", "RandomSequenceContainer",
                        "SwitchContainer", "BlendContainer", "Event", "MusicSegment", "MusicTrack",
                        "MusicPlaylistContainer", "MusicSwitchContainer")


def _wu_is_dirty(project: Project, obj: WwiseObject) -> Any:
    if obj.type == "Project":  # the .wproj; the emulator changes no project settings
        return False
    wu = project.workunit_of(obj)
    return wu.id in project.dirty_workunits if wu is not None else MISSING


_BUILTIN: Final[dict[str, Callable[[Project, WwiseObject], Any]]] = {
    "id": lambda p, o: o.id,
    "name": lambda p, o: o.name,
    "type": lambda p, o: o.type,
    "path": lambda p, o: o.path,
    "notes": lambda p, o: o.notes,
    "shortid": lambda p, o: o.short_id if o.type != "Project" else MISSING,
    "classid": _class_id,
    "childrencount": lambda p, o: len(o.children),
    "parent": _parent,
    "workunit": _workunit,
    "category": _category,
    "originalfilepath": _original,
    "originalwavfilepath": _original,
    "sound:originalwavfilepath": _original,
    "activesource": _active_source,
    "workunitisdirty": _wu_is_dirty,
    "isincluded": lambda p, o: True if o.type != "Project" else MISSING,
    "pluginname": lambda p, o: (o.extra or {}).get("pluginname", MISSING),
    "filepath": _file_path,
    "isplayable": _is_playable,
    "workunitisdefault": _wu_is_default,
    "workunit:isdefault": _wu_is_default,
    "workunit:isdirty": _wu_is_dirty,
}
