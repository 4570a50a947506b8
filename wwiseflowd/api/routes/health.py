"""``/health``: each backend's connection, watchers, queue depths, workflow files in error."""

from __future__ import annotations

from fastapi import APIRouter

from wwiseflowd import __version__
from wwiseflowd.api.deps import EngineDep, OpsDep, StatusDep
from wwiseflowd.api.errors import error_responses
from wwiseflowd.api.models import Health, WorkflowFile

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    operation_id="getHealth",
    response_model=Health,
    summary="Is the daemon able to work right now",
    responses=error_responses(),
)
def get_health(engine: EngineDep, ops: OpsDep, status: StatusDep) -> Health:
    """Always 200 while the API answers; ``status`` is ``degraded`` and ``problems`` says why when
    a backend is unreachable, a watcher died or misses files, a rule's queue stopped moving, the
    pump stopped turning or a workflow file does not compile. ``queues[].waiting`` names every file
    still settling with why and for how long."""
    backends = engine.health(probe=True)["backends"]
    daemon = status() if status is not None else {}
    in_error = [w for w in ops.list_workflows().data if not w.get("ok", True)]
    watchers = dict(daemon.get("watchers") or {})

    problems = [
        f"Backend {name!r} is not reachable" + (f" at {state['url']}." if state.get("url") else ".")
        for name, state in backends.items()
        if state.get("connected") is False
    ]
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
        backends=backends,
        watchers=watchers,
        queues=list(daemon.get("rules") or []),
        workflowsInError=[WorkflowFile.model_validate(w) for w in in_error],
        frontDoors=doors,
        problems=problems,
    )
