"""EventHub: in-process publish/subscribe of progress events (runs, nodes, batches).

Publishers never block: each subscription has a bounded queue and drops its oldest event when a
slow consumer falls behind (the ``dropped`` counter says how many). Consumers are the CLI progress
printer, the REST ``/events`` SSE stream and the web editor.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import anyio

Event = dict[str, Any]


def utc_now_iso() -> str:
    """The current time as ISO-8601 UTC with milliseconds (``2026-01-01T12:00:00.123Z``)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


#: what :meth:`Subscription.wake` queues; never handed out as an event
_WAKE: Event = {"type": "subscription.wake"}


class Subscription:
    """One consumer's view of the hub: ``get(timeout)`` returns the next event or None."""

    def __init__(
        self,
        hub: EventHub,
        maxsize: int,
        accept: Callable[[Event], bool] | None,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self._hub = hub
        self._queue: queue.Queue[Event] = queue.Queue(maxsize=maxsize)
        self._accept = accept
        self._wake = wake
        self.dropped = 0
        self.closed = False

    def _offer(self, event: Event) -> None:
        if self._accept is not None and not self._accept(event):
            return
        while True:
            try:
                self._queue.put_nowait(event)
                if self._wake is not None:
                    self._wake()
                return
            except queue.Full:
                # a slow consumer loses its oldest event rather than blocking the runner
                try:
                    self._queue.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    pass

    def get(self, timeout: float | None = None) -> Event | None:
        """The next event, waiting up to ``timeout`` seconds (None: forever); None on timeout or
        after :meth:`wake`."""
        try:
            event = self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        return None if event is _WAKE else event

    def wake(self) -> None:
        """End a :meth:`get` that is waiting now, with None (so a consumer can wait long and still
        stop at once)."""
        try:
            self._queue.put_nowait(_WAKE)
        except queue.Full:
            pass  # a full queue wakes the consumer anyway

    def drain(self) -> list[Event]:
        """Every event already queued, without waiting."""
        events: list[Event] = []
        while True:
            try:
                events.append(self._queue.get_nowait())
            except queue.Empty:
                return events

    def __iter__(self) -> Iterator[Event]:
        """Iterate events until the subscription is closed (blocks between events)."""
        while not self.closed:
            event = self.get(timeout=0.2)
            if event is not None:
                yield event

    def close(self) -> None:
        """Stop receiving events."""
        self.closed = True
        self._hub._remove(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class EventHub:
    """Thread-safe fan-out of JSON-able event dicts to every open subscription."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: tuple[Subscription, ...] = ()

    def subscribe(
        self,
        maxsize: int = 10_000,
        accept: Callable[[Event], bool] | None = None,
        wake: Callable[[], None] | None = None,
    ) -> Subscription:
        """A new subscription; ``accept(event)`` may filter events (e.g. one executionId);
        ``wake()`` is called (on the publisher's thread; it must not block) after each event queued."""
        sub = Subscription(self, maxsize, accept, wake)
        with self._lock:
            self._subscriptions = (*self._subscriptions, sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            self._subscriptions = tuple(s for s in self._subscriptions if s is not sub)

    @property
    def subscriber_count(self) -> int:
        """How many subscriptions are open."""
        return len(self._subscriptions)

    def publish(self, event: Event) -> None:
        """Deliver ``event`` (must have a ``type``) to every subscription; adds ``time`` if absent."""
        subscriptions = self._subscriptions  # tuple swap makes this read lock-free
        if not subscriptions:
            return
        if "time" not in event:
            event = {**event, "time": utc_now_iso()}
        for sub in subscriptions:
            sub._offer(event)


class LoopWakeup:
    """Wakes one asyncio task waiting for events, from the publishers' threads: a ``wake`` for
    :meth:`EventHub.subscribe`, so an event stream or a waiting request answers at once instead of
    at its next poll. Wake-ups coalesce: at most one is pending on the loop. Make it on the loop."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()

    def __call__(self) -> None:
        # the queued event is visible before this check: a consumer that cleared the flag after
        # it was read drains that event anyway
        if self._event.is_set():
            return
        try:
            self._loop.call_soon_threadsafe(self._event.set)
        except RuntimeError:  # the loop is closed: nobody waits any more
            pass

    async def wait(self, timeout: float) -> None:
        """Until woken or ``timeout`` seconds passed; clears the wake-up."""
        if not self._event.is_set():
            with anyio.move_on_after(timeout):
                await self._event.wait()
        self._event.clear()
