"""The daemon's side of the work queue: take executions for the projects it serves and run them.

One loop per daemon: first any entry whose holder's lease ran out (``XAUTOCLAIM``: its daemon died),
else the next new entry (``XREADGROUP``, blocking). Before running it, the daemon fences the run's
ledger record for its own process (``WorkQueue.adopt``). While the execution runs, a second loop
renews its lease and beats the daemon's heartbeat; a lease found taken over cancels the local run (it
is rolled back under the usual rules, and its result is not recorded: the fence names the daemon that
took it over) so no execution is applied by two daemons at once.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from loguru import logger

from wwiseflowd.fleet.queue import Fence, Job, WorkQueue
from wwiseflowd.fleet.roster import Roster
from wwiseflowd.pids import pid_alive
from wwiseflowd.results import ErrorCode

if TYPE_CHECKING:
    from wwiseflowd.engine import Engine
    from wwiseflowd.store.redis_store import RedisStore

#: how long one XREADGROUP blocks before the loop looks at stop and reclaims again (ms)
BLOCK_MS = 500
#: how often a daemon settles the fleet's orphaned runs (their process's lease lapsed), in seconds
SWEEP_S = 10.0
#: how often a worker looks whether a run an earlier worker of this daemon started has ended (seconds)
RUNNING_POLL_S = 0.2


class FleetWorker:
    """Runs queued executions of ``serves`` on ``engine``; ``start``/``stop`` from the daemon."""

    def __init__(
        self, engine: Engine, queue: WorkQueue, roster: Roster, *, daemon_id: str, serves: list[str],
        lease_s: float, resolve_serves: Callable[[], list[str]] | None = None,
    ) -> None:
        self.engine = engine
        #: the fleet's run ledger (the fleet plugin runs a worker only in a daemon whose store is Redis)
        self.ledger = cast("RedisStore", engine.store)
        self.queue = queue
        self.roster = roster
        self.daemon_id = daemon_id
        self.serves = serves
        #: asked again while ``serves`` is empty (the default waits for Wwise to say its project)
        self.resolve_serves = resolve_serves
        self.lease_s = lease_s
        self.running: dict[str, Job] = {}
        self.taken = 0
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def info(self) -> dict[str, Any]:
        """This daemon as the roster shows it."""
        return {"id": self.daemon_id, "pid": os.getpid(), "host": socket.gethostname(),
                "serves": self.serves, "running": sorted(self.running)}

    def start(self) -> None:
        """Beat once (so the fleet sees this daemon before it takes work), then start both loops."""
        self.roster.beat(self.info(), self.lease_s)
        for name, target in (("fleet-take", self._take_loop), ("fleet-lease", self._lease_loop)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking work, let the execution in hand finish (up to ``timeout``), leave the roster."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        try:
            self.roster.leave(self.daemon_id)
        except Exception as exc:  # Redis gone: the alive key expires by itself
            logger.warning("Could not leave the fleet roster: {}", exc)

    def alive(self) -> bool:
        """Both loops are running."""
        return all(thread.is_alive() for thread in self._threads) and not self._stop.is_set()

    # -- loops ---------------------------------------------------------------------------------------

    def _take_loop(self) -> None:
        lease_ms = int(self.lease_s * 1000)
        while not self._stop.is_set():
            if not self.serves:
                self.serves = self.resolve_serves() if self.resolve_serves is not None else []
                if not self.serves:
                    self._stop.wait(1.0)
                    continue
            try:
                job = (self.queue.reclaim(self.daemon_id, self.serves, lease_ms)
                       or self.queue.take(self.daemon_id, self.serves, BLOCK_MS))
                self.last_error = None
            except Exception as exc:  # Redis away: back off, the entries wait in Redis
                self.last_error = f"{type(exc).__name__}: {exc}"
                logger.warning("Fleet queue unavailable ({}); retrying", self.last_error)
                self._stop.wait(min(self.lease_s, 2.0))
                continue
            if job is not None:
                self._execute(job)

    def _lease_loop(self) -> None:
        period = max(self.lease_s / 3, 0.05)
        next_sweep = time.monotonic()
        while not self._stop.wait(period):
            try:
                # renewals first: after an outage past the lease they race the other daemons' takeovers
                for job in list(self.running.values()):
                    # a run that ended meanwhile was acknowledged by this daemon, not taken over
                    if not self.queue.renew(self.daemon_id, job, self._fence(job)) and \
                            job.execution_id in self.running:
                        logger.error("Execution {} was taken over by another daemon; cancelling it here",
                                     job.execution_id)
                        self.engine.cancel(job.execution_id)
                self.roster.beat(self.info(), self.lease_s)
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + SWEEP_S
                    self._sweep()
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                logger.warning("Could not renew the fleet lease: {}", self.last_error)

    def _sweep(self) -> None:
        """Settle runs whose process died (on any host) as INTERRUPTED: runs started without a
        project have no queue entry to be taken over, and would otherwise stay ``running``."""
        for execution_id in self.ledger.ledger_settle_orphans(pid_alive):
            logger.warning("Execution {} was interrupted (its process stopped renewing its lease); marked "
                           "failed", execution_id)

    # -- one execution ---------------------------------------------------------------------------------

    def _execute(self, job: Job) -> None:
        """Fence the run for this process and run it unless the ledger says it already finished;
        acknowledge it either way, except after a ``BACKEND_UNAVAILABLE`` stop (it runs again)."""
        self.taken += 1
        if job.execution_id in self.engine.running():
            # a worker of this daemon stopped by a front-door restart still runs it, and acknowledges
            # it at the end; this worker renews its lease meanwhile (the old one's lease loop stopped)
            logger.info("Execution {} is still running here; renewing its lease until it ends",
                        job.execution_id)
            self.running[job.execution_id] = job
            try:
                while job.execution_id in self.engine.running() and not self._stop.wait(RUNNING_POLL_S):
                    pass
            finally:
                self.running.pop(job.execution_id, None)
            return
        try:
            if not self.queue.adopt(self.daemon_id, job, self._fence(job)):
                logger.warning("Execution {} was taken over before it started here", job.execution_id)
                return
            stored = self.ledger.ledger_get(job.execution_id)
        except Exception as exc:  # Redis away: the entry stays pending here and is taken after the lease
            logger.warning("Could not start execution {} ({}); it is taken again after the lease",
                           job.execution_id, exc)
            return
        if not _still_owed(stored):
            logger.info("Execution {} already finished ({}); acknowledging it", job.execution_id,
                        stored and stored.get("status"))
            self._finish(job)
            return
        if job.reclaimed:
            logger.warning("Taking over execution {} of project {} (its daemon stopped renewing it)",
                           job.execution_id, job.project)
        if self._run(job) == ErrorCode.BACKEND_UNAVAILABLE:
            # its result could not be recorded (Redis away): not finished; the entry goes idle and the
            # run is taken again after the lease (by any daemon), like after a crash
            logger.warning("Execution {} stopped because Redis did not answer; it runs again after the lease",
                           job.execution_id)
            return
        self._finish(job)

    def _fence(self, job: Job) -> Fence:
        return Fence(self.ledger.fence_key(job.execution_id), self.ledger.owner)

    def _run(self, job: Job) -> str | None:
        """Run ``job`` on this daemon's engine under its execution id; the result's code."""
        request = job.request
        self.running[job.execution_id] = job
        try:
            result = self.engine.execute(request["document"], request.get("inputs") or {},
                                         force=bool(request.get("force")), rollback=request.get("rollback"),
                                         execution_id=job.execution_id,
                                         source=str(request.get("source") or "fleet"))
            return result.code
        except Exception as exc:
            logger.opt(exception=exc).error("Execution {} could not run here", job.execution_id)
            return None
        finally:
            self.running.pop(job.execution_id, None)

    def _finish(self, job: Job) -> None:
        """Acknowledge ``job`` while this daemon still holds it."""
        try:
            if not self.queue.finish(self.daemon_id, job):
                logger.warning("Execution {} was taken over while it ran here; the other daemon finishes it",
                               job.execution_id)
        except Exception as exc:  # Redis away: the entry stays pending; its next holder finds it finished
            logger.warning("Could not acknowledge execution {} ({}); it is acknowledged after the lease",
                           job.execution_id, exc)


def _still_owed(stored: dict[str, Any] | None) -> bool:
    """Whether the queue still owes the run recorded as ``stored``: not recorded, or recorded by an
    attempt that died (still ``running``, or settled INTERRUPTED by the orphan sweep)."""
    return stored is None or stored.get("status") == "running" or stored.get("code") == "INTERRUPTED"
