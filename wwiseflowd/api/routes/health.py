"""``/health``: Wwise connection, watchers, queue depths, workflow files in error."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from wwiseflowd import __version__
from wwiseflowd.api.deps import EngineDep, OpsDep, SettingsDep, StatusDep
from wwiseflowd.api.errors import error_responses
from wwiseflowd.api.models import Health, WorkflowFile
from wwiseflowd.engine import Engine

router = APIRouter(tags=["health"])


def _wwise_state(engine: Engine) -> dict[str, Any]:
    """The Wwise backend's health; connects once if no connection was ever tried."""
    wwise = dict(engine.health().get("wwise") or {})
    if wwise and not wwise.get("connected") and not wwise.get("lastError"):
        # the adapter connects lazily: without one attempt, "not connected" says nothing about Wwise
        connect = getattr(engine.backend("wwise"), "connect", None)
        if callable(connect):
            connect()
            wwise = dict(engine.health().get("wwise") or {})
    return wwise


@router.get(
    "/health",
    operation_id="getHealth",
    response_model=Health,
    summary="Is the daemon able to work right now",
    responses=error_responses(),
)
def get_health(engine: EngineDep, ops: OpsDep, settings: SettingsDep, status: StatusDep) -> Health:
    """Always 200 while the API answers; ``status`` is ``degraded`` and ``problems`` says why when
    Wwise is unreachable, a watcher died or a workflow file does not compile."""
    wwise = _wwise_state(engine)
    daemon = status() if status is not None else {}
    in_error = [w for w in ops.list_workflows().data if not w.get("ok", True)]
    watchers = dict(daemon.get("watchers") or {})

    problems = []
    if wwise and not wwise.get("connected"):
        problems.append(f"Wwise is not reachable at {wwise.get('url', settings.wwise.url)}.")
    for folder, watcher in watchers.items():
        if isinstance(watcher, dict) and watcher.get("alive") is False:
            problems.append(f"The watcher of {folder} is not running.")
    for thread in ("pump", "worker"):
        if daemon.get(f"{thread}Alive") is False:
            problems.append(f"The daemon's {thread} thread has stopped; restart wwiseflowd (see its log).")
    problems += [f"Workflow file {w.get('file')} does not compile." for w in in_error]
    return Health(
        status="degraded" if problems else "ok",
        version=__version__,
        wwise=wwise,
        watchers=watchers,
        queues=list(daemon.get("rules") or []),
        workflowsInError=[WorkflowFile.model_validate(w) for w in in_error],
        problems=problems,
    )
