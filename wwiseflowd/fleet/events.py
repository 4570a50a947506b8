"""Execution events of the whole fleet: each daemon appends its engine's events to one capped Redis
Stream, ``P:fleet:events``; ``GET /fleet/events`` on any daemon streams them (server-sent events).

A daemon's own ``GET /events`` stays local (its in-process hub: metrics, the editor and the run
followers rely on seeing only this daemon's runs there); the fleet view is a separate stream, so a
queued run can be followed from whichever daemon accepted it, wherever it runs. The entry id is the
SSE ``id``: a client that reconnects with ``Last-Event-ID`` resumes where it stopped.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import redis
from loguru import logger

from wwiseflowd.fleet.queue import is_done

if TYPE_CHECKING:
    from wwiseflowd.engine import Engine

#: entries kept in the stream (trimmed approximately, the cheap way Redis offers)
MAXLEN = 10_000


def stream_key(prefix: str) -> str:
    """The fleet's event stream."""
    return f"{prefix}:fleet:events"


class EventForwarder:
    """Appends this daemon's engine events (with ``daemon``) to the fleet's stream, on a thread."""

    def __init__(self, client: redis.Redis, prefix: str, daemon_id: str) -> None:
        self.client = client
        self.key = stream_key(prefix)
        self.daemon_id = daemon_id
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, engine: Engine) -> None:
        """Follow ``engine.events`` until :meth:`stop`."""
        subscription = engine.events.subscribe()

        def forward() -> None:
            try:
                while not self._stop.is_set():
                    first = subscription.get(0.25)
                    if first is not None:
                        self._append([first, *subscription.drain()])
            finally:
                subscription.close()

        self._thread = threading.Thread(target=forward, name="wwiseflowd-fleet-events", daemon=True)
        self._thread.start()

    def _append(self, events: list[dict[str, Any]]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for event in events:
            fields = {"event": json.dumps({**event, "daemon": self.daemon_id}, default=str)}
            pipe.xadd(self.key, fields, maxlen=MAXLEN, approximate=True)  # type: ignore[arg-type]
        try:
            pipe.execute()
        except redis.RedisError as exc:  # Redis away: the fleet view misses these; the local /events has them
            logger.debug("Could not forward {} event(s) to the fleet: {}", len(events), exc)

    def stop(self) -> None:
        """Stop forwarding."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)


def latest_id(client: redis.Redis, prefix: str) -> str:
    """The id of the newest event (``"0-0"`` when none): read after it to see only what comes next."""
    last: Any = client.xrevrange(stream_key(prefix), count=1)
    return str(last[0][0]) if last else "0-0"


def read_events(client: redis.Redis, prefix: str, after: str) -> list[tuple[str, dict[str, Any]]]:
    """Events after entry id ``after``, oldest first (up to 500; none when there are no newer ones)."""
    answer: Any = client.xread({stream_key(prefix): after}, count=500)
    pairs = answer.items() if isinstance(answer, dict) else (answer or [])
    return [(str(entry_id), json.loads(fields["event"])) for _stream, entries in pairs
            for entry_id, fields in entries]


def run_events(client: redis.Redis, prefix: str, execution_id: str, after: str, timeout_s: float,
               poll_s: float = 0.1) -> Iterator[dict[str, Any]]:
    """The events of one run (any daemon's) after entry ``after``, oldest first, until its
    ``run.finished`` or ``timeout_s``; what ``exec --project-name`` and the MCP tool show as progress.

    A daemon drops an event Redis does not take (a blip), so ``run.finished`` may never come: while
    no events arrive, the queue's done signal is looked at every :data:`DONE_CHECK_S`, and once the
    run is done and one more read finds nothing, the events end there."""
    deadline = time.monotonic() + timeout_s
    watch = RunEnd(client, prefix, execution_id)
    while time.monotonic() < deadline:
        batch = read_events(client, prefix, after)
        for entry_id, event in batch:
            after = entry_id
            if event.get("executionId") == execution_id:
                yield event
                if event.get("type") == "run.finished":
                    return
        if not batch:
            if watch.ended():
                return
            time.sleep(poll_s)


#: seconds between two looks at a followed run's done signal while its events are quiet
DONE_CHECK_S = 2.0


class RunEnd:
    """Whether a followed run is over although its ``run.finished`` did not come: true once the
    queue's done signal was seen on an earlier look (so the read after it found nothing either)."""

    def __init__(self, client: redis.Redis, prefix: str, execution_id: str) -> None:
        self.client, self.prefix, self.execution_id = client, prefix, execution_id
        self._done = False
        self._next = time.monotonic() + DONE_CHECK_S

    def ended(self) -> bool:
        """Called when a read found no new events: True when the run was done before that read."""
        if self._done:
            return True
        if time.monotonic() >= self._next:
            self._done = is_done(self.client, self.prefix, self.execution_id)
            self._next = time.monotonic() + DONE_CHECK_S
        return False
