"""What a backend may do beyond answering its commands: declared, optional abilities.

A backend is whatever a ``register_backends`` factory returns (the Wwise plugin's WAAPI adapter,
a REAPER plugin's client ...). Core code never names a backend: health, status, metrics, the
daemon's connection at start-up and the runner's undo groups loop over the registered backends
and use each ability a backend declares by having the methods below (``typing.Protocol``,
checked with ``isinstance``). A backend with none of them still works for its own commands.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from wwiseflowd.results import ErrorCode, Result

if TYPE_CHECKING:
    from wwiseflowd.bus import BackendPool


@runtime_checkable
class ReportsHealth(Protocol):
    """``/health``, ``wwiseflowd status``: never connects, never blocks on the network.

    Keys by convention: ``connected`` (bool, required: False makes the daemon's health
    ``degraded``), ``url``, ``version``, ``project``, ``lastError``.
    """

    def health(self) -> dict[str, Any]:
        """The connection state now."""
        ...


@runtime_checkable
class Connects(Protocol):
    """A backend that connects lazily; connected at daemon start-up and before the first health
    report, so "not connected" means the application is unreachable, not merely unused."""

    def connect(self) -> Any:
        """Connect now; a failed :class:`~wwiseflowd.results.Result` (or a raise) when it cannot."""
        ...


@runtime_checkable
class ReportsCallStats(Protocol):
    """``GET /metrics``: calls made, by operation (``wwiseflowd_backend_calls{backend,operation}``)."""

    def stats(self) -> dict[str, dict[str, Any]]:
        """``{operation: {"count", "errors", "total_ms"}}`` since the backend was created."""
        ...


@runtime_checkable
class Identifies(Protocol):
    """Part of every idempotency key of the steps on this backend (which project, where)."""

    def identity(self) -> str:
        """e.g. ``wwise:<project id>@<url>``; may connect to find out."""
        ...


@runtime_checkable
class UndoGroups(Protocol):
    """The runner's transaction protocol: one undo group per run and backend.

    Each method may return a :class:`~wwiseflowd.results.Result` (a failed one fails the step)
    or raise. Runs that open a group on the same backend take turns.
    """

    def begin_group(self) -> Any:
        """Open the group, just before the run's first change on this backend."""
        ...

    def end_group(self, name: str) -> Any:
        """Close the group (the run succeeded, or rollback is off), named after the workflow."""
        ...

    def cancel_group(self, undo: bool) -> Any:
        """Cancel the group; with ``undo`` every change of the run is undone."""
        ...


@runtime_checkable
class Closes(Protocol):
    """Called once when the engine shuts down."""

    def close(self) -> Any:
        """Release connections and threads."""
        ...


def health_of(backend: object) -> dict[str, Any]:
    """A backend's health report; ``{"created": True}`` for one that does not report health."""
    if isinstance(backend, ReportsHealth):
        return dict(backend.health())
    return {"created": True}


def connect_once(name: str, backend: Connects) -> Result:
    """``backend.connect()`` as a Result (a raise becomes BACKEND_UNAVAILABLE)."""
    try:
        result = backend.connect()
    except Exception as exc:
        return Result.failure(ErrorCode.BACKEND_UNAVAILABLE, f"Backend {name!r} cannot connect: {exc}.")
    return result if isinstance(result, Result) else Result.success(result)


def connect_all(pool: BackendPool) -> dict[str, Result]:
    """Connect every registered backend that connects lazily."""
    return {name: connect_once(name, backend) for name, backend in pool.having(Connects)}


#: how long ``backend_health(probe=True)`` waits for a reconnection attempt before reporting
PROBE_WAIT_S = 1.0


def backend_health(pool: BackendPool, *, probe: bool = False) -> dict[str, dict[str, Any]]:
    """Every registered backend's health by name (``{"connected": False, "lastError"}`` for one
    that cannot start). ``probe``: first try to connect each that is not connected, waiting at most
    :data:`PROBE_WAIT_S` per backend."""
    if probe:
        for name, backend in pool.having(Connects):
            if isinstance(backend, ReportsHealth) and not backend.health().get("connected"):
                # also after a failure: an old "unreachable" must not outlive the application's
                # return (the backend's own back-off decides whether an attempt is due)
                pool.probe(name, partial(connect_once, name, backend), PROBE_WAIT_S)
    report: dict[str, dict[str, Any]] = {}
    for name in pool.registry.backends:
        try:
            report[name] = health_of(pool.get(name))
        except Exception as exc:
            report[name] = {"connected": False, "lastError": str(exc)}
    return report


__all__ = [
    "backend_health",
    "connect_all",
    "connect_once",
    "Closes",
    "Connects",
    "Identifies",
    "ReportsCallStats",
    "ReportsHealth",
    "UndoGroups",
    "health_of",
]
