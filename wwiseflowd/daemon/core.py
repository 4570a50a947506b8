"""The daemon's moving parts: observers -> event queue -> pump (stability, hashing, batching)
-> journal -> worker (one batch at a time through the engine) -> processed/ or failed/.

Threads: watchdog's (handlers only enqueue), the *pump* (:mod:`wwiseflowd.daemon.pump`: owns the
rules' run-time state and the batcher; also supervises observers, rescans and re-reads workflow
files) and the *worker* (runs batches through :mod:`wwiseflowd.daemon.batches`). They share only
the thread-safe event queue and the journal.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

from wwiseflowd.config import Settings
from wwiseflowd.daemon import memory
from wwiseflowd.daemon.batches import BatchProcessor
from wwiseflowd.daemon.health import SharedStatus, daemon_status, progress_status
from wwiseflowd.daemon.pump import WORKFLOWS_KEY, Pump
from wwiseflowd.daemon.rule_state import RuleState
from wwiseflowd.daemon.rules import DropRule
from wwiseflowd.events import utc_now_iso
from wwiseflowd.retention import RetentionWorker
from wwiseflowd.store.journal import FileState, Journal
from wwiseflowd.watch.fileio import DEFAULT_READ_TIMEOUT_S
from wwiseflowd.watch.observer import WatchSpec
from wwiseflowd.watch.workflows import WorkflowLibrary

if TYPE_CHECKING:
    from wwiseflowd.daemon.shared import SharedFolders
    from wwiseflowd.engine import Engine

__all__ = ["WORKFLOWS_KEY", "Daemon", "DaemonTiming"]


@dataclass
class DaemonTiming:
    """Intervals the daemon runs on; tests shorten them."""

    housekeeping_s: float = 2.0
    retry_base_s: float = 1.0
    retry_max_s: float = 30.0
    stop_grace_s: float = 30.0
    read_timeout_s: float = DEFAULT_READ_TIMEOUT_S


class Daemon:
    """Drop folders and workflow files for one engine. ``start()``, then ``stop()``."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        journal: Journal | None = None,
        timing: DaemonTiming | None = None,
        watch_workflows: bool = True,
        heartbeat: Callable[[], object] | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.timing = timing or DaemonTiming()
        self.journal = journal or Journal.in_state_dir(settings.paths.state_dir)
        self.heartbeat = heartbeat
        self.rules: dict[str, DropRule] = {}
        for config in settings.watch:
            rule = DropRule.from_config(config)
            if rule.id == WORKFLOWS_KEY:
                raise ValueError(f"{WORKFLOWS_KEY!r} is reserved; give the [[watch]] rule another name")
            if rule.id in self.rules:
                raise ValueError(f"two [[watch]] rules share the id {rule.id!r}; give them distinct names")
            self.rules[rule.id] = rule
        _separate_nested(self.rules.values())
        #: per-rule run-time state, owned by the pump thread
        timeout = self.timing.read_timeout_s
        checks = engine.registry.file_checks
        self.states = {rid: RuleState.for_rule(r, read_timeout_s=timeout, checks=checks)
                       for rid, r in self.rules.items()}
        self.library = WorkflowLibrary(settings.paths.workflows_dir, engine.compile, self._publish)
        self._watch_workflows = watch_workflows
        self.processor = BatchProcessor(
            self.journal,
            engine,
            self.library,
            self.rules,
            retry_base_s=self.timing.retry_base_s,
            retry_max_s=self.timing.retry_max_s,
        )
        self._stop = threading.Event()
        self._work_ready = threading.Event()
        self._status = SharedStatus(lambda: daemon_status(self))
        self.pump = Pump(
            self.rules,
            self.states,
            self.journal,
            self.library,
            self.processor,
            housekeeping_s=self.timing.housekeeping_s,
            wake_worker=self._work_ready.set,
            publish=self._publish,
            heartbeat=heartbeat,
        )
        self.supervisor = self.pump.supervisor
        self.processor.on_settled = self.pump.settled
        self.processor.shared = self._shared_folders()
        self._threads: list[threading.Thread] = []
        self._started_at: str | None = None
        #: [retention] applied in the background (wwiseflowd/retention.py)
        self.retention = RetentionWorker(settings.retention, engine, self.journal)

    def _shared_folders(self) -> SharedFolders | None:
        """Claims in the fleet's Redis when a rule has ``shared = true`` (docs/fleet.md)."""
        if not any(rule.config.shared for rule in self.rules.values()):
            return None  # (config validation makes sure a shared rule has the fleet's Redis)
        from wwiseflowd.daemon.shared import SharedFolders
        from wwiseflowd.fleet.claims import drop_claims

        folders = SharedFolders(drop_claims(self.settings), self.journal)
        folders.on_released = self.pump.released
        return folders

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> Daemon:
        """Compile workflows, recover the journal, start observers, the pump and the worker."""
        memory.limit_arenas()  # a long-running, many-threaded process (wwiseflowd.daemon.memory)
        self._started_at = utc_now_iso()
        self.library.load_builtin()
        self.library.load_shipped(self.engine.registry.workflows)
        self.settings.paths.workflows_dir.mkdir(parents=True, exist_ok=True)
        self.library.sync()
        self._recover()
        for rule in self.rules.values():
            c = rule.config
            self.supervisor.add(WatchSpec(rule.id, rule.folder, c.recursive, c.polling, c.poll_interval_s))
            logger.info(
                "Rule {}: {} -> {} (workflow {}, settle {} ms)",
                rule.id,
                rule.folder,
                c.target,
                c.workflow,
                c.settle_ms,
            )
        if self._watch_workflows:
            self.supervisor.add(WatchSpec(WORKFLOWS_KEY, self.settings.paths.workflows_dir, recursive=False))
        self.supervisor.start()
        for name, target in (("wwiseflowd-pump", self.pump.run), ("wwiseflowd-worker", self._work)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        self.retention.start()
        if self.processor.shared is not None:
            self.processor.shared.claims.start()
        return self

    def stop(self) -> None:
        """Stop watching; let the batch in flight finish (or cancel it after the grace period)."""
        if self._stop.is_set():
            return
        logger.info("Stopping: finishing the batch in flight, flushing the journal")
        self._stop.set()
        self.pump.stop.set()
        self.pump.wake()
        self._work_ready.set()
        self.retention.stop()
        self.supervisor.stop()
        pump, worker = (self._threads + [None, None])[:2]
        if pump is not None:
            pump.join(10)
        if worker is not None:
            worker.join(self.timing.stop_grace_s)
            current = self.processor.current_execution
            if worker.is_alive() and current is not None:
                logger.warning(
                    "Batch {} still running after {} s; cancelling it", current, self.timing.stop_grace_s
                )
                self.engine.cancel(current)
                worker.join(15)
        if self.processor.shared is not None:
            self.processor.shared.claims.stop()
        for state in self.states.values():
            state.reader.close()
        self.journal.close()

    def __enter__(self) -> Daemon:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _recover(self) -> None:
        """Forget stale pre-batch records of files that are gone; queued/importing ones stay to resume."""
        stale = [
            r.id
            for r in self.journal.active()
            if r.state in (FileState.SEEN, FileState.STABLE)
            and (r.batch_id is None)
            and not Path(r.path).exists()
        ]
        if stale:
            self.journal.forget(stale)
        for record in self.journal.active():  # before the pump thread starts: no race on its state
            state = self.states.get(record.rule)
            if state is not None and record.state in (FileState.QUEUED, FileState.IMPORTING):
                state.inflight.add(record.rel_path)
        waiting = self.journal.waiting_batches()
        if waiting:
            logger.info("Resuming {} unfinished batch(es) from the journal", len(waiting))
            self._work_ready.set()

    # -- the worker --------------------------------------------------------------------------------

    def _connect_backends(self) -> None:
        """Connect at start-up, so the first drop does not wait for it and status shows it at once."""
        for name, result in self.engine.connect_backends().items():
            if not result.ok:
                logger.warning("Backend {} is not reachable yet ({}); dropped files will wait for it",
                               name, result.error)

    def _work(self) -> None:
        self._connect_backends()
        while not self._stop.is_set():
            batch = self.journal.next_batch()
            if batch is None:
                retry_at = self.journal.next_retry_at()
                wait = 5.0 if retry_at is None else max(0.05, min(5.0, retry_at - time.time()))
                self._work_ready.wait(wait)
                self._work_ready.clear()
                continue
            try:
                self.processor.run(batch)
            except Exception as exc:
                logger.opt(exception=True).error("Batch {} crashed; it will be retried", batch.id)
                self.journal.wait_batch(
                    batch.id, retry_at=time.time() + self.timing.retry_max_s, code="INTERNAL", error=str(exc)
                )

    # -- reporting ---------------------------------------------------------------------------------

    def _publish(self, event: dict[str, Any]) -> None:
        try:
            self.engine.events.publish({"time": utc_now_iso(), **event})
        except Exception:
            logger.opt(exception=True).debug("Publishing {} failed", event.get("type"))

    def status(self) -> dict[str, Any]:
        """What the daemon is doing: rules with queue depth and waiting files, batches, failures,
        watchers, workflows, Wwise, and ``problems`` (what /health reports as degraded); callers
        asking at the same moment share one answer."""
        return self._status()

    def progress_status(self) -> dict[str, Any]:
        """The light snapshot the progress display polls: settling files and unfinished batches."""
        return progress_status(self)

    @property
    def stopping(self) -> bool:
        """True once :meth:`stop` was called."""
        return self._stop.is_set()

    @property
    def threads_alive(self) -> tuple[bool, bool]:
        """(pump alive, worker alive)."""
        alive = [t.is_alive() for t in self._threads] + [False, False]
        return alive[0], alive[1]

    @property
    def started_at(self) -> str | None:
        """When :meth:`start` ran (ISO, UTC)."""
        return self._started_at


def _separate_nested(rules: Iterable[DropRule]) -> None:
    """A file belongs to the most specific rule only, so nested drop folders never import twice."""
    rules = list(rules)
    for outer in rules:
        for inner in rules:
            if inner is outer:
                continue
            if inner.folder == outer.folder:
                raise ValueError(
                    f"[[watch]] rules {outer.id!r} and {inner.id!r} watch the same folder "
                    f"{inner.folder}; merge them or give each its own folder"
                )
            if inner.folder.is_relative_to(outer.folder):
                outer.filter.exclude(inner.folder)
                logger.info("Rule {} leaves {} to rule {}", outer.id, inner.folder, inner.id)
