"""The workflow files a front door lists, with their compile status.

With a daemon, its workflow-file watcher already knows each file's status (the ``status``
callable); without one, :func:`scan_workflow_files` reads ``[paths] workflows_dir`` and compiles
each ``*.json`` file itself.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wwiseflowd.results import ErrorCode

if TYPE_CHECKING:
    from wwiseflowd.engine import Engine

#: refuse to parse files larger than this: a workflow is a few kilobytes
MAX_WORKFLOW_FILE_BYTES = 5 * 1024 * 1024


def read_workflow_file(path: Path) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The document in ``path`` and the problems met reading it (none when it parsed)."""
    try:
        if path.stat().st_size > MAX_WORKFLOW_FILE_BYTES:
            raise ValueError(f"larger than {MAX_WORKFLOW_FILE_BYTES} bytes")
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return None, [
            _problem(f"{path.name} cannot be read as JSON ({exc}); fix the file and save it again.")
        ]
    if not isinstance(document, dict):
        return None, [_problem(f"{path.name} holds a JSON {type(document).__name__}, not a workflow object.")]
    return document, []


def _problem(message: str) -> dict[str, Any]:
    return {"nodeId": None, "field": None, "code": ErrorCode.INVALID_INPUT.value, "message": message}


def workflow_id(path: Path, document: dict[str, Any] | None) -> str:
    """A file's workflow id: its document's ``id``, else the file name stem."""
    if document is not None and isinstance(document.get("id"), str) and document["id"]:
        return str(document["id"])
    return path.stem


def describe_workflow_file(engine: Engine, path: Path) -> dict[str, Any]:
    """``{id, file, ok, errors, updatedAt, document}`` for one workflow file, compiled now."""
    document, errors = read_workflow_file(path)
    if document is not None:
        compiled = engine.compile(document)
        if not compiled.ok:
            data = compiled.data if isinstance(compiled.data, dict) else {}
            errors = list(data.get("errors") or []) or [
                {"nodeId": None, "field": None, "code": compiled.code, "message": compiled.error}
            ]
    try:
        updated = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat()
    except OSError:
        updated = None
    return {
        "id": workflow_id(path, document),
        "file": str(path),
        "ok": not errors,
        "errors": errors,
        "updatedAt": updated,
        "document": document,
    }


def scan_workflow_files(engine: Engine, directory: Path) -> list[dict[str, Any]]:
    """Every ``*.json`` file in ``directory`` (sorted by name), described and compiled."""
    if not directory.is_dir():
        return []
    return [describe_workflow_file(engine, path) for path in sorted(directory.glob("*.json"))]
