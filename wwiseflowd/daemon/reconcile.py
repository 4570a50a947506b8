"""After an interruption: which in-flight files did reach the Wwise project?

The Wwise plugin writes a provenance note into each imported Sound (``Imported by wwiseflowd from
<path>; sha256 <hash>; execution <id>``). One read-only WAQL query lists the Sounds under the rule's
target with their notes. A file counts as imported only when a note names *this* file: its path and
its content hash, or its path and the interrupted execution's id. Content alone never matches:
identical bytes under different names (silence placeholders, a take copied under many names) are
different drops and each becomes its own Sound.
With ``provenance_notes = false`` the fallback is a Sound named after the file under the target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

from wwiseflowd.results import ErrorCode, Result
from wwiseflowd.store.journal import DropRecord

if TYPE_CHECKING:
    from wwiseflowd.engine import Engine

_MARK = "Imported by wwiseflowd from "
_NOTE = re.compile(
    re.escape(_MARK) + r"(?P<path>.+?)"
    r"(?:; sha256 (?P<sha>[0-9A-Fa-f]{64}))?"
    r"(?:; execution (?P<execution>[^;\s]+))?\s*$"
)


@dataclass(frozen=True)
class Provenance:
    """What a Sound's provenance note says about where its audio came from."""

    path: str
    sha256: str | None
    execution_id: str | None


def parse_provenance(notes: str) -> Provenance | None:
    """The provenance written by the Wwise plugin, or None when ``notes`` holds none."""
    for line in notes.splitlines():
        match = _NOTE.search(line)
        if match:
            sha = match.group("sha")
            return Provenance(match.group("path"), sha.lower() if sha else None, match.group("execution"))
    return None


def _path_key(path: str) -> str:
    key = path.replace("\\", "/")
    if "//" in key or "/./" in key or key.endswith(("/", "/.")):
        return PurePosixPath(key).as_posix()  # spelled unusually: normalise (rare, slower)
    return key


def identifies(provenance: Provenance, record: DropRecord) -> bool:
    """True when ``provenance`` names this very drop: same path, and same hash or same execution."""
    if _path_key(provenance.path) != _path_key(record.path):
        return False
    if provenance.sha256 is not None and record.sha256:
        return provenance.sha256 == record.sha256.lower()
    return provenance.execution_id is not None and provenance.execution_id == record.execution_id


class _RuleLike(Protocol):
    @property
    def config(self) -> Any: ...


class Reconciler:
    """Looks in-flight files up in the project through the bus (``query_waql``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def sounds_under(self, target: str) -> Result:
        """``[{id, name, path, notes}]`` of every Sound under ``target`` (empty when it does not exist)."""
        waql = f'"{target}" select descendants where type = "Sound"'
        # not audit-logged: it changes nothing, and its answer (every Sound under the target with
        # its notes) made a 5 MB audit blob per Wwise restart in the soak
        result = self.engine.command(
            "query_waql", {"waql": waql, "returnFields": ["id", "name", "path", "notes"]},
            source="daemon", record=False,
        )
        if not result.ok and result.code == ErrorCode.OBJECT_NOT_FOUND.value:
            return Result.success([])  # the target was never created: nothing was imported
        if not result.ok:
            return result
        rows = result.data if isinstance(result.data, list) else (result.data or {}).get("objects", [])
        return Result.success([r for r in rows if isinstance(r, dict)])

    def find(self, rule: _RuleLike, files: list[DropRecord]) -> Result:
        """``{file id: {objectIds, objectPath}}`` for the files already in the project."""
        listed = self.sounds_under(rule.config.target)
        if not listed.ok:
            return listed
        rows: list[dict[str, Any]] = listed.data
        # the listing grows with the project (40,000 Sounds in the soak) and the files in flight
        # are few: only notes that can name one of them are parsed
        wanted = {_path_key(record.path) for record in files}
        noted: dict[str, list[tuple[Provenance, dict[str, Any]]]] = {}
        by_name: dict[str, dict[str, Any]] = {}
        use_names = not rule.config.provenance_notes
        for row in rows:
            notes = row.get("notes")
            if isinstance(notes, str) and _MARK in notes:
                provenance = parse_provenance(notes)
                if provenance is not None and (key := _path_key(provenance.path)) in wanted:
                    noted.setdefault(key, []).append((provenance, row))
            if use_names:
                by_name.setdefault(str(row.get("name", "")).lower(), row)
        found: dict[int, dict[str, Any]] = {}
        for record in files:
            same_path = noted.get(_path_key(record.path), [])
            hit = next((row for prov, row in same_path if identifies(prov, record)), None)
            if hit is None and use_names:
                hit = by_name.get(PurePosixPath(record.rel_path).stem.lower())
            if hit is not None:
                found[record.id] = {"objectIds": [hit.get("id")], "objectPath": hit.get("path")}
        return Result.success(found)
