"""The fleet's event stream on a real redis-server: a daemon's engine events go in with its id, any
daemon reads them back in order, and a reader resumes after the last id it saw."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

from wwiseflowd.events import EventHub
from wwiseflowd.fleet.events import EventForwarder, latest_id, read_events, run_events
from wwiseflowd.fleet.queue import done_key
from wwiseflowd.store.redis_store import connect
from wwiseflowd.testing import RedisServer


def read_until(client: Any, prefix: str, after: str, count: int) -> list[tuple[str, dict[str, Any]]]:
    deadline = time.monotonic() + 10
    got: list[tuple[str, dict[str, Any]]] = []
    while len(got) < count and time.monotonic() < deadline:
        batch = read_events(client, prefix, got[-1][0] if got else after)
        got += batch
        if not batch:
            time.sleep(0.02)
    return got


def test_engine_events_reach_the_fleet_stream_with_the_daemon_id_and_resume_by_id(
    redis_server: RedisServer,
) -> None:
    client, prefix = connect(redis_server.url), redis_server.prefix()
    assert latest_id(client, prefix) == "0-0"
    hub = EventHub()
    forwarder = EventForwarder(client, prefix, "agent-a")
    forwarder.start(SimpleNamespace(events=hub))  # type: ignore[arg-type]
    try:
        start = latest_id(client, prefix)
        time.sleep(0.1)  # the forwarder has subscribed
        for kind in ("run.started", "node.finished", "run.finished"):
            hub.publish({"type": kind, "executionId": "exec_1"})
        events = read_until(client, prefix, start, 3)
        assert [(e["type"], e["daemon"]) for _id, e in events] == [
            ("run.started", "agent-a"), ("node.finished", "agent-a"), ("run.finished", "agent-a")]
        assert read_events(client, prefix, events[1][0]) == events[2:]  # Last-Event-ID: no gap, no repeat
        assert latest_id(client, prefix) == events[-1][0]
    finally:
        forwarder.stop()


def test_following_a_run_whose_run_finished_was_lost_ends_once_the_queue_says_it_is_done(
    redis_server: RedisServer,
) -> None:
    """A daemon drops an event Redis does not take: the follower must not wait its hour for it."""
    client, prefix = connect(redis_server.url), redis_server.prefix()
    start = latest_id(client, prefix)
    hub = EventHub()
    forwarder = EventForwarder(client, prefix, "agent-a")
    forwarder.start(SimpleNamespace(events=hub))  # type: ignore[arg-type]
    try:
        time.sleep(0.1)  # the forwarder has subscribed
        hub.publish({"type": "run.started", "executionId": "exec_lost"})
        read_until(client, prefix, start, 1)
        followed = run_events(client, prefix, "exec_lost", start, timeout_s=60)
        assert next(followed)["type"] == "run.started"
        client.rpush(done_key(prefix, "exec_lost"), "1")  # finished; its run.finished never arrived
        began = time.monotonic()
        assert list(followed) == []
        assert time.monotonic() - began < 30  # a done check every DONE_CHECK_S, not the 60 s timeout
    finally:
        forwarder.stop()
