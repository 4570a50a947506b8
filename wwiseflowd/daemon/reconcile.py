"""After an interruption: which in-flight files did reach the Wwise project?

The Wwise plugin writes a provenance note into each imported Sound (source file, sha256, execution
id). One read-only WAQL query lists the Sounds under the rule's target with their notes; a file whose
content hash appears there is already imported, so it is marked done instead of imported again.
With ``provenance_notes = false`` the fallback is a Sound named after the file under the target.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

from wwiseflowd.results import ErrorCode, Result
from wwiseflowd.store.journal import DropRecord

if TYPE_CHECKING:
    from wwiseflowd.engine import Engine


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
        result = self.engine.command(
            "query_waql", {"waql": waql, "returnFields": ["id", "name", "path", "notes"]}, source="daemon"
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
        found: dict[int, dict[str, Any]] = {}
        by_hash: dict[str, dict[str, Any]] = {}
        by_name: dict[str, dict[str, Any]] = {}
        for listed_row in rows:
            notes = str(listed_row.get("notes") or "")
            for token in notes.replace(";", " ").split():
                if len(token) == 64:
                    by_hash.setdefault(token.lower(), listed_row)
            by_name.setdefault(str(listed_row.get("name", "")).lower(), listed_row)
        use_names = not rule.config.provenance_notes
        for record in files:
            row: dict[str, Any] | None = by_hash.get((record.sha256 or "").lower())
            if row is None and use_names:
                row = by_name.get(PurePosixPath(record.rel_path).stem.lower())
            if row is not None:
                found[record.id] = {"objectIds": [row.get("id")], "objectPath": row.get("path")}
        return Result.success(found)
