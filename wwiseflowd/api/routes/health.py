"""``/health``: Wwise connection, watchers, queue depths, workflow files in error."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter

from wwiseflowd import __version__
from wwiseflowd.api.deps import EngineDep, OpsDep, SettingsDep, StatusDep
from wwiseflowd.api.errors import error_responses
from wwiseflowd.api.models import Health, WorkflowFile
from wwiseflowd.engine import Engine

router = APIRouter(tags=["health"])


#: how long /health waits for a reconnection attempt before answering with what it knows
RECONNECT_WAIT_S = 1.0


def _wwise_state(engine: Engine) -> dict[str, Any]:
    """The Wwise backend's health. While not connected, one reconnection attempt (the adapter's own
    back-off decides whether one is due) runs first, so Wwise coming back is seen here at once
    instead of an old "unreachable" staying until the next batch; /health waits for it at most
    :data:`RECONNECT_WAIT_S`."""
    wwise = dict(engine.health().get("wwise") or {})
    if wwise and not wwise.get("connected"):
        connect = getattr(engine.backend("wwise"), "connect", None)
        if callable(connect):
            attempt = threading.Thread(target=connect, name="wwiseflowd-health-connect", daemon=True)
            attempt.start()
            attempt.join(RECONNECT_WAIT_S)
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
    Wwise is unreachable, a watcher died or misses files, a rule's queue stopped moving, the pump
    stopped turning or a workflow file does not compile. ``queues[].waiting`` names every file
    still settling with why and for how long."""
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
    problems += [p for p in daemon.get("problems") or [] if isinstance(p, str)]  # stalled queues...
    doors = dict(daemon.get("frontDoors") or {})
    problems += [f"Front door {name} is {door.get('state')}: {door.get('error')}."
                 for name, door in doors.items()
                 if isinstance(door, dict) and door.get("state") in ("down", "failed")]
    return Health(
        status="degraded" if problems else "ok",
        version=__version__,
        wwise=wwise,
        watchers=watchers,
        queues=list(daemon.get("rules") or []),
        workflowsInError=[WorkflowFile.model_validate(w) for w in in_error],
        frontDoors=doors,
        problems=problems,
    )
