"""The workflow files a front door lists, with their compile status.

With a daemon, its workflow-file watcher already knows each file's status (the ``status``
callable); without one, :func:`scan_workflow_files` reads ``[paths] workflows_dir`` and compiles
each ``*.json`` file itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wwiseflowd.watch.workflows import compile_errors, read_workflow_file

if TYPE_CHECKING:
    from wwiseflowd.engine import Engine


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
            errors = compile_errors(compiled)
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
