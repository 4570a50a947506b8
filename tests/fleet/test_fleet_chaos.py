"""The fleet under fire: three real daemon processes (each with its own emulator) serving one project,
200 queued runs, daemons killed with -9 mid-run and restarted, and Redis itself restarted mid-burst.

What must hold: every run ends exactly once (one ``done`` signal, status succeeded in the shared
ledger), none is lost, no project gets a run's Sound twice, and a run reaches a second project only
when a kill interrupted it in the first (the takeover re-runs it on another working copy).
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from tests.fleet.daemons import Daemon, submit, wait_until
from wwiseflowd.store.redis_store import RedisStore, connect
from wwiseflowd.testing import RedisServer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.timeout(300),
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"),
]


def holders(client: redis.Redis, prefix: str) -> list[str]:
    """Daemons running a queued run right now: they hold a pending entry and renewed it lately
    (a killed daemon's entry stays pending under its name, idle, until it is taken over)."""
    pending = client.xpending_range(f"{prefix}:fleet:q:GameA", "daemons", "-", "+", 50)
    return [str(entry["consumer"]) for entry in pending if int(entry["time_since_delivered"]) < 300]


def check_ended_exactly_once(client: redis.Redis, prefix: str, ids: list[str], daemons: list[Daemon],
                             interruptions: int) -> None:
    store = RedisStore(client, prefix)
    records = {i: store.ledger_get(i) or {} for i in ids}
    not_succeeded = {i: (r.get("status"), r.get("code"), r.get("error")) for i, r in records.items()
                     if r.get("status") != "succeeded"}
    assert not_succeeded == {}  # none lost (and, when one is, how it ended)
    assert {i: int(client.llen(f"{prefix}:fleet:done:{i}")) for i in ids} == dict.fromkeys(ids, 1)
    per_project = [d.sounds() for d in daemons]
    for sounds in per_project:
        assert [n for n, c in Counter(sounds).items() if c > 1] == []  # never twice in one project
    everywhere = Counter(n for sounds in per_project for n in set(sounds))
    assert len(everywhere) == len(ids)
    twice = [n for n, c in everywhere.items() if c > 1]
    assert len(twice) <= interruptions, twice  # only runs a kill or an outage cut off went elsewhere
    assert client.xlen(f"{prefix}:fleet:q:GameA") == 0


def test_three_daemons_200_runs_and_ten_kills_every_run_ends_exactly_once(
    fleet: Callable[..., Daemon], redis_server: RedisServer,
) -> None:
    daemons = [fleet(f"agent-{c}", latency_ms=40, wait=False) for c in "abc"]
    for daemon in daemons:
        wait_until(daemon.ready, timeout=90)
    prefix, client = daemons[0].prefix, connect(redis_server.url)
    names = [f"Run_{i:03d}" for i in range(200)]
    ids = [submit(daemons[i % 3].api, name) for i, name in enumerate(names)]
    rng = random.Random(15)
    kills = 0
    deadline = time.monotonic() + 120
    while kills < 10 and time.monotonic() < deadline:
        running = {d.name: d for d in daemons if d.ready()}  # not one still starting after a kill
        busy = [running[name] for name in holders(client, prefix) if name in running]
        if not busy:
            time.sleep(0.05)
            continue
        victim = rng.choice(busy)
        time.sleep(rng.uniform(0.0, 0.15))  # somewhere in the middle of its run
        victim.kill9()
        kills += 1
        victim.start(wait=False)  # back under its service manager, same id and working copy
        time.sleep(rng.uniform(0.3, 0.8))
    assert kills >= 10, f"only {kills} kills before the burst was over"
    for daemon in daemons:
        wait_until(daemon.ready, timeout=90)
    wait_until(lambda: client.xlen(f"{prefix}:fleet:q:GameA") == 0, timeout=150)
    check_ended_exactly_once(client, prefix, ids, daemons, interruptions=kills)


def test_redis_restarted_mid_burst_loses_no_run(tmp_path: Path) -> None:
    own = RedisServer(appendonly=True).start()  # persisted, as docs/fleet.md's recipe says
    prefix = own.prefix()
    daemons = [Daemon(tmp_path, own, prefix, f"agent-{c}", 40).start(wait=False) for c in "ab"]
    try:
        for daemon in daemons:
            wait_until(daemon.ready, timeout=90)
        client = connect(own.url)
        names = [f"Run_{i:03d}" for i in range(60)]
        ids = [submit(daemons[i % 2].api, name) for i, name in enumerate(names)]
        wait_until(lambda: holders(client, prefix), timeout=60)
        own.restart(down_s=1.0)
        wait_until(lambda: client.xlen(f"{prefix}:fleet:q:GameA") == 0, timeout=150)
        check_ended_exactly_once(client, prefix, ids, daemons, interruptions=len(daemons))
    finally:
        for daemon in daemons:
            daemon.stop()
        own.stop()
