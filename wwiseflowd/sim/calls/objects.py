"""object.create and object.set: new objects and their children, renames, notes, @properties, imports."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from wwiseflowd.sim import rules
from wwiseflowd.sim.audio_import import Importer
from wwiseflowd.sim.calls.edits import rename
from wwiseflowd.sim.calls.types import Args, Handler, Reply, Returns
from wwiseflowd.sim.errors import invalid_arguments
from wwiseflowd.sim.objects import WwiseObject
from wwiseflowd.sim.schemas import check_item

if TYPE_CHECKING:
    from wwiseflowd.sim.functions import Session, Waapi
    from wwiseflowd.sim.model import Project

#: nested create child items (object.create ``children`` and object.set ``children``)
_CHILD_ARGS: Final[dict[str, Any]] = {
    "type": "string", "name": "string", "notes": "string", "id": "string", "children": "array",
    "platform": "string", "classId": "integer", "language": "string", "import": "object",
    "onNameConflict": ("rename", "replace", "fail", "merge"),
}
_SET_ITEM_ARGS: Final[dict[str, Any]] = {
    "object": "string", "platform": "string", "onNameConflict": ("rename", "replace", "fail", "merge"),
    "listMode": ("append", "replaceAll"), "name": "string", "notes": "string", "children": "array",
    "import": "object",
}


_GUID: Final = re.compile(r"^\{[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\}$")


def object_create(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.object.create."""
    if "list" in args:
        raise invalid_arguments("Argument list (creating into an object list such as Effects) is not "
                                "supported by the wwiseflowd emulator.", argumentName="list")
    parent = waapi.obj(args["parent"], "parent")
    conflict = args.get("onNameConflict", "fail")
    spec = {k: v for k, v in args.items() if k not in ("parent", "onNameConflict", "platform",
                                                      "autoAddToSourceControl")}
    return create_tree(waapi, parent, spec, conflict)


def create_tree(waapi: Waapi, parent: WwiseObject, spec: dict[str, Any], conflict: str) -> dict[str, Any]:
    """Create (or merge into) one object and its ``children``; returns ``{id, name, children?}``."""
    p = waapi.project
    type_name = rules.canonical_type(p, spec.get("type"))
    name = rules.check_name(p, spec.get("name"), type_name)
    if not p.classes[type_name].creatable:
        raise invalid_arguments(f"Objects of type {type_name} are plug-ins and cannot be created with "
                                "object.create.", type=type_name)
    rules.check_child(p, parent, type_name)
    if type_name == "WorkUnit" and conflict == "replace":
        raise invalid_arguments("onNameConflict replace is not allowed for Work Units; "
                                "use fail, merge or "
                                "rename.")
    name, obj = _settle_name(p, parent, type_name, name, conflict)
    if obj is None:
        object_id = spec.get("id")
        if object_id is not None and (not _GUID.match(object_id) or p.get(object_id) is not None):
            raise invalid_arguments(f"Argument id {object_id!r} must be a new GUID in braces.")
        obj = p.create(parent, type_name, name, object_id=object_id)
        _apply_type_defaults(waapi, obj, spec)
    if "notes" in spec:
        p.set_notes(obj, spec["notes"])
    waapi.apply_at_keys(obj, spec)
    result: dict[str, Any] = {"id": obj.id, "name": obj.name}
    if "import" in spec:  # object.set children may import audio into what they create
        result["import"] = Importer(waapi).import_onto(obj, spec["import"], None)
    children = spec.get("children")
    if children is not None:
        if not isinstance(children, list):
            raise invalid_arguments("Argument children must be an array.")
        result["children"] = [_create_child(waapi, obj, child, conflict) for child in children]
    return result


def _create_child(waapi: Waapi, parent: WwiseObject, child: Any, conflict: str) -> dict[str, Any]:
    """One ``children`` item (its own onNameConflict wins over the parent's)."""
    check_item("children item", child, _CHILD_ARGS, frozenset({"type", "name"}))
    return create_tree(waapi, parent, child, child.get("onNameConflict", conflict))


def _settle_name(p: Project, parent: WwiseObject, type_name: str, name: str,
                 conflict: str) -> tuple[str, WwiseObject | None]:
    """Apply onNameConflict: the name to create under, or the existing object to merge into."""
    sibling = parent.child_named(name) if name else None
    elsewhere = p.global_conflict(name, type_name) if name else None
    if elsewhere is sibling:
        elsewhere = None
    if sibling is None and elsewhere is None:
        return name, None
    if conflict == "rename":
        return rules.unique_name(p, parent, name, type_name), None
    if elsewhere is not None:
        raise invalid_arguments(f"A {type_name} named '{name}' already exists at {elsewhere.path}; "
                                f"{type_name} names must be unique in the project.",
                                name=name, existing=elsewhere.id)
    assert sibling is not None
    if conflict == "fail":
        raise invalid_arguments("'parent' already has child with same name.", name=name,
                                parent=parent.id)
    if conflict == "replace":
        p.delete(sibling)
        return name, None
    if sibling.type == type_name:  # merge
        return name, sibling
    raise invalid_arguments(f"Cannot merge into '{sibling.path}': it is a {sibling.type}, not a "
                            f"{type_name}.", name=name)


def _apply_type_defaults(waapi: Waapi, obj: WwiseObject, spec: dict[str, Any]) -> None:
    if obj.type == "Sound" and spec.get("language") not in (None, "SFX"):
        waapi.project.set_property(obj, "IsVoice", True)


def object_set(waapi: Waapi, session: Session, args: Args, returns: Returns) -> Reply:
    """ak.wwise.core.object.set (batch: rename, notes, @props/@refs, children, import)."""
    top_conflict = args.get("onNameConflict", "fail")
    results: list[dict[str, Any]] = []
    for index, item in enumerate(args["objects"]):
        check_item(f"objects[{index}]", item, _SET_ITEM_ARGS, frozenset({"object"}))
        if "@List" in item or any(k.startswith("@") and isinstance(v, list) for k, v in item.items()):
            raise invalid_arguments("Setting object lists (@List values) is not supported by the "
                                    "wwiseflowd emulator.")
        obj = waapi.obj(item["object"])
        conflict = item.get("onNameConflict", top_conflict)
        if "name" in item:
            rename(waapi, obj, item["name"], conflict)
        if "notes" in item:
            waapi.project.set_notes(obj, item["notes"])
        waapi.apply_at_keys(obj, item)
        entry: dict[str, Any] = {"id": obj.id, "name": obj.name}
        if "children" in item:
            entry["children"] = [_create_child(waapi, obj, child, conflict) for child in item["children"]]
        if "import" in item:
            report = Importer(waapi).import_onto(obj, item["import"], returns)
            entry.setdefault("children", []).append({"import": report})
        if "children" in entry:
            results.append(entry)
    return {"objects": results} if results else {}


#: the WAAPI functions this module answers
HANDLERS: Final[dict[str, Handler]] = {
    "ak.wwise.core.object.create": object_create,
    "ak.wwise.core.object.set": object_set,
}
