"""Operations served by an engine in this process (the daemon's, the REST app's, or a CLI's own)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

from wwiseflowd.audit.index import AuditFilter
from wwiseflowd.documents import read_workflow_file
from wwiseflowd.events import LoopWakeup, Subscription
from wwiseflowd.operations.browse import browse
from wwiseflowd.operations.dry_run import start_dry_run
from wwiseflowd.operations.guard import PathGuard
from wwiseflowd.operations.library import describe_workflow_file, scan_workflow_files
from wwiseflowd.operations.outcome import execution_outcome
from wwiseflowd.operations.protocol import EventSink, RunRequest
from wwiseflowd.operations.workflow_store import WorkflowStore, file_version
from wwiseflowd.results import ErrorCode, Result
from wwiseflowd.runner import ExecutionResult, new_execution_id
from wwiseflowd.store import ExecutionStatus

if TYPE_CHECKING:
    from wwiseflowd.engine import Engine

#: how long a run for a fleet's project is waited for (seconds)
QUEUED_WAIT_S = 3600.0
#: the daemon's status callable (its workflow library knows each file's compile status)
StatusFn = Callable[[], dict[str, Any]]
#: seconds between checks that a followed run ended without its run.finished event reaching us
FOLLOW_POLL_S = 0.5
#: polling bounds while a coroutine waits for a run (seconds)
WAIT_MIN_S = 0.002
WAIT_MAX_S = 0.05
#: polling once the run's run.finished event arrived (the result is kept within moments)
WAIT_ENDED_S = 0.0005


class LocalOperations:
    """:class:`~wwiseflowd.operations.protocol.Operations` over ``engine``.

    ``guard`` checks file paths from outside (REST, MCP); None trusts the caller (the local CLI).
    ``status`` is the daemon's status callable, whose workflow library lists the workflow files;
    without it they are read from ``[paths] workflows_dir``. ``owns_engine``: :meth:`close`
    closes the engine too. ``source`` names the front door in the audit log of bus commands
    (a run's source is its :class:`RunRequest`'s).
    """

    def __init__(
        self,
        engine: Engine,
        guard: PathGuard | None = None,
        status: StatusFn | None = None,
        *,
        source: str = "cli",
        owns_engine: bool = False,
    ) -> None:
        self.engine = engine
        self.source = source
        self.guard = guard
        self.status = status
        self.owns_engine = owns_engine
        self.where = "local engine"

    # -- catalog and documents ---------------------------------------------------------------------

    def catalog(self) -> Result:
        """Every node type with its input schema and outputs."""
        return Result.success(self.engine.catalog())

    def validate(self, document: dict[str, Any], inputs: dict[str, Any] | None = None) -> Result:
        """Path check (with a guard), then compile."""
        if self.guard is not None:
            checked = self.guard.check_workflow(document, inputs, self.engine.registry)
            if not checked.ok:
                return checked
        return self.engine.compile(document)

    def list_workflows(self) -> Result:
        """The workflow files and their compile status, without documents."""
        entries = self._workflow_entries()
        return Result.success([{k: v for k, v in e.items() if k != "document"} for e in entries])

    def get_workflow(self, workflow_id: str) -> Result:
        """One workflow file with its document."""
        for entry in self._workflow_entries():
            if entry.get("id") != workflow_id:
                continue
            if "document" not in entry:
                read = read_workflow_file(Path(entry["file"]))
                entry = {**entry, "document": read.data if read.ok else None}
            # the version a later save names, so a file changed on disk meanwhile is a conflict
            return Result.success({**entry, "version": file_version(Path(entry["file"]))})
        # a file saved a moment ago may not have reached the daemon's watcher yet
        on_disk = self._store().find(workflow_id)
        if on_disk is not None:
            described = describe_workflow_file(self.engine, on_disk)
            return Result.success({**described, "version": file_version(on_disk)})
        return Result.failure(
            ErrorCode.NOT_FOUND,
            f"No workflow file has id {workflow_id!r} in {self.engine.settings.paths.workflows_dir}; "
            f"listing the workflows shows the ids.",
        )

    def save_workflow(self, workflow_id: str, document: dict[str, Any], version: str | None) -> Result:
        """Write a workflow file (CONFLICT when ``version`` is not the one on disk; see WorkflowStore)."""
        return self._described(self._store().save(workflow_id, document, version))

    def rename_workflow(self, workflow_id: str, new_id: str) -> Result:
        """Give a workflow file a new id and file name."""
        return self._described(self._store().rename(workflow_id, new_id))

    def duplicate_workflow(self, workflow_id: str, new_id: str) -> Result:
        """Copy a workflow file under a new id."""
        return self._described(self._store().duplicate(workflow_id, new_id))

    def delete_workflow(self, workflow_id: str) -> Result:
        """Delete a workflow file."""
        return self._store().delete(workflow_id)

    def browse_files(self, path: str | None = None) -> Result:
        """Folders and audio files under the allowed roots, for file pickers (FORBIDDEN elsewhere)."""
        if self.guard is None:
            return Result.failure(ErrorCode.FORBIDDEN, "Browsing needs the path guard of a front door.")
        return browse(self.guard, path)

    def _store(self) -> WorkflowStore:
        return WorkflowStore(self.engine.settings.paths.workflows_dir)

    def _described(self, written: Result) -> Result:
        """A written file as get_workflow shows it (compiled now; the watcher may not have seen it yet)."""
        if not written.ok:
            return written
        described = describe_workflow_file(self.engine, Path(written.data["file"]))
        return Result.success({**described, "version": written.data["version"]})

    def _workflow_entries(self) -> list[dict[str, Any]]:
        if self.status is not None:
            return [dict(e) for e in self.status().get("workflows", [])]
        return scan_workflow_files(self.engine, self.engine.settings.paths.workflows_dir)

    # -- runs --------------------------------------------------------------------------------------

    def start(self, request: RunRequest) -> Result:
        """Check, compile and submit a run in the background; ``data = {"executionId"}``."""
        compiled = self.validate(request.document, request.inputs)
        if not compiled.ok:
            return compiled
        wanted = request.execution_id
        if wanted is not None and self.engine.get_execution(wanted) is not None:
            return Result.failure(
                ErrorCode.CONFLICT, f"Execution id {wanted!r} is taken; choose another or omit it."
            )
        if request.project is not None:
            return self._queue_for_project(request, wanted or new_execution_id())
        if request.dry_run_project is not None:
            return start_dry_run(self.engine, self.guard, request, compiled.data)
        try:
            # a document (compiled again from the engine's plan cache) is kept with the run to draw it
            # later; a plan the caller sent is run as it is
            runnable = request.document if "nodes" in request.document else compiled.data
            execution_id = self.engine.submit(
                runnable, request.inputs, force=request.force, rollback=request.rollback,
                execution_id=wanted, source=request.source,
            )
        except ValueError:  # the same id was submitted a moment ago by another caller
            return Result.failure(ErrorCode.CONFLICT, f"Execution id {wanted!r} is already running.")
        except RuntimeError:  # the engine is shutting down
            return Result.failure(ErrorCode.WAAPI_UNAVAILABLE, "The engine is shutting down; retry later.")
        return Result.success({"executionId": execution_id})

    def _queue_for_project(self, request: RunRequest, execution_id: str) -> Result:
        """Hand the run to the fleet's work queue (any daemon serving the project takes it)."""
        from wwiseflowd.fleet.submit import submit_for_project

        payload = request.model_dump(mode="json", exclude={"project", "execution_id"})
        return submit_for_project(self.engine.settings, execution_id, payload, str(request.project))

    def wait_queued(self, execution_id: str, timeout: float = QUEUED_WAIT_S) -> ExecutionResult | None:
        """A queued run's result once whichever daemon took it finished; None on timeout."""
        from wwiseflowd.fleet.submit import wait_for_project_run

        if not wait_for_project_run(self.engine.settings, execution_id, timeout):
            return None
        return self.engine.get_execution(execution_id)

    def run(self, request: RunRequest, on_event: EventSink | None = None) -> Result:
        """Start and follow a run; its outcome. Events are subscribed to before the run starts."""
        execution_id = request.execution_id or new_execution_id()
        if request.project is not None:  # another daemon of the fleet may run it: the fleet's events
            relay = self._fleet_events(execution_id, on_event)
            started = self.start(request.model_copy(update={"execution_id": execution_id}))
            if not started.ok:
                return started
            if relay is not None:
                relay()
            finished = self.wait_queued(execution_id)
            if finished is None:
                return Result.failure(ErrorCode.TIMEOUT, f"Execution {execution_id} is still queued or "
                                      f"running in the fleet; ask for it again later.",
                                      {"executionId": execution_id})
            return execution_outcome(finished)
        with self._subscribe(execution_id) as subscription:
            started = self.start(request.model_copy(update={"execution_id": execution_id}))
            if not started.ok:
                return started
            return self._follow(execution_id, subscription, on_event)

    def _fleet_events(self, execution_id: str, on_event: EventSink | None) -> Callable[[], None] | None:
        """Called before a queued run is submitted: a function passing its events (from the fleet's
        stream, whichever daemon runs it) to ``on_event`` until its run.finished; None when there is no
        one to tell or no fleet (the submission then says why)."""
        settings = self.engine.settings
        if on_event is None or settings.store.backend != "redis":
            return None
        from wwiseflowd.fleet.connection import fleet_client
        from wwiseflowd.fleet.events import latest_id, run_events

        prefix = settings.store.key_prefix
        try:
            client = fleet_client(settings)
            after = latest_id(client, prefix)  # before the run can start: none of its events is missed
        except Exception:  # Redis away: the submission is refused with the reason
            return None

        def relay() -> None:
            try:
                for event in run_events(client, prefix, execution_id, after, QUEUED_WAIT_S):
                    on_event(event)
            except Exception as exc:  # progress only: the outcome is still waited for
                logger.warning("Lost the fleet's events of execution {}: {}", execution_id, exc)

        return relay

    def follow(self, execution_id: str, on_event: EventSink | None = None) -> Result:
        """Report a running execution's events until it finishes; its outcome."""
        with self._subscribe(execution_id) as subscription:
            if execution_id not in self.engine.running() and self.engine.get_execution(execution_id) is None:
                return _unknown(execution_id)
            return self._follow(execution_id, subscription, on_event)

    def _subscribe(self, execution_id: str) -> Subscription:
        return self.engine.events.subscribe(accept=lambda e: e.get("executionId") == execution_id)

    def _follow(self, execution_id: str, subscription: Subscription, on_event: EventSink | None) -> Result:
        while True:
            event = subscription.get(FOLLOW_POLL_S)
            if event is None:
                if self.engine.wait(execution_id, timeout=0) is not None:
                    break  # finished, its run.finished published before we subscribed
                continue
            if on_event is not None:
                on_event(event)
            if event.get("type") == "run.finished":
                break
        return self.wait(execution_id)

    def wait(self, execution_id: str, timeout: float | None = None) -> Result:
        """The outcome once finished (TIMEOUT when still running after ``timeout``)."""
        running = execution_id in self.engine.running()  # asked first: a run may end in between
        execution = self.engine.wait(execution_id, timeout=timeout)
        if execution is not None:
            return execution_outcome(execution)
        if not running:
            return _unknown(execution_id)
        live = self.engine.get_execution(execution_id)
        return Result.failure(
            ErrorCode.TIMEOUT,
            f"Execution {execution_id} is still running; ask for it again later.",
            live.model_dump(mode="json") if live is not None else {"executionId": execution_id},
        )

    async def wait_async(self, execution_id: str) -> ExecutionResult | None:
        """Wait on the event loop (no thread held) for the finished execution: woken by its
        ``run.finished`` event, with a poll (backing off to :data:`WAIT_MAX_S`) as the safety net."""
        wakeup = LoopWakeup()
        finished = self.engine.events.subscribe(
            maxsize=4, wake=wakeup,
            accept=lambda e: e.get("type") == "run.finished" and e.get("executionId") == execution_id,
        )
        with finished:
            delay, ended = WAIT_MIN_S, False
            while True:
                running = execution_id in self.engine.running()  # asked first: a run may end in between
                execution = self.engine.wait(execution_id, timeout=0)
                if execution is not None or not running:
                    return execution
                # after run.finished the engine keeps the result a moment later: look again soon
                ended = ended or bool(finished.drain())
                delay = WAIT_ENDED_S if ended else min(delay * 2, WAIT_MAX_S)
                await wakeup.wait(delay)

    def cancel(self, execution_id: str) -> Result:
        """Ask a running execution to stop."""
        if self.engine.cancel(execution_id):
            return Result.success({"executionId": execution_id, "cancelled": True})
        if self.engine.get_execution(execution_id) is None:
            return _unknown(execution_id)
        return Result.failure(
            ErrorCode.CONFLICT, f"Execution {execution_id!r} already finished; nothing to cancel."
        )

    def get_execution(self, execution_id: str) -> Result:
        """One execution from the live runs or the run ledger."""
        execution = self.engine.get_execution(execution_id)
        if execution is None:
            return _unknown(execution_id)
        return Result.success(execution.model_dump(mode="json"))

    def list_executions(
        self, limit: int = 50, offset: int = 0, status: ExecutionStatus | None = None,
        *, source: str | None = None, workflow: str | None = None,
    ) -> Result:
        """Execution summaries, newest first, filtered and paged (see the protocol)."""
        # one extra row tells whether another page exists
        rows = self.engine.list_executions(limit=limit + 1, offset=offset, status=status, source=source,
                                           workflow=workflow)
        more = len(rows) > limit
        return Result.success({"items": rows[:limit], "nextOffset": offset + limit if more else None})

    def get_execution_document(self, execution_id: str) -> Result:
        """The document an execution ran, from the store's content-addressed copies."""
        execution = self.engine.get_execution(execution_id)
        if execution is None:
            return _unknown(execution_id)
        document = self.engine.store.document_get(execution.documentKey) if execution.documentKey else None
        if document is None:
            return Result.failure(
                ErrorCode.NOT_FOUND,
                f"Execution {execution_id!r} kept no workflow document (it ran a compiled plan, was "
                f"recorded before documents were kept, or its document was pruned).",
            )
        return Result.success({"documentKey": execution.documentKey, "document": document})

    # -- commands ----------------------------------------------------------------------------------

    def command(self, name: str, payload: dict[str, Any]) -> Result:
        """One bus command, after the path check."""
        if self.guard is not None:
            checked = self.guard.check_command(name, payload, self.engine.registry)
            if not checked.ok:
                return checked
        return self.engine.command(name, payload, source=self.source)

    # -- audit and replay ---------------------------------------------------------------------------

    def replay(self, execution_id: str, dry_run: bool = False, allow_changed_audio: bool = False) -> Result:
        """Replay on this engine's project (see :mod:`wwiseflowd.replay`)."""
        from wwiseflowd.replay import replay_execution

        return replay_execution(self.engine, execution_id, dry_run=dry_run,
                                allow_changed_audio=allow_changed_audio, source=self.source)

    def audit(self, query: AuditFilter) -> Result:
        """Matching audit entries with full payloads and results."""
        self.engine.start()
        return Result.success({"items": self.engine.audit_trail.entries(query)})

    def verify_audit(self) -> Result:
        """Check the audit log's chain and blobs (a report, ok or not)."""
        self.engine.start()
        return Result.success(self.engine.audit_trail.verify().as_dict())

    def close(self) -> None:
        """Close the engine when this object started it."""
        if self.owns_engine:
            self.engine.close()


def _unknown(execution_id: str) -> Result:
    return Result.failure(
        ErrorCode.NOT_FOUND,
        f"No execution {execution_id!r} in the run ledger; listing the executions shows the known ones.",
    )


__all__ = ["LocalOperations", "StatusFn"]
