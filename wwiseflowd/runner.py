"""The runner: executes a :class:`~wwiseflowd.compiler.Plan` and returns an :class:`ExecutionResult`.

Per step: resolve references, validate, check the idempotency memo, open the backend's undo group
lazily, run with retries (transient codes only) under a per-step timeout. Independent branches run
in parallel (``engine.max_parallel`` threads); steps naming the same ``resource`` never overlap.
The first failure stops the run; with rollback on, open undo groups are cancelled with ``undo``.

The parts, each testable alone: :class:`~wwiseflowd.ready_queue.ReadyQueue` decides which steps
may start (graphlib's ``prepare/get_ready/done``, shared with the compiler);
:class:`~wwiseflowd.undo_groups.RunGroups` holds the run's undo groups;
:func:`~wwiseflowd.documents.resolve_refs` resolves references; :class:`_Report` tells the
world (events, log, run ledger). Scheduling is continuation style: a worker that finishes a step
takes the next ready step itself, so a chain of steps runs on one thread without hand-offs.

Memo hits known before the run need no worker: a step whose idemKey was made before the run and
whose entry was read ahead (or made earlier in this run), with no ``verify``, not read-only, on no
backend, and with no upstream step that changed something (``_Ahead`` tells), is recorded by the
thread that takes it (``_Run._take``, under the run's lock), which then takes the next ready step:
a re-run of an unchanged plan is recorded in one loop. It gets the same result, events and log
line as on a worker. Every other step goes to a worker as before; nothing is taken once the run is
cancelled or stopping.

Garbage collection: a run keeps most of what its bookkeeping makes (a list or dict per step, a
key per step, a result per step), and collections passing over tens of thousands of such objects
cost more than the work itself. So collection is paused (:mod:`wwiseflowd.gc_pause`, counted
across threads) over the run's set-up, over what comes before the first step (pre-flight, the
read-ahead's hashing) except while a node type's own check, a backend's identity, the store or
the files a step names are asked (they may wait on Wwise, Redis or a network share), over the hit
loops and over the final result. None of these call node or backend code or wait on a lock but
the run's own; what they do run is the node types' input models (pydantic validators), the
events' subscriber filters and wake-ups and the log's sinks, as any step does. Around the whole
run of 1,000 steps or more, what existed before it (its plan, the daemon's state) is set aside from
the collections the steps trigger (:func:`~wwiseflowd.gc_pause.older_set_aside`): they pass over
what the run makes.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from typing import Any

from loguru import logger
from pydantic import BaseModel, ValidationError

from wwiseflowd.backends import Identifies
from wwiseflowd.bus import BackendError, BackendPool, CommandBus, validation_sentence
from wwiseflowd.compiler import Plan, inputs_model
from wwiseflowd.config import Settings
from wwiseflowd.documents import ReferenceProblem, check_inputs, resolve_refs
from wwiseflowd.events import EventHub, utc_now_iso
from wwiseflowd.executions import (
    ExecutionResult,
    NodeResult,
    failed_node,
    failure_sentence,
    new_execution_id,
)
from wwiseflowd.gc_pause import GcPause, gc_paused, older_set_aside
from wwiseflowd.preflight import check_plan
from wwiseflowd.ready_queue import ReadyQueue
from wwiseflowd.registry import NodeContext, NodeSpec, Registry
from wwiseflowd.results import ErrorCode, Result
from wwiseflowd.run_memo import RESULT_PATIENCE_S, AheadKeys, KeysSeen, RunMemo, idem_key
from wwiseflowd.store import ExecutionStatus, MemoEntry, Store, StoreUnavailable, wait_for_store
from wwiseflowd.undo_groups import Closed, RunGroups, StepFailure, call_backend

#: seconds a cancelled step gets to notice ``ctx.cancelled`` before it is abandoned
CANCEL_GRACE_S = 5.0
#: steps from which a run sets what existed before it aside from collections (gc_pause.older_set_aside):
#: below, a full collection over the plan costs little, and a freeze would only delay the young
#: garbage other threads made just before the run to the next full collection
LARGE_RUN = 1_000


class RunControl:
    """Handle on one execution: cancel it, or read its live results while it runs."""

    def __init__(self, execution_id: str, document_key: str | None = None) -> None:
        self.execution_id = execution_id
        #: content address of the workflow document in the store (so any run can be drawn again)
        self.document_key = document_key
        self.cancelled = threading.Event()
        self.wake = threading.Event()
        #: a dry run amends its final result (the change report): until then it reads as running,
        #: so whoever polls never sees it finished without its changes
        self.holding_final = False
        self._run: _Run | None = None

    def cancel(self) -> None:
        """Ask the run to stop: running steps see ``ctx.cancelled``; nothing new starts."""
        self.cancelled.set()
        self.wake.set()

    def snapshot(self) -> ExecutionResult | None:
        """The results so far (status ``running``), the final result once the run recorded it, or
        None before the run started."""
        run = self._run
        if run is None:
            return None
        final = run.report.final
        return final if final is not None and not self.holding_final else run.report.snapshot()

    def amend_final(self, result: ExecutionResult) -> None:
        """Replace the recorded final result before run.finished goes out (a dry run adds its change
        report; its runner holds run.finished until then)."""
        if self._run is not None:
            self._run.report.final = result
        self.holding_final = False


_MAKING_CONDITION = threading.Lock()


class StepCancelled(threading.Event):
    """A ``threading.Event`` whose condition is made when it is first set, cleared or waited on,
    not when it is made: every step that runs gets one (``ctx.cancelled``), and most are only ever
    asked ``is_set()`` or not at all (a ``threading.Event`` costs 1.8 µs to make, 6 % of a step's
    bookkeeping). Every method is ``threading.Event``'s own, through :attr:`_cond`."""

    def __init__(self) -> None:  # not Event's: it makes the condition
        self._flag = False
        self._made: threading.Condition | None = None

    @property
    def _cond(self) -> threading.Condition:
        made = self._made
        if made is None:
            with _MAKING_CONDITION:  # one condition per event, whichever thread asks first
                made = self._made
                if made is None:
                    made = self._made = threading.Condition(threading.Lock())
        return made


@dataclass(slots=True)
class _Running:
    """Step ``i``, out on a worker. Its validated inputs, ``ctx.cancelled`` event and context are
    made when the step first needs them (a memo hit read ahead never needs inputs); the event under
    the run's lock."""

    i: int
    started: float
    deadline: float
    #: a step upstream changed something in this run (told when the step was taken)
    fresh_upstream: bool
    attempts: int = 0
    cancel: threading.Event | None = None
    ctx: NodeContext | None = None
    model: BaseModel | None = None

    def cancel_event(self) -> threading.Event:
        """The step's cancel event (made now if need be). Under the run's lock."""
        if self.cancel is None:
            self.cancel = StepCancelled()
        return self.cancel


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
        keys_seen: KeysSeen | None = None,
    ) -> None:
        self.registry = registry
        self.settings = settings
        self.store = store
        self.bus = bus
        self.backends = backends
        self.events = events
        #: ``on_finished(execution_dict)``: the engine passes ``Plugins.on_run_finished``
        self.on_finished = on_finished
        #: the idemKeys earlier runs of sealed plans made before their first step
        self.keys_seen = keys_seen if keys_seen is not None else KeysSeen()

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
        with gc_paused():  # a list or dict per step, kept for the run: no collection over them
            run = _Run(
                self, plan, dict(inputs or {}), control, force=force,
                rollback=self.settings.engine.rollback if rollback is None else rollback, source=source,
            )
        control._run = run
        return run.execute()


class _Report:
    """One run as the world sees it: its results so far, events, log lines and run-ledger rows."""

    def __init__(
        self, runner: Runner, plan: Plan, execution_id: str, source: str, document_key: str | None = None
    ) -> None:
        self.runner = runner
        self.plan = plan
        self.execution_id = execution_id
        self.source = source
        self.document_key = document_key
        self.started_at = utc_now_iso()
        self.t0 = time.perf_counter()
        self.lock = threading.Lock()
        self.results: list[NodeResult | None] = [None] * len(plan.steps)
        self.stop_at: str | None = None
        #: the final result, set once it is in the ledger and before run.finished is published: a
        #: client that reads the execution when it sees run.finished gets it, not a running snapshot
        self.final: ExecutionResult | None = None

    @property
    def heard(self) -> bool:
        """True when anyone listens: the per-step events are built only then."""
        return bool(self.runner.events.subscriber_count)

    def publish(self, event: dict[str, Any]) -> None:
        """Publish ``event`` when anyone listens."""
        if self.heard:
            self.runner.events.publish(event)

    def started(self) -> None:
        """``run.started``, its log line, and a ``running`` ledger row (per-node results are live)."""
        facts = {"executionId": self.execution_id, "workflowId": self.plan.workflowId,
                 "nodeCount": len(self.plan.steps), "source": self.source}
        self.publish({"type": "run.started", **facts})
        logger.info("workflow.execution.start", **facts)
        running = {**facts, "ok": False, "status": "running", "startedAt": self.started_at, "results": [],
                   "documentKey": self.document_key}
        self.runner.store.ledger_record(running, "running")

    def node_result(self, i: int, result: Result, started: float, *, key: str | None = None,
                    cached: bool = False, attempts: int = 0) -> NodeResult:
        """Step ``i``'s result, timed from ``started``."""
        step = self.plan.steps[i]
        return NodeResult(
            node=step.nodeId, type=step.type, ok=result.ok, cached=cached, idemKey=key, data=result.data,
            error=result.error, code=result.code, attempts=attempts,
            durationMs=round((time.perf_counter() - started) * 1000, 3),
        )

    def record(self, i: int, node: NodeResult) -> None:
        """Keep a step's result and tell the world (once: a late result of an abandoned step is not)."""
        self.results[i] = node
        if self.heard:
            self.runner.events.publish({
                "type": "node.finished", "executionId": self.execution_id, "nodeId": node.node,
                "nodeType": node.type, "ok": node.ok, "cached": node.cached, "code": node.code,
                "durationMs": node.durationMs,
            })
        logger.info("node.execution.complete", executionId=self.execution_id, nodeId=node.node,
                    type=node.type, duration_ms=node.durationMs, ok=node.ok, cached=node.cached)

    def snapshot(self, status: ExecutionStatus = "running") -> ExecutionResult:
        """The execution result as it stands (unfinished steps are marked skipped)."""
        with self.lock:
            results = [
                r if r is not None else NodeResult(node=s.nodeId, type=s.type, ok=False, skipped=True)
                for r, s in zip(self.results, self.plan.steps, strict=True)
            ]
            stop_at = self.stop_at
        return ExecutionResult(
            ok=False, executionId=self.execution_id, workflowId=self.plan.workflowId, status=status,
            stopped=stop_at is not None, stopAt=stop_at, results=results, startedAt=self.started_at,
            durationMs=round((time.perf_counter() - self.t0) * 1000, 3), source=self.source,
            documentKey=self.document_key,
        )

    def finished(self, ok: bool, cancelled: bool, problem: Result | None, closed: Closed) -> ExecutionResult:
        """The final execution result: ledger row, ``run.finished``, log line, ``on_run_finished``."""
        ok, problem = closed.outcome(ok, problem)  # a group that did not end: the run is not known done
        status: ExecutionStatus = "succeeded" if ok else ("cancelled" if cancelled else "failed")
        with gc_paused():  # a result and a dict per step, gone once written: no collection over them
            execution = self.snapshot()
            failed = failed_node(execution.results, self.stop_at) if not ok else None
            code, error = (problem.code, problem.error) if problem is not None else (None, None)
            if problem is None and failed is not None:
                code, error = failed.code, failure_sentence(failed, closed.rolled_back, closed.problems)
            execution = execution.model_copy(update={
                "ok": ok, "status": status, "stopped": not ok, "rolledBack": closed.rolled_back,
                "error": error, "code": code,
            }).explained()  # model_copy skips validators
            as_dict = execution.model_dump(mode="json")
        wait_for_store(partial(self.runner.store.ledger_record, as_dict, status),
                       f"the result of execution {self.execution_id}", patience_s=RESULT_PATIENCE_S)
        self.final = execution
        facts = {"executionId": self.execution_id, "workflowId": self.plan.workflowId, "ok": ok,
                 "status": status, "stopAt": execution.stopAt, "rolledBack": closed.rolled_back}
        self.publish({"type": "run.finished", **facts, "code": code, "durationMs": execution.durationMs})
        logger.info("workflow.execution.complete", **facts, duration_ms=execution.durationMs)
        if self.runner.on_finished is not None:
            try:
                self.runner.on_finished(as_dict)
            except Exception as exc:
                logger.warning("on_run_finished failed: {}", exc)
        return execution


def backoff(settings: Settings, attempt: int) -> float:
    """Seconds before try ``attempt + 1``: exponential, with "equal jitter" (never zero, never in step)."""
    cfg = settings.engine
    ceiling = min(cfg.retry_max_ms, cfg.retry_base_ms * 2 ** (attempt - 1)) / 1000
    return random.uniform(ceiling / 2, ceiling)


def _preflight_context(
    run: _Run, node_id: str, earlier: Sequence[tuple[str, Mapping[str, Any]]]
) -> NodeContext:
    """What a node type's pre-flight check gets: lookups through the bus, kept out of the audit log."""
    return NodeContext(
        execution_id=run.execution_id,
        workflow_id=run.plan.workflowId,
        node_id=node_id,
        settings=run.settings,
        command=lambda name, payload: run.runner.bus.execute(
            name, payload, execution_id=run.execution_id, node_id=node_id, source=run.source, record=False,
        ),
        inputs=run.inputs,
        earlier=earlier,
    )


class _RunBackends:
    """The backends one run's steps use, by resource (names looked up once per run)."""

    def __init__(self, pool: BackendPool) -> None:
        self.pool = pool
        self.names: dict[str | None, str | None] = {}

    def name_for(self, resource: str | None) -> str | None:
        """The backend owning ``resource``, or None."""
        if resource not in self.names:
            self.names[resource] = self.pool.name_for_resource(resource)
        return self.names[resource]

    def get(self, name: str) -> Any:
        """The backend ``name``; one that cannot start fails the step with BACKEND_UNAVAILABLE."""
        try:
            return self.pool.get(name)
        except BackendError as exc:
            raise StepFailure(ErrorCode.BACKEND_UNAVAILABLE, str(exc)) from None

    def identity(self, resource: str | None, backend_name: str | None) -> str:
        """The backend's identity for idemKeys; asked on every try (it changes once connected)."""
        if backend_name is None:
            return resource or ""
        backend = self.get(backend_name)
        if not isinstance(backend, Identifies):
            return backend_name
        return str(call_backend(backend.identity, f"the identity of backend {backend_name!r}"))


def _variant(inputs: Mapping[str, Any], identities: Mapping[str | None, str | None]) -> str | None:
    """What a plan's keys are made from besides the plan: the run's inputs and the backends'
    identities, as JSON that reads back as the very inputs; None when it does not (a Python
    caller's ``Path``, tuple, non-string key or NaN would read as something else): then the keys
    are made afresh."""
    try:
        text = json.dumps([inputs, sorted([str(r), i] for r, i in identities.items())], sort_keys=True,
                          ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return None
    return text if json.loads(text)[0] == inputs else None


class _Ahead:
    """What a run does and learns before its first step: inputs, pre-flight, the memo read ahead."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        #: the idemKeys of the steps whose inputs were known before the run (no ``$from``)
        self.keys: list[str | None] = [None] * len(run.steps)
        #: the backend identity, by resource, those idemKeys were made with
        self.identity: dict[str | None, str | None] = {}
        #: steps whose memo hit, when read ahead, is decided before they come up (see known_hit)
        self.quick = [False] * len(run.steps)
        #: the validated inputs those keys were made from, until their step runs (it is not
        #: validated again) or is recorded as a hit; none when the keys came from an earlier run
        self.models: list[BaseModel | None] = [None] * len(run.steps)

    def prepare(self) -> Result | None:
        """What comes before the first step: the workflow's inputs, pre-flight, the memo read
        ahead. A problem stops the run before anything changed. What it makes is kept for the run,
        so no collection passes over it (``GcPause``), except while code that may wait on Wwise,
        a store or a share runs: node types' own checks, file checks, backend identities, the memo
        read."""
        run = self.run
        with GcPause() as pause:
            pause.on()
            problems = check_inputs(run.plan.inputs, run.inputs)
            if problems:
                return Result.failure(
                    ErrorCode.INVALID_INPUT,
                    f"Workflow {run.plan.workflowId!r} cannot start: {'; '.join(problems)}.")
            problem = self._preflight(pause)
            if problem is not None:
                return problem
            self.read(pause)
            run.queue.prepare()
        return None

    def _preflight(self, pause: GcPause) -> Result | None:
        """Every step checked before the first runs (files, and each node type's own check); the
        step that would have failed carries the problem and is where the run stopped."""
        run = self.run
        steps = [(step.nodeId, step.type, step.data) for step in run.steps]
        context = partial(_preflight_context, run)
        started = time.perf_counter()
        problem = check_plan(steps, run.specs, run.inputs, context, pause)
        if problem is None:
            return None
        node_id = problem.data.get("nodeId") if isinstance(problem.data, dict) else None
        if node_id in run.index:
            i = run.index[node_id]
            run.report.record(i, run.report.node_result(i, problem, started))
            run.report.stop_at = node_id
        return problem

    def read(self, pause: GcPause) -> None:
        """Validate the inputs of every memoised step that needs no other step's output, and read
        the memo entries of their idemKeys in one store call instead of one per step. Steps whose
        inputs or backend identity cannot be known yet read their entry when they run, as before.
        An earlier run of the same plan with the same inputs and identities made the same keys:
        they are reused (:class:`~wwiseflowd.run_memo.KeysSeen`). ``pause`` (the caller's
        garbage-collection pause) is lifted while backends and the store are asked."""
        run = self.run
        if run.force:
            return
        identities = self.identity
        with pause.lifted():
            for spec in run.specs:
                if spec is not None and not spec.read_only and spec.resource not in identities:
                    identities[spec.resource] = self._identity(spec.resource)
        variant = _variant(run.inputs, identities)
        seen = run.runner.keys_seen.get(run.plan, variant) if variant is not None else None
        if seen is None:
            self._make_keys()
            if variant is not None:
                run.runner.keys_seen.put(run.plan, variant, AheadKeys(tuple(self.keys), tuple(self.quick)))
        else:
            self.keys[:], self.quick[:] = seen.keys, seen.quick  # in place: the run holds self.keys
        with pause.lifted():
            run.memo.read_ahead([key for key in self.keys if key is not None])

    def _make_keys(self) -> None:
        """The idemKey of every step whose inputs and backend identity are known before the run."""
        run, identities = self.run, self.identity
        for i, (step, spec) in enumerate(zip(run.steps, run.specs, strict=True)):
            if spec is None or spec.read_only:
                continue  # read-only steps are never memoised
            identity = identities[spec.resource]
            if identity is None:
                continue
            try:
                model = run._inputs(step.nodeId, spec, step.data)  # a $from raises: not known yet
            except Exception:  # validated again, and reported, when the step runs
                continue
            self.keys[i] = idem_key(spec.type, model.model_dump(mode="json"), identity)
            self.quick[i] = spec.verify is None and run.backends.name_for(spec.resource) is None
            self.models[i] = model

    def _identity(self, resource: str | None) -> str | None:
        """The identity of ``resource``'s backend before the run, or None when it cannot be told
        (the steps on it ask again when they run, and report the problem)."""
        backends = self.run.backends
        try:
            return backends.identity(resource, backends.name_for(resource))
        except Exception:
            return None

    def known_hit(self, i: int) -> MemoEntry | None:
        """Step ``i``'s memo entry when its answer is decided before it comes up, so no worker
        needs to take it: its idemKey was made before the run (inputs without ``$from``, backend
        identity known), its node type is not read-only, has no ``verify`` and uses no backend
        (whose identity a worker asks again), and the entry is this run's own or was read ahead.
        Else None. The caller checked that no step upstream changed something. Under lock."""
        key = self.keys[i]
        if key is None or not self.quick[i]:
            return None
        return self.run.memo.known(key)


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

        self.steps = plan.steps
        self.specs: list[NodeSpec | None] = [runner.registry.node_types.get(s.type) for s in self.steps]
        self.index = {s.nodeId: i for i, s in enumerate(self.steps)}
        #: each step's dependencies as positions (the queue's input; the dirty check reads it too)
        self.deps = [[self.index[d] for d in s.deps] for s in self.steps]
        self.queue = ReadyQueue(self.deps, [spec.resource if spec else None for spec in self.specs])
        self.report = _Report(runner, plan, self.execution_id, source, control.document_key)
        self.groups = RunGroups(runner.backends.group_lock)

        self.lock = self.report.lock
        self.running: dict[int, _Running] = {}
        self.outputs: dict[str, Any] = {}
        #: steps that changed something in this run (or depend on one that did)
        self.dirty = [False] * len(self.steps)
        self.active = 0
        self.stopping = False
        self.memo = RunMemo(runner.store)
        self.backends = _RunBackends(runner.backends)
        self.ahead = _Ahead(self)
        self.ahead_keys = self.ahead.keys
        self.pool: ThreadPoolExecutor | None = None

    # -- the main thread ---------------------------------------------------------------------------

    def execute(self) -> ExecutionResult:
        # collections during a large run pass over what the run makes only
        with older_set_aside() if len(self.steps) >= LARGE_RUN else nullcontext():
            return self._execute()

    def _execute(self) -> ExecutionResult:
        self.report.started()
        problem = self.ahead.prepare()
        if problem is not None:
            return self._finish(problem)
        self.pool = ThreadPoolExecutor(self.max_parallel, thread_name_prefix=f"run-{self.execution_id}")
        try:
            with self.lock:
                first = self._take(self.max_parallel)
            for running in first:
                self.pool.submit(self._work, running)
            self._supervise()
        finally:
            # abandoned (timed-out) steps keep their thread; do not wait for them
            self.pool.shutdown(wait=False, cancel_futures=True)
        return self._finish(None)

    def _supervise(self) -> None:
        """Wait for the workers; enforce step deadlines and cancellation."""
        grace_until: float | None = None
        while True:
            with self.lock:
                now = time.perf_counter()
                if grace_until is None and self.control.cancelled.is_set():
                    grace_until = now + CANCEL_GRACE_S
                    self.stopping = True
                    for running in self.running.values():
                        running.cancel_event().set()
                self._enforce_deadlines(now, grace_until)
                if self.active == 0:
                    return
                deadlines = [r.deadline for r in self.running.values()]
                if grace_until is not None:
                    deadlines.append(grace_until)
                wait = max(0.0, min(deadlines, default=now + 1.0) - now)
            self.control.wake.wait(timeout=min(wait, 1.0) + 0.001)
            self.control.wake.clear()

    def _enforce_deadlines(self, now: float, grace_until: float | None) -> None:
        """Abandon steps past their deadline, or past the cancel grace period. Under lock."""
        for i, running in list(self.running.items()):
            step = self.steps[i]
            if now >= running.deadline:
                self._abandon(i, ErrorCode.TIMEOUT,
                              f"Node {step.nodeId!r} ({step.type}) did not finish within "
                              f"{self.step_timeout:g} s (engine.step_timeout_s); it was stopped. Check the "
                              f"application it talks to, or raise the limit.")
            elif grace_until is not None and now >= grace_until:
                self._abandon(i, ErrorCode.CANCELLED,
                              f"Execution {self.execution_id} was cancelled while node {step.nodeId!r} "
                              f"was running.")

    def _abandon(self, i: int, code: ErrorCode, message: str) -> None:
        """Give up on a running step (its thread may go on; its late result is ignored). Under lock."""
        running = self.running.pop(i)
        running.cancel_event().set()
        self.report.record(i, self.report.node_result(i, Result.failure(code, message), running.started,
                                                      attempts=running.attempts))
        self._stop(i)
        self.active -= 1

    # -- scheduling (under lock) ---------------------------------------------------------------------

    def _take(self, limit: int) -> list[_Running]:
        """Ready steps for up to ``limit`` busy workers in all, now running. A ready step whose
        memo hit is already known (:meth:`_Ahead.known_hit`) needs no worker: it is recorded here, its
        dependents are released, and the next ready step is taken. Nothing is taken once the run
        stops or is cancelled."""
        taken: list[_Running] = []
        queue, cancelled, dirty = self.queue, self.control.cancelled, self.dirty
        # no node or backend code runs here (only event subscribers and log sinks); the results of
        # a stretch of hits are kept, so no collection passes over them (a run that read no entry
        # ahead has no hits to record here)
        with gc_paused() if self.memo.found_ahead else nullcontext():
            while not self.stopping and self.active < limit and not cancelled.is_set():
                i = queue.take()
                if i is None:
                    break
                now = time.perf_counter()
                fresh_upstream = False
                for d in self.deps[i]:
                    if dirty[d]:
                        fresh_upstream = True
                        break
                entry = None if fresh_upstream else self.ahead.known_hit(i)
                if entry is not None:
                    self._record_hit(i, entry, now)
                    continue
                running = self.running[i] = _Running(i, now, now + self.step_timeout, fresh_upstream)
                self.active += 1
                taken.append(running)
        return taken

    def _record_hit(self, i: int, entry: MemoEntry, started: float) -> None:
        """Record step ``i`` as answered by the memo, as a worker would (``node.started`` when
        anyone listens, then its result), and release its dependents. Under lock."""
        report, step = self.report, self.steps[i]
        if report.heard:
            self.runner.events.publish({"type": "node.started", "executionId": self.execution_id,
                                        "nodeId": step.nodeId, "nodeType": step.type})
        result = NodeResult(  # what node_result makes of Result.success(entry.data)
            node=step.nodeId, type=step.type, ok=True, cached=True, idemKey=self.ahead_keys[i],
            data=entry.data, error=None, code=None, attempts=1,
            durationMs=round((time.perf_counter() - started) * 1000, 3),
        )
        report.record(i, result)
        self.queue.done(i)
        self.outputs[step.nodeId] = result.data
        self.ahead.models[i] = None

    def _stop(self, i: int) -> None:
        self.stopping = True
        if self.report.stop_at is None:
            self.report.stop_at = self.steps[i].nodeId

    # -- workers ----------------------------------------------------------------------------------------

    def _work(self, running: _Running | None) -> None:
        while running is not None:
            result = self._execute_step(running)
            running, extra = self._complete(running.i, result)
            assert self.pool is not None
            for other in extra:
                self.pool.submit(self._work, other)

    def _complete(self, i: int, result: NodeResult) -> tuple[_Running | None, list[_Running]]:
        """Record a finished step, release its dependents; return the next step for this worker."""
        with self.lock:
            if self.running.pop(i, None) is None:
                return None, []  # abandoned after a timeout or cancel: already accounted for
            self.report.record(i, result)
            self.queue.done(i)
            self.active -= 1
            self.ahead.models[i] = None  # a hit on a worker never asked for it
            if result.ok:
                self.outputs[result.node] = result.data
                spec = self.specs[i]
                changed = not result.cached and spec is not None and not spec.read_only
                self.dirty[i] = changed or any(self.dirty[d] for d in self.deps[i])
            else:
                self._stop(i)
            taken = self._take(self.max_parallel)
            if not taken and self.active == 0:
                self.control.wake.set()
            return (taken[0], taken[1:]) if taken else (None, [])

    def _execute_step(self, running: _Running) -> NodeResult:
        i = running.i
        step = self.steps[i]
        if self.report.heard:
            self.runner.events.publish({"type": "node.started", "executionId": self.execution_id,
                                        "nodeId": step.nodeId, "nodeType": step.type})
        key: str | None = None
        cached = False
        try:
            spec = self.specs[i]
            if spec is None:
                raise StepFailure(ErrorCode.UNKNOWN_NODE_TYPE,
                                  f"Node {step.nodeId!r} has type {step.type!r}, which no loaded plugin "
                                  f"provides; see wwiseflowd plugins.")
            result, key, cached = self._with_retries(i, spec, running)
        except StepFailure as exc:
            result = Result.failure(exc.code, exc.message)
        except Exception as exc:  # a bug in the engine itself must still not crash the run
            logger.opt(exception=exc).error("Runner failed on node {}", step.nodeId)
            result = Result.failure(ErrorCode.INTERNAL, f"Node {step.nodeId!r} failed inside the engine "
                                    f"({type(exc).__name__}: {exc}); please report this bug.")
        return self.report.node_result(i, result, running.started, key=key, cached=cached,
                                       attempts=running.attempts)

    def _with_retries(self, i: int, spec: NodeSpec, running: _Running) -> tuple[Result, str | None, bool]:
        """Tries until success, a lasting failure, the retry limit, the deadline or cancellation."""
        if self.ahead_keys[i] is None:  # else its inputs passed validation before the run
            self._model(i, spec, running)
        backend_name = self.backends.name_for(spec.resource)
        fresh_upstream = running.fresh_upstream
        while True:
            running.attempts += 1
            key: str | None = None
            cached = False
            try:
                result, key, cached = self._attempt(i, spec, backend_name, fresh_upstream, running)
            except StepFailure as exc:
                result = Result.failure(exc.code, exc.message)
            if result.ok or not result.transient or running.attempts > self.retries:
                return result, key, cached
            delay = backoff(self.settings, running.attempts)
            if time.perf_counter() + delay >= running.deadline:
                return result, key, cached
            if self._context(i, running).cancelled.wait(delay):
                return result, key, cached

    def _model(self, i: int, spec: NodeSpec, running: _Running) -> BaseModel:
        """Step ``i``'s validated inputs, made on first use (a memo hit read ahead needs none)."""
        if running.model is None:
            step = self.steps[i]
            ahead = self.ahead.models[i]
            running.model = ahead if ahead is not None else self._inputs(step.nodeId, spec, step.data)
            self.ahead.models[i] = None
        return running.model

    def _context(self, i: int, running: _Running) -> NodeContext:
        """Step ``i``'s context, made on first use (then kept for its retries)."""
        if running.ctx is not None:
            return running.ctx
        with self.lock:
            cancelled = running.cancel_event()
        node_id = self.steps[i].nodeId
        running.ctx = NodeContext(
            execution_id=self.execution_id, workflow_id=self.plan.workflowId, node_id=node_id,
            settings=self.settings, cancelled=cancelled, inputs=self.inputs,
            command=lambda name, payload: self.runner.bus.execute(
                name, payload, execution_id=self.execution_id, node_id=node_id, source=self.source
            ),
        )
        return running.ctx

    def _still_valid(self, i: int, spec: NodeSpec, data: Any, running: _Running) -> bool:
        """True unless the node type's ``verify`` says a memoised output is stale (or raises)."""
        if spec.verify is None:
            return True
        ctx = self._context(i, running)
        try:
            return bool(spec.verify(data, ctx))
        except Exception as exc:
            logger.warning("verify of node {} ({}) raised {}; running it again", ctx.node_id, spec.type, exc)
            return False

    def _attempt(
        self, i: int, spec: NodeSpec, backend_name: str | None, fresh_upstream: bool, running: _Running,
    ) -> tuple[Result, str, bool]:
        """Memo check, undo group, run: one try. Returns (result, idemKey, cached)."""
        identity = self.backends.identity(spec.resource, backend_name)
        key = self.ahead_keys[i]
        if key is None or self.ahead.identity.get(spec.resource) != identity:
            key = idem_key(spec.type, self._model(i, spec, running).model_dump(mode="json"), identity)
        if not spec.read_only and not self.force and not fresh_upstream:
            memo = self._memo(key, running)
            if memo is not None and self._still_valid(i, spec, memo.data, running):
                return Result.success(memo.data), key, True
        ctx = self._context(i, running)
        if not spec.read_only and backend_name is not None:
            backend = self.backends.get(backend_name)
            self.groups.ensure(backend_name, backend, ctx.node_id, running.deadline, ctx.cancelled)
        result = run_node(spec, self._model(i, spec, running), ctx, self.runner.registry)
        if result.ok and not spec.read_only:
            self.memo.add(key, spec.type, result.data, backend_name)
        return result, key, False

    def _memo(self, key: str, running: _Running) -> Any:
        """``key``'s memo entry; a silent store is waited for until the deadline or a cancel event."""
        def cancelled() -> threading.Event:
            with self.lock:
                return running.cancel_event()
        try:
            return self.memo.get(key, patience_s=running.deadline - time.perf_counter(), stop=cancelled)
        except StoreUnavailable as exc:
            raise StepFailure(ErrorCode.BACKEND_UNAVAILABLE, f"{exc}; the step could not read its memo.") \
                from None

    def _inputs(self, node_id: str, spec: NodeSpec, data: dict[str, Any]) -> BaseModel:
        # outputs only grows, and a step's references name steps that already finished
        return step_inputs(node_id, spec, data, self.inputs, self.outputs)

    # -- the end ----------------------------------------------------------------------------------------

    def _finish(self, problem: Result | None) -> ExecutionResult:
        cancelled = self.control.cancelled.is_set()
        if cancelled and problem is None and self.report.stop_at is None:
            self._mark_cancelled()
        ok = problem is None and all(r is not None and r.ok for r in self.report.results)
        label = self.plan.name or self.plan.workflowId
        closed = self.groups.close(ok, self.rollback, label, self.execution_id)
        self.memo.save(closed.unkept)
        return self.report.finished(ok, cancelled, problem, closed)

    def _mark_cancelled(self) -> None:
        """Cancelled between steps: the first step that did not run carries the CANCELLED code."""
        for i, result in enumerate(self.report.results):
            if result is None:
                message = (f"Execution {self.execution_id} was cancelled before node "
                           f"{self.steps[i].nodeId!r} ran.")
                self.report.record(i, self.report.node_result(i, Result.failure(ErrorCode.CANCELLED, message),
                                                              time.perf_counter()))
                self.report.stop_at = self.steps[i].nodeId
                return


def step_inputs(
    node_id: str, spec: NodeSpec, data: dict[str, Any], inputs: Mapping[str, Any], outputs: Mapping[str, Any]
) -> BaseModel:
    """A step's ``data`` with its references resolved, validated into its input model; a
    StepFailure (the reference's code, or INVALID_INPUT) naming the step when that fails."""
    try:
        resolved = {key: resolve_refs(value, inputs, outputs, node_id, key) for key, value in data.items()}
    except ReferenceProblem as exc:
        raise StepFailure(exc.code, exc.message) from None
    try:
        return inputs_model(spec).model_validate(resolved)
    except ValidationError as exc:
        raise StepFailure(ErrorCode.INVALID_INPUT,
                          validation_sentence(exc, f"node {node_id!r} ({spec.type})")) from None


def run_node(spec: NodeSpec, model: BaseModel, ctx: NodeContext, registry: Registry) -> Result:
    """``spec.run``; a raise or a return that is not a Result becomes INTERNAL naming the plugin."""
    try:
        result = spec.run(model, ctx)
    except Exception as exc:
        plugin = registry.plugin_of("node type", spec.type)
        logger.opt(exception=exc).warning("Node {} ({}) raised", ctx.node_id, spec.type)
        return Result.failure(
            ErrorCode.INTERNAL,
            f"Node {ctx.node_id!r} ({spec.type}) raised {type(exc).__name__}: {exc}. This is a bug "
            f"in plugin {plugin}; the run was stopped.",
        )
    if not isinstance(result, Result):
        plugin = registry.plugin_of("node type", spec.type)
        return Result.failure(
            ErrorCode.INTERNAL,
            f"Node {ctx.node_id!r} ({spec.type}) returned {type(result).__name__} instead of a Result; "
            f"this is a bug in plugin {plugin}.",
        )
    return result


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
