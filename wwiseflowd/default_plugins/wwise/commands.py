"""The Wwise bus commands: each a pydantic input model plus ``handler(model, ctx) -> Result``.

Handlers reach Wwise only through the adapter (``ctx.backend("wwise")``) and never raise: an
unexpected exception becomes an INTERNAL Result (see :func:`guarded`). The input models double as
the node types' input models (:mod:`.nodes`), so their field descriptions and examples are what
forms, ``wwiseflowd nodes`` and AI assistants see.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from loguru import logger
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from wwiseflowd.config import DEFAULT_BUS, DEFAULT_TARGET
from wwiseflowd.daemon.rules import sha256_file
from wwiseflowd.default_plugins.wwise.adapter import WaapiAdapter
from wwiseflowd.default_plugins.wwise.batch import (
    DEFAULT_VARIATION_PATTERN,
    BatchFile,
    compile_pattern,
    originals_subfolder,
    plan_batch,
    provenance_note,
)
from wwiseflowd.default_plugins.wwise.models import ImportItem, ObjectInfo, wwise_name
from wwiseflowd.registry import CommandContext
from wwiseflowd.results import ErrorCode, Result

#: the backend name the commands use; node types name its resource "waapi"
BACKEND = "wwise"
DEFAULT_EVENTS_PARENT = "\\Events\\Default Work Unit"

ObjectRef = str
Value = float | int | bool | str | None
NameConflict = Literal["merge", "rename", "replace", "fail"]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


_OBJECT_ID = Field(
    description="The object: its GUID ({...} or id:{...}) or its absolute path.",
    examples=["\\Actor-Mixer Hierarchy\\Default Work Unit\\Footstep"],
)


# -- input models --------------------------------------------------------------------------------


class CreateSoundInput(_Input):
    """Create a Sound (an SFX container with no audio yet)."""

    name: str = Field(description="Name of the new Sound.", examples=["Footstep_Concrete"], min_length=1)
    parentPath: ObjectRef = Field(
        DEFAULT_TARGET,
        description="Where to create it: a Work Unit, Virtual Folder, Actor-Mixer or container "
        "(path or GUID).",
        examples=[DEFAULT_TARGET],
    )
    onNameConflict: NameConflict = Field(
        "merge",
        description="If the parent already has a child of that name: merge (reuse it), rename "
        "(append _01, _02, ...), replace (delete and recreate) or fail.",
    )
    notes: str | None = Field(None, description="Notes shown in Wwise's Property Editor.")


class CreateObjectInput(CreateSoundInput):
    """Create any Wwise object."""

    type: str = Field(
        description="WAAPI type of the new object.",
        examples=["ActorMixer", "RandomSequenceContainer", "Folder", "Bus", "Event", "SwitchContainer"],
    )
    properties: dict[str, Value] = Field(
        default_factory=dict,
        description='Properties to set at creation, e.g. {"Volume": -6}.',
        examples=[{"Volume": -6, "IsStreamingEnabled": True}],
    )


class AudioImportInput(_Input):
    """Import audio: one file onto an object, or a batch of files under a target path."""

    objectId: ObjectRef | None = Field(
        None,
        description="Single mode: the Sound whose audio the file replaces, or the container/folder "
        "to create a Sound in (named after the file).",
    )
    filePath: str | None = Field(
        None,
        description="Single mode: absolute path of the WAV file.",
        examples=["/audio/Footstep_Concrete_01.wav"],
    )
    files: list[str | BatchFile] | None = Field(
        None,
        description="Batch mode: absolute paths, or objects {path, relativeDir, sha256} from a drop folder.",
        examples=[["/drop/SFX/Footstep_Concrete_01.wav", "/drop/SFX/Footstep_Concrete_02.wav"]],
    )
    targetPath: ObjectRef | None = Field(
        None,
        description="Batch mode: where the Sounds go. Missing folders below an existing Work Unit are "
        "created as Virtual Folders.",
        examples=[DEFAULT_TARGET + "\\SFX"],
        json_schema_extra={"createsMissing": True},  # replay checks only its Work Unit exists
    )
    onNameConflict: Literal["replace_audio", "rename", "fail"] = Field(
        "replace_audio",
        description="When a Sound of that name exists: replace_audio (swap its audio in place, keeping its "
        "settings and id), rename (new Sound _01, _02, ...) or fail (that file fails with NAME_CONFLICT).",
    )
    language: str = Field(
        "SFX",
        description="'SFX', or a project language (e.g. 'English(US)') to import Sound Voice objects.",
        examples=["SFX", "English(US)"],
    )
    originalsSubfolder: str = Field(
        "{relative_dir}",
        description="Sub-folder of Originals/SFX (or the language) for the WAV copies. Placeholders: "
        "{relative_dir} (the file's sub-folder in the drop), {base} (variation base name).",
    )
    variationPattern: str | None = Field(
        DEFAULT_VARIATION_PATTERN,
        description="Regex with named groups base and index: files sharing a base (Footstep_01, "
        "Footstep_02) become one Random Container. null disables grouping.",
    )
    mirrorSubfolders: bool = Field(True, description="Recreate the files' sub-folders as Virtual Folders.")
    outputBus: ObjectRef | None = Field(
        None, description="Route the imported top-level objects to this bus.", examples=[DEFAULT_BUS]
    )
    properties: dict[str, Value] = Field(
        default_factory=dict, description="Properties set on every imported Sound.", examples=[{"Volume": -3}]
    )
    createEvents: bool = Field(False, description="Create a Play event for each imported top-level object.")
    eventTarget: ObjectRef = Field(DEFAULT_EVENTS_PARENT, description="Where the Play events go.")
    provenanceNotes: bool = Field(
        True, description="Write source file, sha256 and execution id into each Sound's notes."
    )
    chunkSize: int | None = Field(
        None, ge=1, le=10_000, description="Files per import call (default: [wwise] import_chunk_size)."
    )
    allowEmpty: bool = Field(
        False, description="Batch mode: an empty files list succeeds and imports nothing (e.g. after a "
        "render in which nothing changed) instead of failing with INVALID_INPUT.",
    )

    @field_validator("variationPattern")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        compile_pattern(value)  # a ValueError here names the missing group
        return value

    @field_validator("originalsSubfolder")
    @classmethod
    def _template(cls, value: str) -> str:
        originals_subfolder(value, BatchFile(path="/x.wav"), "x")  # a ValueError names the placeholders
        return value

    @model_validator(mode="after")
    def _one_mode(self) -> AudioImportInput:
        single = self.objectId is not None or self.filePath is not None
        batch = self.files is not None or self.targetPath is not None
        if single and batch:
            raise ValueError(
                "give either objectId + filePath (one file) or files + targetPath (a batch), not both"
            )
        if single and (self.objectId is None or self.filePath is None):
            raise ValueError("single-file import needs both objectId and filePath")
        if batch and (self.files is None or self.targetPath is None):
            raise ValueError("batch import needs both files and targetPath")
        if not single and not batch:
            raise ValueError("nothing to import: give objectId + filePath, or files + targetPath")
        return self

    def batch_files(self) -> list[BatchFile]:
        """``files`` as :class:`BatchFile` objects."""
        return [BatchFile(path=f) if isinstance(f, str) else f for f in self.files or []]


class _ManyObjects(_Input):
    """Inputs naming one or several objects to act on."""

    objectId: ObjectRef | list[ObjectRef] | None = Field(
        None, description="The object (GUID or path), or a list of them."
    )
    objectIds: list[ObjectRef] | None = Field(None, description="More objects, handled in the same call.")

    @model_validator(mode="after")
    def _some_object(self) -> _ManyObjects:
        if not self.objectId and not self.objectIds:
            raise ValueError("give objectId or objectIds: the objects to act on")
        return self

    def targets(self) -> list[str]:
        """objectId and objectIds, in order, without duplicates."""
        first = [self.objectId] if isinstance(self.objectId, str) else list(self.objectId or [])
        return list(dict.fromkeys([r for r in first + list(self.objectIds or []) if r]))


class SetOutputBusInput(_ManyObjects):
    """Route objects to a bus."""

    busPath: ObjectRef = Field(
        DEFAULT_BUS, description="The Bus or Aux Bus (path, GUID or Bus:Name).", examples=[DEFAULT_BUS]
    )


class SetPropertyInput(_Input):
    """Set one property of one object."""

    objectId: ObjectRef = _OBJECT_ID
    property: str = Field(
        description="Property name as WAAPI spells it.",
        examples=["Volume", "Pitch", "IsStreamingEnabled", "IsLoopingEnabled"],
    )
    value: Value = Field(description="New value (number, boolean or string).", examples=[-6])
    platform: str | None = Field(None, description="Only for this platform (unlinked value).")


class SetReferenceInput(_Input):
    """Point one reference of one object at another object."""

    objectId: ObjectRef = _OBJECT_ID
    reference: str = Field(
        description="Reference name.", examples=["OutputBus", "Attenuation", "Conversion", "Target"]
    )
    value: ObjectRef | None = Field(
        description="The referenced object (path, GUID or Type:Name); null clears it."
    )
    platform: str | None = Field(None, description="Only for this platform.")


class QueryWaqlInput(_Input):
    """Run a WAQL query (read-only)."""

    waql: str = Field(description="The query.", examples=['$ from type Sound where name : "footstep"'])
    returnFields: list[str] = Field(
        default_factory=lambda: ["id", "name", "path", "type"],
        description="Accessors to return per object.",
        examples=[["id", "name", "path", "Volume"]],
    )


class CreateEventInput(_ManyObjects):
    """Create a Play event for each target."""

    parentPath: ObjectRef = Field(DEFAULT_EVENTS_PARENT, description="Where the events go.")
    namePrefix: str = Field("Play_", description="Event name = prefix + target name.")
    onNameConflict: NameConflict = Field("merge", description="If an event of that name exists.")


class ProjectSaveInput(_Input):
    """Save the Wwise project."""

    enabled: bool = Field(True, description="False skips saving (lets a workflow input switch it off).")


class GetObjectInput(_Input):
    """Look an object up (read-only)."""

    objectId: ObjectRef = _OBJECT_ID


# -- handlers -------------------------------------------------------------------------------------


Handler = Callable[[Any, CommandContext], Result]


def guarded(handler: Handler) -> Handler:
    """Wrap a handler so an unexpected exception becomes an INTERNAL Result instead of escaping the bus."""

    @functools.wraps(handler)
    def run(model: Any, ctx: CommandContext) -> Result:
        try:
            return handler(model, ctx)
        except Exception as exc:
            logger.error("command {} crashed: {}", handler.__name__, traceback.format_exc())
            return Result.failure(
                ErrorCode.INTERNAL,
                f"{handler.__name__} failed unexpectedly ({exc!r}); "
                "this is a wwiseflowd bug, please report it with the log.",
            )

    return run


def _adapter(ctx: CommandContext) -> WaapiAdapter:
    adapter: WaapiAdapter = ctx.backend(BACKEND)
    return adapter


def _object_output(info: dict[str, Any]) -> dict[str, Any]:
    return {"objectId": info["id"], "name": info["name"], "path": info["path"], "type": info.get("type", "")}


@guarded
def create_sound(inp: CreateSoundInput, ctx: CommandContext) -> Result:
    """Create a Sound; data: objectId, name, path, type."""
    result = _adapter(ctx).create_object(
        inp.parentPath, "Sound", inp.name, on_name_conflict=inp.onNameConflict, notes=inp.notes
    )
    return Result.success(_object_output(result.data)) if result.ok else result


@guarded
def create_object(inp: CreateObjectInput, ctx: CommandContext) -> Result:
    """Create an object of any type; data: objectId, name, path, type."""
    result = _adapter(ctx).create_object(
        inp.parentPath,
        inp.type,
        inp.name,
        on_name_conflict=inp.onNameConflict,
        properties=inp.properties,
        notes=inp.notes,
    )
    return Result.success(_object_output(result.data)) if result.ok else result


@guarded
def set_output_bus(inp: SetOutputBusInput, ctx: CommandContext) -> Result:
    """Route objects to a bus; data: objectId (the first), objectIds, busPath."""
    targets = inp.targets()
    result = _adapter(ctx).set_output_bus(targets, inp.busPath)
    if not result.ok:
        return result
    return Result.success(
        {"objectId": targets[0], "objectIds": targets, "busPath": result.data["bus"]["path"]}
    )


@guarded
def set_property(inp: SetPropertyInput, ctx: CommandContext) -> Result:
    """Set one property; data: objectId, property, value."""
    return _adapter(ctx).set_property(inp.objectId, inp.property, inp.value, inp.platform)


@guarded
def set_reference(inp: SetReferenceInput, ctx: CommandContext) -> Result:
    """Set one reference; data: objectId, reference, value."""
    return _adapter(ctx).set_reference(inp.objectId, inp.reference, inp.value, inp.platform)


@guarded
def query_waql(inp: QueryWaqlInput, ctx: CommandContext) -> Result:
    """Run WAQL; data: objects (rows), count."""
    result = _adapter(ctx).query(inp.waql, inp.returnFields)
    return Result.success({"objects": result.data, "count": len(result.data)}) if result.ok else result


@guarded
def get_object(inp: GetObjectInput, ctx: CommandContext) -> Result:
    """Look an object up; data: exists, objectId, name, path, type (OBJECT_NOT_FOUND when absent)."""
    result = _adapter(ctx).get_object(inp.objectId)
    return Result.success({"exists": True, **_object_output(result.data)}) if result.ok else result


@guarded
def create_event(inp: CreateEventInput, ctx: CommandContext) -> Result:
    """One Play event per target; data: objectId (first event), eventIds, events."""
    adapter = _adapter(ctx)
    targets = []
    for ref in inp.targets():
        found = adapter.get_object(ref, what="event target")
        if not found.ok:
            return found
        targets.append(ObjectInfo.model_validate(found.data))
    result = adapter.create_events(
        targets, inp.parentPath, prefix=inp.namePrefix, on_name_conflict=inp.onNameConflict
    )
    if not result.ok:
        return result
    return Result.success(
        {"objectId": result.data[0]["id"], "eventIds": [e["id"] for e in result.data], "events": result.data}
    )


@guarded
def project_save(inp: ProjectSaveInput, ctx: CommandContext) -> Result:
    """Save the project; data: saved (False when ``enabled`` is False)."""
    if not inp.enabled:
        return Result.success({"saved": False})
    return _adapter(ctx).save()


@guarded
def audio_import(inp: AudioImportInput, ctx: CommandContext) -> Result:
    """Import one file onto an object, or a batch under a target; see docs/wwise-nodes.md for outputs.

    Both modes share one pipeline: check the bus and event parent, plan the import items, import
    and verify them (adapter), then route, set properties and create events in batched calls.
    """
    if inp.allowEmpty and inp.files == []:
        return _nothing_imported(inp)
    adapter = _adapter(ctx)
    checked = _check_bus_and_event_target(adapter, inp)
    if not checked.ok:
        return checked
    single = inp.filePath is not None
    planned = (
        _plan_single(adapter, inp, ctx.execution_id)
        if single
        else _plan_batch(adapter, inp, ctx.execution_id)
    )
    if not planned.ok:
        return planned
    plan: _Plan = planned.data
    imported = _import_plan(adapter, plan, inp.chunkSize)
    if not imported.ok:
        return imported
    outcomes, sounds = imported.data["files"], imported.data["sounds"]
    failed = [o for o in outcomes if not o["ok"]]
    if not sounds:
        return _none_imported(single, outcomes, failed)
    top = _top_level(plan.items, outcomes, sounds, imported.data["containers"])
    finished = _route_and_announce(adapter, inp, top, sounds, checked.data)
    if not finished.ok:
        return finished
    return Result.success(
        {
            "objectId": sounds[0]["id"] if single else None,
            "objectPath": sounds[0]["path"] if single else None,
            "objects": sounds,
            "files": outcomes,
            "failed": failed,
            "objectIds": [o["id"] for o in sounds],
            "topLevel": top,
            "topLevelIds": [t["id"] for t in top],
            "events": finished.data,
            "targetPath": plan.target_path,
            # what replay checks before importing these files again (docs/replay.md)
            "sourceSha256": _source_hashes(inp, outcomes),
        }
    )


def _check_bus_and_event_target(adapter: WaapiAdapter, inp: AudioImportInput) -> Result:
    """Pre-flight the bus and event parent (failing after the import would leave half a job);
    data: the bus id or None."""
    bus_id = None
    if inp.outputBus:
        bus = adapter.resolve_bus(inp.outputBus)
        if not bus.ok:
            return bus
        bus_id = bus.data["id"]
    if inp.createEvents:
        events_parent = adapter.get_object(inp.eventTarget, what="event target")
        if not events_parent.ok:
            return events_parent
    return Result.success(bus_id)


def _import_plan(adapter: WaapiAdapter, plan: _Plan, chunk_size: int | None) -> Result:
    """Import the planned items but the name conflicts; data: ``files`` (one outcome per planned
    item, conflicts included), ``sounds`` and ``containers`` as the adapter read them back."""
    todo = [i for i in range(len(plan.items)) if i not in plan.conflicts]
    result = adapter.import_audio(
        [plan.items[i] for i in todo], verify_root=plan.verify_root, chunk_size=chunk_size
    )
    if not result.ok:
        return result
    outcomes: list[dict[str, Any]] = [{} for _ in plan.items]
    for index, outcome in zip(todo, result.data["outcomes"], strict=True):
        outcomes[index] = outcome
    for index, conflict in plan.conflicts.items():
        outcomes[index] = conflict
    return Result.success(
        {"files": outcomes, "sounds": result.data["sounds"], "containers": result.data["containers"]}
    )


def _none_imported(single: bool, outcomes: list[dict[str, Any]], failed: list[dict[str, Any]]) -> Result:
    """The failure of an import that brought no file in: the file's own, or the batch's first reasons."""
    if single:
        first = failed[0]
        return Result.failure(first["code"], first["error"], data={"files": outcomes, "failed": failed})
    reasons = "; ".join(f"{o['file']}: {o['error']}" for o in failed[:5])
    more = f" (and {len(failed) - 5} more)" if len(failed) > 5 else ""
    return Result.failure(
        ErrorCode.IMPORT_FAILED,
        f"No file of the batch was imported. {reasons}{more}",
        data={"files": outcomes, "failed": failed},
    )


def _route_and_announce(
    adapter: WaapiAdapter,
    inp: AudioImportInput,
    top: list[dict[str, Any]],
    sounds: list[dict[str, Any]],
    bus_id: str | None,
) -> Result:
    """Route to the bus and set properties (batched), then create the Play events; data: the events."""
    edits = _edits(top, sounds, bus_id, inp.properties)
    if edits:
        applied = adapter.set_objects(edits, chunk_size=inp.chunkSize)
        if not applied.ok:
            return applied
    if not inp.createEvents:
        return Result.success([])
    return adapter.create_events([ObjectInfo.model_validate(t) for t in top], inp.eventTarget)


def _source_hashes(inp: AudioImportInput, outcomes: list[dict[str, Any]]) -> dict[str, str | None]:
    """``{file: sha256}`` of the imported files (the drop journal's hash when it gave one)."""
    known = {f.path: f.sha256 for f in inp.batch_files() if f.sha256}
    hashes: dict[str, str | None] = {}
    for outcome in outcomes:
        file = outcome.get("file")
        if not outcome.get("ok") or not isinstance(file, str):
            continue
        try:
            hashes[file] = known.get(file) or sha256_file(Path(file))
        except OSError:
            hashes[file] = None
    return hashes


@dataclass
class _Plan:
    """What to import: the items, the files refused up front (by index), where to verify."""

    items: list[ImportItem]
    conflicts: dict[int, dict[str, Any]]
    verify_root: str
    target_path: str


def _plan_single(adapter: WaapiAdapter, inp: AudioImportInput, execution_id: str | None) -> Result:
    """One file onto a Sound (replace its audio) or into a container (a Sound named after the file)."""
    assert inp.objectId is not None and inp.filePath is not None
    found = adapter.get_object(inp.objectId, what="import target")
    if not found.ok:
        return found
    target = ObjectInfo.model_validate(found.data)
    file = BatchFile(path=inp.filePath)
    onto_sound = target.type == "Sound"
    parent, _sep, name = (
        target.path.rpartition("\\") if onto_sound else (target.path, "", wwise_name(file.stem))
    )
    item = ImportItem(
        file=file.path,
        parent_path=parent,
        sound_name=name,
        language=inp.language,
        originals_subfolder=originals_subfolder(inp.originalsSubfolder, file, wwise_name(file.stem)),
        notes=provenance_note(file, execution_id) if inp.provenanceNotes else None,
    )
    conflicts: dict[int, dict[str, Any]] = {}
    if not onto_sound and inp.onNameConflict != "replace_audio":
        existing = adapter.descendants(target.path, ["Sound"])
        if not existing.ok:
            return existing
        conflicts = _apply_conflicts([item], {r["path"].lower() for r in existing.data}, inp.onNameConflict)
    return Result.success(_Plan([item], conflicts, target.path, target.path))


def _nothing_imported(inp: AudioImportInput) -> Result:
    """The output of an empty batch with ``allowEmpty`` (a render in which nothing changed)."""
    return Result.success({"objectId": None, "objectPath": None, "objects": [], "files": [], "failed": [],
                           "objectIds": [], "topLevel": [], "topLevelIds": [], "events": [],
                           "targetPath": inp.targetPath})


def _plan_batch(adapter: WaapiAdapter, inp: AudioImportInput, execution_id: str | None) -> Result:
    """Many files under a target: names, variation containers, mirrored folders, name conflicts."""
    files = inp.batch_files()
    if not files:
        return Result.failure(ErrorCode.INVALID_INPUT, "The batch has no files; nothing to import.")
    target = _resolve_target(adapter, inp.targetPath or "")
    if not target.ok:
        return target
    target_path: str = target.data["path"]
    # a target that does not exist yet holds nothing: skip the look-up
    existing = (
        adapter.descendants(target_path, ["Sound", "RandomSequenceContainer"])
        if target.data["exists"]
        else Result.success([])
    )
    if not existing.ok:
        return existing
    items = plan_batch(
        files,
        target_path,
        variation_pattern=inp.variationPattern,
        mirror_subfolders=inp.mirrorSubfolders,
        originals_template=inp.originalsSubfolder,
        language=inp.language,
        existing_containers=[r["path"] for r in existing.data if r["type"] == "RandomSequenceContainer"],
        notes=(lambda f: provenance_note(f, execution_id)) if inp.provenanceNotes else (lambda _f: None),
    )
    sounds = {r["path"].lower() for r in existing.data if r["type"] == "Sound"}
    conflicts = _apply_conflicts(items, sounds, inp.onNameConflict)
    return Result.success(_Plan(items, conflicts, target_path, target_path))


def _apply_conflicts(items: list[ImportItem], sounds: set[str], mode: str) -> dict[int, dict[str, Any]]:
    """Rename items onto free names (``rename``) or refuse them (``fail``); returns the refused."""
    conflicts: dict[int, dict[str, Any]] = {}
    planned: set[str] = set()
    for index, item in enumerate(items):
        key = item.sound_path.lower()
        if mode == "rename" and (key in sounds or key in planned):
            item.sound_name = _free_name(item, sounds | planned)
        elif mode == "fail" and key in sounds:
            conflicts[index] = {
                "file": item.file,
                "ok": False,
                "objectId": None,
                "objectPath": item.sound_path,
                "code": ErrorCode.NAME_CONFLICT,
                "error": f"{item.sound_path} already exists, so {item.file} was not imported; set "
                "onNameConflict to replace_audio or rename to import it anyway.",
            }
        planned.add(item.sound_path.lower())
    return conflicts


def _resolve_target(adapter: WaapiAdapter, ref: str) -> Result:
    """``{"path", "exists"}`` of the target; a missing target is fine when its Work Unit exists
    (the import creates the folders)."""
    found = adapter.get_object(ref, what="targetPath")
    if found.ok:
        return Result.success({"path": found.data["path"], "exists": True})
    if found.code != ErrorCode.OBJECT_NOT_FOUND or not ref.startswith("\\"):
        return found
    segments = ref.strip("\\").split("\\")
    if len(segments) < 3:
        return found
    work_unit = "\\" + "\\".join(segments[:2])
    wu = adapter.get_object(work_unit, what="Work Unit")
    if not wu.ok:
        return Result.failure(
            wu.code or ErrorCode.OBJECT_NOT_FOUND,
            f"targetPath {ref} cannot be created: its Work Unit {work_unit} does not exist. "
            "Create the Work Unit in Wwise first or choose another target.",
        )
    return Result.success({"path": wu.data["path"] + "\\" + "\\".join(segments[2:]), "exists": False})


def _free_name(item: ImportItem, taken: set[str]) -> str:
    base = item.sound_name
    n = 1
    while True:
        item.sound_name = f"{base}_{n:02d}"
        if item.sound_path.lower() not in taken:
            return item.sound_name
        n += 1


def _top_level(
    items: list[ImportItem],
    outcomes: list[dict[str, Any]],
    sounds: list[dict[str, Any]],
    containers: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The imported objects at the top: Random Containers holding variations, or the Sounds themselves."""
    sounds_by_path = {s["path"].lower(): s for s in sounds}
    containers_by_path = {c["path"].lower(): c for c in containers}
    top: dict[str, dict[str, Any]] = {}
    for item, outcome in zip(items, outcomes, strict=True):
        if not outcome.get("ok"):
            continue
        if item.container:
            path = "\\".join([item.parent_path, *item.folders, item.container]).lower()
            row = containers_by_path.get(path)
        else:
            row = sounds_by_path.get(item.sound_path.lower())
        if row is not None:
            top.setdefault(row["id"], {k: row[k] for k in ("id", "name", "path", "type")})
    return list(top.values())


def _edits(
    top: list[dict[str, Any]], sounds: list[dict[str, Any]], bus_id: str | None, properties: dict[str, Value]
) -> list[dict[str, Any]]:
    """One object.set entry per object: bus routing on top-level objects, properties on Sounds."""
    edits: dict[str, dict[str, Any]] = {}
    if bus_id:
        for obj in top:
            edits[obj["id"]] = {
                "object": obj["id"],
                "references": {"OutputBus": bus_id},
                "properties": {"OverrideOutput": True},
            }
    if properties:
        for sound in sounds:
            entry = edits.setdefault(sound["id"], {"object": sound["id"], "properties": {}})
            entry["properties"] = {**entry.get("properties", {}), **properties}
    return list(edits.values())


#: (name, handler, input model, description, read_only) for register_bus_commands
COMMANDS: tuple[tuple[str, Handler, type[BaseModel], str, bool], ...] = (
    ("create_sound", create_sound, CreateSoundInput, "Create a Sound under a parent.", False),
    ("create_object", create_object, CreateObjectInput, "Create a Wwise object of any type.", False),
    (
        "audio_import",
        audio_import,
        AudioImportInput,
        "Import one WAV onto an object, or a batch of WAVs under a target.",
        False,
    ),
    ("set_output_bus", set_output_bus, SetOutputBusInput, "Route objects to a bus.", False),
    ("set_property", set_property, SetPropertyInput, "Set a property of an object.", False),
    ("set_reference", set_reference, SetReferenceInput, "Set a reference of an object.", False),
    ("query_waql", query_waql, QueryWaqlInput, "Run a WAQL query.", True),
    ("create_event", create_event, CreateEventInput, "Create Play events for objects.", False),
    ("project_save", project_save, ProjectSaveInput, "Save the Wwise project.", False),
    ("get_object", get_object, GetObjectInput, "Look up one object.", True),
)
