"""The pump thread: watcher events -> stability -> hashing -> batches in the journal.

The pump owns every rule's :class:`~wwiseflowd.daemon.rule_state.RuleState` and the batcher;
nothing else writes them. Other threads talk to it only through :meth:`Pump.put` (watchdog's
handlers, the observer supervisor) and :meth:`Pump.settled` (the worker, after a file was moved
to ``processed/`` or ``failed/``).
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from loguru import logger

from wwiseflowd.daemon import memory
from wwiseflowd.daemon.batches import BatchProcessor
from wwiseflowd.daemon.rule_state import RuleState
from wwiseflowd.daemon.rules import DropRule, replaced_since, sha256_file
from wwiseflowd.store.journal import DropRecord, FileState, Journal, StableFile
from wwiseflowd.watch.batcher import Batcher
from wwiseflowd.watch.fileio import NotRegularFile
from wwiseflowd.watch.localfs import trusted_device
from wwiseflowd.watch.observer import ObserverSupervisor
from wwiseflowd.watch.stability import ReadyFile
from wwiseflowd.watch.workflows import WorkflowLibrary

#: the observer key of the workflows directory (no rule may use it as its name)
WORKFLOWS_KEY = "(workflows)"
#: a workflow file is compiled once it has been left alone this long (editors save in steps)
WORKFLOW_QUIET_S = 0.25
#: a file the watcher never reported is "missed" once it is older than this (rescans find it)
MISSED_AFTER_S = 10.0


class PumpEvent(NamedTuple):
    """One item of the pump's queue."""

    key: str  # a rule id, or WORKFLOWS_KEY
    path: Path
    kind: str  # "file", "dir", "scan", "settled", "replaced" (settled, and written over meanwhile),
    # "elsewhere" (a shared folder's file another daemon holds or finished)


class Pump:
    """Runs on its own thread (:meth:`run`) until ``stop`` is set."""

    def __init__(
        self,
        rules: Mapping[str, DropRule],
        states: Mapping[str, RuleState],
        journal: Journal,
        library: WorkflowLibrary,
        processor: BatchProcessor,
        *,
        housekeeping_s: float,
        wake_worker: Callable[[], None],
        publish: Callable[[dict[str, Any]], None],
        heartbeat: Callable[[], object] | None = None,
    ) -> None:
        self.rules, self.states, self.journal = rules, states, journal
        self.library, self.processor = library, processor
        self.housekeeping_s = housekeeping_s
        self.wake_worker, self.publish, self.heartbeat = wake_worker, publish, heartbeat
        self.supervisor = ObserverSupervisor(self.put)
        self.supervisor.on_started = lambda key: self.put(key, Path(), True, kind="scan")
        self.batcher: Batcher[int] = Batcher(
            1.0,
            windows={rid: r.config.batch_window_ms / 1000 for rid, r in rules.items()},
            limits={rid: r.config.batch_max_files for rid, r in rules.items()},
        )
        self.stop = threading.Event()
        #: monotonic time of the pump's last turn (for /health: a pump that stopped turning is stuck)
        self.last_turn = time.monotonic()
        #: called after a turn that took events or left files settling (the progress display,
        #: which waits without polling while nothing happens)
        self.on_activity: Callable[[], None] | None = None
        self._events: queue.Queue[PumpEvent | tuple[PumpEvent, ...]] = queue.Queue()
        #: hands what a burst freed back to the operating system (the process's, see
        #: wwiseflowd.daemon.memory)
        self.memory = memory.TRIMMER
        self._elsewhere_stat: dict[tuple[str, str], tuple[int | None, int | None]] = {}

    # -- what other threads call ------------------------------------------------------------------

    def put(self, key: str, path: Path, is_dir: bool, *, kind: str | None = None) -> None:
        """Queue a watcher event (thread-safe; watchdog handlers call this and nothing else)."""
        self._events.put(PumpEvent(key, path, kind or ("dir" if is_dir else "file")))

    def settled(self, rule: DropRule, records: list[DropRecord]) -> None:
        """The worker moved or failed ``records``' files: tell the pump, which owns the rule's state
        (in one queue item: one wake-up of the pump per batch, not one per file)."""
        events = tuple(
            PumpEvent(rule.id, Path(r.rel_path), "replaced" if replaced_since(Path(r.path), r) else "settled")
            for r in records
        )
        if events:
            self._events.put(events)

    def released(self, rule: DropRule, record: DropRecord) -> None:
        """A shared folder's file was left to another daemon: the pump watches its claim from now on."""
        self._elsewhere_stat[(rule.id, record.rel_path)] = (record.size, record.mtime_ns)
        self._events.put(PumpEvent(rule.id, Path(record.rel_path), "elsewhere"))

    def wake(self) -> None:
        """Make a waiting pump turn now (on stop)."""
        self.put(WORKFLOWS_KEY, Path(), True, kind="scan")

    # -- the loop ---------------------------------------------------------------------------------

    def run(self) -> None:
        """Take events, decide which files are ready, queue batches, do housekeeping; until stopped."""
        next_housekeeping = time.monotonic() + self.housekeeping_s
        while not self.stop.is_set():
            self.last_turn = time.monotonic()
            timeout = max(0.0, min(self._next_deadline(), next_housekeeping) - time.monotonic())
            items = self._drain(timeout)
            if self.stop.is_set():
                break
            if items:
                self.memory.busy()
            try:
                self._take_events(items)
                self._decide()
                if time.monotonic() >= next_housekeeping:
                    self._housekeeping()
                    next_housekeeping = time.monotonic() + self.housekeeping_s
                if self.on_activity is not None and (items or self._next_deadline() != float("inf")):
                    self.on_activity()
            except Exception:
                logger.opt(exception=True).error("Drop-folder pump error (continuing)")
        self._flush_open_batches()

    def _drain(self, timeout: float) -> list[PumpEvent]:
        items: list[PumpEvent] = []
        try:
            item = self._events.get(timeout=min(timeout, self.housekeeping_s))
            while True:
                items.extend((item,) if isinstance(item, PumpEvent) else item)  # one, or a settled batch's
                if len(items) >= 50_000:
                    break
                item = self._events.get_nowait()
        except queue.Empty:
            pass
        return items

    def _next_deadline(self) -> float:
        deadlines = [d for d in (s.tracker.next_deadline() for s in self.states.values()) if d is not None]
        batch_deadline = self.batcher.next_deadline()
        if batch_deadline is not None:
            deadlines.append(batch_deadline)
        return min(deadlines, default=float("inf"))

    def _take_events(self, items: list[PumpEvent]) -> None:
        touched: dict[str, set[Path]] = {}
        for key, path, kind in items:
            if key == WORKFLOWS_KEY:
                if kind != "scan":
                    self.library.sync(quiet_s=WORKFLOW_QUIET_S)
                continue
            rule = self.rules.get(key)
            if rule is None:
                continue
            if kind in ("settled", "replaced"):
                self._after_settled(rule, path, replaced=kind == "replaced")
            elif kind == "elsewhere":
                state = self.states[rule.id]
                state.inflight.discard(path.as_posix())
                size, mtime_ns = self._elsewhere_stat.pop((rule.id, path.as_posix()), (None, None))
                state.elsewhere[path.as_posix()] = (rule.folder / path, size, mtime_ns)
            elif kind == "scan":
                self._rescan(rule)
            elif kind == "dir":
                touched.setdefault(key, set()).update(rule.filter.scan(path))
            elif rule.filter.accepts(path):
                touched.setdefault(key, set()).add(path)
        for key, paths in touched.items():
            self._track(self.rules[key], paths)

    def _track(self, rule: DropRule, paths: set[Path], *, found_on: int | None = None) -> None:
        """Hand ``paths`` to the rule's tracker (``found_on``: see ``StabilityTracker.touch``)."""
        state = self.states[rule.id]
        fresh = []
        for path in paths:
            rel = rule.relative(path)
            if rel in state.inflight:
                continue  # already queued or importing
            state.elsewhere.pop(rel, None)  # written or removed again: look at it afresh
            state.tracker.touch(path, found_on=found_on)
            if rel not in state.seen_ids and path in state.tracker:  # gone again already: nothing to record
                fresh.append((str(path), rel, rule.config.target))
        if fresh:
            state.seen_ids.update(self.journal.record_seen(rule.id, fresh))

    def _after_settled(self, rule: DropRule, rel: Path, *, replaced: bool) -> None:
        state = self.states[rule.id]
        state.inflight.discard(rel.as_posix())
        state.last_progress = time.monotonic()
        path = rule.folder / rel
        if replaced and rule.filter.accepts(path):
            # written over while in flight: its events were ignored then, so look at it again now
            self._track(rule, {path})

    # -- rescans ----------------------------------------------------------------------------------

    def _rescan(self, rule: DropRule, *, periodic: bool = False) -> None:
        """Finish interrupted moves, then feed every file the journal has not finished with to the
        tracker. A periodic rescan that finds files the watcher never reported notes them as missed."""
        state = self.states[rule.id]
        self.memory.busy()  # a rescan reads every file the journal knows of this rule
        unsettled = self.journal.unsettled(rule.id)
        if unsettled:
            logger.info("Finishing the move/delete of {} file(s) interrupted by a stop", len(unsettled))
            self.processor.settle(rule, unsettled)
        todo = self._unfinished_files(rule)
        state.next_rescan = time.monotonic() + rule.config.rescan_interval_s
        if periodic:
            state.note_rescan(todo, missed_after_s=MISSED_AFTER_S + rule.config.settle_ms / 1000)
        if todo:
            logger.debug("Rescan of {} found {} file(s) to check", rule.folder, len(todo))
            # where the kernel keeps the files' change times, old files need no settle time again
            self._track(rule, todo, found_on=trusted_device(rule.folder))

    def _unfinished_files(self, rule: DropRule) -> set[Path]:
        known = self.journal.known_files(rule.id)
        seen = self.states[rule.id].seen_ids
        todo = set()
        elsewhere = self.states[rule.id].elsewhere
        for path, rel in rule.filter.scan_rel():
            if rel in elsewhere:
                continue  # another daemon's: :meth:`_recheck_elsewhere` watches its claim
            record = known.get(rel)
            if record is not None:
                if record.state in (FileState.QUEUED, FileState.IMPORTING):
                    continue
                if record.state in (FileState.DONE, FileState.FAILED):
                    if _same_stat(path, record.size, record.mtime_ns):
                        continue  # left in place after it was handled
                elif record.state is FileState.PREVIEWED:
                    if rule.config.dry_run and _same_stat(path, record.size, record.mtime_ns):
                        continue  # dry-run already; a real rule imports it now
                elif rel in seen:
                    continue  # being tracked already
            todo.add(Path(path))
        return todo

    # -- deciding ---------------------------------------------------------------------------------

    def _decide(self) -> None:
        for rule in self.rules.values():
            state = self.states[rule.id]
            # at most a batch's worth per turn: a full batch is queued (and imported) while the
            # files after it are still being checked and hashed; the rest stay due for the next turn
            ready, vanished = state.tracker.poll(limit=rule.config.batch_max_files)
            gone = [
                state.seen_ids.pop(rule.relative(p)) for p in vanished if rule.relative(p) in state.seen_ids
            ]
            if gone:
                self.journal.forget(gone)
            if ready:
                self._ready(rule, ready)
        for rule_id, ids in self.batcher.due(hold=self._hold, release=self._nothing_settling):
            batch_id = self.journal.create_batch(rule_id, ids)
            self.states[rule_id].last_progress = time.monotonic()
            logger.info("Batch {} of {}: {} file(s) queued", batch_id, rule_id, len(ids))
            event = {"type": "batch.queued", "rule": rule_id, "batchId": batch_id, "files": len(ids)}
            self.publish({**event, "executionId": None})
            self.wake_worker()

    def _nothing_settling(self, rule_id: str) -> bool:
        # no other file of the rule is being written or checked: no more of this burst is coming
        return len(self.states[rule_id].tracker) == 0

    def _hold(self, rule_id: str) -> bool:
        tracker = self.states[rule_id].tracker
        # keep a quiet batch open while more files of the same burst are still settling
        return tracker.recently_active(tracker.settle_s + 0.5)

    def _ready(self, rule: DropRule, items: list[ReadyFile]) -> None:
        """Hash the files the tracker found complete, journal them as stable (one transaction for
        a burst), then batch each one, or mark it done when the same content was imported before."""
        state = self.states[rule.id]
        state.last_progress = time.monotonic()
        digests = state.reader.call_each(sha256_file, [item.path for item in items], lambda path: path.name)
        found = (self._hashed(rule, item, digest) for item, digest in zip(items, digests, strict=True))
        hashed = [stable for stable in found if stable is not None]
        try:
            self.journal.mark_stable_many(stable for _rel, stable in hashed)
            done = self.journal.find_done_many(
                rule.id, [rel for rel, stable in hashed if stable.valid], rule.config.target
            )
        except Exception:
            # the whole burst is tracked again (not left "seen" until a rescan), then the pump's
            # own error handling reports the journal's failure
            by_rel = {rule.relative(item.path): item.path for item in items}
            for rel, stable in hashed:
                state.seen_ids[rel] = stable.id
                state.tracker.touch(by_rel[rel])
            raise
        for rel, stable in hashed:
            if stable.valid and self._already_imported(rule, rel, stable, done.get(rel)):
                continue
            state.inflight.add(rel)
            self.batcher.add(rule.id, stable.id)

    def _hashed(
        self, rule: DropRule, item: ReadyFile, digest: str | None | BaseException
    ) -> tuple[str, StableFile] | None:
        """``item`` with its hash (or what reading it raised): its relative path and stable record;
        None when it could not be read yet (it is tracked again)."""
        state = self.states[rule.id]
        rel = rule.relative(item.path)
        file_id = state.seen_ids.pop(rel, None)
        if file_id is None:
            file_id = self.journal.record_seen(rule.id, [(str(item.path), rel, rule.config.target)])[rel]
        if isinstance(digest, NotRegularFile):
            digest = None  # a pipe or device: its probe already failed it; it is never opened
        elif isinstance(digest, OSError):
            logger.warning("Cannot read {} yet ({}); will look again", item.path, digest.strerror or digest)
            state.seen_ids[rel] = file_id
            state.tracker.touch(item.path)
            return None
        elif isinstance(digest, BaseException):
            raise digest
        return rel, StableFile(file_id, item.size, item.mtime_ns, digest, item.valid, item.reason or None)

    def _already_imported(
        self, rule: DropRule, rel: str, found: StableFile, previous: DropRecord | None
    ) -> bool:
        """The same path with the same content was imported before (``previous``): done without a run."""
        file_id, digest = found.id, found.sha256
        if previous is None or previous.sha256 != digest:
            return False
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
        return True

    def _recheck_elsewhere(self, rule: DropRule) -> None:
        """Files left to another daemon come back when they changed or their claim lapsed (its holder
        died or gave it up); files gone (moved to processed/) are forgotten."""
        state = self.states[rule.id]
        back: set[Path] = set()
        for rel, (path, size, mtime_ns) in list(state.elsewhere.items()):
            try:
                st = path.stat()
            except OSError:
                del state.elsewhere[rel]
                continue
            if (st.st_size, st.st_mtime_ns) != (size, mtime_ns):
                back.add(path)
        shared = self.processor.shared
        if shared is not None:
            try:
                free = shared.claims.free(rule.id, sorted(state.elsewhere))
                back.update(state.elsewhere[rel][0] for rel in free)
            except Exception as exc:  # Redis away: look again at the next housekeeping
                logger.debug("Cannot check the claims of {}: {}", rule.id, exc)
        if back:
            logger.info("{} file(s) of shared folder {} are free again (their daemon stopped or gave them "
                        "up, or they changed); taking them", len(back), rule.id)
            for path in back:
                state.elsewhere.pop(rule.relative(path), None)
            self._track(rule, back)

    def _flush_open_batches(self) -> None:
        """On stop, stable files waiting in an open batch are queued in the journal for next time."""
        for rule_id, ids in self.batcher.due(flush=True):
            self.journal.create_batch(rule_id, ids)

    def _housekeeping(self) -> None:
        for key in self.supervisor.check():
            logger.info("Watching {} again", key)
        now = time.monotonic()
        for rule in self.rules.values():
            state = self.states[rule.id]
            if now >= state.next_rescan:
                self._rescan(rule, periodic=True)
            if state.elsewhere:
                self._recheck_elsewhere(rule)
            state.log_long_waits(rule.folder)
        changed = self.library.sync(quiet_s=WORKFLOW_QUIET_S)
        if changed:
            logger.debug("{} workflow file(s) recompiled", len(changed))
        self.memory.housekeeping()
        if self.heartbeat is not None:
            self.heartbeat()


def _same_stat(path: str, size: int | None, mtime_ns: int | None) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return True  # gone meanwhile: nothing to look at
    return (st.st_size, st.st_mtime_ns) == (size, mtime_ns)
