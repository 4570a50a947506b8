"""The daemon's status, told truthfully: queues that stopped moving, a pump that stopped turning,
a watcher that misses files, and every file still waiting with why and for how long.

:func:`daemon_status` is what ``Daemon.status()`` returns and what ``/health`` and
``wwiseflowd status`` show; its ``problems`` are the sentences that make ``/health`` degraded.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from wwiseflowd.results import TRANSIENT_CODES
from wwiseflowd.store.journal import ACTIVE_STATES, BatchRecord

if TYPE_CHECKING:
    from wwiseflowd.daemon.core import Daemon
    from wwiseflowd.daemon.rule_state import RuleState
    from wwiseflowd.daemon.rules import DropRule

#: a queue that has not moved for its settle time plus this long is reported as stalled
STALL_MARGIN_S = 30.0
#: a pump that has not turned for this long (it turns at least every housekeeping period) is stuck
PUMP_STUCK_S = 60.0
#: the progress display names settling files one by one only for a few (more are a burst: one
#: line with the counts), so it is given at most this many
PROGRESS_FILES = 50

_TRANSIENT = {c.value for c in TRANSIENT_CODES}


class SharedStatus:
    """``compute()`` shared by callers that ask while it runs: the first one computes, those that
    arrive meanwhile wait for and get that same answer (a copy) instead of each querying the
    journal again. Twenty clients polling ``/health`` held the journal's lock in turn and starved
    the pump and the worker (the 30-minute soak); a caller that asks alone always gets a fresh one."""

    def __init__(self, compute: Callable[[], dict[str, Any]]) -> None:
        self._compute = compute
        self._lock = threading.Lock()
        self._running: Future[dict[str, Any]] | None = None

    def __call__(self) -> dict[str, Any]:
        with self._lock:
            running, leader = self._running, self._running is None
            if running is None:
                running = self._running = Future()
        if not leader:
            return dict(running.result())
        try:
            answer = self._compute()
            running.set_result(answer)
            return dict(answer)
        except BaseException as exc:
            running.set_exception(exc)
            raise
        finally:
            with self._lock:
                self._running = None


def daemon_status(daemon: Daemon) -> dict[str, Any]:
    """The status dict of a running daemon (see the module docstring)."""
    if daemon.stopping:  # its journal may be closed already: say so instead of failing
        return _stopping_status()
    try:
        return _running_status(daemon)
    except sqlite3.ProgrammingError:  # the journal closed while we read it: the daemon began to stop
        if daemon.stopping:
            return _stopping_status()
        raise


def progress_status(daemon: Daemon) -> dict[str, Any]:
    """What the progress display polls twice a second: how many files each rule has settling (and
    how many of them are incomplete), the :data:`PROGRESS_FILES` longest waiting, and the unfinished
    batches. Not :func:`daemon_status`, whose counts and recent files scan the whole journal (with
    10,000 files known, that polling was most of an idle daemon's CPU); nor every settling file
    (10,000 at a first start: listing them twice a second was a fifth of the daemon's CPU)."""
    if daemon.stopping:
        return _stopping_status()
    try:
        states = daemon.states
        rules = [
            {"rule": r.id, "folder": str(r.folder), "settling": len(states[r.id].tracker),
             "incomplete": states[r.id].tracker.incomplete(),
             "waiting": states[r.id].waiting(r.folder, PROGRESS_FILES)}
            for r in daemon.rules.values()
        ]
        return {"rules": rules, "batches": [b.as_dict() for b in daemon.journal.waiting_batches()]}
    except sqlite3.ProgrammingError:  # the journal closed while we read it: the daemon began to stop
        return _stopping_status()


def _stopping_status() -> dict[str, Any]:
    return {"running": False, "pid": os.getpid(), "rules": [], "watchers": {}, "batches": [],
            "failures": [], "workflows": [], "problems": ["The daemon is stopping."]}


def _running_status(daemon: Daemon) -> dict[str, Any]:
    counts = daemon.journal.counts_by_rule()
    watchers = {w["key"]: w for w in daemon.supervisor.status()}
    waiting = daemon.journal.waiting_batches()
    running = daemon.processor.current_batch
    problems: list[str] = []
    rules = []
    for rule in daemon.rules.values():
        state = daemon.states[rule.id]
        entry = _rule_status(rule, state, counts.get(rule.id, {}), watchers.get(rule.id))
        busy = running is not None and running.rule == rule.id
        batches = [b for b in waiting if b.rule == rule.id]
        problems += _rule_problems(rule, state, entry, busy=busy, batches=batches)
        rules.append(entry)
    pump_alive, worker_alive = daemon.threads_alive
    stuck_for = time.monotonic() - daemon.pump.last_turn
    if pump_alive and stuck_for > max(PUMP_STUCK_S, 5 * daemon.timing.housekeeping_s):
        problems.append(
            f"The drop-folder pump has not turned for {stuck_for:.0f} s (stuck on a file read?); "
            "no new drop is being looked at. Restart wwiseflowd and see its log."
        )
    try:
        backends = daemon.engine.health()["backends"]
    except Exception as exc:
        backends = {"engine": {"connected": False, "lastError": str(exc)}}
    return {
        "running": True,
        "pid": os.getpid(),
        "startedAt": daemon.started_at,
        "pumpAlive": pump_alive,
        "workerAlive": worker_alive,
        "backends": backends,
        "rules": rules,
        "watchers": {w["root"]: w for w in watchers.values()},
        "batches": [b.as_dict() for b in daemon.journal.recent_batches(20)],
        "failures": [f.as_dict() for f in daemon.journal.recent_failures(20)],
        # the editor's drop-folder page: the latest files whatever their state, and unfinished batches
        "files": [f.as_dict() for f in daemon.journal.recent_files(50)],
        "waitingBatches": [b.as_dict() for b in waiting],
        "workflows": daemon.library.status(),
        "problems": problems,
    }


def _rule_status(
    rule: DropRule, state: RuleState, counts: dict[str, int], watcher: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "rule": rule.id,
        "folder": str(rule.folder),
        "target": rule.config.target,
        "workflow": rule.config.workflow,
        "queueDepth": sum(counts.get(s.value, 0) for s in ACTIVE_STATES),
        "states": counts,
        "settling": len(state.tracker),
        "waiting": state.waiting(rule.folder),
        "idleS": round(time.monotonic() - state.last_progress, 1),
        "missedByWatcher": list(state.missed),
        "watcher": watcher,
    }


def _rule_problems(
    rule: DropRule, state: RuleState, entry: dict[str, Any], *, busy: bool, batches: list[BatchRecord]
) -> list[str]:
    problems = []
    for batch in batches:
        if batch.code and batch.code not in _TRANSIENT:
            problems.append(
                f"Rule {rule.id}: batch {batch.id} ({batch.files} file(s)) waits: "
                f"[{batch.code}] {batch.error}"
            )
    idle = float(entry["idleS"])
    limit = rule.config.settle_ms / 1000 + STALL_MARGIN_S
    only_settling = entry["queueDepth"] <= len(state.tracker)  # incomplete files are named, not stalled
    if entry["queueDepth"] and idle > limit and not busy and not batches and not only_settling:
        problems.append(
            f"Rule {rule.id}: {entry['queueDepth']} file(s) in {rule.folder} have not moved for "
            f"{idle:.0f} s (more than its settle time plus {STALL_MARGIN_S:.0f} s)."
        )
    if state.missed:
        sample = ", ".join(state.missed[:3])
        problems.append(
            f"The watcher of {rule.folder} did not report {len(state.missed)} file(s) a rescan found "
            f"({sample}); it may be stuck. Those files are imported anyway."
        )
    return problems
