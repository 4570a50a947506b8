"""Replay preconditions, all checked before anything changes: objects, paths and source audio.

- every object id a step names that the run did not create must resolve in the target project
  (by the path recorded with it, or by the id itself);
- every object path a step names must exist, unless an earlier step of the run created it, or the
  command creates missing folders itself (a field marked ``json_schema_extra={"createsMissing": True}``,
  e.g. ``audio_import``'s ``targetPath``), in which case the path's Work Unit must exist;
- every source file a command recorded in ``data.sourceSha256`` must exist with that hash
  (a changed file is an error unless ``allow_changed_audio``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from wwiseflowd.daemon.rules import sha256_file
from wwiseflowd.replay.steps import IdMap, RecordedStep, guid_of, object_path, strings
from wwiseflowd.results import ErrorCode, Result

#: ``lookup(ref) -> Result``: ok with ``{"id", "path", ...}``, or OBJECT_NOT_FOUND
Lookup = Callable[[str], Result]
#: the key under which a command records the source files it read, ``{path: sha256}``
SOURCE_KEY = "sourceSha256"
#: ``relocate(path, sha256) -> path now`` for a recorded file no longer at its path (or None)
Relocate = Callable[[str, str | None], str | None]


class Problem(BaseModel):
    """One precondition that does not hold."""

    code: str
    message: str
    step: int | None = None
    command: str | None = None
    object: str | None = None


def check_all(
    steps: list[RecordedStep], ids: IdMap, lookup: Lookup, *,
    creates_missing: Callable[[str], set[str]], allow_changed_audio: bool,
    relocate: Relocate = lambda path, digest: None,
) -> list[Problem]:
    """Every problem, in step order; resolves pre-existing ids into ``ids.mapping`` on the way."""
    lookup = _cached(lookup)
    problems: list[Problem] = []
    created_paths: set[str] = set()
    for step in steps:
        problems += _external_ids(step, ids, lookup)
        problems += _paths(step, ids, lookup, created_paths, creates_missing(step.command))
        problems += _sources(step, ids, relocate, allow_changed_audio)
        created_paths |= _created_paths(step, ids)
    return problems


def _cached(lookup: Lookup) -> Lookup:
    seen: dict[str, Result] = {}

    def cached(ref: str) -> Result:
        key = ref.lower()
        if key not in seen:
            seen[key] = lookup(ref)
        return seen[key]

    return cached


def _external_ids(step: RecordedStep, ids: IdMap, lookup: Lookup) -> list[Problem]:
    problems = []
    for guid in ids.external(step):
        if guid in ids.mapping:
            continue
        path = ids.path_of.get(guid)
        found = lookup(path or guid)
        if found.ok and isinstance(found.data, dict):
            ids.mapping[guid] = str(found.data.get("id") or guid)
            continue
        where = f"{path} (id {guid} in the recorded project)" if path else f"object {guid}"
        problems.append(Problem(
            code=ErrorCode.OBJECT_NOT_FOUND, step=step.index, command=step.command, object=path or guid,
            message=f"Step {step.index} ({step.command}) uses {where}, which is not in the target project.",
        ))
    return problems


def _paths(
    step: RecordedStep, ids: IdMap, lookup: Lookup, created: set[str], creating_fields: set[str]
) -> list[Problem]:
    problems = []
    for key, value in _path_fields(step.payload):
        path = object_path(value)
        if path is None or _under(path, created) or lookup(path).ok:
            continue
        if key in creating_fields:
            work_unit = "\\".join(path.split("\\")[:3])
            if lookup(work_unit).ok:
                continue
            path = work_unit
        problems.append(Problem(
            code=ErrorCode.OBJECT_NOT_FOUND, step=step.index, command=step.command, object=path,
            message=f"Step {step.index} ({step.command}) needs {path}, which is not in the target project.",
        ))
    return problems


def _path_fields(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """(top-level field, path string) for every object path in a payload."""
    return [(key, text) for key, value in payload.items() for text in strings(value) if object_path(text)]


def _under(path: str, created: set[str]) -> bool:
    lowered = path.lower()
    return any(lowered == c or lowered.startswith(c + "\\") for c in created)


def _created_paths(step: RecordedStep, ids: IdMap) -> set[str]:
    return {ids.path_of[g].lower() for g, index in ids.produced.items()
            if index == step.index and g in ids.path_of}


def _sources(step: RecordedStep, ids: IdMap, relocate: Relocate, allow_changed_audio: bool) -> list[Problem]:
    recorded = step.result.get(SOURCE_KEY) if isinstance(step.result, dict) else None
    problems = []
    for file, digest in (recorded or {}).items():
        path = Path(file)
        moved = None if path.is_file() else relocate(file, digest)
        if moved is not None and Path(moved).is_file():
            ids.files[file], path = moved, Path(moved)  # the payload names the file where it is now
        if not path.is_file():
            problems.append(Problem(
                code=ErrorCode.FILE_NOT_FOUND, step=step.index, command=step.command, object=file,
                message=f"Step {step.index} ({step.command}) imports {file}, which no longer exists.",
            ))
        elif digest and not allow_changed_audio and sha256_file(path) != digest:
            problems.append(Problem(
                code=ErrorCode.AUDIO_CHANGED, step=step.index, command=step.command, object=file,
                message=f"Step {step.index} ({step.command}) imports {file}, which changed since it was "
                        f"recorded; restore it or replay with --allow-changed-audio.",
            ))
    return problems


def creating_fields(input_model: type[BaseModel] | None) -> set[str]:
    """Fields of a command's input model marked ``createsMissing`` (the command creates those paths)."""
    if input_model is None:
        return set()
    marked = set()
    for name, info in input_model.model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and extra.get("createsMissing"):
            marked.add(name)
    return marked


__all__ = ["Lookup", "Problem", "SOURCE_KEY", "check_all", "creating_fields", "guid_of"]
