"""Running a replay: the remapped commands in order, inside one undo group per backend that has them.

A failed step cancels the groups with undo, so the target project is left as it was.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from wwiseflowd.replay.steps import IdMap, RecordedStep
from wwiseflowd.results import ErrorCode, Result

#: seconds a replay waits for a running workflow to release a backend's undo group
GROUP_WAIT_S = 60.0


@runtime_checkable
class UndoGroups(Protocol):
    """A backend whose changes can be grouped and undone as one (the WAAPI undo group)."""

    def begin_group(self) -> Any:
        """Open the group."""

    def end_group(self, name: str) -> Any:
        """Close it under ``name``."""

    def cancel_group(self, undo: bool = True) -> Any:
        """Cancel it; with ``undo`` its changes are reverted."""


@runtime_checkable
class ObjectLookup(Protocol):
    """A backend that can look an object up by path or id (``Result`` with ``{"id", "path"}``)."""

    def get_object(self, ref: str) -> Result:
        """The object, or OBJECT_NOT_FOUND."""


class StepReport(BaseModel):
    """One replayed (or, in a dry run, planned) command."""

    index: int
    command: str
    node: str | None = None
    payload: dict[str, Any]
    ok: bool | None = None
    code: str | None = None
    error: str | None = None


class GroupFailed(Exception):
    """An undo group could not be opened; the message says which backend."""


def _failed(value: Any) -> str | None:
    return value.error if isinstance(value, Result) and not value.ok else None


@contextmanager
def undo_groups(groups: dict[str, tuple[UndoGroups, threading.Lock]], label: str) -> Iterator[list[bool]]:
    """Open every group (taking turns with workflow runs); yields ``[ok]``: set it False to undo."""
    opened: list[tuple[UndoGroups, threading.Lock]] = []
    outcome = [True]
    try:
        for name, (backend, lock) in groups.items():
            if not lock.acquire(timeout=GROUP_WAIT_S):
                raise GroupFailed(f"Backend {name!r} stayed busy with another run for {GROUP_WAIT_S:.0f} s.")
            problem = _failed(backend.begin_group())
            if problem is not None:
                lock.release()
                raise GroupFailed(f"Could not open the undo group on backend {name!r}: {problem}")
            opened.append((backend, lock))
        yield outcome
    except BaseException:
        outcome[0] = False
        raise
    finally:
        for backend, lock in opened:
            try:
                backend.end_group(label) if outcome[0] else backend.cancel_group(True)
            finally:
                lock.release()


def run_steps(
    steps: list[RecordedStep], ids: IdMap, command: Callable[[RecordedStep, dict[str, Any]], Result],
) -> tuple[list[StepReport], Result | None]:
    """Run each step with its remapped payload; stop at the first failure (returned)."""
    reports = []
    for step in steps:
        payload = ids.remap(step.payload)
        result = command(step, payload)
        reports.append(StepReport(index=step.index, command=step.command, node=step.node, payload=payload,
                                  ok=result.ok, code=result.code, error=result.error))
        if not result.ok:
            return reports, Result.failure(
                result.code or ErrorCode.INTERNAL,
                f"Step {step.index} ({step.command}) failed: {result.error}",
            )
        ids.learn(step.result, result.data)
    return reports, None
