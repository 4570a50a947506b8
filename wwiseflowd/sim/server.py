"""The WAMP side of the emulator: a minimal router on ``websockets`` that speaks what Wwise speaks.

WAMP basic profile, JSON serializer (``wamp.2.json``), realm ``realm1``; the emulator itself is the
only callee and publisher (reference §2, §7). The server runs its own asyncio loop in a background
thread, so tests and the daemon (which are thread-based, like waapi-client) can start and stop it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final

from loguru import logger
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from wwiseflowd.sim import accessors, catalogue, persistence
from wwiseflowd.sim.classes import WwiseVersion, parse_version
from wwiseflowd.sim.errors import (
    INVALID_ARGUMENTS,
    INVALID_OPTIONS,
    LOCKED,
    NO_SUCH_SUBSCRIPTION,
    UNEXPECTED_ERROR,
    WaapiError,
)
from wwiseflowd.sim.functions import Session, Waapi
from wwiseflowd.sim.model import MISSING, Project, UnknownAccessorError, WwiseObject
from wwiseflowd.sim.schemas import TOPICS

HELLO, WELCOME, ABORT, GOODBYE, ERROR = 1, 2, 3, 6, 8
SUBSCRIBE, SUBSCRIBED, UNSUBSCRIBE, UNSUBSCRIBED, EVENT = 32, 33, 34, 35, 36
CALL, RESULT = 48, 50
_WELCOME_DETAILS: Final[dict[str, Any]] = {"roles": {"broker": {}, "dealer": {}}}
_MAX_CALL_LOG: Final = 200_000
_GOODBYE_DELAY_S: Final = 0.02


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
class _Subscription:
    id: int
    topic: str
    conn: _Connection
    returns: list[str] | None
    object_filter: WwiseObject | None = None
    property_filter: str | None = None


class _Connection:
    """One WebSocket connection and its WAMP session."""

    def __init__(self, ws: ServerConnection) -> None:
        self.ws = ws
        self.session: Session | None = None
        self.subscriptions: dict[int, _Subscription] = {}
        self.closing = False

    async def send(self, message: list[Any]) -> None:
        await self.send_text(json.dumps(message, separators=(",", ":")))

    async def send_text(self, text: str) -> None:
        try:
            await self.ws.send(text)
        except ConnectionClosed:
            pass


class _Publisher:
    """The model's observer: formats notifications per subscription and queues them as EVENTs."""

    def __init__(self) -> None:
        self.by_topic: dict[str, list[_Subscription]] = {}
        self.pending: list[tuple[_Subscription, dict[str, Any]]] = []
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

    def take(self) -> list[tuple[_Subscription, dict[str, Any]]]:
        pending, self.pending = self.pending, []
        return pending

    def next_publication(self) -> int:
        return next(self._publication)


class Emulator:
    """A running WAAPI emulator. ``with Emulator(port=0) as sim: sim.url``.

    The project lives in ``project_dir`` (loaded from its saved ``*.wsim.json`` or created new,
    named after the directory); without one, a temporary directory is used and removed on exit.
    ``stop()`` then ``start()`` restarts on the same port with the project reloaded from disk,
    like quitting and reopening Wwise (unsaved changes are lost).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 8080, project_dir: Path | str | None = None,
                 latency_ms: float = 0, call_log: Path | str | None = None,
                 version: WwiseVersion | str | None = None, read_only: bool = False) -> None:
        self.host = host
        self.port = port
        self._temp_dir: Path | None = None
        if project_dir is None:
            self._temp_dir = Path(tempfile.mkdtemp(prefix="wwiseflowd-sim-"))
            project_dir = self._temp_dir / "WwiseProject"
        self.project_dir = Path(project_dir)
        self.latency_ms = latency_ms
        self.call_log_path = Path(call_log) if call_log is not None else None
        #: the version asked for; None = the one that saved a loaded Wwise project (else 2024.1)
        self.requested_version = parse_version(version) if isinstance(version, str) else version
        #: dry run: the project folder is never written (see sim/dryrun.py)
        self.read_only = read_only
        self.faults = Faults()
        #: one dict per call: {time, session, uri, argBytes, durationMs, error}
        self.calls: list[dict[str, Any]] = []
        #: guards the project; hold it to read or change ``project`` from another thread
        self.lock = threading.RLock()
        self._waapi: Waapi | None = None
        self._publisher = _Publisher()
        self._connections: set[_Connection] = set()
        self._session_ids = itertools.count(1)
        self._subscription_ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop_event: asyncio.Event | None = None
        self._server: Server | None = None
        self._call_log_file: IO[str] | None = None
        self._drop_countdown: int | None = None

    # -- life cycle ----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``ws://host:port/waapi`` (the real port once started with ``port=0``)."""
        return f"ws://{self.host}:{self.port}/waapi"

    @property
    def running(self) -> bool:
        """True between start() and stop()."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def project(self) -> Project:
        """The live project model (hold :attr:`lock` while touching it from another thread)."""
        if self._waapi is None:
            self._waapi = Waapi(persistence.open_or_create(self.project_dir, self.requested_version))
            self._waapi.project.read_only = self.read_only
            self._waapi.project.observer = self._publisher
            self._publisher.project = self._waapi.project
        return self._waapi.project

    @property
    def version(self) -> WwiseVersion:
        """The emulated Wwise version (loads the project to find out)."""
        return self.project.version

    @property
    def waapi(self) -> Waapi:
        """The function layer (undo history, logs)."""
        self.project  # noqa: B018 - loads the project on first use
        assert self._waapi is not None
        return self._waapi

    def start(self) -> Emulator:
        """Load the project and start serving; returns once the port is bound (raises OSError if not)."""
        if self.running:
            return self
        self.project  # noqa: B018 - load (or create) before accepting connections
        if self.call_log_path is not None:
            self.call_log_path.parent.mkdir(parents=True, exist_ok=True)
            self._call_log_file = self.call_log_path.open("a", encoding="utf-8")
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(ready, failure), name="wwiseflowd-sim",
                                        daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        logger.info("WAAPI emulator listening on {} (project {})", self.url, self.project_dir)
        return self

    def stop(self) -> None:
        """Close every connection and stop serving; the in-memory project is dropped."""
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive() and self._stop_event is not None:
            loop.call_soon_threadsafe(self._stop_event.set)
            thread.join(timeout=10)
        self._thread = None
        self._loop = None
        if self._call_log_file is not None:
            self._call_log_file.close()
            self._call_log_file = None
        with self.lock:
            self._waapi = None
            self._publisher = _Publisher()

    def restart(self) -> None:
        """stop() then start() on the same port, reloading the saved project."""
        self.stop()
        self.start()

    def close(self) -> None:
        """stop() and remove the temporary project directory, if one was made."""
        self.stop()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait(self) -> None:
        """Block until the server stops (the CLI's foreground mode)."""
        while self.running:
            time.sleep(0.2)

    # -- in-process API ------------------------------------------------------------------------------

    @contextmanager
    def locked_project(self) -> Iterator[Project]:
        """``with sim.locked_project() as project:`` read or change the model safely from a test."""
        with self.lock:
            yield self.project

    def snapshot(self) -> dict[str, Any]:
        """The whole project as the save document (a deep, JSON-able copy)."""
        with self.lock:
            return persistence.to_dict(self.project)

    def save(self) -> Path:
        """Save the project now (as ak.wwise.core.project.save does)."""
        with self.lock:
            return persistence.save(self.project)

    def drop_connections(self) -> None:
        """Abort every client connection now (no GOODBYE), as if Wwise crashed."""
        loop = self._loop
        if loop is None:
            return
        for conn in list(self._connections):
            loop.call_soon_threadsafe(conn.ws.transport.abort)

    @property
    def session_count(self) -> int:
        """Open WAMP sessions."""
        return sum(1 for c in self._connections if c.session is not None)

    # -- the loop thread -------------------------------------------------------------------------------

    def _run(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve(ready))
        except BaseException as exc:  # bind errors go back to start()
            failure.append(exc)
            ready.set()
        finally:
            loop.close()

    async def _serve(self, ready: threading.Event) -> None:
        self._stop_event = asyncio.Event()
        server = await serve(self._handle, self.host, self.port, subprotocols=["wamp.2.json"],  # type: ignore[list-item]
                             max_size=None, ping_interval=None, compression=None)
        self._server = server
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        await self._stop_event.wait()
        server.close(close_connections=True)
        await server.wait_closed()
        with self.lock:
            for conn in list(self._connections):
                self._end_session(conn)

    async def _handle(self, ws: ServerConnection) -> None:
        conn = _Connection(ws)
        self._connections.add(conn)
        try:
            async for raw in ws:
                try:
                    await self._dispatch(conn, raw)
                except _Drop:
                    ws.transport.abort()
                    break
                except Exception:  # a bad frame never takes the server down
                    logger.opt(exception=True).warning("WAAPI emulator: ignored a message it could not "
                                                       "handle")
        except ConnectionClosed:
            pass
        finally:
            self._connections.discard(conn)
            with self.lock:
                self._end_session(conn)

    def _end_session(self, conn: _Connection) -> None:
        for sub in conn.subscriptions.values():
            subs = self._publisher.by_topic.get(sub.topic, [])
            if sub in subs:
                subs.remove(sub)
        conn.subscriptions.clear()
        if conn.session is not None and self._waapi is not None:
            self._waapi.close_session(conn.session)
            logger.debug("WAAPI emulator: session {} closed", conn.session.id)
        conn.session = None

    async def _dispatch(self, conn: _Connection, raw: str | bytes) -> None:
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

    async def _on_call(self, conn: _Connection, message: list[Any], size: int) -> None:
        if len(message) < 4 or not isinstance(message[1], int) or not isinstance(message[3], str):
            logger.warning("WAAPI emulator: ignored a malformed CALL {!r}", message[:4])
            return
        request, uri = message[1], message[3]
        options = message[2] if isinstance(message[2], dict) else {}
        args = message[5] if len(message) > 5 and isinstance(message[5], dict) else {}
        faults = self.faults
        if faults.drop_after is not None:
            if self._drop_countdown is None:
                self._drop_countdown = faults.drop_after
            if self._drop_countdown <= 0:
                faults.drop_after = None
                self._drop_countdown = None
                raise _Drop
            self._drop_countdown -= 1
        else:
            self._drop_countdown = None
        if self.latency_ms:
            await asyncio.sleep(self.latency_ms / 1000)
        started = time.perf_counter()
        error: WaapiError | None = None
        result: dict[str, Any] = {}
        session = conn.session
        assert session is not None
        with self.lock:
            waapi = self.waapi
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
            events = self._publisher.take()
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
            for sub, payload in events:
                if sub.id in sub.conn.subscriptions:
                    await sub.conn.send([EVENT, sub.id, self._publisher.next_publication(), {}, [], payload])
        else:
            await conn.send([ERROR, CALL, request, {}, error.uri, [],
                             {"message": error.message, "details": error.details}])
        self._log_call(session.id, uri, size, duration, error.uri if error else None)

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

    async def _on_subscribe(self, conn: _Connection, message: list[Any]) -> None:
        if len(message) < 4 or not isinstance(message[1], int) or not isinstance(message[3], str):
            logger.warning("WAAPI emulator: ignored a malformed SUBSCRIBE {!r}", message[:4])
            return
        request, topic = message[1], message[3]
        options = message[2] if isinstance(message[2], dict) else {}
        try:
            with self.lock:
                sub = self._subscription(conn, topic, options)
                conn.subscriptions[sub.id] = sub
                self._publisher.by_topic.setdefault(topic, []).append(sub)
        except WaapiError as exc:
            await conn.send([ERROR, SUBSCRIBE, request, {}, exc.uri, [],
                             {"message": exc.message, "details": exc.details}])
            return
        await conn.send([SUBSCRIBED, request, sub.id])

    def _subscription(self, conn: _Connection, topic: str, options: dict[str, Any]) -> _Subscription:
        if topic not in catalogue.topics(self.project.version.short):
            raise WaapiError(INVALID_ARGUMENTS, "The topic URI is unknown.", {"topicUri": topic})
        # a real topic the model never publishes can still be subscribed (clients subscribe on connect)
        extra = TOPICS.get(topic, frozenset())
        for name in options:
            if name not in {"return", "platform"} | extra:
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
                        accessors.check_known(self.project, part)
            except UnknownAccessorError as exc:
                raise WaapiError(INVALID_OPTIONS, f"Accessor '{exc}' in options.return is unknown.",
                                 {"topicUri": topic}) from None
        sub = _Subscription(next(self._subscription_ids), topic, conn, returns)
        if topic == "ak.wwise.core.object.propertyChanged":
            for required in ("object", "property"):
                if not isinstance(options.get(required), str):
                    raise WaapiError(INVALID_OPTIONS, f"Subscribing to {topic} needs option {required}.",
                                     {"topicUri": topic, "argumentName": required})
            target = self.project.find(options["object"])
            if target is None:
                raise WaapiError(INVALID_ARGUMENTS, f"Object {options['object']} is unknown.",
                                 {"object": options["object"]})
            sub.object_filter = target
            sub.property_filter = options["property"].lstrip("@").lower()
        return sub

    async def _on_unsubscribe(self, conn: _Connection, message: list[Any]) -> None:
        if len(message) < 3 or not isinstance(message[1], int):
            logger.warning("WAAPI emulator: ignored a malformed UNSUBSCRIBE {!r}", message[:3])
            return
        request, sub_id = message[1], message[2]
        with self.lock:
            sub = conn.subscriptions.pop(sub_id, None) if isinstance(sub_id, int) else None
            if sub is not None:
                subs = self._publisher.by_topic.get(sub.topic, [])
                if sub in subs:
                    subs.remove(sub)
        if sub is None:
            await conn.send([ERROR, UNSUBSCRIBE, request, {}, NO_SUCH_SUBSCRIPTION, [],
                             {"message": f"Subscription {sub_id} does not exist.", "details": {}}])
        else:
            await conn.send([UNSUBSCRIBED, request])


class _Drop(Exception):
    """Raised inside a connection handler to drop it (fault injection)."""
