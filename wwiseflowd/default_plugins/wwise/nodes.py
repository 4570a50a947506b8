"""The Wwise node types: each runs one bus command through ``ctx.command`` (never WAAPI directly).

All use resource ``"waapi"`` (served by the ``wwise`` backend), so Wwise steps never overlap. Node
types that create objects have a ``verify`` step: a memoised result whose object was deleted in
Wwise since is stale, and the node runs again. ``audioImport`` also remembers the size and mtime of
each file it imported: a file changed on disk at the same path makes the memo stale too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import Field

from wwiseflowd.default_plugins.wwise.commands import (
    AudioImportInput,
    CreateEventInput,
    CreateObjectInput,
    CreateSoundInput,
    ObjectRef,
    ProjectSaveInput,
    QueryWaqlInput,
    SetOutputBusInput,
    SetPropertyInput,
    SetReferenceInput,
)
from wwiseflowd.default_plugins.wwise.preflight import creating, objects_named
from wwiseflowd.registry import NodeContext, NodeSpec, RunFn, VerifyFn
from wwiseflowd.results import Result

RESOURCE = "waapi"


class SetOutputBusNodeInput(SetOutputBusInput):
    """Route objects to a bus."""

    # required here (optional for the command) so that an edge from a creating node fills it

    objectId: ObjectRef | list[ObjectRef] = Field(
        description="The object to route (GUID or path), or a list of them; filled from the upstream "
        "node's objectId when wired by an edge.",
        examples=["\\Actor-Mixer Hierarchy\\Default Work Unit\\Footstep"],
    )


class CreateEventNodeInput(CreateEventInput):
    """Create a Play event for each target."""

    # required here (optional for the command) so that an edge from a creating node fills it

    objectId: ObjectRef | list[ObjectRef] = Field(
        description="The object to play (GUID or path), or a list of them: one event each.",
        examples=["\\Actor-Mixer Hierarchy\\Default Work Unit\\Footstep"],
    )


def via(command: str) -> RunFn:
    """A node run that sends its validated inputs to bus command ``command``."""

    def run(inputs: Any, ctx: NodeContext) -> Result:
        return ctx.command(command, inputs.model_dump(mode="json"))

    run.__name__ = f"run_{command}"
    return run


def objects_exist(*fields: str) -> VerifyFn:
    """A verify step: every object id found in the cached output's ``fields`` still exists."""

    def verify(cached: Any, ctx: NodeContext) -> bool:
        ids: list[str] = []
        for name in fields:
            value = (cached or {}).get(name)
            ids.extend([value] if isinstance(value, str) else [v for v in value or [] if isinstance(v, str)])
        if not ids:
            return True
        waql = "$ " + ", ".join(f'"{ref}"' for ref in dict.fromkeys(ids))
        found = ctx.command("query_waql", {"waql": waql, "returnFields": ["id"]})
        return found.ok and found.data["count"] >= len(set(ids))

    return verify


def fingerprints(paths: Iterable[str]) -> dict[str, list[int] | None]:
    """``{path: [size, mtime_ns]}`` (None for a file that cannot be read): cheap change detection."""
    out: dict[str, list[int] | None] = {}
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            out[path] = None
        else:
            out[path] = [st.st_size, st.st_mtime_ns]
    return out


def _import_paths(inputs: AudioImportInput) -> list[str]:
    if inputs.filePath is not None:
        return [inputs.filePath]
    return [f if isinstance(f, str) else f.path for f in inputs.files or []]


def run_audio_import(inputs: AudioImportInput, ctx: NodeContext) -> Result:
    """``audio_import``, with the imported files' fingerprints kept in the output as ``sourceFiles``."""
    sources = fingerprints(_import_paths(inputs))  # taken before: a file replaced meanwhile reads as changed
    result = ctx.command("audio_import", inputs.model_dump(mode="json"))
    if not result.ok or not isinstance(result.data, dict):
        return result
    return Result.success({**result.data, "sourceFiles": sources})


def audio_import_verify(cached: Any, ctx: NodeContext) -> bool:
    """A memoised import is stale when a source file changed on disk or an imported object is gone."""
    recorded = (cached or {}).get("sourceFiles") or {}
    if recorded and fingerprints(recorded) != recorded:
        return False
    return _imported_objects_exist(cached, ctx)


_imported_objects_exist = objects_exist("objectIds")

_OBJECT_OUT = ("objectId", "name", "path", "type")

NODE_TYPES: tuple[NodeSpec, ...] = (
    NodeSpec(
        type="createSound",
        title="Create Sound",
        description="Create a Sound (no audio yet) under a Work Unit, folder or container. With "
        "onNameConflict=merge an existing Sound of that name is reused.",
        inputs=CreateSoundInput,
        outputs=_OBJECT_OUT,
        run=via("create_sound"),
        verify=objects_exist("objectId"),
        resource=RESOURCE,
        preflight=creating(objects_named(("parentPath", "parent"))),
    ),
    NodeSpec(
        type="createObject",
        title="Create object",
        description="Create any Wwise object (Actor-Mixer, Random Container, Folder, Bus, ...) with "
        "optional properties.",
        inputs=CreateObjectInput,
        outputs=_OBJECT_OUT,
        run=via("create_object"),
        verify=objects_exist("objectId"),
        resource=RESOURCE,
        preflight=creating(objects_named(("parentPath", "parent"))),
    ),
    NodeSpec(
        type="audioImport",
        title="Import audio",
        description="Import WAV files. One file: objectId + filePath replaces a Sound's audio in place "
        "(or creates a Sound under a container). A batch: files + targetPath, chunked, with variation "
        "grouping into Random Containers, sub-folder mirroring, bus routing and Play events. Broken "
        "files fail alone; the node fails only when no file was imported.",
        inputs=AudioImportInput,
        outputs=(
            "objectId",
            "objectPath",
            "objects",
            "files",
            "failed",
            "objectIds",
            "topLevel",
            "topLevelIds",
            "events",
            "targetPath",
            "sourceFiles",
        ),
        run=run_audio_import,
        verify=audio_import_verify,
        resource=RESOURCE,
        preflight=objects_named(
            ("objectId", "import target"), ("targetPath", "targetPath"), ("outputBus", "output bus")
        ),
        modes=(("objectId", "filePath"), ("files", "targetPath")),
    ),
    NodeSpec(
        type="setOutputBus",
        title="Set output bus",
        description="Route one or more objects to a Bus (ticks Override parent so it takes effect).",
        inputs=SetOutputBusNodeInput,
        outputs=("objectId", "objectIds", "busPath"),
        run=via("set_output_bus"),
        resource=RESOURCE,
        preflight=objects_named(("objectId", "object"), ("busPath", "bus")),
    ),
    NodeSpec(
        type="setProperty",
        title="Set property",
        description="Set one property (Volume, Pitch, IsStreamingEnabled, ...) of an object.",
        inputs=SetPropertyInput,
        outputs=("objectId", "property", "value"),
        run=via("set_property"),
        resource=RESOURCE,
        preflight=objects_named(("objectId", "object")),
    ),
    NodeSpec(
        type="setReference",
        title="Set reference",
        description="Point a reference (OutputBus, Attenuation, Conversion, ...) of an object at another "
        "object, or clear it with null.",
        inputs=SetReferenceInput,
        outputs=("objectId", "reference", "value"),
        run=via("set_reference"),
        resource=RESOURCE,
        preflight=objects_named(("objectId", "object"), ("value", "referenced object")),
    ),
    NodeSpec(
        type="queryWaql",
        title="WAQL query",
        description="Run a WAQL query and output the matching objects; changes nothing.",
        inputs=QueryWaqlInput,
        outputs=("objects", "count"),
        run=via("query_waql"),
        read_only=True,
        resource=RESOURCE,
    ),
    NodeSpec(
        type="createEvent",
        title="Create Play events",
        description="Create one Play event per object (Play_<name>) under the Events hierarchy.",
        inputs=CreateEventNodeInput,
        outputs=("objectId", "eventIds", "events"),
        run=via("create_event"),
        verify=objects_exist("eventIds"),
        resource=RESOURCE,
        preflight=objects_named(("objectId", "event target"), ("parentPath", "events parent")),
    ),
    NodeSpec(
        type="projectSave",
        title="Save project",
        description="Save the Wwise project. Set enabled=false (e.g. from a workflow input) to skip.",
        inputs=ProjectSaveInput,
        outputs=("saved", "project"),
        run=via("project_save"),
        resource=RESOURCE,
    ),
)


def register_all(register: Callable[[NodeSpec], None]) -> None:
    """Register every Wwise node type."""
    for spec in NODE_TYPES:
        register(spec)
