"""One waapi-client session, owned by a dedicated thread, with timeouts waapi-client lacks.

waapi-client 0.8.1 has no timeouts at all: its constructor waits forever when a server accepts TCP
but never completes the WAMP handshake, and a call waits forever for an answer that never comes
(reference/waapi.md §1.6). It also must not be built inside a running asyncio loop and it rebinds
the calling thread's event loop on every call. So a :class:`Session` builds the client on its own
thread, runs every call there, and the caller waits on a future with a deadline. When a deadline
passes, the session is abandoned: the client's event loop is stopped, which ends waapi-client's
(non-daemon) thread and releases the blocked owner thread, so nothing hangs at interpreter exit.

This module knows nothing about WAAPI functions or error URIs; :mod:`.adapter` does.
"""

from __future__ import annotations

import asyncio
import json
import queue
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future, InvalidStateError
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from loguru import logger
from waapi import CannotConnectToWaapiException, PerCallbackThreadExecutor, WaapiClient, WaapiRequestFailed
from waapi.wamp import ak_autobahn


class _WaapiStderr:
    """waapi-client prints a failed connection (``ConnectionRefusedError(111, ...)``) straight to
    stderr, outside the log format; the Result we return already says it, so it goes to the debug log."""

    def write(self, text: str) -> int:
        if text.strip():
            logger.debug("waapi-client: {}", text.strip())
        return len(text)

    def flush(self) -> None:
        """Nothing is buffered."""


ak_autobahn.stderr = _WaapiStderr()  # the module bound sys.stderr at import: replace that name


def _wamp_json_loads(payload: str, **_binary_options: Any) -> Any:
    """autobahn decodes every WAMP message with json's pure-Python scanner, so that strings starting
    with NUL can carry binary; WAAPI never sends binary, and the C scanner reads the read-back of a
    1,000-file import (3,000 rows) about 4x faster."""
    return json.loads(payload)


def _use_c_json_scanner() -> None:
    # imported here: autobahn.wamp before waapi (which picks txaio's asyncio) breaks waapi's connect
    from autobahn.wamp import serializer

    serializer._loads = _wamp_json_loads  # the name JsonObjectSerializer.unserialize calls


_use_c_json_scanner()


class SessionError(Exception):
    """Base of the failures a session reports to the adapter."""


class Unavailable(SessionError):
    """No session: the server cannot be reached, did not answer the handshake, or dropped us."""


class CallTimeout(SessionError):
    """A call got no answer within its deadline; the session was abandoned."""


class CallFailed(SessionError):
    """The server answered a call with a WAMP ERROR (``uri`` plus its kwargs)."""

    def __init__(self, uri: str, kwargs: Mapping[str, Any]) -> None:
        self.uri = uri
        self.kwargs = dict(kwargs)
        message = self.kwargs.get("message") or uri
        super().__init__(f"{uri}: {message}")


@dataclass
class _Job:
    uri: str
    args: dict[str, Any]
    options: dict[str, Any] | None
    future: Future[dict[str, Any]] = field(default_factory=Future)


_STOP = object()


#: how often a waiting call checks that the connection is still there, and how long a call may
#: wait for its answer once the connection is gone (waapi-client fails most such calls itself)
_POLL_S = 0.1
_LOST_GRACE_S = 0.5


class Session:
    """A connected waapi-client whose every use happens on one owner thread.

    Build it with :meth:`open` (raises :class:`Unavailable` within ``connect_timeout``), use
    :meth:`call`, end it with :meth:`close`. Not for concurrent use: the adapter holds a lock.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._jobs: queue.Queue[_Job | object] = queue.Queue()
        self._client: WaapiClient | None = None
        self._ready: Future[None] = Future()
        self._abandoned = threading.Event()
        self._thread = threading.Thread(target=self._own, name=f"waapi-session {url}", daemon=True)

    @classmethod
    def open(cls, url: str, connect_timeout: float) -> Session:
        """Connect to ``url``; raise :class:`Unavailable` on refusal or after ``connect_timeout`` s."""
        session = cls(url)
        session._thread.start()
        try:
            session._ready.result(timeout=connect_timeout)
        except FutureTimeout:
            session.abandon()
            raise Unavailable(
                f"no WAAPI handshake from {url} within {connect_timeout:g} s "
                f"(is something other than Wwise listening on that port, or is Wwise busy?)"
            ) from None
        except SessionError:
            raise
        return session

    @property
    def alive(self) -> bool:
        """True while the WAMP session is joined and nothing has abandoned it."""
        client = self._client
        return bool(client is not None and not self._abandoned.is_set() and client.is_connected())

    def call(
        self, uri: str, args: dict[str, Any], options: dict[str, Any] | None, timeout: float
    ) -> dict[str, Any]:
        """Run one call on the owner thread and wait at most ``timeout`` s for its result."""
        if not self.alive:
            raise Unavailable(f"the WAAPI session with {self.url} is closed")
        job = _Job(uri, args, options)
        self._jobs.put(job)
        deadline = time.monotonic() + timeout
        lost_since: float | None = None
        while True:
            try:
                return job.future.result(timeout=max(0.0, min(_POLL_S, deadline - time.monotonic())))
            except FutureTimeout:
                pass
            now = time.monotonic()
            if now >= deadline:
                self.abandon()
                raise CallTimeout(f"{uri} got no answer from {self.url} within {timeout:g} s")
            # waapi-client may leave a call pending for ever when the transport drops under it
            client = self._client
            if client is not None and not client.is_connected():
                lost_since = lost_since or now
                if now - lost_since >= _LOST_GRACE_S:
                    self.abandon()
                    raise Unavailable(f"the connection to {self.url} was lost during {uri}")

    def close(self, timeout: float = 2.0) -> None:
        """Leave the session politely; abandon it if the server does not answer GOODBYE in time."""
        if self._abandoned.is_set():
            return
        done: Future[dict[str, Any]] = Future()
        self._jobs.put(_STOP)
        self._jobs.put(_Job("", {}, None, done))  # completes once the STOP has been processed
        try:
            done.result(timeout=timeout)
        except SessionError:  # failed by the owner thread after it processed the STOP: all is well
            pass
        except FutureTimeout:  # the server never answered GOODBYE
            self.abandon()
        self._abandoned.set()
        self._thread.join(timeout=timeout)

    def abandon(self) -> None:
        """Stop waapi-client's event loop so its thread, and any call blocked on it, end now."""
        self._abandoned.set()
        self._jobs.put(_STOP)
        client = self._client_any()
        if client is None:
            return
        loop = getattr(client, "_loop", None)
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(_cancel_and_stop, loop)
            except RuntimeError:  # closed between the check and the call
                pass
        decoupler = getattr(client, "_decoupler", None)
        if decoupler is not None:
            decoupler.set_joined()  # releases a constructor still waiting for WELCOME

    # -- owner thread ----------------------------------------------------------------------------

    def _client_any(self) -> WaapiClient | None:
        return self._client if self._client is not None else self._constructing

    _constructing: WaapiClient | None = None

    def _own(self) -> None:
        # Build the instance first and run __init__ separately, so abandon() can reach its loop
        # while the constructor is still blocked waiting for the handshake.
        client = OwnedWaapiClient.__new__(OwnedWaapiClient)
        self._constructing = client
        try:
            client.__init__(self.url, allow_exception=True, callback_executor=PerCallbackThreadExecutor)  # type: ignore[misc]
        except CannotConnectToWaapiException:
            _join_loop_thread(client)
            self._fail_ready(Unavailable(f"cannot connect to WAAPI at {self.url} (is Wwise running?)"))
            return
        except Exception as exc:  # an invalid URL raises from autobahn's parser
            self._fail_ready(Unavailable(f"cannot connect to WAAPI at {self.url}: {exc}"))
            return
        if self._abandoned.is_set():  # the deadline passed; abandon() already stopped the loop
            _join_loop_thread(client)
            return
        release_callers_on_loop_end(client)
        self._client = client
        self._ready.set_result(None)
        self._serve(client)

    def _fail_ready(self, error: SessionError) -> None:
        if not self._ready.done():
            self._ready.set_exception(error)

    def _serve(self, client: WaapiClient) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                if not self._abandoned.is_set():
                    _quietly_disconnect(client)
                break
            assert isinstance(job, _Job)
            if self._abandoned.is_set():
                job.future.set_exception(Unavailable(f"the WAAPI session with {self.url} was abandoned"))
                continue
            self._run(client, job)
        self._abandoned.set()
        while not self._jobs.empty():  # fail whatever was queued behind the STOP
            left = self._jobs.get_nowait()
            if isinstance(left, _Job) and not left.future.done():
                left.future.set_exception(Unavailable(f"the WAAPI session with {self.url} is closed"))

    def _run(self, client: WaapiClient, job: _Job) -> None:
        try:
            if job.options:
                result = client.call(job.uri, job.args, options=job.options)
            else:
                result = client.call(job.uri, job.args)
        except WaapiRequestFailed as exc:
            uri = str(exc.uri)
            if uri.startswith("wamp.close.") or uri == "wamp.error.canceled":  # the session ended mid-call
                self._abandoned.set()
                job.future.set_exception(Unavailable(f"the connection to {self.url} was lost ({uri})"))
                return
            job.future.set_exception(CallFailed(uri, exc.kwargs or {}))
            return
        except (Exception, asyncio.CancelledError) as exc:  # the session broke or was abandoned
            if not self._abandoned.is_set():  # an abandoned session's call ends this way by design
                logger.warning("WAAPI call {} raised {!r}; dropping the session", job.uri, exc)
            self._abandoned.set()
            job.future.set_exception(Unavailable(f"the WAAPI session with {self.url} broke: {exc}"))
            return
        if result is None:  # waapi-client's way of saying the session is gone
            self._abandoned.set()
            job.future.set_exception(Unavailable(f"the connection to {self.url} was lost"))
            return
        job.future.set_result(result)


class OwnedWaapiClient(WaapiClient):
    """A ``WaapiClient`` whose garbage collection never blocks.

    waapi-client's own ``__del__`` calls ``disconnect()``, which waits for its loop thread. The
    collector can run that finaliser on any thread at any allocation, including inside a logging
    call that holds the log sink's lock; when the loop thread then logs, both wait for ever (seen as
    a test run that hung). Every owner here disconnects or abandons its client explicitly, so a
    collected client only asks its loop to stop, without waiting.
    """

    def __del__(self) -> None:
        loop = getattr(self, "_loop", None)
        thread = getattr(self, "_client_thread", None)
        if loop is None or thread is None or not thread.is_alive() or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(_cancel_and_stop, loop)
        except RuntimeError:  # the loop closed meanwhile
            pass


def _cancel_and_stop(loop: asyncio.AbstractEventLoop) -> None:
    """Runs on waapi-client's loop: cancel its tasks (so none is destroyed pending) and stop it."""
    for task in asyncio.all_tasks(loop):
        task.cancel()
    loop.stop()


def release_callers_on_loop_end(client: WaapiClient) -> None:
    """Make sure every blocked ``client.call`` returns once waapi-client's loop thread has ended.

    waapi-client 0.8.1 waits for a call with no timeout, on a future it registers with
    ``set_caller_future`` only *after* it has handed the call to its loop; the loop thread, on exit
    (the server dropped the connection), completes whichever future is registered at that moment
    (``unblock_caller``). When the drop wins that race, which a loaded machine makes likely, nothing
    completes the caller's future and the call hangs for ever. Here the loop's exit is remembered
    and a future registered after it is completed at once (the call returns None, waapi-client's
    "the session is gone"). The loop thread also no longer dies with InvalidStateError when a call
    finished just before it ended (a normal disconnect).
    """
    decoupler = getattr(client, "_decoupler", None)
    if decoupler is None:
        return
    ended = threading.Event()

    def release(future: Future[Any] | None) -> None:
        if future is not None and not future.done():
            try:
                future.set_result(None)
            except InvalidStateError:  # the call finished meanwhile
                pass

    def unblock_caller() -> None:
        ended.set()  # before reading the future: a caller registering now sees ``ended`` instead
        release(getattr(decoupler, "_future", None))

    def set_caller_future(future: Future[Any] | None) -> None:
        decoupler._future = future
        if ended.is_set():
            release(future)

    decoupler.unblock_caller = unblock_caller
    decoupler.set_caller_future = set_caller_future


def _join_loop_thread(client: WaapiClient, timeout: float = 2.0) -> None:
    """Wait for waapi-client's loop thread to end, so its ``__del__`` finds nothing to disconnect."""
    thread = getattr(client, "_client_thread", None)
    if thread is not None:
        thread.join(timeout)


def _quietly_disconnect(client: WaapiClient) -> None:
    try:
        client.disconnect()
    except Exception as exc:  # a half-dead client may raise from its loop; it is going anyway
        logger.debug("ignoring error while disconnecting from WAAPI: {!r}", exc)
