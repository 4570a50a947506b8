"""Workflow files: every ``*.json`` in the workflows dir, compiled when it changes, by id.

An edit that does not compile (bad JSON, unknown node type, a cycle ...) is reported (log, status,
a ``workflow.compiled`` event with the errors) while the last good version of that file keeps
running. The built-in ``auto-import`` workflow ships with the package; a file with the same id in
the workflows dir replaces it (that is how users copy and change it).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from loguru import logger

from wwiseflowd.documents import file_problem, read_workflow_file
from wwiseflowd.events import utc_now_iso
from wwiseflowd.results import Result

BUILTIN_ID = "auto-import"
BUILTIN_FILENAME = "auto-import.json"

Compile = Callable[[dict[str, Any]], Result]
Publish = Callable[[dict[str, Any]], None]


def builtin_workflow_path() -> Path:
    """Where the built-in ``auto-import`` document is: package data in a wheel, ``config/`` in a checkout."""
    packaged = resources.files("wwiseflowd").joinpath("workflows", BUILTIN_FILENAME)
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "config" / "workflows" / BUILTIN_FILENAME


@dataclass
class WorkflowEntry:
    """One workflow file: its compile status and the last version that compiled."""

    id: str
    file: str
    ok: bool
    errors: list[dict[str, Any]] = field(default_factory=list)
    updated_at: str = ""
    builtin: bool = False
    #: the last good document and its plan (None until a version compiled)
    document: dict[str, Any] | None = None
    plan: dict[str, Any] | None = None
    good_since: str | None = None
    signature: tuple[int, int] = (0, 0)

    def as_dict(self) -> dict[str, Any]:
        """``{id, file, ok, errors, updatedAt, ...}`` for status and REST."""
        return {
            "id": self.id,
            "file": self.file,
            "ok": self.ok,
            "errors": self.errors,
            "updatedAt": self.updated_at,
            "builtin": self.builtin,
            "running": self.plan is not None,
            "runningSince": self.good_since,
        }


class WorkflowLibrary:
    """The workflows rules can name. Thread-safe for readers; :meth:`sync` runs on one thread."""

    def __init__(self, directory: Path, compile: Compile, publish: Publish | None = None) -> None:
        self.directory = directory
        self.compile = compile
        self.publish = publish
        self._by_file: dict[Path, WorkflowEntry] = {}
        self._builtin: WorkflowEntry | None = None
        #: workflows shipped by plugins (hook register_workflows), by id
        self._shipped: dict[str, WorkflowEntry] = {}

    # -- loading -------------------------------------------------------------------------------

    def load_builtin(self, path: Path | None = None) -> WorkflowEntry:
        """Compile the built-in ``auto-import`` workflow."""
        path = path or builtin_workflow_path()
        entry = WorkflowEntry(id=BUILTIN_ID, file=str(path), ok=False, builtin=True)
        self._compile_into(entry, path)
        self._builtin = entry
        return entry

    def load_shipped(self, paths: Mapping[str, Path]) -> list[WorkflowEntry]:
        """Compile the workflows plugins ship (``{id: path}``); listed and looked up like the built-in."""
        for workflow_id, path in paths.items():
            entry = WorkflowEntry(id=workflow_id, file=str(path), ok=False, builtin=True)
            self._compile_into(entry, path)
            self._shipped[workflow_id] = entry
        return list(self._shipped.values())

    def sync(self, *, quiet_s: float = 0.0) -> list[WorkflowEntry]:
        """Compile new and changed files, forget deleted ones; return the entries that changed.

        A file modified less than ``quiet_s`` ago is left for a later call: an editor may still be
        writing it, and a half-saved file would be reported as broken for nothing.
        """
        now = time.time()
        try:
            paths = sorted(p for p in self.directory.glob("*.json") if not p.name.startswith("."))
        except OSError:
            paths = []
        changed = []
        for path in paths:
            try:
                st = os.stat(path)
            except OSError:
                continue
            signature = (st.st_mtime_ns, st.st_size)
            entry = self._by_file.get(path)
            if entry is not None and entry.signature == signature:
                continue
            if now - st.st_mtime < quiet_s:
                continue
            if entry is None:
                entry = WorkflowEntry(id=path.stem, file=str(path), ok=False)
                self._by_file[path] = entry
            entry.signature = signature
            self._compile_into(entry, path)
            changed.append(entry)
        for path in set(self._by_file) - set(paths):
            gone = self._by_file.pop(path)
            logger.info("Workflow file {} was removed; workflow {!r} is no longer available", path, gone.id)
        return changed

    def _compile_into(self, entry: WorkflowEntry, path: Path) -> None:
        read = read_workflow_file(path)
        document: dict[str, Any] | None = read.data if read.ok else None
        errors = [] if read.ok else [file_problem(read)]
        plan: dict[str, Any] | None = None
        if document is not None:
            doc_id = document.get("id")
            if isinstance(doc_id, str) and doc_id:
                entry.id = doc_id
            result = self.compile(document)
            if result.ok and isinstance(result.data, dict):
                plan = result.data
            else:
                errors = compile_errors(result)
        entry.updated_at = utc_now_iso()
        entry.errors = errors
        entry.ok = plan is not None
        if plan is not None:
            entry.document, entry.plan, entry.good_since = document, plan, entry.updated_at
            logger.info("Workflow {!r} compiled from {}", entry.id, path)
        elif entry.plan is not None:
            logger.error(
                "Workflow file {} does not compile; the previous version of {!r} keeps running. {}",
                path,
                entry.id,
                "; ".join(str(e.get("message")) for e in errors),
            )
        else:
            logger.error(
                "Workflow file {} does not compile: {}",
                path,
                "; ".join(str(e.get("message")) for e in errors),
            )
        if self.publish is not None:
            self.publish(
                {
                    "type": "workflow.compiled",
                    "time": entry.updated_at,
                    "workflowId": entry.id,
                    "file": entry.file,
                    "ok": entry.ok,
                    "errors": errors,
                }
            )

    # -- lookup --------------------------------------------------------------------------------

    def get(self, workflow_id: str) -> WorkflowEntry | None:
        """The entry running under ``workflow_id`` (a file overrides the built-in), if any compiled."""
        for entry in list(self._by_file.values()):
            if entry.id == workflow_id and entry.plan is not None:
                return entry
        if self._builtin is not None and self._builtin.id == workflow_id and self._builtin.plan is not None:
            return self._builtin
        shipped = self._shipped.get(workflow_id)
        return shipped if shipped is not None and shipped.plan is not None else None

    def entries(self) -> list[WorkflowEntry]:
        """Every known workflow, the built-in first."""
        builtin = [self._builtin] if self._builtin is not None else []
        shipped = [self._shipped[k] for k in sorted(self._shipped)]
        return builtin + shipped + [self._by_file[p] for p in sorted(self._by_file)]

    def status(self) -> list[dict[str, Any]]:
        """``[{id, file, ok, errors, updatedAt, ...}]``."""
        return [e.as_dict() for e in self.entries()]


def compile_errors(result: Result) -> list[dict[str, Any]]:
    """A failed compile's ``data.errors``, or one error made of its code and sentence."""
    data = result.data if isinstance(result.data, dict) else {}
    return list(data.get("errors") or []) or [
        {"nodeId": None, "field": None, "code": result.code, "message": result.error}
    ]
