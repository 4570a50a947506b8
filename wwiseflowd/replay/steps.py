"""What a replay re-applies: the recorded mutating commands of one execution, and the id map between projects.

An object id (GUID) in a recorded payload is one of two kinds:

- *created by the run*: it first appears in the result of an earlier step (``create_sound`` returned
  it). The replay learns the new id when it re-runs that step, by walking the recorded result and the
  new result side by side (:meth:`IdMap.learn`), and later payloads get the new id;
- *already there*: the run found it in the project. The replay re-resolves it by the path recorded
  next to it (objects in results carry ``id`` + ``path``), so the target project's object at that
  path is used; with no recorded path the id itself must exist in the target.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

_GUID = re.compile(r"^\{[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\}$")
_ID_KEYS = ("id", "objectId")
_PATH_KEYS = ("path", "objectPath")


def guid_of(value: Any) -> str | None:
    """The GUID (lower case) a string names (``{...}`` or ``id:{...}``), else None."""
    if not isinstance(value, str):
        return None
    text = value.removeprefix("id:")
    return text.lower() if _GUID.match(text) else None


def object_path(value: Any) -> str | None:
    """The value when it is a Wwise object path (``\\Category\\...``, not a ``\\\\server`` share)."""
    if isinstance(value, str) and value.startswith("\\") and not value.startswith("\\\\"):
        return value
    return None


def strings(value: Any) -> Iterable[str]:
    """Every string inside a JSON value."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class RecordedStep(BaseModel):
    """One recorded bus command to re-apply."""

    index: int
    command: str
    node: str | None = None
    payload: dict[str, Any]
    result: Any = None
    #: where it was logged (``audit-2026-12-02.jsonl`` line 7)
    file: str | None = None
    line: int | None = None


def recorded_steps(
    entries: list[dict[str, Any]], mutating: Callable[[str], bool | None]
) -> list[RecordedStep]:
    """The successful mutating commands of an execution, in the order they ran.

    ``mutating(name)`` is True for a command that changes the project, False for a read-only one,
    None for one no loaded plugin provides (kept: the replay reports it).
    """
    steps: list[RecordedStep] = []
    for entry in entries:
        result = entry.get("result") or {}
        if not result.get("ok") or mutating(str(entry.get("command"))) is False:
            continue
        payload = entry.get("payload")
        steps.append(RecordedStep(
            index=len(steps) + 1, command=str(entry.get("command")), node=entry.get("node"),
            payload=payload if isinstance(payload, dict) else {}, result=result.get("data"),
            file=entry.get("file"), line=entry.get("line"),
        ))
    return steps


@dataclass
class IdMap:
    """Original ids -> ids in the target project, plus what the recording says about each id."""

    #: original GUID -> the step whose result first produced it
    produced: dict[str, int] = field(default_factory=dict)
    #: original GUID -> the path recorded with it
    path_of: dict[str, str] = field(default_factory=dict)
    #: original GUID -> GUID in the target project
    mapping: dict[str, str] = field(default_factory=dict)
    #: recorded source file -> where it is now (the daemon moved it to processed/)
    files: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_steps(cls, steps: list[RecordedStep]) -> IdMap:
        """Learn which ids each step created and the path recorded with every id."""
        ids = cls()
        seen: set[str] = set()
        for step in steps:
            before = {g for g in map(guid_of, strings(step.payload)) if g}
            seen |= before
            for guid in {g for g in map(guid_of, strings(step.result)) if g} - seen:
                ids.produced[guid] = step.index
            seen |= set(ids.produced)
            for record in _objects(step.payload, step.result):
                guid_found = guid_of(_first(record, _ID_KEYS))
                path = object_path(_first(record, _PATH_KEYS))
                if guid_found and path:
                    ids.path_of.setdefault(guid_found, path)
        return ids

    def external(self, step: RecordedStep) -> list[str]:
        """GUIDs a step names that no earlier step created (they must be in the target already)."""
        found = {g for g in map(guid_of, strings(step.payload)) if g}
        return sorted(g for g in found if self.produced.get(g, step.index) >= step.index)

    def learn(self, recorded: Any, replayed: Any) -> None:
        """Map every GUID of a recorded result to the GUID at the same place in the replayed one."""
        stack = [(recorded, replayed)]
        while stack:
            old, new = stack.pop()
            if isinstance(old, dict) and isinstance(new, dict):
                stack.extend((old[k], new[k]) for k in old.keys() & new.keys())
            elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
                stack.extend(zip(old, new, strict=True))
            else:
                old_id, new_id = guid_of(old), guid_of(new)
                if old_id and new_id and isinstance(new, str):
                    self.mapping.setdefault(old_id, new.removeprefix("id:"))

    def remap(self, payload: Any, placeholder: Callable[[str], str] | None = None) -> Any:
        """``payload`` with every known original id replaced by its target id.

        ``placeholder(guid)`` names an id still unknown (a dry run never creates the objects).
        """
        if isinstance(payload, dict):
            return {k: self.remap(v, placeholder) for k, v in payload.items()}
        if isinstance(payload, list):
            return [self.remap(v, placeholder) for v in payload]
        guid = guid_of(payload)
        if guid is None:
            return self.files.get(payload, payload) if isinstance(payload, str) else payload
        if guid in self.mapping:
            return self.mapping[guid]
        return placeholder(guid) if placeholder is not None and guid in self.produced else payload


def _objects(*values: Any) -> Iterable[dict[str, Any]]:
    stack = list(values)
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in record:
            return record[key]
    return None
