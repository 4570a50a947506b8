"""The daemon's moving parts: observers -> event queue -> pump (stability, hashing, batching)
-> journal -> worker (one batch at a time through the engine) -> processed/ or failed/.

Threads: watchdog's (handlers only enqueue), the *pump* (owns the trackers and the batcher; also
supervises observers, rescans and re-reads workflow files) and the *worker* (runs batches). They
share only the thread-safe event queue and the journal.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

from wwiseflowd.config import Settings
from wwiseflowd.daemon.batches import BatchProcessor
from wwiseflowd.daemon.rule_state import RuleState
from wwiseflowd.daemon.rules import DropRule, replaced_since, sha256_file
from wwiseflowd.events import utc_now_iso
from wwiseflowd.retention import RetentionWorker
from wwiseflowd.store.journal import ACTIVE_STATES, DropRecord, FileState, Journal
from wwiseflowd.watch.batcher import Batcher
from wwiseflowd.watch.fileio import DEFAULT_READ_TIMEOUT_S, NotRegularFile
from wwiseflowd.watch.observer import ObserverSupervisor, WatchSpec
from wwiseflowd.watch.stability import ReadyFile
from wwiseflowd.watch.workflows import WorkflowLibrary

if TYPE_CHECKING:
    from wwiseflowd.engine import Engine

#: the observer key of the workflows directory (no rule may use it as its name)
WORKFLOWS_KEY = "(workflows)"
_SCAN = Path("\0scan")
#: the event-queue key prefix of "a file of this rule was settled" (sent by the worker thread)
_SETTLED = "\0settled:"
#: a workflow file is compiled once it has been left alone this long (editors save in steps)
WORKFLOW_QUIET_S = 0.25


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
        self._events: queue.Queue[tuple[str, Path, bool]] = queue.Queue()
        self.supervisor = ObserverSupervisor(self._events_put)
        self.supervisor.on_started = lambda key: self._events_put(key, _SCAN, True)
        self._watch_workflows = watch_workflows
        self.batcher: Batcher[int] = Batcher(
            1.0,
            windows={rid: r.config.batch_window_ms / 1000 for rid, r in self.rules.items()},
            limits={rid: r.config.batch_max_files for rid, r in self.rules.items()},
        )
        self.processor = BatchProcessor(
            self.journal,
            engine,
            self.library,
            self.rules,
            chunk_size=settings.wwise.import_chunk_size,
            retry_base_s=self.timing.retry_base_s,
            retry_max_s=self.timing.retry_max_s,
        )
        self.processor.on_settled = self._settled
        self._stop = threading.Event()
        self._work_ready = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started_at: str | None = None
        #: [retention] applied in the background (wwiseflowd/retention.py)
        self.retention = RetentionWorker(settings.retention, engine, self.journal)

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> Daemon:
        """Compile workflows, recover the journal, start observers, the pump and the worker."""
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
        for name, target in (("wwiseflowd-pump", self._pump), ("wwiseflowd-worker", self._work)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        self.retention.start()
        return self

    def stop(self) -> None:
        """Stop watching; let the batch in flight finish (or cancel it after the grace period)."""
        if self._stop.is_set():
            return
        logger.info("Stopping: finishing the batch in flight, flushing the journal")
        self._stop.set()
        self._events_put(WORKFLOWS_KEY, _SCAN, True)  # wake the pump
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
        for record in self.journal.active():
            state = self.states.get(record.rule)
            if state is not None and record.state in (FileState.QUEUED, FileState.IMPORTING):
                state.inflight.add(record.rel_path)
        waiting = self.journal.waiting_batches()
        if waiting:
            logger.info("Resuming {} unfinished batch(es) from the journal", len(waiting))
            self._work_ready.set()

    # -- the pump ----------------------------------------------------------------------------------

    def _events_put(self, key: str, path: Path, is_dir: bool) -> None:
        self._events.put((key, path, is_dir))

    def _pump(self) -> None:
        next_housekeeping = time.monotonic() + self.timing.housekeeping_s
        while not self._stop.is_set():
            timeout = max(0.0, min(self._next_deadline(), next_housekeeping) - time.monotonic())
            items: list[tuple[str, Path, bool]] = []
            try:
                items.append(self._events.get(timeout=timeout))
                while len(items) < 50_000:
                    items.append(self._events.get_nowait())
            except queue.Empty:
                pass
            if self._stop.is_set():
                break
            try:
                self._take_events(items)
                self._decide()
                if time.monotonic() >= next_housekeeping:
                    self._housekeeping()
                    next_housekeeping = time.monotonic() + self.timing.housekeeping_s
            except Exception:
                logger.opt(exception=True).error("Drop-folder pump error (continuing)")
        self._flush_open_batches()

    def _next_deadline(self) -> float:
        deadlines = [d for d in (s.tracker.next_deadline() for s in self.states.values()) if d is not None]
        batch_deadline = self.batcher.next_deadline()
        if batch_deadline is not None:
            deadlines.append(batch_deadline)
        return min(deadlines, default=float("inf"))

    def _take_events(self, items: list[tuple[str, Path, bool]]) -> None:
        touched: dict[str, set[Path]] = {}
        for key, path, is_dir in items:
            if key == WORKFLOWS_KEY:
                if path != _SCAN:
                    self.library.sync(quiet_s=WORKFLOW_QUIET_S)
                continue
            if key.startswith(_SETTLED):
                self._after_settled(key[len(_SETTLED) :], path, replaced=is_dir)
                continue
            rule = self.rules.get(key)
            if rule is None:
                continue
            if path == _SCAN:
                self._rescan(rule)
                continue
            if is_dir:
                touched.setdefault(key, set()).update(rule.filter.scan(path))
            elif rule.filter.accepts(path):
                touched.setdefault(key, set()).add(path)
        for key, paths in touched.items():
            self._track(self.rules[key], paths)

    def _track(self, rule: DropRule, paths: set[Path]) -> None:
        state = self.states[rule.id]
        fresh = []
        for path in paths:
            rel = rule.relative(path)
            if rel in state.inflight:
                continue  # already queued or importing
            state.tracker.touch(path)
            if rel not in state.seen_ids and path in state.tracker:  # gone again already: nothing to record
                fresh.append((str(path), rel, rule.config.target))
        if fresh:
            state.seen_ids.update(self.journal.record_seen(rule.id, fresh))

    def _rescan(self, rule: DropRule) -> None:
        """Feed every candidate the journal has not finished with to the tracker."""
        unsettled = self.journal.unsettled(rule.id)
        if unsettled:
            logger.info("Finishing the move/delete of {} file(s) interrupted by a stop", len(unsettled))
            self.processor.settle(rule, unsettled)
        known = self.journal.known_files(rule.id)
        todo = set()
        for path, rel in rule.filter.scan_rel():
            record = known.get(rel)
            if record is not None:
                if record.state in (FileState.QUEUED, FileState.IMPORTING):
                    continue
                if record.state in (FileState.DONE, FileState.FAILED):
                    try:
                        st = os.stat(path)
                    except OSError:
                        continue
                    if (st.st_size, st.st_mtime_ns) == (record.size, record.mtime_ns):
                        continue  # left in place after it was handled
                elif rel in self.states[rule.id].seen_ids:
                    continue  # being tracked already
            todo.add(Path(path))
        self.states[rule.id].next_rescan = time.monotonic() + rule.config.rescan_interval_s
        if todo:
            logger.debug("Rescan of {} found {} file(s) to check", rule.folder, len(todo))
            self._track(rule, todo)

    def _decide(self) -> None:
        for rule in self.rules.values():
            state = self.states[rule.id]
            ready, vanished = state.tracker.poll()
            gone = [
                state.seen_ids.pop(rule.relative(p)) for p in vanished if rule.relative(p) in state.seen_ids
            ]
            if gone:
                self.journal.forget(gone)
            for item in ready:
                self._ready(rule, item)
        due = self.batcher.due(hold=self._hold, release=self._nothing_settling)
        for rule_id, ids in due:
            batch_id = self.journal.create_batch(rule_id, ids)
            logger.info("Batch {} of {}: {} file(s) queued", batch_id, rule_id, len(ids))
            self._publish(
                {
                    "type": "batch.queued",
                    "rule": rule_id,
                    "batchId": batch_id,
                    "files": len(ids),
                    "executionId": None,
                }
            )
            self._work_ready.set()

    def _nothing_settling(self, rule_id: str) -> bool:
        # no other file of the rule is being written or checked: no more of this burst is coming
        return len(self.states[rule_id].tracker) == 0

    def _hold(self, rule_id: str) -> bool:
        tracker = self.states[rule_id].tracker
        # keep a quiet batch open while more files of the same burst are still settling
        return tracker.recently_active(tracker.settle_s + 0.5)

    def _ready(self, rule: DropRule, item: ReadyFile) -> None:
        state = self.states[rule.id]
        state.last_progress = time.monotonic()
        rel = rule.relative(item.path)
        file_id = state.seen_ids.pop(rel, None)
        if file_id is None:
            file_id = self.journal.record_seen(rule.id, [(str(item.path), rel, rule.config.target)])[rel]
        try:
            digest: str | None = state.reader.call(lambda: sha256_file(item.path), rel)
        except NotRegularFile:
            digest = None  # a pipe or device: its probe already failed it; it is never opened
        except OSError as exc:
            logger.warning("Cannot read {} yet ({}); will look again", item.path, exc.strerror or exc)
            state.seen_ids[rel] = file_id
            state.tracker.touch(item.path)
            return
        self.journal.mark_stable(
            file_id,
            size=item.size,
            mtime_ns=item.mtime_ns,
            sha256=digest,
            valid=item.valid,
            reason=item.reason or None,
        )
        previous = self.journal.find_done(rule.id, rel, rule.config.target)
        if item.valid and previous is not None and previous.sha256 == digest:
            self.journal.mark_done(
                file_id,
                object_ids=previous.object_ids,
                object_path=previous.object_path,
                note=f"already imported (same content) by {previous.execution_id}; nothing to do",
            )
            logger.info("{} has the same content as already imported; not importing it again", rel)
            record = self.journal.file(file_id)
            if record is not None:
                self.processor.settle(rule, [record])
            return
        state.inflight.add(rel)
        self.batcher.add(rule.id, file_id)

    def _flush_open_batches(self) -> None:
        """On stop, stable files waiting in an open batch are queued in the journal for next time."""
        for rule_id, ids in self.batcher.due(flush=True):
            self.journal.create_batch(rule_id, ids)

    def _housekeeping(self) -> None:
        for key in self.supervisor.check():
            logger.info("Watching {} again", key)
        now = time.monotonic()
        for rule in self.rules.values():
            if now >= self.states[rule.id].next_rescan:
                self._rescan(rule)
        changed = self.library.sync(quiet_s=WORKFLOW_QUIET_S)
        if changed:
            logger.debug("{} workflow file(s) recompiled", len(changed))
        if self.heartbeat is not None:
            self.heartbeat()

    def _settled(self, rule: DropRule, record: DropRecord) -> None:
        """Called on the worker thread: hand the news to the pump, which owns the rule's state."""
        replaced = replaced_since(Path(record.path), record)
        self._events_put(_SETTLED + rule.id, Path(record.rel_path), replaced)  # the is_dir slot carries it

    def _after_settled(self, rule_id: str, rel: Path, *, replaced: bool) -> None:
        rule, state = self.rules.get(rule_id), self.states.get(rule_id)
        if rule is None or state is None:
            return
        state.inflight.discard(rel.as_posix())
        state.last_progress = time.monotonic()
        path = rule.folder / rel
        if replaced and rule.filter.accepts(path):
            # written over while in flight: its events were ignored then, so look at it again now
            self._track(rule, {path})

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
        """What the daemon is doing: rules with queue depth, batches, failures, watchers, workflows, Wwise."""
        counts = self.journal.counts_by_rule()
        watchers = {w["key"]: w for w in self.supervisor.status()}
        by_folder = {w["root"]: w for w in watchers.values()}
        rules = []
        for rule in self.rules.values():
            c = counts.get(rule.id, {})
            rules.append(
                {
                    "rule": rule.id,
                    "folder": str(rule.folder),
                    "target": rule.config.target,
                    "workflow": rule.config.workflow,
                    "queueDepth": sum(c.get(s.value, 0) for s in ACTIVE_STATES),
                    "states": c,
                    "settling": len(self.states[rule.id].tracker),
                    "waiting": self.states[rule.id].waiting(rule.folder),
                    "watcher": watchers.get(rule.id),
                }
            )
        try:
            backends = self.engine.health()["backends"]
        except Exception as exc:
            backends = {"engine": {"connected": False, "lastError": str(exc)}}
        return {
            "running": True,
            "pid": os.getpid(),
            "startedAt": self._started_at,
            "pumpAlive": self._threads[0].is_alive() if self._threads else False,
            "workerAlive": self._threads[1].is_alive() if len(self._threads) > 1 else False,
            "backends": backends,
            "rules": rules,
            "watchers": by_folder,
            "batches": [b.as_dict() for b in self.journal.recent_batches(20)],
            "failures": [f.as_dict() for f in self.journal.recent_failures(20)],
            "workflows": self.library.status(),
        }


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
