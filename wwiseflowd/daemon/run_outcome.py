"""How a run of a rule's workflow ended for each file of its batch.

Any node output ``files: [{file, ok, objectIds | objectId, objectPath, code, error}]`` says what
happened to each file; a failure named anywhere wins. A file the run did not name follows the run:
done when it succeeded, failed with the run's code and sentence otherwise. A file named as imported
by a run that failed counts as done unless the run was rolled back (then it is not in the project).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wwiseflowd.operations.outcome import execution_outcome
from wwiseflowd.results import TRANSIENT_CODES, ErrorCode
from wwiseflowd.store.journal import DropRecord

#: a run cancelled because the daemon is stopping is not the files' fault: the batch waits too
TRANSIENT = {c.value for c in TRANSIENT_CODES} | {ErrorCode.CANCELLED.value}


@dataclass
class FileOutcome:
    """How one file of a run ended."""

    ok: bool
    object_ids: list[str] = field(default_factory=list)
    object_path: str | None = None
    code: str | None = None
    error: str | None = None


@dataclass
class RunOutcome:
    """How a run of the workflow ended, per file; ``transient`` means try the batch again later."""

    transient: bool
    code: str | None
    error: str | None
    files: dict[int, FileOutcome]


def per_file_entries(execution: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``path -> entry`` from every node's ``files`` output; a failure anywhere wins."""
    per_path: dict[str, dict[str, Any]] = {}
    for node in execution.get("results") or []:
        data = node.get("data") if isinstance(node, Mapping) else None
        entries = data.get("files") if isinstance(data, Mapping) else None
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, Mapping) and isinstance(entry.get("file"), str):
                previous = per_path.get(entry["file"])
                if previous is None or previous.get("ok", True):
                    per_path[entry["file"]] = dict(entry)
    return per_path


def interpret(execution: Mapping[str, Any], files: list[DropRecord]) -> RunOutcome:
    """Read the per-file results of an execution (see the module docstring)."""
    per_path = per_file_entries(execution)
    outcome = execution_outcome(execution)
    rolled_back = bool(execution.get("rolledBack"))
    outcomes = {
        record.id: _file_outcome(
            record, per_path.get(record.path), outcome.ok, rolled_back, outcome.code, outcome.error
        )
        for record in files
    }
    code = str(outcome.code) if outcome.code else None
    transient = not outcome.ok and str(outcome.code) in TRANSIENT
    return RunOutcome(transient=transient, code=code, error=outcome.error, files=outcomes)


def _file_outcome(
    record: DropRecord,
    entry: dict[str, Any] | None,
    run_ok: bool,
    rolled_back: bool,
    code: Any,
    error: Any,
) -> FileOutcome:
    if entry is not None and not entry.get("ok", True):
        return FileOutcome(
            ok=False,
            code=str(entry.get("code") or ErrorCode.IMPORT_FAILED.value),
            error=str(entry.get("error") or f"{Path(record.path).name} could not be imported"),
        )
    if entry is None:
        return FileOutcome(ok=True) if run_ok else FileOutcome(ok=False, code=str(code), error=str(error))
    if run_ok or not rolled_back:
        ids = entry.get("objectIds")
        if not isinstance(ids, list):
            ids = [entry["objectId"]] if entry.get("objectId") else []
        return FileOutcome(ok=True, object_ids=[str(i) for i in ids], object_path=entry.get("objectPath"))
    return FileOutcome(ok=False, code=str(code), error=str(error))
