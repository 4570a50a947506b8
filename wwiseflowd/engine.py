"""The Engine: the one facade every front door (CLI, daemon, REST, MCP) uses.

It owns the registry (from the plugins), the store, the audit log, the command bus, the backends,
the runner and the event hub. It is thread-based (waapi-client must never be built inside a running
asyncio loop); every method is thread-safe and returns Results or ExecutionResults for user errors
instead of raising. See docs/architecture.md for the contract.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol

from loguru import logger

from wwiseflowd.audit import AuditTrail
from wwiseflowd.backends import backend_health, connect_all
from wwiseflowd.bus import BackendPool, CommandBus
from wwiseflowd.compiler import (
    CompileFailed,
    Plan,
    canonical_json,
    check_nesting,
    checked_plan,
    compile_plan,
    errors_result,
    inputs_problem,
)
from wwiseflowd.config import Settings
from wwiseflowd.events import EventHub, utc_now_iso
from wwiseflowd.pids import pid_alive
from wwiseflowd.plugins import Plugins, load_plugins
from wwiseflowd.registry import Registry
from wwiseflowd.results import ErrorCode, Result
from wwiseflowd.run_memo import KeysSeen
from wwiseflowd.runner import ExecutionResult, RunControl, Runner, new_execution_id
from wwiseflowd.store import ExecutionStatus, Store, StoreUnavailable, open_store

#: how many compiled plans the engine keeps, keyed by the document's hash
PLAN_CACHE_SIZE = 256
#: finished results kept in memory for wait() and get_execution()
RECENT_RESULTS = 128
#: seconds close() waits for running executions after cancelling them
CLOSE_WAIT_S = 10.0


class PlanRunner(Protocol):
    """Runs one compiled plan to its ExecutionResult (the engine's Runner; a dry run's runner).
    It must not change the plan: the engine keeps it for the document's next runs, with the
    idemKeys they share (``run_memo.KeysSeen``)."""

    def run(self, plan: Plan, inputs: Mapping[str, Any] | None = None, *, force: bool = False,
            rollback: bool | None = None, source: str = "cli", control: RunControl | None = None,
            ) -> ExecutionResult:
        """Execute ``plan`` to completion; never raises for a user error."""
        ...


@dataclass
class _Active:
    control: RunControl
    done: threading.Event = field(default_factory=threading.Event)
    result: ExecutionResult | None = None


def document_key(document: Any) -> str | None:
    """The content address of a workflow document (sha256 of its canonical JSON); None when it is
    not JSON-able or nests too deep to hash (the compiler reports both)."""
    try:
        check_nesting(document)  # canonical_json recurses
    except CompileFailed:
        return None
    return _content_hash(document)


def _content_hash(document: Any) -> str | None:
    try:
        return hashlib.sha256(canonical_json(document).encode()).hexdigest()
    except (TypeError, ValueError):
        return None


def keep_document(store: Store, document: Any, key: str | None, control: RunControl) -> None:
    """Store a run's workflow document under its content address, so the run can be drawn later."""
    if key is None or not isinstance(document, Mapping):
        return  # a plan, or nothing drawable
    try:
        store.document_put(key, dict(document))
        control.document_key = key
    except Exception as exc:  # drawing a run later is not worth failing it now
        logger.warning("Could not keep the workflow document of {}: {}", control.execution_id, exc)


class Engine:
    """Compile and run workflows, run bus commands, report executions and health."""

    def __init__(
        self,
        settings: Settings,
        plugins: Plugins | None = None,
        *,
        store: Store | None = None,
    ) -> None:
        self.settings = settings
        self.plugins = plugins if plugins is not None else load_plugins(settings)
        self.events = EventHub()
        self._store = store
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        self._plans: OrderedDict[str, Plan] = OrderedDict()
        self.keys_seen = KeysSeen()  # what runs of the cached plans learnt before their first step
        self._active: dict[str, _Active] = {}
        #: the last results, so wait() answers without the ledger right after a run
        self._recent: OrderedDict[str, ExecutionResult] = OrderedDict()
        self._threads: dict[str, threading.Thread] = {}

    # -- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> Engine:
        """Open the store and the audit log and build the bus and the runner (idempotent)."""
        with self._lock:
            # closed first: a started-then-closed engine must refuse, not pretend to be running
            if self._closed:
                raise RuntimeError("this Engine was closed; create a new one")
            if self._started:
                return self
            registry = self.plugins.registry()
            self.store: Store = self._store if self._store is not None else open_store(self.settings)
            self.audit_trail = AuditTrail.for_settings(self.settings)
            self.audit = self.audit_trail.log
            self.backends = BackendPool(registry, self.settings)
            self.bus = CommandBus(registry, self.settings, self.backends, self.audit)
            self.runner = Runner(registry, self.settings, self.store, self.bus, self.backends, self.events,
                                 on_finished=self.plugins.on_run_finished, keys_seen=self.keys_seen)
            # a crash or kill -9 left these "running" for ever; their process is gone, so they failed
            for execution_id in self.store.ledger_settle_orphans(pid_alive):
                logger.warning("Execution {} was interrupted (its process is gone); marked failed",
                               execution_id)
            self._started = True
        return self

    def close(self) -> None:
        """Cancel running executions, wait briefly for them, close backends, store and audit log."""
        with self._lock:
            if not self._started or self._closed:
                self._closed = True
                return
            self._closed = True
            active = list(self._active.values())
            threads = list(self._threads.values())
        for run in active:
            run.control.cancel()
        for thread in threads:
            thread.join(CLOSE_WAIT_S)
        for run in active:
            run.done.wait(CLOSE_WAIT_S)
        self.backends.close()
        self.audit_trail.close()
        self.store.close()

    def __enter__(self) -> Engine:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _ready(self) -> None:
        if not self._started:
            self.start()

    # -- catalog and compile ------------------------------------------------------------------------

    @property
    def registry(self) -> Registry:
        """Node types, commands and backends registered by the plugins."""
        return self.plugins.registry()

    def catalog(self) -> list[dict[str, Any]]:
        """Every node type with its input JSON schema, outputs and plugin."""
        return self.registry.catalog()

    def compile(self, document: Any) -> Result:
        """Compile a workflow document: ok with the plan dict, or not ok with ``data.errors``."""
        try:
            plan = self._compile(document)
        except CompileFailed as exc:
            return errors_result(exc.errors)
        return Result.success(plan.model_dump())

    def _compile(self, document: Any) -> Plan:
        return self._compile_keyed(document)[0]

    def _compile_keyed(self, document: Any) -> tuple[Plan, str | None]:
        """The plan and the document's content address (which also keys the plan cache)."""
        check_nesting(document)  # before hashing: canonical_json recurses
        key = _content_hash(document)
        if key is not None:
            with self._lock:
                cached = self._plans.get(key)
                if cached is not None:
                    self._plans.move_to_end(key)
                    return cached, key
        plan = compile_plan(document, self.registry, nesting_checked=True)
        if key is not None:
            self.keys_seen.seal(plan)  # cached, never handed out: its runs share their keys
            with self._lock:
                self._plans[key] = plan
                while len(self._plans) > PLAN_CACHE_SIZE:
                    self._plans.popitem(last=False)
        return plan, key

    def _plan_of(self, document_or_plan: Any) -> tuple[Plan | Result, str | None]:
        """A Plan from a workflow document or from a plan dict (re-checked), a Result on errors; and
        the document's content address (None for a plan, or a document nested too deep to hash)."""
        if isinstance(document_or_plan, Plan):
            return document_or_plan, None
        is_plan = isinstance(document_or_plan, Mapping) and "steps" in document_or_plan
        if is_plan and "nodes" not in document_or_plan:
            return checked_plan(document_or_plan, self.registry), None
        try:
            return self._compile_keyed(document_or_plan)
        except CompileFailed as exc:
            return errors_result(exc.errors), document_key(document_or_plan)

    # -- executions ---------------------------------------------------------------------------------

    def execute(
        self,
        document_or_plan: Any,
        inputs: Mapping[str, Any] | None = None,
        *,
        force: bool = False,
        rollback: bool | None = None,
        execution_id: str | None = None,
        source: str = "cli",
        runner: PlanRunner | None = None,
    ) -> ExecutionResult:
        """Compile (or take a plan) and run it on this thread; returns when the execution finished.
        ``runner`` runs it instead of the engine's own (a dry run on a copy of a project)."""
        active = self._register(execution_id)
        self._run_registered(active, document_or_plan, inputs, force, rollback, source, runner)
        assert active.result is not None
        return active.result

    def submit(
        self,
        document_or_plan: Any,
        inputs: Mapping[str, Any] | None = None,
        *,
        force: bool = False,
        rollback: bool | None = None,
        execution_id: str | None = None,
        source: str = "cli",
        background: bool = True,
        runner: PlanRunner | None = None,
    ) -> str:
        """Start an execution in a background thread; returns its executionId at once.

        With ``background=False`` it runs on the calling thread and returns once finished (the
        result is then ``wait(execution_id)``). ``runner``: as for :meth:`execute`.
        """
        active = self._register(execution_id)
        execution_id = active.control.execution_id
        if not background:
            self._run_registered(active, document_or_plan, inputs, force, rollback, source, runner)
            return execution_id
        thread = threading.Thread(
            target=self._run_registered, name=f"execution-{execution_id}", daemon=True,
            args=(active, document_or_plan, inputs, force, rollback, source, runner),
        )
        with self._lock:
            self._threads[execution_id] = thread
        thread.start()
        return execution_id

    def _register(self, execution_id: str | None) -> _Active:
        self._ready()
        active = _Active(RunControl(execution_id or new_execution_id()))
        with self._lock:
            if self._closed:
                raise RuntimeError("this Engine was closed")
            if active.control.execution_id in self._active:
                raise ValueError(f"execution {active.control.execution_id} is already running")
            self._active[active.control.execution_id] = active
        return active

    def _run_registered(
        self, active: _Active, document_or_plan: Any, inputs: Mapping[str, Any] | None,
        force: bool, rollback: bool | None, source: str, runner: PlanRunner | None = None,
    ) -> None:
        try:
            active.result = self._run(document_or_plan, inputs, active.control, force, rollback, source,
                                      runner)
        finally:
            with self._lock:
                if active.result is not None:
                    self._recent[active.control.execution_id] = active.result
                    while len(self._recent) > RECENT_RESULTS:
                        self._recent.popitem(last=False)
                self._active.pop(active.control.execution_id, None)
                self._threads.pop(active.control.execution_id, None)
            active.done.set()

    def _run(
        self, document_or_plan: Any, inputs: Mapping[str, Any] | None, control: RunControl,
        force: bool, rollback: bool | None, source: str, runner: PlanRunner | None = None,
    ) -> ExecutionResult:
        key: str | None = None
        try:
            plan, key = self._plan_of(document_or_plan)
        except Exception as exc:  # the compiler must never take a front door down
            logger.opt(exception=exc).error("Compiling failed")
            plan = Result.failure(ErrorCode.INTERNAL, f"Compiling the workflow failed unexpectedly: {exc}.")
        keep_document(self.store, document_or_plan, key, control)
        if isinstance(plan, Result):
            return self._not_started(plan, control, document_or_plan, source)
        problem = inputs_problem(inputs)
        if problem is not None:
            return self._not_started(problem, control, document_or_plan, source)
        try:
            return (runner or self.runner).run(plan, inputs, force=force, rollback=rollback, source=source,
                                   control=control)
        except Exception as exc:  # the store's disk is full, a fleet's Redis went away: still a result
            return _engine_failure(exc, control.execution_id, plan.workflowId, source,
                                   self.settings.paths.state_dir)

    def _not_started(
        self, problem: Result, control: RunControl, document: Any, source: str
    ) -> ExecutionResult:
        execution_id = control.execution_id
        workflow_id = document.get("id") if isinstance(document, Mapping) else None
        errors = problem.data.get("errors") if isinstance(problem.data, dict) else None
        result = ExecutionResult(
            ok=False, executionId=execution_id, workflowId=str(workflow_id or "workflow"), status="failed",
            error=problem.error, code=problem.code, errors=errors, startedAt=utc_now_iso(), source=source,
            documentKey=control.document_key,
        )
        try:
            self.store.ledger_record(result.model_dump(mode="json"), "failed")
        except Exception as exc:
            logger.error("Could not record execution {} in the run ledger: {}", execution_id, exc)
        return result

    def wait(self, execution_id: str, timeout: float | None = None) -> ExecutionResult | None:
        """The finished execution, waiting up to ``timeout`` s; None when unknown or still running."""
        with self._lock:
            active = self._active.get(execution_id)
        if active is not None:
            if not active.done.wait(timeout):
                return None
            return active.result
        return self.get_execution(execution_id)

    def get_execution(self, execution_id: str) -> ExecutionResult | None:
        """A running execution's live state, or a finished one from the run ledger; None if unknown."""
        self._ready()
        with self._lock:
            active = self._active.get(execution_id)
            recent = self._recent.get(execution_id)
        if recent is not None:
            return recent
        if active is not None:
            if active.result is not None:
                return active.result
            snapshot = active.control.snapshot()
            if snapshot is not None:
                return snapshot
        stored = self.store.ledger_get(execution_id)
        return None if stored is None else ExecutionResult.model_validate(stored)

    def list_executions(
        self, limit: int = 50, offset: int = 0, status: ExecutionStatus | None = None,
        *, source: str | None = None, workflow: str | None = None,
    ) -> list[dict[str, Any]]:
        """Execution summaries from the run ledger, newest first (filters: Store.ledger_list)."""
        self._ready()
        return self.store.ledger_list(limit=limit, offset=offset, status=status, source=source,
                                      workflow=workflow)

    def cancel(self, execution_id: str) -> bool:
        """Cancel a running execution; False when it is not running."""
        with self._lock:
            active = self._active.get(execution_id)
        if active is None or active.done.is_set():
            return False
        active.control.cancel()
        return True

    def running(self) -> list[str]:
        """ExecutionIds currently running."""
        with self._lock:
            return list(self._active)

    # -- bus, backends, health ----------------------------------------------------------------------

    def command(
        self,
        name: str,
        payload: Mapping[str, Any] | None = None,
        *,
        execution_id: str | None = None,
        node_id: str | None = None,
        source: str = "cli",
        record: bool = True,
    ) -> Result:
        """Run one bus command (e.g. ``create_sound``); audit-logged with ``source`` (not with
        ``record=False``: wwiseflowd's own read-only bookkeeping, such as reconciling a drop batch,
        which changes nothing); never raises."""
        self._ready()
        return self.bus.execute(
            name, payload, execution_id=execution_id, node_id=node_id, source=source, record=record
        )

    def backend(self, name: str) -> Any:
        """The backend ``name`` (created lazily); KeyError when no plugin registered it."""
        self._ready()
        return self.backends.get(name)

    def health(self, *, probe: bool = False) -> dict[str, Any]:
        """``{"engine": {...}, "backends": {name: health}}`` (see :mod:`wwiseflowd.backends`); never
        raises. ``probe``: first connect each backend that never tried (a lazy backend's "not
        connected" would otherwise say nothing about the application)."""
        self._ready()
        return {
            "engine": {
                "running": len(self._active),
                "nodeTypes": len(self.registry.node_types),
                "commands": len(self.registry.commands),
                "pluginErrors": self.plugins.errors,
            },
            "backends": backend_health(self.backends, probe=probe),
        }

    def connect_backends(self) -> dict[str, Result]:
        """Connect every backend that connects lazily (the daemon does at start-up); never raises."""
        self._ready()
        return connect_all(self.backends)


def _engine_failure(exc: Exception, execution_id: str, workflow_id: str, source: str,
                    state_dir: Any) -> ExecutionResult:
    """The result of a run the engine itself failed: BACKEND_UNAVAILABLE (transient: drops wait and
    retry) when the store stopped answering, INTERNAL otherwise."""
    if isinstance(exc, StoreUnavailable):
        logger.error("Execution {} stopped: {}", execution_id, exc)
        code = ErrorCode.BACKEND_UNAVAILABLE
        error = (f"{exc}. The run was stopped and is not in the run ledger; steps it had already "
                 f"applied, if any, may be in the Wwise project. Run it again once the store answers "
                 f"(GET /health says when); dropped files wait and are retried by themselves.")
    else:
        logger.opt(exception=exc).error("Execution {} failed inside the engine", execution_id)
        code = ErrorCode.INTERNAL
        error = (f"The engine failed while running this workflow ({type(exc).__name__}: {exc}); "
                 f"check the state directory ({state_dir}) and the log.")
    return ExecutionResult(ok=False, executionId=execution_id, workflowId=workflow_id, status="failed",
                           error=error, code=code, startedAt=utc_now_iso(), source=source)


__all__ = ["Engine", "ExecutionResult", "PlanRunner"]
