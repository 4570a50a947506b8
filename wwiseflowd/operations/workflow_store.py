"""Workflow files in ``[paths] workflows_dir``, written by the editor: save with conflict detection,
rename, duplicate, delete. The workflow-file watcher picks every change up like a hand edit.

A file's *version* is the sha256 of its bytes: a save names the version it started from, and a file
changed on disk meanwhile is a ``CONFLICT`` instead of being overwritten.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from wwiseflowd.documents import read_workflow_file, workflow_id
from wwiseflowd.files import write_text_atomic
from wwiseflowd.results import ErrorCode, Result

#: ids become file names: letters, digits, ``-``, ``_``, ``.``; no path separators, no leading dot
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
#: a save that overwrites whatever is on disk
ANY_VERSION = "*"


def file_version(path: Path) -> str | None:
    """sha256 of the file's bytes, or None when it does not exist."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def serialise(document: dict[str, Any]) -> str:
    """Two-space JSON with a final newline, as a hand-written file."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


class WorkflowStore:
    """The workflow files of one folder, addressed by workflow id."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def find(self, wf_id: str) -> Path | None:
        """The file holding workflow ``wf_id`` (by its document's id, else its file name)."""
        if not self.directory.is_dir():
            return None
        for path in sorted(self.directory.glob("*.json")):
            read = read_workflow_file(path)
            if workflow_id(path, read.data if read.ok else None) == wf_id:
                return path
        return None

    def save(self, wf_id: str, document: dict[str, Any], version: str | None) -> Result:
        """Write ``document`` as workflow ``wf_id``. ``version``: None creates a new file only, ``"*"``
        overwrites, anything else must be the version on disk. Ok data: ``{id, file, version}``."""
        bad = _check_id(wf_id)
        if bad is not None:
            return bad
        path = self.find(wf_id)
        if path is not None and version != ANY_VERSION and version != file_version(path):
            reason = "already exists" if version is None else "changed on disk since you opened it"
            return Result.failure(
                ErrorCode.CONFLICT,
                f"Workflow {wf_id!r} ({path.name}) {reason}; reload it, or save again to overwrite it.",
                {"id": wf_id, "file": str(path), "version": file_version(path)},
            )
        target = path or self.directory / f"{wf_id}.json"
        return self._write(target, {**document, "id": wf_id})

    def rename(self, wf_id: str, new_id: str) -> Result:
        """Give workflow ``wf_id`` a new id and file name."""
        return self._copy(wf_id, new_id, keep_original=False)

    def duplicate(self, wf_id: str, new_id: str) -> Result:
        """Copy workflow ``wf_id`` as ``new_id``."""
        return self._copy(wf_id, new_id, keep_original=True)

    def delete(self, wf_id: str) -> Result:
        """Remove workflow ``wf_id``'s file."""
        path = self.find(wf_id)
        if path is None:
            return _not_found(wf_id, self.directory)
        try:
            path.unlink()
        except OSError as exc:
            return Result.failure(ErrorCode.INTERNAL, f"Could not delete {path}: {exc}.")
        return Result.success({"id": wf_id, "file": str(path), "deleted": True})

    def _copy(self, wf_id: str, new_id: str, *, keep_original: bool) -> Result:
        bad = _check_id(new_id)
        if bad is not None:
            return bad
        path = self.find(wf_id)
        if path is None:
            return _not_found(wf_id, self.directory)
        read = read_workflow_file(path)
        if not read.ok:
            return read
        document = dict(read.data)
        target = self.directory / f"{new_id}.json"
        if self.find(new_id) is not None or (target.exists() and target != path):
            return Result.failure(
                ErrorCode.CONFLICT, f"A workflow named {new_id!r} already exists; choose another name."
            )
        written = self._write(target, {**document, "id": new_id})
        if written.ok and not keep_original and path != target:
            path.unlink(missing_ok=True)
        return written

    def _write(self, target: Path, document: dict[str, Any]) -> Result:
        """Atomic write (:func:`~wwiseflowd.files.write_text_atomic`), so the watcher never reads half a
        file; a failed write leaves the old file as it was."""
        text = serialise(document)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            write_text_atomic(target, text)
        except UnicodeEncodeError as exc:
            bad = exc.object[exc.start:exc.end]
            return Result.failure(ErrorCode.INVALID_INPUT, f"Could not write {target}: the workflow holds "
                                  f"text that UTF-8 cannot encode ({bad!r}); the file was left as it was.")
        except OSError as exc:
            return Result.failure(ErrorCode.INTERNAL, f"Could not write {target}: {exc}.")
        version = hashlib.sha256(text.encode()).hexdigest()
        return Result.success({"id": document["id"], "file": str(target), "version": version})


def _check_id(wf_id: str) -> Result | None:
    if ID_PATTERN.match(wf_id):
        return None
    return Result.failure(
        ErrorCode.INVALID_INPUT,
        f"{wf_id!r} cannot name a workflow file: use letters, digits, '-', '_' and '.', starting with a "
        f"letter or digit (at most 100 characters).",
    )


def _not_found(wf_id: str, directory: Path) -> Result:
    return Result.failure(ErrorCode.NOT_FOUND, f"No workflow file has id {wf_id!r} in {directory}.")
