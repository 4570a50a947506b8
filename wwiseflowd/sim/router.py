"""The emulator's WAMP router: sessions, CALL, SUBSCRIBE / UNSUBSCRIBE, fault injection, the call log.

The emulator itself is the only callee and publisher. Every message is handled on the server's
asyncio loop; the project is touched only while holding the emulator's lock, so tests and the
daemon (thread-based, like waapi-client) can read it from other threads.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final

from loguru import logger
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from wwiseflowd.sim import accessors, catalogue
from wwiseflowd.sim.errors import (
    INVALID_ARGUMENTS,
    INVALID_OPTIONS,
    LOCKED,
    NO_SUCH_SUBSCRIPTION,
    UNEXPECTED_ERROR,
    WaapiError,
)
from wwiseflowd.sim.functions import Session, Waapi
from wwiseflowd.sim.model import UnknownAccessorError
from wwiseflowd.sim.schemas import TOPICS
from wwiseflowd.sim.wamp import (
    CALL,
    ERROR,
    EVENT,
    GOODBYE,
    HELLO,
    RESULT,
    SUBSCRIBE,
    SUBSCRIBED,
    UNSUBSCRIBE,
    UNSUBSCRIBED,
    WELCOME,
    Connection,
    Drop,
    Faults,
    Publisher,
    Subscription,
)

_WELCOME_DETAILS: Final[dict[str, Any]] = {"roles": {"broker": {}, "dealer": {}}}
_MAX_CALL_LOG: Final = 200_000
_GOODBYE_DELAY_S: Final = 0.02

#: what a call came to: its result, or the error to answer with, and the topic EVENTs it caused
#: published when the emulator stops (its project closes), to whoever subscribed
PROJECT_PRE_CLOSED: Final = "ak.wwise.core.project.preClosed"
PROJECT_POST_CLOSED: Final = "ak.wwise.core.project.postClosed"
_Outcome = tuple[dict[str, Any], WaapiError | None, list[tuple[Subscription, dict[str, Any]]]]


class Router:
    """Moves WAMP messages between clients and one emulated Wwise (:class:`Waapi`)."""

    def __init__(self, load: Callable[[], Waapi], lock: threading.RLock, faults: Faults) -> None:
        #: loads the project on first use (the Emulator's ``waapi``)
        self._load = load
        #: the loaded function layer, None until the project is loaded (and after a stop)
        self.waapi: Waapi | None = None
        self.lock = lock
        self.faults = faults
        self.latency_ms: float = 0
        #: one dict per call: {time, session, uri, argBytes, durationMs, error}
        self.calls: list[dict[str, Any]] = []
        self.publisher = Publisher()
        self.connections: set[Connection] = set()
        self._session_ids = itertools.count(1)
        self._subscription_ids = itertools.count(1)
        self._drop_countdown: int | None = None
        self._call_log_file: IO[str] | None = None

    # -- life cycle ----------------------------------------------------------------------------------

    def open_call_log(self, path: Path) -> None:
        """Append one JSON line per call to ``path`` from now on."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._call_log_file = path.open("a", encoding="utf-8")

    def close_call_log(self) -> None:
        """Stop writing the call log file."""
        if self._call_log_file is not None:
            self._call_log_file.close()
            self._call_log_file = None

    def reset(self) -> None:
        """Forget the loaded project and its subscribers (the emulator stopped)."""
        with self.lock:
            self.waapi = None
            self.publisher = Publisher()

    def end_all_sessions(self) -> None:
        """Close every session (the server is shutting down)."""
        with self.lock:
            for conn in list(self.connections):
                self._end_session(conn)

    async def close_project(self) -> None:
        """Wwise closes its project before it goes away: subscribers hear ``project.preClosed`` then
        ``project.postClosed`` (the project topics outlive the project's other subscriptions)."""
        with self.lock:
            if self.publisher.project is not None:
                for topic in (PROJECT_PRE_CLOSED, PROJECT_POST_CLOSED):
                    if self.publisher.wants(topic):
                        self.publisher.publish(topic, {})
            events = self.publisher.take()
        await self._send_events(events)

    @property
    def session_count(self) -> int:
        """Open WAMP sessions."""
        return sum(1 for c in self.connections if c.session is not None)

    # -- connections ---------------------------------------------------------------------------------

    async def handle(self, ws: ServerConnection) -> None:
        """Serve one WebSocket connection until it closes."""
        conn = Connection(ws)
        self.connections.add(conn)
        try:
            async for raw in ws:
                try:
                    await self._dispatch(conn, raw)
                except Drop:
                    ws.transport.abort()
                    break
                except Exception:  # a bad frame never takes the server down
                    logger.opt(exception=True).warning("WAAPI emulator: ignored a message it could not "
                                                       "handle")
        except ConnectionClosed:
            pass
        finally:
            self.connections.discard(conn)
            with self.lock:
                self._end_session(conn)

    def _end_session(self, conn: Connection) -> None:
        for sub in conn.subscriptions.values():
            subs = self.publisher.by_topic.get(sub.topic, [])
            if sub in subs:
                subs.remove(sub)
        conn.subscriptions.clear()
        if conn.session is not None and self.waapi is not None:
            self.waapi.close_session(conn.session)
            logger.debug("WAAPI emulator: session {} closed", conn.session.id)
        conn.session = None

    async def _dispatch(self, conn: Connection, raw: str | bytes) -> None:
        if isinstance(raw, bytes):
            logger.warning("WAAPI emulator: ignored a binary frame (only wamp.2.json is spoken)")
            return
        try:
            message = json.loads(raw)
        except ValueError:
            logger.warning("WAAPI emulator: ignored a frame that is not JSON: {!r}", raw[:80])
            return
        if not isinstance(message, list) or not message or not isinstance(message[0], int):
            logger.warning("WAAPI emulator: ignored a frame that is not a WAMP message: {!r}", raw[:80])
            return
        kind = message[0]
        if conn.session is None:
            if kind == HELLO:
                conn.session = Session(next(self._session_ids))
                await conn.send([WELCOME, conn.session.id, _WELCOME_DETAILS])
            else:
                logger.warning("WAAPI emulator: ignored message type {} before HELLO", kind)
            return
        if kind == CALL:
            await self._on_call(conn, message, len(raw))
        elif kind == SUBSCRIBE:
            await self._on_subscribe(conn, message)
        elif kind == UNSUBSCRIBE:
            await self._on_unsubscribe(conn, message)
        elif kind == GOODBYE:
            conn.closing = True
            # waapi-client 0.8.1 races with an instant GOODBYE reply (InvalidStateError in its thread)
            await asyncio.sleep(_GOODBYE_DELAY_S)
            await conn.send([GOODBYE, {}, "wamp.error.goodbye_and_out"])
            with self.lock:
                self._end_session(conn)
        else:
            logger.warning("WAAPI emulator: ignored unsupported WAMP message type {}", kind)

    # -- CALL ------------------------------------------------------------------------------------------

    # -- CALL ------------------------------------------------------------------------------------------

    async def _on_call(self, conn: Connection, message: list[Any], size: int) -> None:
        if len(message) < 4 or not isinstance(message[1], int) or not isinstance(message[3], str):
            logger.warning("WAAPI emulator: ignored a malformed CALL {!r}", message[:4])
            return
        request, uri = message[1], message[3]
        options = message[2] if isinstance(message[2], dict) else {}
        args = message[5] if len(message) > 5 and isinstance(message[5], dict) else {}
        self._count_down_to_drop()
        if self.latency_ms:
            await asyncio.sleep(self.latency_ms / 1000)
        started = time.perf_counter()
        session = conn.session
        assert session is not None
        result, error, events = self._run_call(session, uri, args, options)
        duration = (time.perf_counter() - started) * 1000
        reply = ""
        if error is None:
            try:
                reply = json.dumps([RESULT, request, {}, [], result] if result else [RESULT, request, {}],
                                   separators=(",", ":"))
            except (TypeError, ValueError) as exc:  # never leave a caller waiting for an answer
                logger.error("WAAPI emulator: the result of {} is not JSON: {}", uri, exc)
                error = WaapiError(UNEXPECTED_ERROR, f"The emulator could not encode the result of {uri}.",
                                   {"procedureUri": uri})
                events = []
        if error is None:
            await conn.send_text(reply)
            await self._send_events(events)
        else:
            await conn.send([ERROR, CALL, request, {}, error.uri, [],
                             {"message": error.message, "details": error.details}])
        self._log_call(session.id, uri, size, duration, error.uri if error else None)

    def _count_down_to_drop(self) -> None:
        """Fault ``drop_after``: raise :class:`Drop` when the countdown reaches this call."""
        faults = self.faults
        if faults.drop_after is not None:
            if self._drop_countdown is None:
                self._drop_countdown = faults.drop_after
            if self._drop_countdown <= 0:
                faults.drop_after = None
                self._drop_countdown = None
                raise Drop
            self._drop_countdown -= 1
        else:
            self._drop_countdown = None

    def _run_call(self, session: Session, uri: str, args: dict[str, Any],
                  options: dict[str, Any]) -> _Outcome:
        """Run the call under the lock (or answer an injected fault); collect the EVENTs it caused."""
        faults = self.faults
        error: WaapiError | None = None
        result: dict[str, Any] = {}
        with self.lock:
            waapi = self._load()
            try:
                if faults.locked:
                    if uri == "ak.wwise.core.ping":
                        result = {"isAvailable": False}
                    else:
                        raise WaapiError(LOCKED, "Wwise is busy: a modal dialog is open in Wwise Authoring. "
                                         "Close it and try again.", {"procedureUri": uri})
                elif uri in faults.fail_uris:
                    raise WaapiError(faults.fail_uris[uri], f"Injected failure for {uri} (emulator fault).",
                                     {"procedureUri": uri})
                else:
                    result = waapi.call(session, uri, args, options)
            except WaapiError as exc:
                error = exc
            except Exception as exc:  # an emulator bug must not look like a hang to the client
                logger.opt(exception=True).error("WAAPI emulator: {} crashed", uri)
                error = WaapiError(UNEXPECTED_ERROR, f"The emulator failed on {uri}: {exc!r}",
                                   {"procedureUri": uri})
            events = self.publisher.take()
        return result, error, events

    async def _send_events(self, events: list[tuple[Subscription, dict[str, Any]]]) -> None:
        for sub, payload in events:
            if sub.id in sub.conn.subscriptions:
                await sub.conn.send([EVENT, sub.id, self.publisher.next_publication(), {}, [], payload])

    def _log_call(self, session: int, uri: str, size: int, duration: float, error: str | None) -> None:
        entry = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "session": session, "uri": uri,
                 "argBytes": size, "durationMs": round(duration, 3), "error": error}
        self.calls.append(entry)
        if len(self.calls) > _MAX_CALL_LOG:
            del self.calls[: _MAX_CALL_LOG // 2]
        if self._call_log_file is not None:
            self._call_log_file.write(json.dumps(entry) + "\n")
            self._call_log_file.flush()

    # -- SUBSCRIBE / UNSUBSCRIBE -------------------------------------------------------------------------

    async def _on_subscribe(self, conn: Connection, message: list[Any]) -> None:
        if len(message) < 4 or not isinstance(message[1], int) or not isinstance(message[3], str):
            logger.warning("WAAPI emulator: ignored a malformed SUBSCRIBE {!r}", message[:4])
            return
        request, topic = message[1], message[3]
        options = message[2] if isinstance(message[2], dict) else {}
        try:
            with self.lock:
                sub = self._subscription(conn, topic, options)
                conn.subscriptions[sub.id] = sub
                self.publisher.by_topic.setdefault(topic, []).append(sub)
        except WaapiError as exc:
            await conn.send([ERROR, SUBSCRIBE, request, {}, exc.uri, [],
                             {"message": exc.message, "details": exc.details}])
            return
        await conn.send([SUBSCRIBED, request, sub.id])

    def _subscription(self, conn: Connection, topic: str, options: dict[str, Any]) -> Subscription:
        project = self._load().project
        if topic not in catalogue.topics(project.version.short):
            raise WaapiError(INVALID_ARGUMENTS, "The topic URI is unknown.", {"topicUri": topic})
        # a real topic the model never publishes can still be subscribed (clients subscribe on connect);
        # its options are Wwise's to check and their schema is unknown here, so they are accepted
        if topic in TOPICS:
            for name in options:
                if name not in {"return", "platform"} | TOPICS[topic]:
                    raise WaapiError(INVALID_OPTIONS, f"Option {name} is unknown for topic {topic}.",
                                     {"topicUri": topic, "argumentName": name})
        returns = options.get("return")
        if returns is not None:
            if not isinstance(returns, list) or not all(isinstance(r, str) for r in returns):
                raise WaapiError(INVALID_OPTIONS, "Option return must be an array of accessor names.",
                                 {"topicUri": topic})
            try:
                for accessor in returns:
                    for part in accessor.split("."):
                        accessors.check_known(project, part)
            except UnknownAccessorError as exc:
                raise WaapiError(INVALID_OPTIONS, f"Accessor '{exc}' in options.return is unknown.",
                                 {"topicUri": topic}) from None
        sub = Subscription(next(self._subscription_ids), topic, conn, returns)
        if topic == "ak.wwise.core.object.propertyChanged":
            for required in ("object", "property"):
                if not isinstance(options.get(required), str):
                    raise WaapiError(INVALID_OPTIONS, f"Subscribing to {topic} needs option {required}.",
                                     {"topicUri": topic, "argumentName": required})
            target = project.find(options["object"])
            if target is None:
                raise WaapiError(INVALID_ARGUMENTS, f"Object {options['object']} is unknown.",
                                 {"object": options["object"]})
            sub.object_filter = target
            sub.property_filter = options["property"].lstrip("@").lower()
        return sub

    async def _on_unsubscribe(self, conn: Connection, message: list[Any]) -> None:
        if len(message) < 3 or not isinstance(message[1], int):
            logger.warning("WAAPI emulator: ignored a malformed UNSUBSCRIBE {!r}", message[:3])
            return
        request, sub_id = message[1], message[2]
        with self.lock:
            sub = conn.subscriptions.pop(sub_id, None) if isinstance(sub_id, int) else None
            if sub is not None:
                subs = self.publisher.by_topic.get(sub.topic, [])
                if sub in subs:
                    subs.remove(sub)
        if sub is None:
            await conn.send([ERROR, UNSUBSCRIBE, request, {}, NO_SUCH_SUBSCRIPTION, [],
                             {"message": f"Subscription {sub_id} does not exist.", "details": {}}])
        else:
            await conn.send([UNSUBSCRIBED, request])




__all__ = ["Router"]
