"""The fleet worker's bookkeeping, below the Redis seam (the queue and lease scripts are tested on a
real redis-server in test_queue.py and by the daemon tests)."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

from wwiseflowd.fleet.worker import FleetWorker


def test_a_run_an_earlier_worker_still_runs_is_renewed_by_the_new_worker_until_it_ends() -> None:
    """A front-door restart replaces the worker while a queued run is still running: the old worker's
    lease loop is gone, so the new one must renew that run (what is in ``running``) until it ends."""
    running = {"exec_1"}
    engine: Any = SimpleNamespace(store=None, running=lambda: set(running))
    worker = FleetWorker(engine, queue=None, roster=None, daemon_id="agent-a",  # type: ignore[arg-type]
                         serves=["GameA"], lease_s=1.0)
    job: Any = SimpleNamespace(execution_id="exec_1")
    taking = threading.Thread(target=worker._execute, args=(job,))
    taking.start()
    deadline = time.monotonic() + 5
    while "exec_1" not in worker.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert worker.running == {"exec_1": job}  # the lease loop renews it from now on
    running.clear()  # the earlier worker's run ends (and that worker acknowledges it)
    taking.join(5)
    assert not taking.is_alive() and worker.running == {}
