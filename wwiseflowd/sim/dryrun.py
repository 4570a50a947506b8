"""Dry runs: a workflow against an in-memory copy of a studio's real Wwise project, and what it would change.

:class:`DryRun` loads the project (``.wproj`` + ``.wwu``, its own Wwise version) into a read-only
emulator on a free port; nothing is ever written to the project folder (``project.save`` writes
nothing, audio is not copied into Originals, only the path each file would get is noted). Before
the run the model is captured; :meth:`DryRun.report` compares it with the model after the run and
returns a :class:`ChangeReport`: objects created, deleted, renamed, moved, properties, references
and notes changed, and audio imported with its Originals path. Front doors (CLI ``exec --project``,
REST ``dryRun``, MCP ``dry_run_workflow``, daemon rules with ``dry_run = true``) submit the run with
a :class:`DryRunner` (the engine's own run path; the result carries ``changes``) and print
:func:`render_text` or the report's JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import BaseModel, Field

from wwiseflowd.events import EventHub
from wwiseflowd.results import Result
from wwiseflowd.sim.model import Project

if TYPE_CHECKING:
    from wwiseflowd.compiler import Plan
    from wwiseflowd.config import Settings
    from wwiseflowd.engine import Engine
    from wwiseflowd.executions import ExecutionResult
    from wwiseflowd.operations import EventSink, RunRequest
    from wwiseflowd.plugins import Plugins
    from wwiseflowd.runner import RunControl


class _State(NamedTuple):
    type: str
    name: str
    path: str
    parent: str | None
    properties: dict[str, Any]
    references: dict[str, str | None]
    notes: str
    audio_file: str | None


def capture(project: Project) -> dict[str, _State]:
    """The parts of every object a change report compares, by id."""
    states: dict[str, _State] = {}
    for obj in project.iter_objects():
        refs = {name: (target.id if target is not None else None) for name, target in obj.references.items()}
        states[obj.id] = _State(obj.type, obj.name, obj.path, obj.parent.id if obj.parent else None,
                                dict(obj.properties), refs, obj.notes, obj.audio_file)
    return states


class ObjectChange(BaseModel):
    """One object created, deleted, renamed or moved."""

    id: str
    type: str
    path: str
    oldPath: str | None = None


class ValueChange(BaseModel):
    """One property, reference or notes value that changed (``old``/``new`` null = unset or default)."""

    id: str
    path: str
    name: str
    old: Any = None
    new: Any = None


class AudioImport(BaseModel):
    """One audio file a run would import: the AudioFileSource and the Originals path the file would get."""

    sourceId: str
    path: str
    originalsPath: str
    audioFile: str | None = None


class ChangeReport(BaseModel):
    """What a dry run would change in the real project."""

    project: str
    projectPath: str
    wwiseVersion: str
    created: list[ObjectChange] = Field(default_factory=list)
    deleted: list[ObjectChange] = Field(default_factory=list)
    renamed: list[ObjectChange] = Field(default_factory=list)
    moved: list[ObjectChange] = Field(default_factory=list)
    properties: list[ValueChange] = Field(default_factory=list)
    references: list[ValueChange] = Field(default_factory=list)
    notes: list[ValueChange] = Field(default_factory=list)
    audio: list[AudioImport] = Field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the run would change anything."""
        return any((self.created, self.deleted, self.renamed, self.moved, self.properties, self.references,
                    self.notes, self.audio))

    def counts(self) -> dict[str, int]:
        """How many entries of each kind."""
        return {kind: len(getattr(self, kind)) for kind in _KINDS}


_KINDS = ("created", "deleted", "renamed", "moved", "properties", "references", "notes", "audio")


def compare(before: dict[str, _State], project: Project, planned: dict[str, str],
            wproj: Path) -> ChangeReport:
    """The report of what changed between ``before`` and ``project`` now."""
    after = capture(project)
    v = project.version
    report = ChangeReport(project=project.name, projectPath=str(wproj), wwiseVersion=f"{v.year}.{v.major}")
    created = [i for i in after if i not in before]
    for object_id in created:  # every created object, parents first (document order)
        state = after[object_id]
        report.created.append(ObjectChange(id=object_id, type=state.type, path=state.path))
    for object_id, old in before.items():
        new = after.get(object_id)
        if new is None:
            if old.parent in before and old.parent not in after:
                continue  # inside a deleted subtree: the subtree's top is listed
            report.deleted.append(ObjectChange(id=object_id, type=old.type, path=old.path))
            continue
        _compare_object(report, object_id, old, new)
    for object_id in created:
        _compare_object(report, object_id, None, after[object_id])
    paths = {i: st.path for i, st in before.items()} | {i: st.path for i, st in after.items()}
    for change in report.references:  # targets by id (a renamed target is no reference change), shown by path
        change.old = paths.get(change.old, change.old) if change.old else None
        change.new = paths.get(change.new, change.new) if change.new else None
    _audio(report, project, before, after, planned)
    return report


def _compare_object(report: ChangeReport, object_id: str, old: _State | None, new: _State) -> None:
    if old is not None and old.name != new.name:
        report.renamed.append(ObjectChange(id=object_id, type=new.type, path=new.path, oldPath=old.path))
    if old is not None and old.parent != new.parent:
        report.moved.append(ObjectChange(id=object_id, type=new.type, path=new.path, oldPath=old.path))
    _values(report.properties, object_id, new.path, old.properties if old is not None else {},
            new.properties)
    _values(report.references, object_id, new.path, old.references if old is not None else {},
            new.references)
    old_notes = old.notes if old is not None else ""
    if old_notes != new.notes:
        report.notes.append(ValueChange(id=object_id, path=new.path, name="notes", old=old_notes or None,
                                        new=new.notes or None))


def _values(out: list[ValueChange], object_id: str, path: str, old: dict[str, Any],
            new: dict[str, Any]) -> None:
    for name in sorted(set(old) | set(new)):
        if old.get(name) != new.get(name):
            out.append(ValueChange(id=object_id, path=path, name=name, old=old.get(name), new=new.get(name)))


def _audio(report: ChangeReport, project: Project, before: dict[str, _State], after: dict[str, _State],
           planned: dict[str, str]) -> None:
    for object_id, state in after.items():
        if state.type != "AudioFileSource" or state.audio_file is None:
            continue
        old = before.get(object_id)
        if old is not None and old.audio_file == state.audio_file:
            continue
        originals = str(project.originals_dir() / state.audio_file)
        report.audio.append(AudioImport(sourceId=object_id, path=state.path, originalsPath=originals,
                                        audioFile=planned.get(originals)))


def render_text(report: ChangeReport) -> str:
    """The report as lines a sound designer reads in a terminal or a CI log."""
    lines = [f"Dry run on {report.project} (Wwise {report.wwiseVersion}, {report.projectPath}): "
             + ("no change." if not report.changed else
                ", ".join(f"{n} {kind}" for kind, n in report.counts().items() if n) + "."),
             "The project's files were not written."]
    for item in report.created:
        lines.append(f"  + created  {item.type:<24} {item.path}")
    for item in report.deleted:
        lines.append(f"  - deleted  {item.type:<24} {item.path}")
    for item in report.renamed:
        lines.append(f"  ~ renamed  {item.oldPath} -> {item.path}")
    for item in report.moved:
        lines.append(f"  > moved    {item.oldPath} -> {item.path}")
    for change in (*report.properties, *report.references, *report.notes):
        lines.append(f"  = set      {change.path} @{change.name}: {_shown(change.old)} -> "
                     f"{_shown(change.new)}")
    for audio in report.audio:
        source = f"{audio.audioFile} " if audio.audioFile else ""
        lines.append(f"  * audio    {source}-> {audio.originalsPath}  ({audio.path})")
    return "\n".join(lines)


def _shown(value: Any) -> str:
    return "(unset)" if value is None else repr(value)


class DryRun:
    """A read-only emulator on a studio's project, and the report of what a run changed in it.

    ``with DryRun(Path("Game/Game.wproj")) as dry: run the workflow against dry.url; dry.report()``.
    ``project`` is the ``.wproj`` or its folder; ``version`` overrides the version that saved it.
    """

    def __init__(self, project: Path | str, version: str | None = None) -> None:
        from wwiseflowd.sim.server import Emulator

        path = Path(project).expanduser().resolve()
        found = sorted(path.glob("*.wproj")) if path.is_dir() else [path]
        self.wproj = found[0] if found else path
        self.emulator = Emulator(port=0, project_dir=self.wproj, version=version, read_only=True)
        self._before: dict[str, _State] = {}

    @property
    def url(self) -> str:
        """The emulator's WAAPI URL (valid once started)."""
        return self.emulator.url

    def start(self) -> DryRun:
        """Load the project (raises ProjectFileError with a readable sentence) and start serving."""
        self.emulator.start()
        with self.emulator.locked_project() as project:
            self._before = capture(project)
        return self

    def report(self) -> ChangeReport:
        """What the run changed so far."""
        with self.emulator.locked_project() as project:
            return compare(self._before, project, dict(project.planned_files), self.wproj)

    def close(self) -> None:
        """Stop the emulator (the in-memory copy is dropped)."""
        self.emulator.close()

    def __enter__(self) -> DryRun:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


class _HoldRunFinished(EventHub):
    """The hub a dry run's Runner publishes to: every event goes on to the engine's hub at once,
    except ``run.finished``, held until the change report is in the result and the run ledger (a
    follower asks for the execution when it sees run.finished, and must find the changes)."""

    def __init__(self, hub: EventHub) -> None:
        super().__init__()
        self.hub = hub
        self.held: list[dict[str, Any]] = []

    @property
    def subscriber_count(self) -> int:
        """The engine hub's subscribers (the Runner builds events only when someone listens)."""
        return self.hub.subscriber_count

    def publish(self, event: dict[str, Any]) -> None:
        """Forward ``event``, or hold it when it is ``run.finished``."""
        if event.get("type") == "run.finished":
            self.held.append(event)
        else:
            self.hub.publish(event)

    def release(self) -> None:
        """Publish the held events (the result is complete now)."""
        held, self.held = self.held, []
        for event in held:
            self.hub.publish(event)


class DryRunner:
    """Runs a plan on a read-only copy of a project, in place of the engine's runner
    (``Engine.submit(..., runner=...)``): a dry run takes the engine's own run path (its execution
    id, events, run ledger, wait and cancel), and its ExecutionResult carries ``changes``, the
    report of what it would change. It owns its emulator, closed when the run ends.

    Every node runs (``force``): a memoised node would hide its changes from the report. Nothing is
    audit-logged: nothing reached Wwise, so replaying a dry run has nothing to re-apply.
    """

    def __init__(self, engine: Engine, project: Path | str, version: str | None = None) -> None:
        self.engine = engine
        self.dry = DryRun(project, version)

    def prepare(self) -> DryRunner:
        """Load the project now (ProjectFileError / ValueError / OSError with a readable sentence)."""
        self.dry.start()
        return self

    def run(self, plan: Plan, inputs: Mapping[str, Any] | None = None, *, force: bool = False,
            rollback: bool | None = None, source: str = "cli", control: RunControl | None = None,
            ) -> ExecutionResult:
        """The run against the copy; its result with ``changes`` (also in the run ledger)."""
        from wwiseflowd.bus import BackendPool, CommandBus
        from wwiseflowd.runner import Runner

        engine = self.engine
        settings = engine.settings.model_copy(deep=True)
        settings.wwise.url = self.dry.url
        backends = BackendPool(engine.registry, settings)
        events = _HoldRunFinished(engine.events)
        if control is not None:
            control.holding_final = True  # finished only once the change report is in
        try:
            bus = CommandBus(engine.registry, settings, backends)
            runner = Runner(engine.registry, settings, engine.store, bus, backends, events)
            result = runner.run(plan, inputs, force=True, rollback=rollback, source=source, control=control)
            result = result.model_copy(update={"changes": self.dry.report().model_dump(mode="json")})
            engine.store.ledger_record(result.model_dump(mode="json"), result.status)
            if control is not None:
                control.amend_final(result)
            return result
        finally:
            backends.close()
            self.close()
            events.release()

    def close(self) -> None:
        """Stop the emulator (also when the run never started)."""
        self.dry.close()


class DryRunOutcome(NamedTuple):
    """A dry run's outcome (as ``Operations.run`` gives it) and its change report (None when the run
    never started)."""

    outcome: Result
    changes: ChangeReport | None


def run_dry(settings: Settings, plugins: Plugins | None, request: RunRequest, project: Path | str,
            version: str | None = None, on_event: EventSink | None = None) -> DryRunOutcome:
    """``request`` as a dry run on ``project`` through the service layer, with an engine of this
    process (the CLI's ``exec --project``). Raises ValueError with the loader's sentence when the
    project cannot be loaded."""
    from wwiseflowd.engine import Engine
    from wwiseflowd.operations import LocalOperations

    dry = request.model_copy(update={"dry_run_project": str(project), "wwise_version": version})
    with Engine(settings, plugins) as engine:
        outcome = LocalOperations(engine).run(dry, on_event)
    data = outcome.data if isinstance(outcome.data, dict) else {}
    if not outcome.ok and "executionId" not in data and "dryRunProject" in data:
        raise ValueError(outcome.error)
    changes = data.get("changes")
    return DryRunOutcome(outcome, ChangeReport.model_validate(changes) if changes is not None else None)


def execute_dry(engine: Engine, plan: Any, inputs: dict[str, Any], project: Path | str,
                execution_id: str | None = None,
                source: str = "watch") -> tuple[ExecutionResult, ChangeReport]:
    """``engine.execute`` of a compiled plan as a dry run on ``project`` (the daemon's rules with
    ``dry_run = true``); the ExecutionResult and its change report."""
    runner = DryRunner(engine, project).prepare()
    try:
        result = engine.execute(plan, inputs, force=True, execution_id=execution_id, source=source,
                                runner=runner)
        # no changes: the plan was refused before it reached the copy, which is still open
        changes = result.changes
        if changes is None:
            changes = runner.dry.report().model_dump(mode="json")
    finally:
        runner.close()
    return result, ChangeReport.model_validate(changes)


__all__ = ["AudioImport", "ChangeReport", "DryRun", "DryRunOutcome", "DryRunner", "ObjectChange",
           "ValueChange", "capture", "compare", "execute_dry", "render_text", "run_dry"]
