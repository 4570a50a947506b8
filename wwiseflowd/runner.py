"""The runner: executes a :class:`~wwiseflowd.compiler.Plan` and returns an :class:`ExecutionResult`.

Per step: resolve references, validate, check the idempotency memo, open the backend's undo group
lazily, run with retries (transient codes only) under a per-step timeout. Independent branches run
in parallel (``engine.max_parallel`` threads); steps naming the same ``resource`` never overlap.
The first failure stops the run; with rollback on, open undo groups are cancelled with ``undo``.

Scheduling is continuation style: a worker that finishes a step takes the next ready step itself,
so a chain of steps runs on one thread without hand-offs, and extra workers are started only when
more steps are ready than workers are busy.
"""

from __future__ import annotations

import hashlib
import heapq
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from loguru import logger
from pydantic import BaseModel, ValidationError, model_validator

from wwiseflowd.backends import Identifies, UndoGroups
from wwiseflowd.bus import BackendError, BackendPool, CommandBus, validation_sentence
from wwiseflowd.compiler import Plan, canonical_json, inputs_model, parse_ref
from wwiseflowd.config import Settings
from wwiseflowd.events import EventHub, utc_now_iso
from wwiseflowd.preflight import check_plan
from wwiseflowd.registry import NodeContext, NodeSpec, Registry
from wwiseflowd.results import ErrorCode, Result
from wwiseflowd.store import ExecutionStatus, MemoEntry, Store

#: seconds a cancelled step gets to notice ``ctx.cancelled`` before it is abandoned
CANCEL_GRACE_S = 5.0
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


class NodeResult(BaseModel):
    """One step's outcome in the execution result."""

    node: str
    type: str
    ok: bool
    cached: bool = False
    skipped: bool = False
    idemKey: str | None = None
    data: Any = None
    error: str | None = None
    code: str | None = None
    durationMs: float = 0.0
    attempts: int = 0


class ExecutionResult(BaseModel):
    """One execution's outcome (docs/architecture.md, "Execution result").

    A finished execution that is not ``ok`` always carries ``code`` and ``error`` (as a Result
    does): when a producer left them out they are filled from the step it stopped at.
    """

    ok: bool
    executionId: str
    workflowId: str
    status: ExecutionStatus
    stopped: bool = False
    stopAt: str | None = None
    rolledBack: bool = False
    error: str | None = None
    code: str | None = None
    #: compile errors (``[{nodeId, field, code, message}]``) when the document did not compile
    errors: list[dict[str, Any]] | None = None
    results: list[NodeResult] = []
    startedAt: str
    durationMs: float = 0.0
    source: str = "cli"

    @model_validator(mode="after")
    def _failure_explained(self) -> ExecutionResult:
        return self.explained()

    def explained(self) -> ExecutionResult:
        """Fill a missing ``code``/``error`` of a finished failure (in place; returns self)."""
        if self.ok or self.status == "running" or (self.code and self.error):
            return self
        node = failed_node(self.results, self.stopAt)
        if not self.code:
            self.code = (node.code if node is not None else None) or ErrorCode.INTERNAL.value
        if not self.error:
            self.error = (
                failure_sentence(node, self.rolledBack)
                if node is not None
                else f"Workflow {self.workflowId!r} did not finish (status {self.status})."
            )
        return self


def failed_node(results: list[NodeResult], stop_at: str | None) -> NodeResult | None:
    """The step a run stopped at (else its first failed, not skipped, step); None when none failed."""
    failures = [r for r in results if not r.ok and not r.skipped]
    return next((r for r in failures if r.node == stop_at), failures[0] if failures else None)


def failure_sentence(node: NodeResult, rolled_back: bool, problems: tuple[str, ...] = ()) -> str:
    """``Node 'n2' (audioImport) failed: ... The changes made by this run were undone.``"""
    error = f"Node {node.node!r} ({node.type}) failed: {node.error or 'no reason given'}"
    if rolled_back:
        error += " The changes made by this run were undone."
    for sentence in problems:
        error += f" Rollback did not complete: {sentence}"
    return error


def new_execution_id() -> str:
    """A fresh ``exec_<hex>`` id."""
    return f"exec_{uuid.uuid4().hex[:16]}"


def idem_key(node_type: str, inputs: Any, identity: str) -> str:
    """sha256 over the node type, the canonical JSON of the resolved inputs and the backend identity."""
    text = canonical_json([node_type, inputs, identity])
    return hashlib.sha256(text.encode()).hexdigest()


class RunControl:
    """Handle on one execution: cancel it, or read its live results while it runs."""

    def __init__(self, execution_id: str) -> None:
        self.execution_id = execution_id
        self.cancelled = threading.Event()
        self.wake = threading.Event()
        self._run: _Run | None = None

    def cancel(self) -> None:
        """Ask the run to stop: running steps see ``ctx.cancelled``; nothing new starts."""
        self.cancelled.set()
        self.wake.set()

    def snapshot(self) -> ExecutionResult | None:
        """The results so far (status ``running``), or None before the run started."""
        run = self._run
        return None if run is None else run.snapshot()


class _StepFailure(Exception):
    def __init__(self, code: ErrorCode | str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class _Running:
    started: float
    deadline: float
    cancel: threading.Event
    attempts: int = 0


@dataclass
class _Pending:
    entry: MemoEntry
    backend: str | None


@dataclass
class _Group:
    backend: Any
    lock: threading.Lock | None


class Runner:
    """Executes plans. One per engine; each :meth:`run` call is independent and thread-safe."""

    def __init__(
        self,
        registry: Registry,
        settings: Settings,
        store: Store,
        bus: CommandBus,
        backends: BackendPool,
        events: EventHub,
        on_finished: Any = None,
    ) -> None:
        self.registry = registry
        self.settings = settings
        self.store = store
        self.bus = bus
        self.backends = backends
        self.events = events
        #: ``on_finished(execution_dict)``: the engine passes ``Plugins.on_run_finished``
        self.on_finished = on_finished

    def run(
        self,
        plan: Plan,
        inputs: Mapping[str, Any] | None = None,
        *,
        force: bool = False,
        rollback: bool | None = None,
        source: str = "cli",
        control: RunControl | None = None,
    ) -> ExecutionResult:
        """Execute ``plan`` to completion (or first failure, timeout, cancellation). Never raises."""
        control = control or RunControl(new_execution_id())
        run = _Run(
            self, plan, dict(inputs or {}), control, force=force,
            rollback=self.settings.engine.rollback if rollback is None else rollback, source=source,
        )
        control._run = run
        return run.execute()


class _Run:
    """State of one execution. Everything below ``lock`` is shared between worker threads."""

    def __init__(
        self, runner: Runner, plan: Plan, inputs: dict[str, Any], control: RunControl,
        *, force: bool, rollback: bool, source: str,
    ) -> None:
        self.runner = runner
        self.plan = plan
        self.control = control
        self.execution_id = control.execution_id
        self.force = force
        self.rollback = rollback
        self.source = source
        self.inputs = inputs
        self.settings = runner.settings
        cfg = runner.settings.engine
        self.max_parallel = cfg.max_parallel
        self.retries = cfg.retries
        self.step_timeout = cfg.step_timeout_s
        self.started_at = utc_now_iso()
        self.t0 = time.perf_counter()

        self.steps = plan.steps
        self.specs: list[NodeSpec | None] = [runner.registry.node_types.get(s.type) for s in self.steps]
        self.index = {s.nodeId: i for i, s in enumerate(self.steps)}
        self.remaining = [len(s.deps) for s in self.steps]
        self.dependents: list[list[int]] = [[] for _ in self.steps]
        for i, step in enumerate(self.steps):
            for dep in step.deps:
                self.dependents[self.index[dep]].append(i)
        self.resources = [spec.resource if spec else None for spec in self.specs]

        self.lock = threading.Lock()
        self.ready_free: list[int] = []
        self.ready_res: dict[str, list[int]] = {}
        self.busy: set[str] = set()
        self.running: dict[int, _Running] = {}
        self.results: list[NodeResult | None] = [None] * len(self.steps)
        self.outputs: dict[str, Any] = {}
        #: steps that changed something in this run (or depend on one that did)
        self.dirty = [False] * len(self.steps)
        self.active = 0
        self.stopping = False
        self.stop_at: str | None = None
        self.pending: dict[str, _Pending] = {}
        self.groups: dict[str, _Group] = {}
        self.group_lock = threading.Lock()
        self.backend_names: dict[str | None, str | None] = {}
        self.pool: ThreadPoolExecutor | None = None

    # -- the main thread ---------------------------------------------------------------------------

    def execute(self) -> ExecutionResult:
        self._announce_start()
        problem = self._check_inputs() or self._preflight()
        if problem is not None:
            return self._finish(problem)
        for i, count in enumerate(self.remaining):
            if count == 0:
                self._push_ready(i)
        self.pool = ThreadPoolExecutor(self.max_parallel, thread_name_prefix=f"run-{self.execution_id}")
        try:
            with self.lock:
                first = self._take_many(self.max_parallel)
            for i in first:
                self.pool.submit(self._work, i)
            self._supervise()
        finally:
            # abandoned (timed-out) steps keep their thread; do not wait for them
            self.pool.shutdown(wait=False, cancel_futures=True)
        return self._finish(None)

    def _supervise(self) -> None:
        """Wait for the workers; enforce step deadlines and cancellation."""
        cancel_seen = False
        grace_until = 0.0
        while True:
            with self.lock:
                if self.active == 0:
                    return
                now = time.perf_counter()
                if self.control.cancelled.is_set() and not cancel_seen:
                    cancel_seen = True
                    grace_until = now + CANCEL_GRACE_S
                    self.stopping = True
                    for running in self.running.values():
                        running.cancel.set()
                for i, running in list(self.running.items()):
                    if now >= running.deadline:
                        self._abandon(i, ErrorCode.TIMEOUT,
                                      f"Node {self.steps[i].nodeId!r} ({self.steps[i].type}) did not finish "
                                      f"within {self.step_timeout:g} s (engine.step_timeout_s); it was "
                                      f"stopped. Check the application it talks to, or raise the limit.")
                    elif cancel_seen and now >= grace_until:
                        self._abandon(i, ErrorCode.CANCELLED,
                                      f"Execution {self.execution_id} was cancelled while node "
                                      f"{self.steps[i].nodeId!r} was running.")
                if self.active == 0:
                    return
                deadlines = [r.deadline for r in self.running.values()]
                if cancel_seen:
                    deadlines.append(grace_until)
                wait = max(0.0, min(deadlines, default=now + 1.0) - now)
            self.control.wake.wait(timeout=min(wait, 1.0) + 0.001)
            self.control.wake.clear()

    def _abandon(self, i: int, code: ErrorCode, message: str) -> None:
        """Give up on a running step (its thread may go on; its late result is ignored). Under lock."""
        running = self.running.pop(i)
        running.cancel.set()
        self._record(i, self._node_result(i, Result.failure(code, message), running.started,
                                          attempts=running.attempts))
        self._stop(i)
        self.active -= 1

    # -- scheduling (under lock) ---------------------------------------------------------------------

    def _push_ready(self, i: int) -> None:
        resource = self.resources[i]
        if resource is None:
            heapq.heappush(self.ready_free, i)
        else:
            heapq.heappush(self.ready_res.setdefault(resource, []), i)

    def _take(self) -> int | None:
        if self.stopping:
            return None
        best = self.ready_free[0] if self.ready_free else None
        best_res: str | None = None
        for resource, heap in self.ready_res.items():
            if heap and resource not in self.busy and (best is None or heap[0] < best):
                best, best_res = heap[0], resource
        if best is None:
            return None
        if best_res is None:
            heapq.heappop(self.ready_free)
        else:
            heapq.heappop(self.ready_res[best_res])
            self.busy.add(best_res)
        now = time.perf_counter()
        self.running[best] = _Running(now, now + self.step_timeout, threading.Event())
        return best

    def _take_many(self, limit: int) -> list[int]:
        taken: list[int] = []
        while self.active < limit:
            i = self._take()
            if i is None:
                break
            taken.append(i)
            self.active += 1
        return taken

    def _stop(self, i: int) -> None:
        self.stopping = True
        if self.stop_at is None:
            self.stop_at = self.steps[i].nodeId

    # -- workers ----------------------------------------------------------------------------------------

    def _work(self, i: int | None) -> None:
        while i is not None:
            result = self._execute_step(i)
            i, extra = self._complete(i, result)
            assert self.pool is not None
            for j in extra:
                self.pool.submit(self._work, j)

    def _complete(self, i: int, result: NodeResult) -> tuple[int | None, list[int]]:
        """Record a finished step, release its dependents; return the next step for this worker."""
        with self.lock:
            if self.running.pop(i, None) is None:
                return None, []  # abandoned after a timeout or cancel: already accounted for
            self._record(i, result)
            resource = self.resources[i]
            if resource is not None:
                self.busy.discard(resource)
            if result.ok:
                self.outputs[result.node] = result.data
                spec = self.specs[i]
                self.dirty[i] = (not result.cached and spec is not None and not spec.read_only) or any(
                    self.dirty[self.index[d]] for d in self.steps[i].deps
                )
                for j in self.dependents[i]:
                    self.remaining[j] -= 1
                    if self.remaining[j] == 0:
                        self._push_ready(j)
            else:
                self._stop(i)
            nxt = self._take()
            extra = self._take_many(self.max_parallel) if nxt is not None else []
            if nxt is None:
                self.active -= 1
                if self.active == 0:
                    self.control.wake.set()
            return nxt, extra

    def _execute_step(self, i: int) -> NodeResult:
        step = self.steps[i]
        with self.lock:
            running = self.running[i]
        self._publish({"type": "node.started", "executionId": self.execution_id, "nodeId": step.nodeId,
                       "nodeType": step.type})
        spec = self.specs[i]
        ctx = NodeContext(
            execution_id=self.execution_id,
            workflow_id=self.plan.workflowId,
            node_id=step.nodeId,
            settings=self.settings,
            command=lambda name, payload: self.runner.bus.execute(
                name, payload, execution_id=self.execution_id, node_id=step.nodeId, source=self.source
            ),
            cancelled=running.cancel,
            inputs=self.inputs,
        )
        key: str | None = None
        cached = False
        try:
            if spec is None:
                raise _StepFailure(ErrorCode.UNKNOWN_NODE_TYPE,
                                   f"Node {step.nodeId!r} has type {step.type!r}, which no loaded plugin "
                                   f"provides; see wwiseflowd plugins.")
            model = self._inputs(step.nodeId, spec, step.data)
            backend_name = self._backend_name(spec.resource)
            fresh_upstream = self._fresh_upstream(i)
            attempts = 0
            while True:
                attempts += 1
                running.attempts = attempts
                try:
                    result, key, cached = self._attempt(spec, model, ctx, backend_name, fresh_upstream)
                except _StepFailure as exc:
                    result = Result.failure(exc.code, exc.message)
                if result.ok or not result.transient or attempts > self.retries:
                    break
                delay = self._backoff(attempts)
                if time.perf_counter() + delay >= running.deadline or running.cancel.wait(delay):
                    break
        except _StepFailure as exc:
            result, attempts = Result.failure(exc.code, exc.message), running.attempts
        except Exception as exc:  # a bug in the engine itself must still not crash the run
            logger.opt(exception=exc).error("Runner failed on node {}", step.nodeId)
            result = Result.failure(ErrorCode.INTERNAL, f"Node {step.nodeId!r} failed inside the engine "
                                    f"({type(exc).__name__}: {exc}); please report this bug.")
            attempts = running.attempts
        return self._node_result(i, result, running.started, key=key, cached=cached, attempts=attempts)

    def _fresh_upstream(self, i: int) -> bool:
        """True when a step upstream changed something in this run, so a memo hit cannot be trusted."""
        with self.lock:
            return any(self.dirty[self.index[d]] for d in self.steps[i].deps)

    def _attempt(
        self, spec: NodeSpec, model: BaseModel, ctx: NodeContext, backend_name: str | None,
        fresh_upstream: bool,
    ) -> tuple[Result, str, bool]:
        """Memo check, undo group, run: one try. Returns (result, idemKey, cached)."""
        key = idem_key(spec.type, model.model_dump(mode="json"), self._identity(spec.resource, backend_name))
        if not spec.read_only and not self.force and not fresh_upstream:
            memo = self._memo(key)
            if memo is not None and self._still_valid(spec, memo.data, ctx):
                return Result.success(memo.data), key, True
        if not spec.read_only and backend_name is not None:
            self._ensure_group(backend_name, ctx)
        try:
            result = spec.run(model, ctx)
        except Exception as exc:
            logger.opt(exception=exc).warning("Node {} ({}) raised", ctx.node_id, spec.type)
            result = Result.failure(
                ErrorCode.INTERNAL,
                f"Node {ctx.node_id!r} ({spec.type}) raised {type(exc).__name__}: {exc}. This is a bug "
                f"in plugin {self.runner.registry.plugin_of('node type', spec.type)}; the run was stopped.",
            )
        if not isinstance(result, Result):
            result = Result.failure(
                ErrorCode.INTERNAL,
                f"Node {ctx.node_id!r} ({spec.type}) returned {type(result).__name__} instead of a Result; "
                f"this is a bug in plugin {self.runner.registry.plugin_of('node type', spec.type)}.",
            )
        if result.ok and not spec.read_only:
            with self.lock:
                self.pending[key] = _Pending(MemoEntry(key, spec.type, result.data), backend_name)
        return result, key, False

    def _memo(self, key: str) -> MemoEntry | None:
        with self.lock:
            pending = self.pending.get(key)
        return pending.entry if pending is not None else self.runner.store.memo_get(key)

    def _still_valid(self, spec: NodeSpec, data: Any, ctx: NodeContext) -> bool:
        if spec.verify is None:
            return True
        try:
            return bool(spec.verify(data, ctx))
        except Exception as exc:
            logger.warning("verify of node {} ({}) raised {}; running it again", ctx.node_id, spec.type, exc)
            return False

    def _inputs(self, node_id: str, spec: NodeSpec, data: dict[str, Any]) -> BaseModel:
        resolved = {key: self._resolve(node_id, key, value) for key, value in data.items()}
        try:
            return inputs_model(spec).model_validate(resolved)
        except ValidationError as exc:
            raise _StepFailure(ErrorCode.INVALID_INPUT,
                               validation_sentence(exc, f"node {node_id!r} ({spec.type})")) from None

    def _resolve(self, node_id: str, key: str, value: Any) -> Any:
        if isinstance(value, str):
            if not value.startswith("$"):
                return value
            ref = parse_ref(value)
            if ref is None:
                return value
            if ref.kind == "input":
                if ref.target not in self.inputs:
                    raise _StepFailure(
                        ErrorCode.INVALID_INPUT,
                        f"Node {node_id!r}: input {key!r} needs workflow input {ref.target!r}, which was "
                        f"not given; pass it (CLI: --input {ref.target}=..., REST: \"inputs\").",
                    )
                return self.inputs[ref.target]
            with self.lock:
                produced = ref.target in self.outputs
                output = self.outputs.get(ref.target)
            if not produced:
                raise _StepFailure(ErrorCode.INVALID_REFERENCE,
                                   f"Node {node_id!r}: input {key!r} refers to node {ref.target!r}, which "
                                   f"has not run; is the plan out of date?")
            if not isinstance(output, Mapping) or ref.output not in output:
                keys = ", ".join(map(str, output)) if isinstance(output, Mapping) else "nothing"
                raise _StepFailure(ErrorCode.INVALID_REFERENCE,
                                   f"Node {node_id!r}: input {key!r} wants output {ref.output!r} of node "
                                   f"{ref.target!r}, which returned {keys}.")
            return output[ref.output]
        if isinstance(value, list):
            return [self._resolve(node_id, key, item) for item in value]
        if isinstance(value, dict):
            return {k: self._resolve(node_id, key, v) for k, v in value.items()}
        return value

    def _backoff(self, attempt: int) -> float:
        cfg = self.settings.engine
        ceiling = min(cfg.retry_max_ms, cfg.retry_base_ms * 2 ** (attempt - 1)) / 1000
        return random.uniform(ceiling / 2, ceiling)  # "equal jitter": never zero, never in lockstep

    # -- backends, identity and undo groups -----------------------------------------------------------

    def _backend_name(self, resource: str | None) -> str | None:
        if resource not in self.backend_names:
            self.backend_names[resource] = self.runner.backends.name_for_resource(resource)
        return self.backend_names[resource]

    def _backend(self, name: str) -> Any:
        try:
            return self.runner.backends.get(name)
        except BackendError as exc:
            raise _StepFailure(ErrorCode.BACKEND_UNAVAILABLE, str(exc)) from None

    def _identity(self, resource: str | None, backend_name: str | None) -> str:
        """The backend's identity for idemKeys; asked on every try (it changes once connected)."""
        if backend_name is None:
            return resource or ""
        backend = self._backend(backend_name)
        if not isinstance(backend, Identifies):
            return backend_name
        return str(_call_backend(backend.identity, f"the identity of backend {backend_name!r}"))

    def _ensure_group(self, name: str, ctx: NodeContext) -> None:
        """Open the run's undo group on backend ``name`` once, serialized against other runs."""
        with self.group_lock:
            if name in self.groups:
                return
            backend = self._backend(name)
            if not isinstance(backend, UndoGroups):
                self.groups[name] = _Group(backend, None)
                return
            lock = self.runner.backends.group_lock(name)
            with self.lock:
                deadline = self.running[self.index[ctx.node_id]].deadline
            while not lock.acquire(timeout=0.05):
                if ctx.cancelled.is_set() or time.perf_counter() >= deadline:
                    raise _StepFailure(ErrorCode.TIMEOUT,
                                       f"Node {ctx.node_id!r} waited too long for another run on backend "
                                       f"{name!r} to finish (runs that change a project take turns).")
            try:
                _call_backend(backend.begin_group, f"opening the undo group on backend {name!r}")
            except BaseException:
                lock.release()
                raise
            self.groups[name] = _Group(backend, lock)

    def _close_groups(self, ok: bool) -> tuple[bool, set[str], list[str]]:
        """End (success or no rollback) or cancel with undo (failure) every group; release locks.

        Returns (rolled back?, backends whose changes were undone, sentences on groups that failed).
        """
        rolled_back = False
        undone: set[str] = set()
        problems: list[str] = []
        label = self.plan.name or self.plan.workflowId
        for name, group in self.groups.items():
            if group.lock is None:
                continue
            try:
                if not ok and self.rollback:
                    _call_backend(partial(group.backend.cancel_group, True), f"rolling back {name!r}")
                    rolled_back = True
                    undone.add(name)
                else:
                    _call_backend(partial(group.backend.end_group, label), f"closing the group on {name!r}")
            except Exception as exc:
                logger.error("Execution {}: could not close the undo group on {}: {}",
                             self.execution_id, name, exc)
                problems.append(str(exc))
            finally:
                group.lock.release()
        return rolled_back, undone, problems

    # -- inputs, results, events ------------------------------------------------------------------------

    def _check_inputs(self) -> Result | None:
        """Apply declared defaults; a missing, unknown or mistyped input fails the run up front."""
        declared = self.plan.inputs
        if declared is None:
            return None
        problems = []
        for name, spec in declared.items():
            if name not in self.inputs:
                if "default" in spec:
                    self.inputs[name] = spec["default"]
                elif spec.get("required", True):
                    problems.append(f"input {name!r} is required")
                continue
            kind = spec.get("type")
            value = self.inputs[name]
            if kind in _JSON_TYPES and (
                not isinstance(value, _JSON_TYPES[kind]) or (kind != "boolean" and isinstance(value, bool))
            ):
                problems.append(f"input {name!r} must be of type {kind}, got {type(value).__name__}")
        for name in self.inputs:
            if name not in declared:
                problems.append(f"input {name!r} is not declared (declared: {', '.join(declared) or 'none'})")
        if not problems:
            return None
        return Result.failure(ErrorCode.INVALID_INPUT,
                              f"Workflow {self.plan.workflowId!r} cannot start: {'; '.join(problems)}.")

    def _preflight(self) -> Result | None:
        """Every step checked before the first runs (files, and each node type's own check)."""
        steps = [(step.nodeId, step.type, step.data) for step in self.steps]

        def context(node_id: str, earlier: Sequence[tuple[str, Mapping[str, Any]]]) -> NodeContext:
            return NodeContext(
                execution_id=self.execution_id,
                workflow_id=self.plan.workflowId,
                node_id=node_id,
                settings=self.settings,
                command=lambda name, payload: self.runner.bus.execute(
                    name, payload, execution_id=self.execution_id, node_id=node_id, source=self.source,
                    record=False,
                ),
                inputs=self.inputs,
                earlier=earlier,
            )

        started = time.perf_counter()
        problem = check_plan(steps, self.specs, self.inputs, context)
        if problem is None:
            return None
        node_id = problem.data.get("nodeId") if isinstance(problem.data, dict) else None
        for i, step in enumerate(self.steps):
            if step.nodeId == node_id:  # the step that would have failed says why
                self._record(i, self._node_result(i, problem, started))
                self.stop_at = node_id
        return problem

    def _node_result(
        self, i: int, result: Result, started: float, *, key: str | None = None, cached: bool = False,
        attempts: int = 0,
    ) -> NodeResult:
        step = self.steps[i]
        duration = (time.perf_counter() - started) * 1000
        return NodeResult(
            node=step.nodeId, type=step.type, ok=result.ok, cached=cached, idemKey=key, data=result.data,
            error=result.error, code=result.code, durationMs=round(duration, 3), attempts=attempts,
        )

    def _record(self, i: int, node: NodeResult) -> None:
        """Keep a step's result and tell the world (once: a late result of an abandoned step is not)."""
        self.results[i] = node
        self._publish({"type": "node.finished", "executionId": self.execution_id, "nodeId": node.node,
                       "nodeType": node.type, "ok": node.ok, "cached": node.cached, "code": node.code,
                       "durationMs": node.durationMs})
        logger.info("node.execution.complete", executionId=self.execution_id, nodeId=node.node,
                    type=node.type, duration_ms=node.durationMs, ok=node.ok, cached=node.cached)

    def _publish(self, event: dict[str, Any]) -> None:
        if self.runner.events.subscriber_count:
            self.runner.events.publish(event)

    def _announce_start(self) -> None:
        facts = {"executionId": self.execution_id, "workflowId": self.plan.workflowId,
                 "nodeCount": len(self.steps), "source": self.source}
        self._publish({"type": "run.started", **facts})
        logger.info("workflow.execution.start", **facts)
        # the ledger row of a running execution carries no per-node results (get_execution shows them live)
        running = {**facts, "ok": False, "status": "running", "startedAt": self.started_at, "results": []}
        self.runner.store.ledger_record(running, "running")

    def snapshot(self, status: ExecutionStatus = "running") -> ExecutionResult:
        """The execution result as it stands (unfinished steps are marked skipped)."""
        with self.lock:
            results = [
                r if r is not None else NodeResult(node=s.nodeId, type=s.type, ok=False, skipped=True)
                for r, s in zip(self.results, self.steps, strict=True)
            ]
            stop_at = self.stop_at
        return ExecutionResult(
            ok=False, executionId=self.execution_id, workflowId=self.plan.workflowId, status=status,
            stopped=stop_at is not None, stopAt=stop_at, results=results, startedAt=self.started_at,
            durationMs=round((time.perf_counter() - self.t0) * 1000, 3), source=self.source,
        )

    def _finish(self, problem: Result | None) -> ExecutionResult:
        cancelled = self.control.cancelled.is_set()
        if cancelled and problem is None and self.stop_at is None:
            # cancelled between steps: the first step that did not run carries the CANCELLED code
            for i, result in enumerate(self.results):
                if result is None:
                    self._record(i, self._node_result(
                        i, Result.failure(ErrorCode.CANCELLED,
                                          f"Execution {self.execution_id} was cancelled before node "
                                          f"{self.steps[i].nodeId!r} ran."), time.perf_counter()))
                    self.stop_at = self.steps[i].nodeId
                    break
        ok = problem is None and all(r is not None and r.ok for r in self.results)
        rolled_back, undone, group_problems = self._close_groups(ok)
        self._save_memo(ok, undone)
        execution = self.snapshot()
        failed = next((r for r in execution.results if r.node == self.stop_at), None)
        error: str | None = None
        code: str | None = None
        if problem is not None:
            error, code = problem.error, problem.code
        elif failed is not None and not ok:
            error, code = failure_sentence(failed, rolled_back, tuple(group_problems)), failed.code
        status: ExecutionStatus = "succeeded" if ok else ("cancelled" if cancelled else "failed")
        execution = execution.model_copy(update={
            "ok": ok, "status": status, "stopped": not ok, "rolledBack": rolled_back,
            "error": error, "code": code,
        }).explained()  # model_copy skips validators
        as_dict = execution.model_dump(mode="json")
        self.runner.store.ledger_record(as_dict, status)
        self._publish({"type": "run.finished", "executionId": self.execution_id,
                       "workflowId": self.plan.workflowId, "ok": ok, "status": status, "code": code,
                       "stopAt": execution.stopAt, "rolledBack": rolled_back,
                       "durationMs": execution.durationMs})
        logger.info("workflow.execution.complete", executionId=self.execution_id,
                    workflowId=self.plan.workflowId, ok=ok, status=status, stopAt=execution.stopAt,
                    rolledBack=rolled_back, duration_ms=execution.durationMs)
        if self.runner.on_finished is not None:
            try:
                self.runner.on_finished(as_dict)
            except Exception as exc:
                logger.warning("on_run_finished failed: {}", exc)
        return execution

    def _save_memo(self, ok: bool, undone: set[str]) -> None:
        """Memoise successful steps, except those whose changes a rollback just undid."""
        entries = [p.entry for p in self.pending.values() if ok or p.backend not in undone]
        if not entries:
            return
        try:
            self.runner.store.memo_put_many(entries)
        except Exception as exc:
            logger.error("Could not save the idempotency memo: {}", exc)


def _call_backend(call: Callable[[], Any], what: str) -> Any:
    """Call a backend protocol method. A raised error or a failed Result becomes a step failure."""
    try:
        value = call()
    except _StepFailure:
        raise
    except Exception as exc:
        code = getattr(exc, "code", None)
        known = code if isinstance(code, str) and code in ErrorCode.__members__ else ErrorCode.BACKEND_ERROR
        raise _StepFailure(known, f"{what} failed: {exc}") from None
    if isinstance(value, Result):
        if not value.ok:
            raise _StepFailure(value.code or ErrorCode.BACKEND_ERROR, f"{what} failed: {value.error}")
        return value.data
    return value


__all__ = [
    "ExecutionResult",
    "NodeResult",
    "RunControl",
    "Runner",
    "failed_node",
    "failure_sentence",
    "idem_key",
    "new_execution_id",
]
