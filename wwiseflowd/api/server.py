"""``ApiServer``: the REST app served by uvicorn on a background thread (used by ``wwiseflowd run``).

The daemon owns the engine and passes it in; the server runs its own asyncio loop on its own
thread, so the daemon's main thread stays free for signals and the watchers.

An idle daemon pays for the REST server only what serving costs: the FastAPI app (FastAPI, its
routes and their models, ~10 MB of a daemon's memory) is built on the first request, or when
:attr:`ApiServer.app` is asked for (a plugin's routes); the metrics follow the engine's events and
the editor's sign-in works from the start, without it. uvicorn's main loop has no timer: the Date
header is stamped per response instead of being refreshed every second.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from typing import TYPE_CHECKING, Any

import uvicorn
from loguru import logger

from wwiseflowd.api.metrics import ApiMetrics
from wwiseflowd.api.security import check_bind
from wwiseflowd.api.sessions import SESSIONS_FILE, SessionStore

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import Message, Receive, Scope, Send

    from wwiseflowd.config import Settings
    from wwiseflowd.engine import Engine

#: seconds ``start`` waits for the socket to be bound
START_TIMEOUT_S = 15.0
#: seconds open connections (event streams) get to finish when stopping
GRACEFUL_S = 3


class _QuietServer(uvicorn.Server):
    """uvicorn's server without its timer: its main loop sleeps until told to stop.

    uvicorn's main loop wakes ten times a second to notice ``should_exit`` and refreshes the Date
    header every tenth turn: most of an idle daemon's CPU. Here :meth:`wake` ends the wait for a
    stop, and :class:`_ServedApp` stamps the Date header (uvicorn's is off).
    """

    _wake: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        while not await self.on_tick(0):
            await self._wake.wait()
            self._wake.clear()

    def wake(self) -> None:
        """Make the main loop look at ``should_exit`` now (thread-safe)."""
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            try:
                loop.call_soon_threadsafe(wake.set)
            except RuntimeError:
                pass  # the loop already closed: the server has stopped


class _ServedApp:
    """What uvicorn serves: the app :func:`build` makes on the first request, each response with a
    ``Date`` header (RFC 9110: an origin server with a clock sends one), formatted once a second."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._second = -1
        self._date = b""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self._build()  # on the loop's thread: the first request waits for the build, once

        async def dated(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), (b"date", self._now())]}
            await send(message)

        await app(scope, receive, dated)

    def _now(self) -> bytes:
        now = time.time()
        if int(now) != self._second:
            self._second, self._date = int(now), formatdate(now, usegmt=True).encode()
        return self._date


class ApiServerError(RuntimeError):
    """The REST server cannot start (unsafe bind, port taken, startup failed). The message says why."""


class ApiServer:
    """Serve :func:`~wwiseflowd.api.app.create_app` over ``engine`` until :meth:`stop`."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        status: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.status = status
        self.metrics = ApiMetrics(status)
        self.sessions = SessionStore(settings.paths.state_dir / SESSIONS_FILE, settings.server.token)
        self._app: FastAPI | None = None
        self._building = threading.Lock()  # the loop's first request and a caller of .app may race
        self._server: _QuietServer | None = None
        self._thread: threading.Thread | None = None
        self.url: str | None = None

    @property
    def app(self) -> FastAPI:
        """The FastAPI app, built now if it was not yet (the first request builds it otherwise)."""
        if self._app is None:
            from wwiseflowd.api.app import create_app  # FastAPI and the routes: loaded when needed

            with self._building:
                if self._app is None:
                    self._app = create_app(engine=self.engine, settings=self.settings, status=self.status,
                                           metrics=self.metrics, sessions=self.sessions)
        return self._app

    def start(self) -> str:
        """Bind and serve; returns the base URL (``http://127.0.0.1:<port>``, the real port when 0)."""
        bind = check_bind(self.settings)
        if not bind.ok:
            raise ApiServerError(bind.error)
        config = uvicorn.Config(
            _ServedApp(lambda: self.app),
            host=self.settings.server.host,
            port=self.settings.server.port,
            log_config=None,  # stdlib logging is already routed into loguru
            access_log=False,
            lifespan="off",  # the app's lifespan owns nothing here: the engine and metrics are ours
            ws="none",  # no WebSocket routes: the websockets library stays unloaded
            date_header=False,  # stamped by _ServedApp, so the main loop needs no timer
            timeout_graceful_shutdown=GRACEFUL_S,
        )
        self.metrics.start(self.engine)
        server = _QuietServer(config)
        # uvicorn installs signal handlers only on the main thread: the daemon keeps its own
        self._server = server
        self._thread = threading.Thread(target=server.run, name="wwiseflowd-api", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if not self._thread.is_alive():
                self.metrics.stop()
                where = f"{self.settings.server.host}:{self.settings.server.port}"
                raise ApiServerError(
                    f"The REST server could not start on {where} (port in use? see the log above); "
                    f"change [server] port or stop the other process."
                )
            if time.monotonic() > deadline:
                self.stop()
                raise ApiServerError(f"The REST server did not start within {START_TIMEOUT_S:.0f} s.")
            time.sleep(0.02)
        host, port = self._bound_address(server)
        self.url = f"http://{host}:{port}"
        logger.info("REST API listening on {}", self.url)
        logger.info("Web editor: {}", self.editor_url())
        return self.url

    def editor_url(self) -> str:
        """The editor's address; with a token set, it carries a fresh one-time login token (as
        Jupyter's), which the page exchanges for a session cookie."""
        base = f"{self.url}/"
        if not self.settings.server.token:
            return base
        return f"{base}?token={self.sessions.issue_login_token()}"

    def _bound_address(self, server: uvicorn.Server) -> tuple[str, int]:
        for srv in server.servers:
            for sock in srv.sockets:
                address = sock.getsockname()
                host = address[0]
                return (f"[{host}]" if ":" in host else host), int(address[1])
        return self.settings.server.host, self.settings.server.port

    def stop(self) -> None:
        """Stop serving (open event streams end) and join the server thread."""
        if self._app is not None:
            self._app.state.stopping.set()
        if self._server is not None:
            self._server.should_exit = True
            self._server.wake()
        if self._thread is not None:
            self._thread.join(timeout=GRACEFUL_S + 5)
            if self._thread.is_alive():
                logger.warning("The REST server thread did not stop in time.")
        self._server = None
        self._thread = None
        self.metrics.stop()
