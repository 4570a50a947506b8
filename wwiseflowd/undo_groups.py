"""One run's undo groups: opened lazily per backend, closed (or cancelled with undo) at the end.

A backend takes part when it declares :class:`~wwiseflowd.backends.UndoGroups`. Runs that open a
group on the same backend take turns (a WAAPI undo group belongs to the connection, not to a
run): :class:`RunGroups` holds the backend's group lock from opening to closing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from loguru import logger

from wwiseflowd.backends import UndoGroups
from wwiseflowd.results import ErrorCode, Result


class StepFailure(Exception):
    """A step cannot go on: ``code`` (an ErrorCode) and a sentence for the user."""

    def __init__(self, code: ErrorCode | str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def call_backend(call: Callable[[], Any], what: str) -> Any:
    """Call a backend protocol method. A raised error or a failed Result becomes a :class:`StepFailure`."""
    try:
        value = call()
    except StepFailure:
        raise
    except Exception as exc:
        code = getattr(exc, "code", None)  # an adapter's own exception may carry an ErrorCode
        known = code if isinstance(code, str) and code in ErrorCode.__members__ else ErrorCode.BACKEND_ERROR
        raise StepFailure(known, f"{what} failed: {exc}") from None
    if isinstance(value, Result):
        if not value.ok:
            raise StepFailure(value.code or ErrorCode.BACKEND_ERROR, f"{what} failed: {value.error}")
        return value.data
    return value


@dataclass
class _Group:
    backend: UndoGroups
    lock: threading.Lock


@dataclass
class Closed:
    """How a run's groups ended: rolled back?, the backends undone, sentences on groups that failed
    (``code``: the first failure's), the backends whose group could not be ended (``unended``)."""

    rolled_back: bool = False
    undone: frozenset[str] = frozenset()
    problems: tuple[str, ...] = ()
    code: ErrorCode | str | None = None
    unended: frozenset[str] = frozenset()

    @property
    def unkept(self) -> frozenset[str]:
        """Backends whose changes this run cannot vouch for (undone, or their group not ended): no
        memo entry of theirs is saved, so running again applies their steps again."""
        return self.undone | self.unended

    def outcome(self, ok: bool, problem: Result | None) -> tuple[bool, Result | None]:
        """The run's ``ok`` and ``problem`` once its groups are closed. A run whose every step
        succeeded but whose group could not be ended is not ok: its changes are no longer one undo
        step, and an application that restarted meanwhile (what a dropped connection may be) lost
        the unsaved ones."""
        if not ok or not self.problems:
            return ok, problem
        return False, Result.failure(
            self.code or ErrorCode.BACKEND_ERROR,
            "Every step succeeded, but the run's undo group could not be closed: " + " ".join(self.problems)
            + " Its changes may be in the project as ordinary edits, or lost if the application restarted "
            "before saving them; check the project before running again.",
        )


class RunGroups:
    """The undo groups of one run. ``ensure`` is thread-safe; ``close`` runs once, at the end."""

    def __init__(self, lock_for: Callable[[str], threading.Lock]) -> None:
        self._lock_for = lock_for
        self._groups: dict[str, _Group | None] = {}
        self._mutex = threading.Lock()

    def ensure(
        self, name: str, backend: object, node_id: str, deadline: float, cancelled: threading.Event
    ) -> None:
        """Open the run's group on backend ``name`` once, waiting for other runs' groups to close
        (until ``deadline`` or cancellation: then TIMEOUT)."""
        with self._mutex:
            if name in self._groups:
                return
            if not isinstance(backend, UndoGroups):
                self._groups[name] = None
                return
            lock = self._lock_for(name)
            while not lock.acquire(timeout=0.05):
                if cancelled.is_set() or time.perf_counter() >= deadline:
                    raise StepFailure(ErrorCode.TIMEOUT,
                                      f"Node {node_id!r} waited too long for another run on backend {name!r} "
                                      f"to finish (runs that change a project take turns).")
            try:
                call_backend(backend.begin_group, f"opening the undo group on backend {name!r}")
            except BaseException:
                lock.release()
                raise
            self._groups[name] = _Group(backend, lock)

    def close(self, ok: bool, rollback: bool, label: str, execution_id: str) -> Closed:
        """End every group (success, or rollback off) or cancel it with undo; release the locks."""
        undone: set[str] = set()
        unended: set[str] = set()
        problems: list[str] = []
        code: ErrorCode | str | None = None
        for name, group in self._groups.items():
            if group is None:
                continue
            try:
                if not ok and rollback:
                    call_backend(partial(group.backend.cancel_group, True), f"rolling back {name!r}")
                    undone.add(name)
                else:
                    unended.add(name)  # until it did end
                    call_backend(partial(group.backend.end_group, label), f"closing the group on {name!r}")
                    unended.discard(name)
            except StepFailure as exc:
                logger.error("Execution {}: could not close the undo group on {}: {}",
                             execution_id, name, exc)
                problems.append(str(exc))
                code = code or exc.code
            finally:
                group.lock.release()
        return Closed(bool(undone), frozenset(undone), tuple(problems), code, frozenset(unended))


__all__ = ["Closed", "RunGroups", "StepFailure", "call_backend"]
