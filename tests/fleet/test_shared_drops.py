"""Two real daemon processes watching one shared drop folder (each with its own emulator), claiming
its files in one real redis-server: each file is imported exactly once; a daemon killed with -9
while it holds files loses its claims after the lease and the other one imports them."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fleet.daemons import Daemon, wait_until
from wwiseflowd.store.redis_store import connect
from wwiseflowd.testing import RedisServer, write_wav

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"),
]


def shared_rule(folder: Path, batch_max_files: int) -> tuple[str, ...]:
    return ("[[watch]]", f'folder = "{folder}"', 'name = "shared-sfx"', "shared = true",
            "settle_ms = 300", "batch_window_ms = 300", f"batch_max_files = {batch_max_files}",
            "rescan_interval_s = 5.0")


def drop(folder: Path, count: int) -> list[str]:
    names = [f"Drop{i:04d}x" for i in range(count)]
    for i, name in enumerate(names):
        write_wav(folder / f"{name}.wav", 400, sample_rate=8000, seed=i)
    return names


def left_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.wav"))


def test_two_daemons_on_one_shared_folder_import_each_file_exactly_once(
    tmp_path: Path, fleet: Callable[..., Daemon],
) -> None:
    folder = tmp_path / "share"
    folder.mkdir()
    rule = shared_rule(folder, batch_max_files=10)
    a, b = fleet("agent-a", latency_ms=5, extra=rule), fleet("agent-b", latency_ms=5, extra=rule)
    names = drop(folder, 80)
    wait_until(lambda: not left_in(folder) and len(list((folder / "processed").glob("*.wav"))) == 80,
               timeout=120)
    on_a, on_b = a.sounds(), b.sounds()
    assert sorted(on_a + on_b) == names  # every file once, in one daemon's project
    assert on_a and on_b  # both daemons took batches of the burst


def test_files_claimed_by_a_daemon_killed_mid_import_are_taken_over_by_the_other(
    tmp_path: Path, fleet: Callable[..., Daemon], redis_server: RedisServer,
) -> None:
    folder = tmp_path / "share"
    folder.mkdir()
    rule = shared_rule(folder, batch_max_files=100)
    a = fleet("agent-a", latency_ms=400, extra=rule)
    b = fleet("agent-b", latency_ms=400, extra=rule)
    client = connect(redis_server.url)

    def holder() -> str | None:
        for key in client.scan_iter(f"{a.prefix}:drop:shared-sfx:*"):
            value = json.loads(str(client.get(key) or "{}"))
            if value.get("state") == "claimed":
                return str(value["holder"])
        return None

    names = drop(folder, 6)
    first = wait_until(holder, timeout=60)
    victim, survivor = (a, b) if first == "agent-a" else (b, a)
    victim.kill9()
    wait_until(lambda: not left_in(folder), timeout=120)
    imported_by_survivor = survivor.sounds()
    # every file reached the survivor's project, except any the victim finished before the kill
    finished_by_victim = set(victim.sounds()) - set(imported_by_survivor)
    assert sorted(set(imported_by_survivor) | finished_by_victim) == names
    assert len(imported_by_survivor) == len(set(imported_by_survivor))  # none twice in one project
    assert imported_by_survivor  # the takeover happened
    assert sorted(p.stem for p in (folder / "processed").glob("*.wav")) == names
