"""The emulator's front: :class:`Emulator` starts, stops and restarts a WAAPI server over one project.

The WAMP router (router.py) runs on its own asyncio loop in a background thread, so tests and the
daemon (which are thread-based, like waapi-client) can start and stop it; the project model
(model.py) and the WAAPI functions (functions.py, calls/) know nothing of the network.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from loguru import logger
from websockets.asyncio.server import Server, serve

from wwiseflowd.sim import persistence
from wwiseflowd.sim.classes import WwiseVersion, parse_version
from wwiseflowd.sim.functions import Waapi
from wwiseflowd.sim.model import Project
from wwiseflowd.sim.router import Router
from wwiseflowd.sim.wamp import Faults


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
        self.call_log_path = Path(call_log) if call_log is not None else None
        #: the version asked for; None = the one that saved a loaded Wwise project (else 2024.1)
        self.requested_version = parse_version(version) if isinstance(version, str) else version
        #: dry run: the project folder is never written (see sim/dryrun.py)
        self.read_only = read_only
        #: fault injection (locked, drop_after, fail_uris), settable from any thread
        self.faults = Faults()
        #: guards the project; hold it to read or change ``project`` from another thread
        self.lock = threading.RLock()
        self._router = Router(lambda: self.waapi, self.lock, self.faults)
        self._router.latency_ms = latency_ms
        #: one dict per call: {time, session, uri, argBytes, durationMs, error}
        self.calls: list[dict[str, Any]] = self._router.calls
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop_event: asyncio.Event | None = None
        self._server: Server | None = None

    # -- life cycle ----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``ws://host:port/waapi`` (the real port once started with ``port=0``)."""
        return f"ws://{self.host}:{self.port}/waapi"

    @property
    def latency_ms(self) -> float:
        """Delay added before every call is answered (settable while running)."""
        return self._router.latency_ms

    @latency_ms.setter
    def latency_ms(self, value: float) -> None:
        self._router.latency_ms = value

    @property
    def running(self) -> bool:
        """True between start() and stop()."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def project(self) -> Project:
        """The live project model (hold :attr:`lock` while touching it from another thread)."""
        router = self._router
        if router.waapi is None:
            router.waapi = Waapi(persistence.open_or_create(self.project_dir, self.requested_version))
            router.waapi.project.read_only = self.read_only
            router.waapi.project.observer = router.publisher
            router.publisher.project = router.waapi.project
        return router.waapi.project

    @property
    def version(self) -> WwiseVersion:
        """The emulated Wwise version (loads the project to find out)."""
        return self.project.version

    @property
    def waapi(self) -> Waapi:
        """The function layer (undo history, logs)."""
        self.project  # noqa: B018 - loads the project on first use
        assert self._router.waapi is not None
        return self._router.waapi

    def start(self) -> Emulator:
        """Load the project and start serving; returns once the port is bound (raises OSError if not)."""
        if self.running:
            return self
        self.project  # noqa: B018 - load (or create) before accepting connections
        # the WAQL engine too (imported lazily elsewhere): its ~0.1 s import would land in the
        # first object.get's reply (128 ms for a target look-up in a fresh emulator's call log)
        from wwiseflowd.sim import waql  # noqa: F401
        if self.call_log_path is not None:
            self._router.open_call_log(self.call_log_path)
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
        self._router.close_call_log()
        self._router.reset()

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
        for conn in list(self._router.connections):
            loop.call_soon_threadsafe(conn.ws.transport.abort)

    @property
    def session_count(self) -> int:
        """Open WAMP sessions."""
        return self._router.session_count

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
        server = await serve(self._router.handle, self.host, self.port, subprotocols=["wamp.2.json"],  # type: ignore[list-item]
                             max_size=None, ping_interval=None, compression=None)
        self._server = server
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        await self._stop_event.wait()
        await self._router.close_project()
        server.close(close_connections=True)
        await server.wait_closed()
        self._router.end_all_sessions()


__all__ = ["Emulator", "Faults"]
