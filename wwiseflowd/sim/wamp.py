"""WAMP pieces of the emulator: message codes, connections, subscriptions, the topic publisher, faults.

WAMP basic profile, JSON serializer (``wamp.2.json``), realm ``realm1`` (reference §2, §7). The
router (router.py) moves messages between these; the model only ever talks to the :class:`Publisher`.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from wwiseflowd.sim.errors import UNEXPECTED_ERROR
from wwiseflowd.sim.functions import Session
from wwiseflowd.sim.model import MISSING, Project, WwiseObject

HELLO, WELCOME, ABORT, GOODBYE, ERROR = 1, 2, 3, 6, 8
SUBSCRIBE, SUBSCRIBED, UNSUBSCRIBE, UNSUBSCRIBED, EVENT = 32, 33, 34, 35, 36
CALL, RESULT = 48, 50


@dataclass
class Faults:
    """Fault injection, settable at any time from any thread.

    ``locked``: every call answers ``ak.wwise.locked`` (a modal dialog is open; ping answers
    ``isAvailable: false``). ``drop_after``: after that many more calls, the connection making the
    next call is dropped without an answer (then the fault clears itself). ``fail_uris``:
    procedure URI -> error URI to answer with instead of running the call.
    """

    locked: bool = False
    drop_after: int | None = None
    fail_uris: dict[str, str] = field(default_factory=dict)

    def fail(self, procedure: str, error_uri: str = UNEXPECTED_ERROR) -> None:
        """Make every call of ``procedure`` fail with ``error_uri``."""
        self.fail_uris[procedure] = error_uri

    def clear(self) -> None:
        """Back to normal."""
        self.locked = False
        self.drop_after = None
        self.fail_uris.clear()


@dataclass
class Subscription:
    id: int
    topic: str
    conn: Connection
    returns: list[str] | None
    object_filter: WwiseObject | None = None
    property_filter: str | None = None


class Connection:
    """One WebSocket connection and its WAMP session."""

    def __init__(self, ws: ServerConnection) -> None:
        self.ws = ws
        self.session: Session | None = None
        self.subscriptions: dict[int, Subscription] = {}
        self.closing = False

    async def send(self, message: list[Any]) -> None:
        await self.send_text(json.dumps(message, separators=(",", ":")))

    async def send_text(self, text: str) -> None:
        try:
            await self.ws.send(text)
        except ConnectionClosed:
            pass


class Publisher:
    """The model's observer: formats notifications per subscription and queues them as EVENTs."""

    def __init__(self) -> None:
        self.by_topic: dict[str, list[Subscription]] = {}
        self.pending: list[tuple[Subscription, dict[str, Any]]] = []
        self.project: Project | None = None
        self._publication = itertools.count(1)

    def wants(self, topic: str) -> bool:
        return bool(self.by_topic.get(topic))

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        assert self.project is not None
        for sub in self.by_topic.get(topic, ()):
            if sub.object_filter is not None and payload.get("object") is not sub.object_filter:
                continue
            if sub.property_filter is not None and payload.get("property", "").lower() != sub.property_filter:
                continue
            self.pending.append((sub, {k: self._format(v, sub.returns) for k, v in payload.items()}))

    def _format(self, value: Any, returns: list[str] | None) -> Any:
        if isinstance(value, WwiseObject):
            return self._row(value, returns)
        if isinstance(value, list):
            return [self._format(v, returns) for v in value]
        return value

    def _row(self, obj: WwiseObject, returns: list[str] | None) -> dict[str, Any]:
        assert self.project is not None
        if returns is None:
            return {"id": obj.id, "name": obj.name}
        row = {}
        for accessor in returns:
            value = self.project.get_value(obj, accessor)
            if value is not MISSING:
                row[accessor] = value
        return row

    def take(self) -> list[tuple[Subscription, dict[str, Any]]]:
        pending, self.pending = self.pending, []
        return pending

    def next_publication(self) -> int:
        return next(self._publication)



class Drop(Exception):
    """Raised inside a connection handler to drop it (fault injection)."""


__all__ = ["CALL", "ERROR", "EVENT", "GOODBYE", "HELLO", "RESULT", "SUBSCRIBE", "SUBSCRIBED", "UNSUBSCRIBE",
           "UNSUBSCRIBED", "WELCOME", "Connection", "Drop", "Faults", "Publisher", "Subscription"]
