"""The daemon's side of the work queue: take executions for the projects it serves and run them.

One loop per daemon: first any entry whose holder's lease ran out (``XAUTOCLAIM``: its daemon died),
else the next new entry (``XREADGROUP``, blocking). While the execution runs, a second loop renews
its lease and beats the daemon's heartbeat; a lease found taken over cancels the local run (it is
rolled back under the usual rules) so no execution is applied by two daemons at once.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from loguru import logger

from wwiseflowd.fleet.queue import Job, WorkQueue
from wwiseflowd.fleet.roster import Roster
from wwiseflowd.pids import pid_alive
from wwiseflowd.results import ErrorCode

if TYPE_CHECKING:
    from wwiseflowd.engine import Engine

#: how long one XREADGROUP blocks before the loop looks at stop and reclaims again (ms)
BLOCK_MS = 500
#: how often a daemon settles the fleet's orphaned runs (their process's lease lapsed), in seconds
SWEEP_S = 10.0


class FleetWorker:
    """Runs queued executions of ``serves`` on ``engine``; ``start``/``stop`` from the daemon."""

    def __init__(
        self, engine: Engine, queue: WorkQueue, roster: Roster, *, daemon_id: str, serves: list[str],
        lease_s: float, resolve_serves: Callable[[], list[str]] | None = None,
    ) -> None:
        self.engine = engine
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
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + SWEEP_S
                    self._sweep()
                self.roster.beat(self.info(), self.lease_s)
                for job in list(self.running.values()):
                    if not self.queue.renew(self.daemon_id, job):
                        logger.error("Execution {} was taken over by another daemon; cancelling it here",
                                     job.execution_id)
                        self.engine.cancel(job.execution_id)
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                logger.warning("Could not renew the fleet lease: {}", self.last_error)

    def _sweep(self) -> None:
        """Settle runs whose process died (on any host) as INTERRUPTED: runs started without a
        project have no queue entry to be taken over, and would otherwise stay ``running``."""
        for execution_id in self.engine.store.ledger_settle_orphans(pid_alive):
            logger.warning("Execution {} was interrupted (its process stopped renewing its lease); marked "
                           "failed", execution_id)

    # -- one execution ---------------------------------------------------------------------------------

    def _execute(self, job: Job) -> None:
        """Run ``job`` unless the ledger says it already finished; acknowledge it either way."""
        self.taken += 1
        stored = self.engine.store.ledger_get(job.execution_id)
        # INTERRUPTED: the orphan sweep settled the dead daemon's attempt; the queue still owes the run
        if stored is not None and stored.get("status") != "running" and stored.get("code") != "INTERRUPTED":
            logger.info("Execution {} already finished ({}); acknowledging it", job.execution_id,
                        stored.get("status"))
            self.queue.finish(self.daemon_id, job)
            return
        if job.reclaimed:
            logger.warning("Taking over execution {} of project {} (its daemon stopped renewing it)",
                           job.execution_id, job.project)
        request = job.request
        self.running[job.execution_id] = job
        code = None
        try:
            result = self.engine.execute(request["document"], request.get("inputs") or {},
                                         force=bool(request.get("force")), rollback=request.get("rollback"),
                                         execution_id=job.execution_id,
                                         source=str(request.get("source") or "fleet"))
            code = result.code
        except Exception as exc:
            logger.opt(exception=exc).error("Execution {} could not run here", job.execution_id)
        finally:
            self.running.pop(job.execution_id, None)
        if code == ErrorCode.BACKEND_UNAVAILABLE:
            # its result could not be recorded (Redis away): not finished; the entry goes idle and the
            # run is taken again after the lease (by any daemon), like after a crash
            logger.warning("Execution {} stopped because Redis did not answer; it runs again after the lease",
                           job.execution_id)
            return
        try:
            if not self.queue.finish(self.daemon_id, job):
                logger.warning("Execution {} was taken over while it ran here; the other daemon finishes it",
                               job.execution_id)
        except Exception as exc:  # Redis away: the entry stays pending; its next holder finds it finished
            logger.warning("Could not acknowledge execution {} ({}); it is acknowledged after the lease",
                           job.execution_id, exc)
