"""Submitting a run for a named project: the service layer's entry to the work queue."""

from __future__ import annotations

from typing import Any

from wwiseflowd.results import ErrorCode, Result


def submit_for_project(settings: Any, execution_id: str, request: dict[str, Any], project: str) -> Result:
    """Queue the run for any daemon serving ``project``; ``data = {"executionId", "project", "queued"}``."""
    if settings.store.backend != "redis":
        return Result.failure(
            ErrorCode.INVALID_INPUT,
            f"Runs for a named project ({project!r}) go through a fleet's work queue, and this daemon has "
            f'none: set [store] backend = "redis" and url (docs/fleet.md), or leave "project" out.',
        )
    from wwiseflowd.fleet.connection import fleet_queue

    try:
        fleet_queue(settings).submit(project, execution_id, request)
    except Exception as exc:  # Redis away: refuse now rather than lose the run
        return Result.failure(
            ErrorCode.BACKEND_UNAVAILABLE,
            f"The fleet's Redis did not take the run ({type(exc).__name__}: {exc}); nothing was queued, "
            f"submit it again once Redis answers.",
        )
    return Result.success({"executionId": execution_id, "project": project, "queued": True})


def wait_for_project_run(settings: Any, execution_id: str, timeout_s: float) -> bool:
    """Block until a queued run finished on whichever daemon took it; False on timeout."""
    from wwiseflowd.fleet.connection import fleet_queue

    return fleet_queue(settings).wait_done(execution_id, timeout_s)
