"""Starting a dry run: the service layer's half of ``RunRequest.dry_run_project``.

A dry run is submitted to the engine like any run (same execution id, events, run ledger, wait,
cancel and follow), only with a :class:`~wwiseflowd.sim.dryrun.DryRunner` that runs the plan on a
read-only in-memory copy of the project; the finished execution carries ``changes``. Every front
door (CLI ``exec --project``, REST ``dryRun``, MCP ``dry_run_workflow``) goes through here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wwiseflowd.results import ErrorCode, Result

if TYPE_CHECKING:
    from wwiseflowd.engine import Engine
    from wwiseflowd.operations.guard import PathGuard
    from wwiseflowd.operations.protocol import RunRequest


def start_dry_run(engine: Engine, guard: PathGuard | None, request: RunRequest, plan: Any) -> Result:
    """Load the project (a refusal names the file and the problem), then submit the compiled
    ``plan`` with a dry runner; ``data = {"executionId", "dryRun": true}``."""
    from wwiseflowd.sim.dryrun import DryRunner
    from wwiseflowd.sim.persistence import ProjectFileError

    project = str(request.dry_run_project)
    if guard is not None:
        allowed = guard.check_path(project, "project")
        if not allowed.ok:
            return allowed
    try:
        runner = DryRunner(engine, project, request.wwise_version).prepare()
    except (ProjectFileError, ValueError, OSError) as exc:
        return Result.failure(ErrorCode.INVALID_INPUT, str(exc), {"dryRunProject": project})
    try:
        execution_id = engine.submit(plan, request.inputs, force=True, rollback=request.rollback,
                                     execution_id=request.execution_id, source=request.source, runner=runner)
    except ValueError:  # the same id was submitted a moment ago by another caller
        runner.close()
        return Result.failure(ErrorCode.CONFLICT,
                              f"Execution id {request.execution_id!r} is already running.")
    except RuntimeError:  # the engine is shutting down
        runner.close()
        return Result.failure(ErrorCode.WAAPI_UNAVAILABLE, "The engine is shutting down; retry later.")
    return Result.success({"executionId": execution_id, "dryRun": True})


__all__ = ["start_dry_run"]
