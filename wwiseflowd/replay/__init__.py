"""Replay: re-apply the mutating commands of a recorded execution to another (or the same) project.

:func:`replay_execution` is the one entry point the front doors call (CLI ``wwiseflowd replay``,
``POST /executions/{id}/replay``, the MCP tool ``replay_execution``). It reads the execution's
entries from the audit trail, checks every precondition first (:mod:`.checks`), then runs the
commands with remapped ids (:mod:`.steps`) inside one undo group (:mod:`.apply`). See docs/replay.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from wwiseflowd.replay.apply import GroupFailed, ObjectLookup, StepReport, UndoGroups, run_steps, undo_groups
from wwiseflowd.replay.checks import Problem, check_all, creating_fields
from wwiseflowd.replay.steps import IdMap, RecordedStep, recorded_steps
from wwiseflowd.results import ErrorCode, Result

if TYPE_CHECKING:
    from wwiseflowd.engine import Engine


class ReplayReport(BaseModel):
    """What a replay did (or, with ``dryRun``, would do)."""

    ok: bool
    executionId: str = Field(description="The recorded execution.")
    replayId: str | None = Field(None, description="The execution id the replayed commands are audited as.")
    dryRun: bool = False
    steps: list[StepReport] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)
    rolledBack: bool = False
    idMap: dict[str, str] = Field(default_factory=dict, description="Recorded id -> id in the target.")


def replay_execution(
    engine: Engine, execution_id: str, *, dry_run: bool = False, allow_changed_audio: bool = False,
    source: str = "cli",
) -> Result:
    """Replay ``execution_id`` on the engine's backend; data is a :class:`ReplayReport` dict."""
    entries = engine.audit_trail.execution(execution_id)
    refused = _refusal(engine, execution_id, entries)
    if refused is not None:
        return refused
    steps = recorded_steps(entries, lambda name: _mutating(engine, name))
    ids = IdMap.from_steps(steps)
    problems = _unknown_commands(engine, steps) or check_all(
        steps, ids, _lookup(engine), allow_changed_audio=allow_changed_audio,
        creates_missing=lambda name: creating_fields(_input_model(engine, name)),
        relocate=_relocator(engine),
    )
    report = ReplayReport(ok=not problems, executionId=execution_id, dryRun=dry_run, problems=problems)
    if problems:
        first = problems[0]
        more = f" ({len(problems) - 1} more problem(s) listed)" if len(problems) > 1 else ""
        return Result.failure(first.code, f"Nothing was changed: {first.message}{more}",
                              data=report.model_dump(mode="json"))
    if dry_run:
        report.steps = [_planned(step, ids) for step in steps]
        report.idMap = dict(ids.mapping)
        return Result.success(report.model_dump(mode="json"))
    return _apply(engine, execution_id, steps, ids, report, source)


def _refusal(engine: Engine, execution_id: str, entries: list[dict[str, Any]]) -> Result | None:
    if not entries:
        return Result.failure(ErrorCode.NOT_FOUND,
                              f"The audit log has no command of execution {execution_id!r} (was it pruned? "
                              f"see wwiseflowd audit).")
    recorded = engine.get_execution(execution_id)
    if recorded is not None and recorded.status == "running":
        return Result.failure(ErrorCode.CONFLICT,
                              f"Execution {execution_id} is still running; replay it once it has finished.")
    if recorded is not None and recorded.rolledBack:
        return Result.failure(ErrorCode.ROLLED_BACK,
                              f"Execution {execution_id} was rolled back, so there is nothing to replay.")
    return None


def _apply(
    engine: Engine, execution_id: str, steps: list[RecordedStep], ids: IdMap, report: ReplayReport,
    source: str,
) -> Result:
    from wwiseflowd.runner import new_execution_id

    replay_id = new_execution_id()
    report.replayId = replay_id

    def command(step: RecordedStep, payload: dict[str, Any]) -> Result:
        return engine.command(step.command, payload, execution_id=replay_id, node_id=step.node, source=source)

    failure: Result | None = None
    try:
        with undo_groups(_groups(engine), f"Replay of {execution_id}") as outcome:
            report.steps, failure = run_steps(steps, ids, command)
            outcome[0] = failure is None
    except GroupFailed as exc:
        failure = Result.failure(ErrorCode.WAAPI_ERROR, str(exc))
    report.idMap = dict(ids.mapping)
    if failure is None:
        return Result.success(report.model_dump(mode="json"))
    report.ok, report.rolledBack = False, bool(report.steps)
    undone = " The replay was rolled back: the target project is unchanged." if report.rolledBack else ""
    return Result.failure(failure.code or ErrorCode.INTERNAL, f"{failure.error}{undone}",
                          data=report.model_dump(mode="json"))


def _planned(step: RecordedStep, ids: IdMap) -> StepReport:
    def placeholder(guid: str) -> str:
        return f"<id of the object step {ids.produced[guid]} creates (recorded as {guid})>"

    return StepReport(index=step.index, command=step.command, node=step.node,
                      payload=ids.remap(step.payload, placeholder))


def _relocator(engine: Engine) -> Any:
    """Finds a source file the daemon moved to processed/ after importing it (the drop journal's note)."""
    from pathlib import Path

    from wwiseflowd.store.journal import JOURNAL_FILENAME, Journal

    path = Path(engine.settings.paths.state_dir) / JOURNAL_FILENAME

    def relocate(file: str, digest: str | None) -> str | None:
        if not path.is_file():
            return None
        journal = Journal(path)
        try:
            return journal.moved_to(file, digest)
        finally:
            journal.close()

    return relocate


def _mutating(engine: Engine, name: str) -> bool | None:
    spec = engine.registry.commands.get(name)
    return None if spec is None else not spec.read_only


def _input_model(engine: Engine, name: str) -> type[BaseModel] | None:
    spec = engine.registry.commands.get(name)
    return None if spec is None else spec.input_model


def _unknown_commands(engine: Engine, steps: list[RecordedStep]) -> list[Problem]:
    return [Problem(code=ErrorCode.NOT_FOUND, step=s.index, command=s.command,
                    message=f"Step {s.index} runs command {s.command!r}, which no loaded plugin provides "
                            f"(see wwiseflowd plugins).")
            for s in steps if s.command not in engine.registry.commands]


def _backends(engine: Engine) -> dict[str, Any]:
    return {name: engine.backend(name) for name in engine.registry.backends}


def _groups(engine: Engine) -> dict[str, Any]:
    return {name: (backend, engine.backends.group_lock(name))
            for name, backend in _backends(engine).items() if isinstance(backend, UndoGroups)}


def _lookup(engine: Engine) -> Any:
    lookups = [b for b in _backends(engine).values() if isinstance(b, ObjectLookup)]

    def lookup(ref: str) -> Result:
        for backend in lookups:
            found = backend.get_object(ref)
            if found.ok:
                return found
        return Result.failure(ErrorCode.OBJECT_NOT_FOUND, f"{ref} was not found.")

    return lookup


__all__ = ["ReplayReport", "replay_execution"]
