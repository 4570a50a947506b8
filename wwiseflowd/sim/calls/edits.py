"""Changes to existing objects: setProperty, setReference, setName, setNotes, delete, move, copy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from wwiseflowd.sim import rules
from wwiseflowd.sim.calls.types import Args, Handler, Reply, Returns
from wwiseflowd.sim.errors import WaapiError, invalid_arguments
from wwiseflowd.sim.objects import WwiseObject

if TYPE_CHECKING:
    from wwiseflowd.sim.functions import Session, Waapi


def set_property(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.object.setProperty."""
    obj = waapi.obj(args["object"])
    info = waapi.project.classes.get(obj.type)
    prop = args["property"].lstrip("@")
    if info is not None and info.lookup.get(prop.lower()) in info.references:
        raise WaapiError("ak.wwise.invalid_property", f"{prop} is a reference; set it with setReference.",
                         {"property": prop})
    waapi.project.set_property(obj, prop, args["value"])
    return {}


def set_reference(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.object.setReference."""
    obj = waapi.obj(args["object"])
    value = args["value"]
    target = None if value is None else waapi.obj(value, "value")
    waapi.project.set_reference(obj, args["reference"].lstrip("@"), target)
    return {}


def set_name(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.object.setName."""
    rename(waapi, waapi.obj(args["object"]), args["value"], "fail")
    return {}


def rename(waapi: Waapi, obj: WwiseObject, name: str, conflict: str) -> None:
    """Rename as setName and object.set do: fixed objects refused, conflicts per ``conflict``."""
    p = waapi.project
    if obj.parent is None or obj.parent is p.root or (obj.type == "WorkUnit" and obj.name ==
                                                      "Default Work Unit"):
        raise invalid_arguments(f"{obj.type} '{obj.path}' cannot be renamed.", object=obj.id)
    rules.check_name(p, name, obj.type)
    if name == obj.name:
        return
    clash = obj.parent.child_named(name)
    if clash is obj:
        clash = None  # a change of case only
    elsewhere = p.global_conflict(name, obj.type)
    if elsewhere is obj:
        elsewhere = None
    if clash is not None or elsewhere is not None:
        if conflict == "rename":
            name = rules.unique_name(p, obj.parent, name, obj.type)
        else:
            where = (clash or elsewhere).path  # type: ignore[union-attr]
            raise invalid_arguments(f"Cannot rename '{obj.path}' to '{name}': "
                                    f"'{where}' already uses that "
                                    "name.", name=name)
    p.rename(obj, name)


def set_notes(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.object.setNotes."""
    waapi.project.set_notes(waapi.obj(args["object"]), args["value"])
    return {}


def delete(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.object.delete."""
    obj = waapi.obj(args["object"])
    if obj.parent is None or obj.parent is waapi.project.root:
        raise invalid_arguments(f"{obj.type} '{obj.path}' is part of every project and cannot be "
                                "deleted.",
                                object=obj.id)
    waapi.project.delete(obj)
    return {}


def move(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.object.move; returns the moved object."""
    p = waapi.project
    obj, parent = _object_and_new_parent(waapi, args, "move", "moved")
    conflict = args.get("onNameConflict", "fail")
    if parent is not obj.parent:
        clash = parent.child_named(obj.name) if obj.name else None
        if clash is not None:
            if conflict == "fail":
                raise invalid_arguments("'parent' already has child with same name.", name=obj.name)
            if conflict == "replace":
                p.delete(clash)
            else:
                p.rename(obj, rules.unique_name(p, parent, obj.name, obj.type))
        p.move(obj, parent)
    return waapi.row(obj, waapi.check_returns(returns))


def _object_and_new_parent(waapi: Waapi, args: Args, verb: str, done: str) -> tuple[WwiseObject, WwiseObject]:
    """``object`` and ``parent`` of a move or copy, refused as Wwise does: a top-level object,
    a parent inside the object itself, or a parent that cannot hold that type."""
    obj = waapi.obj(args["object"])
    parent = waapi.obj(args["parent"], "parent")
    if obj.parent is None or obj.parent is waapi.project.root:
        raise invalid_arguments(f"{obj.type} '{obj.path}' cannot be {done}.", object=obj.id)
    node: WwiseObject | None = parent
    while node is not None:
        if node is obj:
            raise invalid_arguments(f"Cannot {verb} '{obj.path}' into itself or one of its descendants.")
        node = node.parent
    rules.check_child(waapi.project, parent, obj.type)
    return obj, parent


def copy(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.object.copy: a deep copy with new ids under ``parent``; returns the copy."""
    p = waapi.project
    obj, parent = _object_and_new_parent(waapi, args, "copy", "copied")
    name = obj.name
    clash = parent.child_named(name) if name else None
    elsewhere = p.global_conflict(name, obj.type) if name else None
    if clash is not None or elsewhere is not None:
        conflict = args.get("onNameConflict", "fail")
        if conflict == "rename":
            name = rules.unique_name(p, parent, name, obj.type)
        elif conflict == "replace" and clash is not None and elsewhere in (None, clash):
            p.delete(clash)
        else:
            where = (clash or elsewhere).path  # type: ignore[union-attr]
            raise invalid_arguments(f"Cannot copy '{obj.path}' into '{parent.path}': '{where}' already "
                                    "uses that name.", name=name)
    copied = _copy_tree(waapi, obj, parent, name)
    return waapi.row(copied, waapi.check_returns(returns))


def _copy_tree(waapi: Waapi, source: WwiseObject, parent: WwiseObject, name: str) -> WwiseObject:
    p = waapi.project
    copied = p.create(parent, source.type, name)
    copied.audio_file = source.audio_file
    if source.notes:
        p.set_notes(copied, source.notes)
    for prop, value in source.properties.items():
        p.set_property(copied, prop, value)
    for reference, target in source.references.items():
        if target is not None and p.contains(target):
            p.set_reference(copied, reference, target)
    for child in list(source.children):
        # globally named children (busses under a bus) need a fresh name in the same project
        child_name = child.name
        if p.is_global(child.type):
            child_name = rules.unique_name(p, copied, child.name, child.type)
        _copy_tree(waapi, child, copied, child_name)
    return copied


#: the WAAPI functions this module answers
HANDLERS: Final[dict[str, Handler]] = {
    "ak.wwise.core.object.setProperty": set_property,
    "ak.wwise.core.object.setReference": set_reference,
    "ak.wwise.core.object.setName": set_name,
    "ak.wwise.core.object.setNotes": set_notes,
    "ak.wwise.core.object.delete": delete,
    "ak.wwise.core.object.move": move,
    "ak.wwise.core.object.copy": copy,
}
