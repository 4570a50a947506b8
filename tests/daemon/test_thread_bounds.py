"""Daemon restarts, Wwise restarts and REST sessions leave no threads behind: the soak's thread
count is a pool that warms up and stays (docs/reliability.md), and this keeps it so at test size."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.daemon.conftest import FAST, rule, wait_until
from wwiseflowd.api.server import ApiServer
from wwiseflowd.config import settings_for_tests
from wwiseflowd.daemon import Daemon
from wwiseflowd.engine import Engine
from wwiseflowd.sim import Emulator

#: threads that may come and go whatever the round: AnyIO's worker for the request in progress, a
#: WAAPI session's two threads still ending after the one it replaced
SLACK = 3


def _round(running: Daemon, engine: Engine, sim: Emulator, url: str) -> Daemon:
    """One of each: a daemon restart, a Wwise restart seen by a reconnection, two REST sessions."""
    running.stop()
    daemon = Daemon(running.settings, engine, timing=FAST).start()
    sim.restart()
    wait_until(lambda: engine.health(probe=True)["backends"]["wwise"].get("connected"), timeout=20)
    for _ in range(2):
        with httpx.Client(base_url=url, timeout=30) as http:
            assert http.get("/health").status_code == 200
    return daemon


@pytest.mark.timeout(240)
def test_restarts_flaps_and_rest_sessions_leave_the_thread_count_where_it_was(
    tmp_path: Path, sim: Emulator
) -> None:
    settings = settings_for_tests(
        tmp_path, wwise={"url": sim.url, "connect_timeout": 2.0, "reconnect_max_delay": 0.5},
        server={"port": 0}, watch=[rule(tmp_path / "drop")],
    )
    engine = Engine(settings).start()
    holder = {"daemon": Daemon(settings, engine, timing=FAST).start()}
    server = ApiServer(engine, settings, status=lambda: holder["daemon"].status())
    url = server.start()
    try:
        holder["daemon"] = _round(holder["daemon"], engine, sim, url)  # warm up: pools, helpers
        baseline = threading.active_count()
        for _ in range(6):
            holder["daemon"] = _round(holder["daemon"], engine, sim, url)
        # a leak of one thread per restart, flap or session would be 6 or 12 more by now
        deadline = time.monotonic() + 30  # an abandoned session's threads end on their own
        while threading.active_count() > baseline + SLACK and time.monotonic() < deadline:
            time.sleep(0.2)
        assert threading.active_count() <= baseline + SLACK, sorted(t.name for t in threading.enumerate())
    finally:
        server.stop()
        holder["daemon"].stop()
        engine.close()
