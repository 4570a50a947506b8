"""Changing the Wwise project: create, delete, set properties, references and notes, route, events, save."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from wwiseflowd.default_plugins.wwise.errors import not_found
from wwiseflowd.default_plugins.wwise.models import ObjectInfo, name_problem
from wwiseflowd.default_plugins.wwise.reads import ObjectReads
from wwiseflowd.default_plugins.wwise.uris import (
    OBJECT_CREATE,
    OBJECT_DELETE,
    OBJECT_SET,
    PROJECT_SAVE,
    SET_NOTES,
    SET_PROPERTY,
    SET_REFERENCE,
)
from wwiseflowd.results import ErrorCode, Result


class ObjectWrites(ObjectReads):
    """The write operations of the Wwise backend; many edits go in one ``object.set`` from 2022.1."""

    def create_object(
        self,
        parent: str,
        type_name: str,
        name: str,
        *,
        on_name_conflict: str = "fail",
        properties: Mapping[str, Any] | None = None,
        notes: str | None = None,
    ) -> Result:
        """Create one object under ``parent``; data: :class:`ObjectInfo` of the created object."""
        bad = name_problem(name)
        if bad:
            return Result.failure(ErrorCode.INVALID_INPUT, f"Object name {name!r} {bad}.")
        found = self.get_object(parent, what="parent")
        if not found.ok:
            return found
        parent_info = ObjectInfo.model_validate(found.data)
        args: dict[str, Any] = {
            "parent": parent_info.id,
            "type": type_name,
            "name": name,
            "onNameConflict": on_name_conflict,
        }
        if notes:
            args["notes"] = notes
        args.update(_at_keys(properties or {}))
        result = self._call(OBJECT_CREATE, args)
        if not result.ok:
            if result.code == ErrorCode.NAME_CONFLICT:
                return Result.failure(
                    ErrorCode.NAME_CONFLICT,
                    f"{parent_info.path} already has a child named {name!r}; choose another name or "
                    "set onNameConflict to merge, rename or replace.",
                )
            return Result.failure(
                result.code or ErrorCode.CREATE_FAILED,
                f"Creating {type_name} {name!r} under {parent_info.path} failed: {result.error}",
            )
        created = ObjectInfo(
            id=result.data["id"],
            name=result.data.get("name", name),
            path=f"{parent_info.path.rstrip(chr(92))}\\{result.data.get('name', name)}",
            type=type_name,
        )
        return Result.success(created.model_dump())

    def delete_object(self, ref: str) -> Result:
        """Delete one object (undoable inside an undo group)."""
        designator = self.designator(ref)
        if designator is None:
            return self.get_object(ref)
        return self._call(OBJECT_DELETE, {"object": designator})

    def set_property(self, ref: str, prop: str, value: Any, platform: str | None = None) -> Result:
        """Set one property (``Volume``, ``IsStreamingEnabled``, ...) of one object."""
        designator = self.designator(ref)
        if designator is None:
            return self.get_object(ref)
        args: dict[str, Any] = {"object": designator, "property": prop.lstrip("@"), "value": value}
        if platform:
            args["platform"] = platform
        result = self._call(SET_PROPERTY, args)
        if not result.ok and result.code == ErrorCode.OBJECT_NOT_FOUND:
            return not_found(ref, "object")
        return (
            result if not result.ok else Result.success({"objectId": ref, "property": prop, "value": value})
        )

    def set_reference(
        self, ref: str, reference: str, value: str | None, platform: str | None = None
    ) -> Result:
        """Point reference ``reference`` (``OutputBus``, ``Attenuation``, ...) of one object at ``value``."""
        designator = self.designator(ref)
        if designator is None:
            return self.get_object(ref)
        target = None if value is None else self.designator(value)
        if value is not None and target is None:
            return self.get_object(value, what="reference target")
        args: dict[str, Any] = {"object": designator, "reference": reference.lstrip("@"), "value": target}
        if platform:
            args["platform"] = platform
        result = self._call(SET_REFERENCE, args)
        if not result.ok and result.code == ErrorCode.OBJECT_NOT_FOUND:
            return Result.failure(result.code, f"Setting {reference} of {ref} to {value}: {result.error}")
        return (
            result
            if not result.ok
            else Result.success({"objectId": ref, "reference": reference, "value": value})
        )

    def set_objects(self, entries: Sequence[Mapping[str, Any]], *, chunk_size: int | None = None) -> Result:
        """Apply many edits in one ``object.set`` (Wwise 2022.1+), chunked by the import chunk size.

        Each entry: ``{"object": ref, "properties": {...}, "references": {...}, "notes": str}``;
        property and reference names may carry the ``@`` or not.
        """
        objects: list[dict[str, Any]] = []
        for entry in entries:
            designator = self.designator(str(entry["object"]))
            if designator is None:
                return self.get_object(str(entry["object"]))
            item: dict[str, Any] = {"object": designator}
            item.update(_at_keys(entry.get("properties") or {}))
            for key, value in (entry.get("references") or {}).items():
                item["@" + key.lstrip("@")] = (
                    None if value is None else (self.designator(str(value)) or value)
                )
            if entry.get("notes") is not None:
                item["notes"] = entry["notes"]
            objects.append(item)
        if not self._has_object_set():
            return self._set_one_by_one(entries)
        size = chunk_size or self.import_chunk_size
        for start in range(0, len(objects), size):
            result = self._call(OBJECT_SET, {"objects": objects[start : start + size]})
            if not result.ok:
                return result
        return Result.success({"count": len(objects)})

    def _has_object_set(self) -> bool:
        """``object.set`` exists from Wwise 2022.1 on (assumed when the version cannot be read)."""
        version = self._version()
        return version[0] == 0 or version >= (2022, 1)

    def _set_one_by_one(self, entries: Sequence[Mapping[str, Any]]) -> Result:
        """Before 2022.1: one setProperty / setReference / setNotes call per value."""
        for entry in entries:
            target = self.designator(str(entry["object"]))
            calls: list[tuple[str, dict[str, Any]]] = [
                (SET_PROPERTY, {"object": target, "property": key.lstrip("@"), "value": value})
                for key, value in (entry.get("properties") or {}).items()
            ]
            calls += [
                (
                    SET_REFERENCE,
                    {
                        "object": target,
                        "reference": key.lstrip("@"),
                        "value": None if value is None else self.designator(str(value)) or value,
                    },
                )
                for key, value in (entry.get("references") or {}).items()
            ]
            if entry.get("notes") is not None:
                calls.append((SET_NOTES, {"object": target, "value": entry["notes"]}))
            for uri, args in calls:
                result = self._call(uri, args)
                if not result.ok:
                    return result
        return Result.success({"count": len(entries)})

    def resolve_bus(self, ref: str) -> Result:
        """Look up a bus; data: its :class:`ObjectInfo` dict. Anything but a Bus or Aux Bus fails."""
        found = self.get_object(ref, what="bus")
        if not found.ok:
            return found
        if found.data["type"] not in ("Bus", "AuxBus"):
            return Result.failure(
                ErrorCode.INVALID_INPUT,
                f"{found.data['path']} is a {found.data['type'] or 'non-bus object'}, not a Bus; pick a bus "
                "under \\Master-Mixer Hierarchy.",
            )
        return found

    def set_output_bus(self, refs: Sequence[str], bus: str) -> Result:
        """Route objects to ``bus`` (and tick Override parent so the routing takes effect)."""
        found = self.resolve_bus(bus)
        if not found.ok:
            return found
        bus_info = ObjectInfo.model_validate(found.data)
        entries = [
            {"object": ref, "references": {"OutputBus": bus_info.id}, "properties": {"OverrideOutput": True}}
            for ref in refs
        ]
        result = self.set_objects(entries)
        if not result.ok:
            if result.code == ErrorCode.OBJECT_NOT_FOUND:
                return Result.failure(result.code, f"Cannot route to {bus_info.path}: {result.error}")
            return result
        return Result.success({"bus": bus_info.model_dump(), "count": len(entries)})

    def save(self) -> Result:
        """Save the project (``project.save``)."""
        result = self._call(PROJECT_SAVE, {})
        if not result.ok:
            return Result.failure(
                result.code or ErrorCode.WAAPI_ERROR, f"Saving the Wwise project failed: {result.error}"
            )
        return Result.success({"saved": True, "project": self._info.project_path or None})

    def create_events(
        self,
        targets: Sequence[ObjectInfo],
        parent: str,
        *,
        prefix: str = "Play_",
        on_name_conflict: str = "merge",
    ) -> Result:
        """One Play event per target under ``parent``, all in one call; data: list of ObjectInfo dicts."""
        if not targets:
            return Result.success([])
        found = self.get_object(parent, what="event parent")
        if not found.ok:
            return found
        parent_info = ObjectInfo.model_validate(found.data)
        children = [
            {
                "type": "Event",
                "name": f"{prefix}{target.name}",
                "children": [{"type": "Action", "name": "", "@ActionType": 1, "@Target": target.id}],
            }
            for target in targets
        ]
        created = self._create_children(parent_info, children, on_name_conflict)
        if not created.ok:
            return Result.failure(
                created.code or ErrorCode.CREATE_FAILED,
                f"Creating Play events under {parent_info.path} failed: {created.error}",
            )
        return Result.success(self._events_created(parent_info, children, created.data))

    def _create_children(
        self, parent: ObjectInfo, children: list[dict[str, Any]], on_name_conflict: str
    ) -> Result:
        """Create ``children`` under ``parent``: one ``object.set`` (2022.1+) or one ``object.create``
        each; data: the rows Wwise returned."""
        if self._has_object_set():
            objects = [{"object": parent.id, "children": children}]
            result = self._call(OBJECT_SET, {"objects": objects, "onNameConflict": on_name_conflict})
            if not result.ok:
                return result
            return Result.success((result.data.get("objects") or [{}])[0].get("children") or [])
        created = []
        for child in children:
            args = {"parent": parent.id, "onNameConflict": on_name_conflict, **child}
            result = self._call(OBJECT_CREATE, args)
            if not result.ok:
                return result
            created.append(result.data)
        return Result.success(created)

    def _events_created(
        self, parent: ObjectInfo, children: list[dict[str, Any]], created: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The events as ObjectInfo dicts, ids Wwise did not return (merged events) read back."""
        by_name = {row.get("name"): row for row in created}
        events = [
            ObjectInfo(
                id=by_name.get(child["name"], {}).get("id", ""),
                name=child["name"],
                path=f"{parent.path}\\{child['name']}",
                type="Event",
            ).model_dump()
            for child in children
        ]
        if any(not e["id"] for e in events):
            listed = self.descendants(parent.path, ["Event"])
            ids = {row["path"]: row["id"] for row in listed.data or []} if listed.ok else {}
            for event in events:
                event["id"] = event["id"] or ids.get(event["path"], "")
        return events


def _at_keys(values: Mapping[str, Any]) -> dict[str, Any]:
    return {"@" + key.lstrip("@"): value for key, value in values.items()}
