"""The workflow files a front door lists, with their compile status.

With a daemon, its workflow-file watcher already knows each file's status (a ``status``
callable); without one, :func:`scan_workflow_files` reads ``[paths] workflows_dir`` and compiles
each ``*.json`` file now.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wwiseflowd.documents import file_problem, read_workflow_file, workflow_id
from wwiseflowd.watch.workflows import compile_errors

if TYPE_CHECKING:
    from wwiseflowd.engine import Engine


def describe_workflow_file(engine: Engine, path: Path) -> dict[str, Any]:
    """``{id, file, ok, errors, updatedAt, document}`` for one workflow file, compiled now."""
    read = read_workflow_file(path)
    document: dict[str, Any] | None = read.data if read.ok else None
    errors = [] if read.ok else [file_problem(read)]
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
