"""The ``fleet`` fixture: start real daemon processes on the session's redis-server, stop them after."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fleet.daemons import Daemon
from wwiseflowd.testing import RedisServer


@pytest.fixture
def fleet(tmp_path: Path, redis_server: RedisServer) -> Iterator[Callable[..., Daemon]]:
    prefix = redis_server.prefix()
    started: list[Daemon] = []

    def make(name: str, latency_ms: float = 0.0, extra: tuple[str, ...] = (), wait: bool = True) -> Daemon:
        daemon = Daemon(tmp_path, redis_server, prefix, name, latency_ms, extra)
        started.append(daemon)
        return daemon.start(wait=wait)

    yield make
    for daemon in started:
        daemon.stop()
