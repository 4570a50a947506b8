"""Undoing a run without Wwise's undo group: what the run changed, and how to take it back.

Wwise keeps the changes of a client that disconnects with an undo group open. So while a group is
open the adapter records, *before* each write, what the write will touch: the ids under the parent
it creates in (a scope; for a folder the write will create, only that it is absent), and the
current value of each property, reference or note it sets. When the group cannot be cancelled (the
connection dropped), the adapter reconnects and compensates: it restores the recorded values,
deletes every object that appeared in a scope or at an absent folder's path, saves again if the run
had saved, then reads everything back. Only when the read-back matches is the run reported as
rolled back; anything else is named in the report.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wwiseflowd.default_plugins.wwise.destroyed import Kept, keep, new_keep_folder, put_back
from wwiseflowd.default_plugins.wwise.uris import (
    AUDIO_IMPORT,
    OBJECT_CREATE,
    OBJECT_DELETE,
    OBJECT_GET,
    OBJECT_SET,
    PROJECT_SAVE,
    SET_NOTES,
    SET_PROPERTY,
    SET_REFERENCE,
)
from wwiseflowd.results import ErrorCode, Result

#: ``call(uri, args, options) -> Result``: a WAAPI call on the adapter's session
Call = Callable[[str, dict[str, Any], dict[str, Any] | None], Result]


@dataclass
class _Restore:
    object: str
    field: str  # "@Volume", "@OutputBus", "notes"
    value: Any
    kind: str  # "property", "reference" or "notes"
    object_id: str  # the GUID read back with the value
    platform: str | None = None  # a platform-specific (unlinked) value: read and restored for it


@dataclass
class CompensationReport:
    """What compensation did and what it could not undo (empty ``problems``: verified as before)."""

    deleted: list[str] = field(default_factory=list)
    restored: int = 0
    put_back: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the project reads back exactly as before the run."""
        return not self.problems


class ChangeLog:
    """The pre-write record of one open undo group (see the module docstring)."""

    def __init__(self) -> None:
        self.scopes: dict[str, set[str]] = {}
        self.restores: list[_Restore] = []
        self.unrecoverable: list[str] = []
        self.saved = False
        #: objects a write destroyed, as they were (see :mod:`.destroyed`), in the order destroyed
        self.destroyed: list[Kept] = []
        self._kept_folder: Path | None = None
        self._restored_keys: set[tuple[str, str, str | None]] = set()
        #: paths missing when an ancestor's scope was recorded: whatever appears below them is new
        #: to that scope, so they need no scope (nor look-up) of their own for the rest of the run
        self._covered: set[str] = set()
        #: folders missing when recorded, right under an existing one: whatever is at or under them
        #: afterwards is new, so the existing folder (maybe the whole target) is not listed
        self.absent: list[str] = []
        #: paths a look-up of this group found missing since the last write (see WaapiLink)
        self.missing: set[str] = set()
        #: ids (upper case) of objects this group's creates and imports brought in: compensation
        #: deletes them, so a later write to them needs no record of their earlier values
        self._new_ids: set[str] = set()

    # -- recording (called under the adapter's lock, before the write is sent) ------------------------

    def before(self, uri: str, args: dict[str, Any], call: Call) -> None:
        """Record what ``uri`` with ``args`` is about to change."""
        try:
            self._record(uri, args, call)
        finally:
            self.missing.clear()  # the write may create what was missing

    def created_by(self, answer: Any) -> None:
        """After a create or import: note the objects it answered with that no scope held before
        (every object under a scope was listed when the scope was recorded, so those are new)."""
        if not isinstance(answer, dict):
            return  # an answer without objects: nothing is known new (their values are recorded)
        existed: set[str] = set().union(*self.scopes.values()) if self.scopes else set()
        for object_id in _answered_ids(answer):
            if object_id not in existed:
                self._new_ids.add(object_id.upper())

    def _record(self, uri: str, args: dict[str, Any], call: Call) -> None:
        if uri == OBJECT_CREATE:
            if not self._scope(str(args.get("parent")), call):
                self.unrecoverable.append(f"what is under {args.get('parent')} could not be read first")
            if args.get("onNameConflict") in ("merge", "replace"):
                self._existing_child(args, call)
        elif uri == AUDIO_IMPORT:
            self._record_import(args, call)
        elif uri == OBJECT_SET:
            # one read for all the entries that set the same fields (a chunk's 100 output busses)
            same_fields: dict[tuple[tuple[str, str], ...], list[str]] = {}
            for entry in args.get("objects") or []:
                target = str(entry.get("object"))
                if entry.get("children"):
                    self._scope(target, call)
                fields = {k: _kind_of(k, v) for k, v in entry.items() if k.startswith("@") or k == "notes"}
                same_fields.setdefault(tuple(sorted(fields.items())), []).append(target)
            for fields_key, targets in same_fields.items():
                self._remember(targets, dict(fields_key), call, args.get("platform"))
        elif uri in (SET_PROPERTY, SET_REFERENCE):
            name = args.get("property") or args.get("reference")
            kind = "property" if uri == SET_PROPERTY else "reference"
            self._remember([str(args.get("object"))], {f"@{name}": kind}, call, args.get("platform"))
        elif uri == SET_NOTES:
            self._remember([str(args.get("object"))], {"notes": "notes"}, call)
        elif uri == OBJECT_DELETE:
            self._keep(str(args.get("object")), call)
        elif uri == PROJECT_SAVE:
            self.saved = True
        else:
            self.unrecoverable.append(f"the effects of {uri} are not recorded")

    def _record_import(self, args: dict[str, Any], call: Call) -> None:
        """Scope what the import's entries land under: their common parent first (one look-up for
        a 100-file chunk), then any entry that parent does not cover."""
        objects = [str(entry.get("objectPath", "")) for entry in args.get("imports") or []]
        paths = [_plain_parent(path) for path in objects]
        self._scope_of_path(_common_parent(paths), call)
        for object_path, path in zip(objects, paths, strict=True):
            if not self._scope_of_path(path, call):
                self.unrecoverable.append(f"what is under the folder of {object_path} was not read first")
        if args.get("importOperation") == "replaceExisting":  # existing Sounds are replaced
            for object_path in objects:
                self._keep_if_there(_plain_path(object_path), call)

    def _existing_child(self, args: dict[str, Any], call: Call) -> None:
        """A create that may merge into or replace a child of the same name: keep what it may change."""
        parent, name = str(args.get("parent")), str(args.get("name"))
        found = call(
            OBJECT_GET,
            {"waql": f'$ "{parent}" select children where name = "{name}"'},
            {"return": ["id"]},
        )
        rows = (found.data or {}).get("return") or [] if found.ok else None
        if rows is None:
            self.unrecoverable.append(f"whether {name!r} already existed under {parent} could not be read")
        elif rows and args.get("onNameConflict") == "replace":
            self._keep(str(rows[0].get("id")), call)
        elif rows:
            fields = {k: _kind_of(k, v) for k, v in args.items() if k.startswith("@") or k == "notes"}
            self._remember([str(rows[0].get("id"))], fields, call)

    def _keep(self, designator: str, call: Call) -> None:
        """Before a write destroys ``designator``: keep it (structure and audio) to put it back."""
        if self._kept_folder is None:
            self._kept_folder = new_keep_folder()
        kept = keep(designator, call, self._kept_folder)
        if isinstance(kept, str):
            self.unrecoverable.append(kept)
        else:
            self.destroyed.append(kept)

    def _keep_if_there(self, path: str, call: Call) -> None:
        if path and _read(path, [], call) is not None:
            self._keep(path, call)

    def discard(self) -> None:
        """Remove the kept audio copies (the group ended or was undone)."""
        if self._kept_folder is not None:
            shutil.rmtree(self._kept_folder, ignore_errors=True)
            self._kept_folder = None

    def _scope(self, designator: str, call: Call) -> bool:
        return self._scope_state(designator, call) is True

    def _scope_state(self, designator: str, call: Call) -> bool | None:
        """List the ids under ``designator`` as a scope: True when done (or covered), False when
        it does not exist, None when Wwise could not say (a time-out is not an absence)."""
        if self._is_covered(designator):
            return True
        if designator in self.missing:
            return False
        ids = _descendant_ids(designator, call)
        if isinstance(ids, set):
            self.scopes[designator] = ids
            return True
        return ids

    def _is_covered(self, designator: str) -> bool:
        """A scope recorded at or above ``designator`` already sees whatever appears under it."""
        path = designator
        while path:
            if path in self.scopes or path in self._covered:
                return True
            path = path.rpartition("\\")[0]
        return False

    def _scope_of_path(self, segments: list[str], call: Call) -> bool:
        """A plain path (its segments) that exists becomes a scope (its ids listed), unless a scope
        or an absent folder above it covers it. A missing one is covered by its top-most missing
        ancestor, recorded absent once its parent is found to exist (that parent is not listed: it
        may hold the whole project). Only a look-up that says "not found" makes a path missing: a
        look-up that failed otherwise ends here with False, as does a path with no ancestor."""
        segments = list(segments)
        missing: list[str] = []
        while segments:
            designator = "\\" + "\\".join(segments)
            if self._is_covered(designator):
                self._covered.update(missing)
                return True
            if not missing:
                found = self._scope_state(designator, call)
            else:
                found = False if designator in self.missing else _exists(designator, call)
            if found is None:
                return False
            if found:
                if missing:
                    self.absent.append(missing[-1])
                    self._covered.update(missing)
                return True
            missing.append(designator)
            segments.pop()
        return False

    def _remember(
        self, designators: list[str], fields: dict[str, str], call: Call, platform: Any = None
    ) -> None:
        """Keep the current values of ``fields`` of each of ``designators`` (for ``platform`` when the
        write is for one), read in one look-up."""
        platform = str(platform) if platform else None
        known, new = self._restored_keys, self._new_ids
        designators = [d for d in designators if d.upper() not in new]  # deleted, not restored
        todo = [(d, {f: k for f, k in fields.items() if (d, f, platform) not in known}) for d in designators]
        todo = [(designator, fresh) for designator, fresh in todo if fresh]
        if not todo:
            return
        rows = _read_many([designator for designator, _ in todo], list(fields), call, platform)
        for designator, fresh in todo:
            row = rows.get(designator)
            if row is None:
                continue  # not there yet: created by this run, so it is deleted rather than restored
            for name, declared in fresh.items():
                self._restored_keys.add((designator, name, platform))
                old = row.get(name)
                kind = "reference" if isinstance(old, dict) else declared
                self.restores.append(_Restore(designator, name, old, kind, str(row.get("id")), platform))

    # -- compensating (after reconnecting) -------------------------------------------------------------

    def compensate(self, call: Call) -> CompensationReport:
        """Restore, delete, save if the run saved, then verify by reading back."""
        report = CompensationReport()
        new: dict[str, list[dict[str, Any]]] = {}
        for scope, before in self.scopes.items():
            rows = _descendants(scope, call)
            if rows is None:
                report.problems.append(f"could not list {scope} to delete what the run created")
            else:
                new[scope] = [r for r in rows if r.get("id") not in before]
        for path in self.absent:
            rows = _this_and_below(path, call)
            if rows is None:
                report.problems.append(f"could not look {path} up to delete it (the run created it)")
            else:
                new[path] = rows
        created = {str(r.get("id")) for rows in new.values() for r in rows}
        restores = [r for r in self.restores if r.object_id not in created]  # those are deleted instead
        for restore in reversed(restores):
            result = _write_back(restore, call)
            if result.ok:
                report.restored += 1
            else:
                report.problems.append(f"{restore.field} of {restore.object}{_on(restore)} ({result.error})")
        for rows in new.values():
            _delete_top_most(rows, call, report)
        for kept in reversed(self.destroyed):  # once what replaced them is gone
            put, problems = put_back(kept, call)
            report.put_back += put
            report.problems += problems
        if self.saved:
            saved = call(PROJECT_SAVE, {}, None)
            if not saved.ok:
                report.problems.append(f"the project could not be saved again ({saved.error})")
        self._verify(restores, call, report, gone=created)
        report.problems = self.unrecoverable + report.problems
        return report

    def _verify(
        self, restores: list[_Restore], call: Call, report: CompensationReport, gone: set[str]
    ) -> None:
        for scope, before in self.scopes.items():
            now = _descendant_ids(scope, call)
            # a scope recorded after the run created an absent folder under it held that folder
            if now != before - gone:
                report.problems.append(f"{scope} does not read back as before the run")
        for path in self.absent:
            if _this_and_below(path, call) != []:
                report.problems.append(f"{path} is still there (or could not be read): the run created it")
        for restore in restores:
            row = _read(restore.object, [restore.field], call, restore.platform)
            if row is None or _comparable(row.get(restore.field)) != _comparable(restore.value):
                report.problems.append(
                    f"{restore.field} of {restore.object}{_on(restore)} does not read back as before")


def _plain_parent(object_path: str) -> list[str]:
    """The segments of an import's ``objectPath`` above its Sound and any trailing ``<Type>``
    segments (what the import creates around it), each without its ``<Type>`` prefix
    (``\\WU\\<Virtual Folder>Foo\\Set\\<Sound SFX>X`` -> ``WU, Foo, Set``)."""
    segments = [s for s in object_path.split("\\") if s][:-1]
    while segments and segments[-1].startswith("<"):
        segments.pop()
    return [s.split(">", 1)[-1] for s in segments]


def _common_parent(paths: list[list[str]]) -> list[str]:
    """The longest path (segments) every path starts with, ``<Type>`` segments excluded."""
    if not paths:
        return []
    common = paths[0]
    for path in paths[1:]:
        n = 0
        while n < min(len(common), len(path)) and common[n] == path[n]:
            n += 1
        common = common[:n]
    while common and common[-1].startswith("<"):
        common = common[:-1]
    return common


def _delete_top_most(rows: list[dict[str, Any]], call: Call, report: CompensationReport) -> None:
    """Delete the new objects of one scope; children go with their new parent."""
    paths = {str(r.get("path")) for r in rows}
    for row in rows:
        path = str(row.get("path"))
        if any(path.startswith(p + "\\") for p in paths):
            continue
        result = call(OBJECT_DELETE, {"object": row["id"]}, None)
        if result.ok:
            report.deleted.append(path)
        else:
            report.problems.append(f"{path} could not be deleted ({result.error})")


def _answered_ids(answer: dict[str, Any]) -> list[str]:
    """The ids in a create's answer (the object and its ``children``) or an import's ``objects``."""
    found: list[str] = []
    stack = [answer, *(answer.get("objects") or [])]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("id"), str):
                found.append(item["id"])
            stack.extend(item.get("children") or [])
    return found


def _descendants(designator: str, call: Call) -> list[dict[str, Any]] | None:
    result = call(OBJECT_GET, {"waql": f'$ "{designator}" select descendants'}, {"return": ["id", "path"]})
    if not result.ok:
        return None
    return [r for r in (result.data or {}).get("return") or [] if isinstance(r, dict)]


def _this_and_below(path: str, call: Call) -> list[dict[str, Any]] | None:
    """``path`` and everything under it; [] when it does not exist, None when Wwise could not say."""
    result = call(OBJECT_GET, {"waql": f'$ "{path}" select this, descendants'}, {"return": ["id", "path"]})
    if not result.ok:
        return [] if result.code == ErrorCode.OBJECT_NOT_FOUND.value else None
    return [r for r in (result.data or {}).get("return") or [] if isinstance(r, dict)]


def _descendant_ids(designator: str, call: Call) -> set[str] | bool | None:
    """The ids under ``designator`` (ids only: a scope is recorded before every import, and the
    listing grows with what is under the folder); False when it does not exist, None when Wwise
    could not say."""
    result = call(OBJECT_GET, {"waql": f'$ "{designator}" select descendants'}, {"return": ["id"]})
    if not result.ok:
        return False if result.code == ErrorCode.OBJECT_NOT_FOUND.value else None
    return {str(r.get("id")) for r in (result.data or {}).get("return") or [] if isinstance(r, dict)}


def _exists(designator: str, call: Call) -> bool | None:
    """Whether ``designator`` exists; None when Wwise could not say."""
    result = call(OBJECT_GET, {"waql": f'$ "{designator}"'}, {"return": ["id"]})
    if not result.ok:
        return False if result.code == ErrorCode.OBJECT_NOT_FOUND.value else None
    return bool((result.data or {}).get("return"))


def _plain_path(object_path: str) -> str:
    """An import's ``objectPath`` without its ``<Type>`` prefixes (``\\A\\<Sound SFX>B`` -> ``\\A\\B``)."""
    return "\\".join(s.split(">", 1)[-1] for s in object_path.split("\\"))


def _on(restore: _Restore) -> str:
    return f" on platform {restore.platform}" if restore.platform else ""


def _read(
    designator: str, fields: list[str], call: Call, platform: str | None = None
) -> dict[str, Any] | None:
    options: dict[str, Any] = {"return": ["id", *fields], **({"platform": platform} if platform else {})}
    result = call(OBJECT_GET, {"waql": f'$ "{designator}"'}, options)
    rows = (result.data or {}).get("return") or [] if result.ok else []
    return rows[0] if rows and isinstance(rows[0], dict) else None


#: designators per batched look-up (a WAQL ``$ "a", "b", ...`` list stays a few KB)
_READ_BATCH = 200


def _read_many(
    designators: list[str], fields: list[str], call: Call, platform: str | None = None
) -> dict[str, dict[str, Any]]:
    """The rows of the designators that exist, by designator, in one look-up per ``_READ_BATCH``.

    WAAPI fails a whole ``$`` list when one of its objects is missing (the run may be about to
    create it), so such a batch, and any designator its rows cannot be matched to, is read alone.
    """
    if len(designators) == 1:
        row = _read(designators[0], fields, call, platform)
        return {} if row is None else {designators[0]: row}
    found: dict[str, dict[str, Any]] = {}
    options: dict[str, Any] = {"return": ["id", "path", *fields]}
    if platform:
        options["platform"] = platform
    for start in range(0, len(designators), _READ_BATCH):
        batch = designators[start:start + _READ_BATCH]
        listed = ", ".join(f'"{designator}"' for designator in batch)
        result = call(OBJECT_GET, {"waql": f"$ {listed}"}, options)
        rows = (result.data or {}).get("return") or [] if result.ok else []
        by_key = {}
        for row in rows:
            if isinstance(row, dict):
                by_key[str(row.get("id")).upper()] = by_key[str(row.get("path"))] = row
        for designator in batch:
            row = by_key.get(designator.upper() if designator.startswith("{") else designator)
            row = row if row is not None else _read(designator, fields, call, platform)
            if row is not None:
                found[designator] = row
    return found


def _comparable(value: Any) -> Any:
    """References read back as ``{id, name}``; compare them by id."""
    return value.get("id") if isinstance(value, dict) else value


def _kind_of(key: str, new_value: Any) -> str:
    """In an ``object.set`` entry: notes, a reference (an object designator) or a property."""
    if key == "notes":
        return "notes"
    looks_like_object = isinstance(new_value, str) and new_value.startswith(("{", "\\"))
    return "reference" if looks_like_object or new_value is None else "property"


def _write_back(restore: _Restore, call: Call) -> Result:
    if restore.kind == "notes":
        return call(SET_NOTES, {"object": restore.object, "value": restore.value or ""}, None)
    name = restore.field.lstrip("@")
    platform = {"platform": restore.platform} if restore.platform else {}
    if restore.kind == "reference":
        value = restore.value.get("id") if isinstance(restore.value, dict) else None
        refs = {"object": restore.object, "reference": name, "value": value, **platform}
        return call(SET_REFERENCE, refs, None)
    args = {"object": restore.object, "property": name, "value": restore.value, **platform}
    return call(SET_PROPERTY, args, None)
