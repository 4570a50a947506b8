"""The workflow document format's one home: reading a file, the id default, declared inputs.

A workflow document is JSON ``{id?, name?, inputs?, nodes: [...], edges: [...]}`` (React Flow
shape). Every front door and the daemon's workflow library read files through
:func:`read_workflow_file`, so the size limit and the id default (the file name) are the same
everywhere. Declared inputs are :class:`InputSpec`; the reference syntax (``$input:``,
``$from:``) is parsed by :func:`wwiseflowd.compiler.parse_ref`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from wwiseflowd.results import ErrorCode, Result

#: a workflow file larger than this is refused unread (a workflow is a few kB)
MAX_FILE_BYTES = 5 * 1024 * 1024
#: a declared input with this ``format`` holds a file path
PATH_FORMAT = "path"

InputType = Literal["string", "number", "integer", "boolean", "array", "object"]


class InputSpec(BaseModel):
    """One declared workflow input: ``{"type": "array", "format": "path", "default": [...]}``."""

    model_config = ConfigDict(extra="allow")

    type: InputType | None = None
    format: str | None = None
    required: bool = True
    description: str | None = None

    @property
    def has_default(self) -> bool:
        """True when the document gives a default (which may be ``null``)."""
        return "default" in (self.model_extra or {}) or "default" in self.model_fields_set

    @property
    def default(self) -> Any:
        """The declared default (None when there is none; see :attr:`has_default`)."""
        return (self.model_extra or {}).get("default")


def declared_inputs(document: Any) -> dict[str, InputSpec]:
    """The document's declared inputs as models; malformed entries are skipped (the compiler reports
    them)."""
    raw = document.get("inputs") if isinstance(document, Mapping) else None
    if not isinstance(raw, Mapping):
        return {}
    specs: dict[str, InputSpec] = {}
    for name, spec in raw.items():
        if isinstance(spec, Mapping):
            try:
                specs[str(name)] = InputSpec.model_validate(dict(spec))
            except ValueError:
                continue
    return specs


def workflow_id(path: Path, document: Mapping[str, Any] | None) -> str:
    """A file's workflow id: its document's ``id``, else the file name stem."""
    if document is not None and isinstance(document.get("id"), str) and document["id"]:
        return str(document["id"])
    return path.stem


def read_workflow_file(path: Path) -> Result:
    """The workflow document in ``path`` (``id`` defaults to the file name) or a failed Result.

    Codes: FILE_NOT_FOUND (missing or unreadable), PAYLOAD_TOO_LARGE (over :data:`MAX_FILE_BYTES`),
    INVALID_INPUT (not JSON, or not a JSON object).
    """
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return Result.failure(
                ErrorCode.PAYLOAD_TOO_LARGE,
                f"Workflow file {path} is {size} bytes, more than {MAX_FILE_BYTES}; is it a workflow?",
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Result.failure(ErrorCode.FILE_NOT_FOUND, f"Workflow file {path} does not exist.")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return Result.failure(ErrorCode.FILE_NOT_FOUND, f"Cannot read workflow file {path}: {reason}.")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        return Result.failure(
            ErrorCode.INVALID_INPUT,
            f"Workflow file {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            f"fix it and save again.",
        )
    if not isinstance(document, dict):
        return Result.failure(
            ErrorCode.INVALID_INPUT,
            f"Workflow file {path} holds a JSON {type(document).__name__}, not a workflow object.",
        )
    if document.get("id") in (None, ""):
        document["id"] = path.stem
    return Result.success(document)


def find_workflow(ref: str, workflows_dir: Path, shipped: Mapping[str, Path]) -> Path | None:
    """The file of workflow ``ref``: a path to an existing file, else the workflow with that id.

    Ids are looked up in the workflows directory first (a file there replaces a shipped workflow of
    the same id), then among ``shipped`` (the built-in ``auto-import`` and plugins' workflows).
    """
    given = Path(ref).expanduser()
    if given.is_file():
        return given
    if workflows_dir.is_dir():
        for path in sorted(workflows_dir.glob("*.json")):
            read = read_workflow_file(path)
            if workflow_id(path, read.data if read.ok else None) == ref:
                return path
    return shipped.get(ref)


def file_problem(result: Result) -> dict[str, Any]:
    """A failed read as one compile-style problem ``{nodeId, field, code, message}``."""
    return {"nodeId": None, "field": None, "code": result.code, "message": result.error}


__all__ = [
    "MAX_FILE_BYTES",
    "PATH_FORMAT",
    "InputSpec",
    "declared_inputs",
    "file_problem",
    "find_workflow",
    "read_workflow_file",
    "workflow_id",
]
