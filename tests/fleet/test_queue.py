"""The work queue's delivery and lease rules on a real redis-server (no daemon processes)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from wwiseflowd.api.app import create_app
from wwiseflowd.config import settings_for_tests
from wwiseflowd.fleet.queue import Fence, Job, WorkQueue
from wwiseflowd.store.redis_store import RedisStore, connect
from wwiseflowd.testing import RedisServer


@pytest.fixture
def queue(redis_server: RedisServer) -> WorkQueue:
    return WorkQueue(connect(redis_server.url), redis_server.prefix())


def test_each_entry_goes_to_one_daemon_and_counts_as_running_until_finished(queue: WorkQueue) -> None:
    queue.submit("GameA", "e1", {"document": {}})
    queue.submit("GameA", "e2", {"document": {}})
    assert queue.depth("GameA") == {"waiting": 2, "running": 0}
    first = queue.take("d1", ["GameA", "GameB"], 100)
    second = queue.take("d2", ["GameA"], 100)
    assert first is not None and second is not None
    assert {first.execution_id, second.execution_id} == {"e1", "e2"}
    assert queue.take("d3", ["GameA"], 50) is None
    assert queue.depth("GameA") == {"waiting": 0, "running": 2}
    assert queue.finish("d1", first) and queue.wait_done(first.execution_id, 0.1)
    assert not queue.wait_done(second.execution_id, 0.05)
    assert queue.depth("GameA") == {"waiting": 0, "running": 1}


def test_a_silent_holder_loses_the_entry_and_can_neither_renew_nor_finish_it(queue: WorkQueue) -> None:
    queue.submit("GameA", "e1", {"document": {"id": "w"}})
    held = queue.take("dead", ["GameA"], 100)
    assert held is not None
    assert queue.reclaim("alive", ["GameA"], 10_000) is None  # the lease still runs
    time.sleep(0.3)
    fence = Fence(f"{queue.prefix}:fence-of-e1", "dead-process")
    assert queue.renew("dead", held, fence)  # a renewal resets the idle time ...
    assert queue.reclaim("alive", ["GameA"], 250) is None
    time.sleep(0.3)  # ... and without one the entry is taken over
    taken = queue.reclaim("alive", ["GameA"], 250)
    assert taken is not None and taken.reclaimed and taken.request == {"document": {"id": "w"}}
    assert not queue.renew("dead", held, fence) and not queue.finish("dead", held)
    assert queue.finish("alive", taken)
    assert queue.depth("GameA") == {"waiting": 0, "running": 0}


def test_an_attempt_taken_over_records_nothing_over_the_run(queue: WorkQueue) -> None:
    # two daemon processes sharing the ledger; "a" stalls (a Redis restart longer than the lease),
    # "b" takes the run over, and "a" notices at its next renewal and cancels its copy
    stores = {name: RedisStore(queue.client, queue.prefix) for name in "ab"}
    stores["a"].owner, stores["b"].owner = "agent-a 101", "agent-b 202"
    fences = {name: Fence(store.fence_key("e1"), store.owner) for name, store in stores.items()}

    def record(name: str, job: Job, status: Any) -> None:
        stores[name].ledger_record({"executionId": job.execution_id, "ok": status == "succeeded",
                                    "startedAt": job.submitted_at}, status)

    def status() -> str:
        return str((stores["a"].ledger_get("e1") or {}).get("status"))

    queue.submit("GameA", "e1", {"document": {}})
    first = queue.take("a", ["GameA"], 100)
    assert first is not None and queue.adopt("a", first, fences["a"])
    record("a", first, "running")
    time.sleep(0.3)
    second = queue.reclaim("b", ["GameA"], 250)
    assert second is not None
    assert not queue.renew("a", first, fences["a"]) and not queue.adopt("a", first, fences["a"])
    record("a", first, "cancelled")  # before "b" adopted the run: dropped all the same
    assert status() == "running"  # still owed by the queue
    assert queue.adopt("b", second, fences["b"])
    record("b", second, "running")
    record("b", second, "succeeded")
    record("a", first, "failed")  # whatever "a" says later
    assert status() == "succeeded"
    assert [(s["executionId"], s["status"]) for s in stores["a"].ledger_list()] == [("e1", "succeeded")]
    assert stores["a"].ledger_list(status="cancelled") == stores["a"].ledger_list(status="failed") == []
    for store in stores.values():
        store.close()


def test_a_project_run_without_a_fleet_is_refused_with_what_to_configure(tmp_path: Path) -> None:
    settings = settings_for_tests(tmp_path)
    body = {"workflow": {"id": "w", "nodes": [{"id": "a", "type": "projectSave", "data": {}}]},
            "project": "GameA"}
    with TestClient(create_app(settings=settings), base_url="http://127.0.0.1") as client:
        answer = client.post("/workflows/execute", params={"async": "true"}, json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "INVALID_INPUT" and '[store] backend = "redis"' in answer.json()["error"]


def test_a_daemon_serves_its_connected_projects_name_by_default(tmp_path: Path, waapi_sim: Any) -> None:
    from wwiseflowd.engine import Engine
    from wwiseflowd.fleet.door import FleetDoor

    settings = settings_for_tests(tmp_path, wwise={"url": waapi_sim.url})
    with Engine(settings) as engine:
        door = FleetDoor(engine, settings)
        serves = wait_for(door.serves)
    assert serves == [Path(str(waapi_sim.project_dir)).name]


def wait_for(probe: Any, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.1)
    return probe()
