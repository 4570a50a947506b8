"""``options.return`` and WAQL accessors: the value of ``name``, ``@Volume``, ``parent.name`` for an object.

One place for what an accessor means; object.get rows, topic payloads and WAQL all read through it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from wwiseflowd.sim.classes import KNOWN_UNMODELLED_ACCESSORS, UNMODELLED_NAMESPACES, all_property_names
from wwiseflowd.sim.objects import MISSING, NotEmulatedAccessorError, UnknownAccessorError, WwiseObject

if TYPE_CHECKING:
    from wwiseflowd.sim.model import Project


def get_value(project: Project, obj: WwiseObject, accessor: str) -> Any:
    """The value of one ``options.return`` accessor for ``obj`` (JSON-able), or MISSING."""
    value = resolve(project, obj, accessor)
    if isinstance(value, WwiseObject):
        return {"id": value.id, "name": value.name}
    return value


def resolve(project: Project, obj: WwiseObject, accessor: str) -> Any:
    """Like :meth:`get_value`, but a chain that reaches an object returns the object itproject."""
    if "." not in accessor:
        return _single(project, obj, accessor)
    node: Any = obj
    for part in accessor.split("."):
        if not isinstance(node, WwiseObject):
            # still validate the rest of the chain so typos fail loudly
            check_known(project, part)
            node = MISSING
            continue
        node = _single(project, node, part)
        if node is None:
            node = MISSING
    return node


def check_known(project: Project, accessor: str) -> None:
    """Raise Unknown/NotEmulatedAccessorError unless ``accessor`` names something Wwise knows."""
    key = accessor.lstrip("@").lower()
    if _builtin(project, key) is not None or key in all_property_names() or key in project.extra_names:
        return
    if _unmodelled(key):
        raise NotEmulatedAccessorError(accessor)
    raise UnknownAccessorError(accessor)


def _single(project: Project, obj: WwiseObject, accessor: str) -> Any:
    key = accessor.lower()
    builtin = _builtin(project, key)
    if builtin is not None:
        return builtin(project, obj)
    name = key.lstrip("@")
    info = project.classes.get(obj.type)
    canonical = info.lookup.get(name) if info is not None else None
    if canonical is not None and info is not None:
        if canonical in info.properties:
            spec = info.properties[canonical]
            return obj.properties.get(canonical, spec.default)
        return project.reference_target(obj, canonical)
    if obj.extra and name in obj.extra:  # a value read from the project's XML the class table lacks
        return obj.extra[name]
    if name in all_property_names() or name in project.extra_names:
        return MISSING  # a property of other types: Wwise leaves it out of this row
    if _unmodelled(name):
        raise NotEmulatedAccessorError(accessor)
    raise UnknownAccessorError(accessor)



def _builtin(project: Project, key: str) -> Callable[[Project, WwiseObject], Any] | None:
    """The built-in accessor ``key`` as the project's Wwise version names it (None: not a built-in)."""
    span = _RENAMED.get(key)
    if span is not None:
        since, before = span
        version = (project.version.year, project.version.major)
        if (since is not None and version < since) or (before is not None and version >= before):
            return None
    return _BUILTIN.get(key)


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


#: built-ins Wwise renamed, with the versions that know them (first, first without): 2022.1's
#: migration notes rename Sound's ``originalWavFilePath`` to ``originalFilePath``
_RENAMED: Final[dict[str, tuple[tuple[int, int] | None, tuple[int, int] | None]]] = {
    "originalwavfilepath": (None, (2022, 1)),
    "originalfilepath": ((2022, 1), None),
}


__all__ = ["check_known", "get_value", "resolve"]
