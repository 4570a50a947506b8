"""``wwiseflowd run``: the daemon in the foreground, as service managers want it.

Order: take the state dir's lock -> (``--simulate``: start the emulator with its project under the
state dir) -> engine -> watchers -> REST (with the routes of plugins' front doors) -> plugins'
server front doors -> ``runtime.json`` -> ``READY=1``; the front doors are health-checked while
running. SIGINT/SIGTERM (and
SIGBREAK on Windows, which WinSW sends as Ctrl+Break) set a stop flag; shutdown runs in reverse: the
batch in flight finishes or is cancelled after the grace period and left in the journal, which is
checkpointed before exit.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loguru import logger

from wwiseflowd import __version__
from wwiseflowd.config import Settings
from wwiseflowd.daemon import memory
from wwiseflowd.daemon.core import Daemon, DaemonTiming
from wwiseflowd.daemon.instance import Instance
from wwiseflowd.events import utc_now_iso
from wwiseflowd.frontdoors import FrontDoors
from wwiseflowd.system_service import SystemdNotifier


@dataclass
class RunOptions:
    """What ``wwiseflowd run`` was asked for."""

    simulate: bool = False
    config_path: Path | None = None
    #: set by tests (or an embedding app) instead of a signal
    stop_event: threading.Event | None = None
    timing: DaemonTiming | None = None
    sim_latency_ms: float = 0.0
    #: progress lines on stdout (wwiseflowd.progress): auto = text on a terminal, else JSON lines
    progress: str = "off"


def _start_emulator(settings: Settings, latency_ms: float) -> Any:
    """The emulator on a free port, its project kept under the state dir (shared with ``exec --simulate``)."""
    from wwiseflowd.sim.inprocess import start_in_process

    sim = start_in_process(settings, latency_ms=latency_ms)
    logger.info("Simulating Wwise: emulator at {} with its project in {}", sim.url, sim.project_dir)
    return sim


def _start_api(
    engine: Any, settings: Settings, status: Callable[[], dict[str, Any]], doors: FrontDoors
) -> Any:
    if not settings.server.enabled:
        return None
    if importlib.util.find_spec("wwiseflowd.api.server") is None:
        logger.info("REST server not available in this installation; running without it")
        return None
    from wwiseflowd.api.server import ApiServer

    server = ApiServer(engine, settings, status=status)
    if doors.has_routes():  # else the app is built on the first request (an idle daemon never loads it)
        doors.add_routes(server.app)
    server.start()
    return server


def _start_progress(mode: str, daemon: Daemon, engine: Any) -> Any:
    """The terminal's progress display, fed by the daemon's status and events (None when off)."""
    from wwiseflowd.progress import ProgressFeed, resolve_mode

    resolved = resolve_mode(mode, sys.stdout)  # type: ignore[arg-type]
    if resolved == "off":
        return None

    def files_of(batch_id: int) -> list[dict[str, Any]]:
        return [record.as_dict() for record in daemon.journal.batch_files(batch_id)]

    feed = ProgressFeed(daemon.progress_status, files_of, engine.events, sys.stdout, resolved)
    daemon.pump.on_activity = feed.activity  # an idle display waits for this instead of polling
    return feed.start()


def _install_signals(stop: threading.Event) -> dict[int, Any]:
    """SIGINT/SIGTERM (+SIGBREAK) set ``stop``; only possible on the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[int, Any] = {}

    def handler(signum: int, _frame: object) -> None:
        if stop.is_set():
            logger.warning("Second {} received; still shutting down", signal.Signals(signum).name)
        logger.info("{} received; stopping", signal.Signals(signum).name)
        stop.set()

    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        signum = getattr(signal, name, None)
        if signum is not None:
            previous[signum] = signal.signal(signum, handler)
    return previous


def run_daemon(settings: Settings, options: RunOptions | None = None) -> int:
    """Run until a signal (or ``options.stop_event``); return the exit code."""
    from wwiseflowd.engine import Engine

    memory.limit_arenas()  # before the emulator, engine and servers start their threads
    options = options or RunOptions()
    settings = settings.model_copy(deep=True)  # --simulate points it at the emulator
    stop = options.stop_event or threading.Event()
    instance = Instance(settings.paths.state_dir).acquire()  # AlreadyRunning propagates to the CLI
    notifier = SystemdNotifier()
    previous_handlers = _install_signals(stop)
    sim: Any = None
    engine: Any = None
    daemon: Daemon | None = None
    api: Any = None
    progress: Any = None
    doors: FrontDoors | None = None
    try:
        if options.simulate:
            sim = _start_emulator(settings, options.sim_latency_ms)
        engine = Engine(settings).start()
        period = notifier.watchdog_period()
        daemon = Daemon(
            settings,
            engine,
            timing=options.timing or DaemonTiming(housekeeping_s=min(2.0, period or 2.0)),
            heartbeat=notifier.watchdog_ping if period else None,
        ).start()
        doors = FrontDoors(engine.plugins, _service_for(engine, settings, daemon.status), settings).build()
        status = _with_doors(daemon.status, doors)
        api = _start_api(engine, settings, status, doors)
        doors.start()
        progress = _start_progress(options.progress, daemon, engine)
        _write_runtime(instance, settings, options, daemon, api, sim, front_doors=doors.addresses())
        summary = f"watching {len(daemon.rules)} folder(s)" + (f", REST at {api.url}" if api else "")
        summary += "".join(f", {name} at {address}" for name, address in doors.addresses().items())
        notifier.ready(summary)
        logger.info("wwiseflowd {} ready: {}", __version__, summary)
        # a signal's stop.set() ends the wait at once; without server doors to check it has no timer
        while not stop.wait(_main_wait(doors.next_check_in())):
            doors.supervise()
        notifier.stopping()
        return 0
    finally:
        started = time.monotonic()
        _close_all(
            ("progress display", progress, "stop"),
            ("front doors", doors, "stop"),
            ("REST server", api, "stop"),
            ("watchers", daemon, "stop"),
            ("engine", engine, "close"),
            ("emulator", sim, "stop"),
        )
        instance.release()
        notifier.close()
        for signum, handler in previous_handlers.items():
            signal.signal(signum, handler)
        logger.info("Stopped cleanly in {:.1f} s", time.monotonic() - started)


def _write_runtime(
    instance: Instance,
    settings: Settings,
    options: RunOptions,
    daemon: Daemon,
    api: Any,
    sim: Any,
    *,
    front_doors: dict[str, Any],
) -> None:
    """``runtime.json``: how ``status``, ``exec`` and MCP find this daemon."""
    instance.write_runtime(
        pid=os.getpid(),
        version=__version__,
        startedAt=utc_now_iso(),
        stateDir=str(settings.paths.state_dir),
        config=str(options.config_path) if options.config_path else None,
        apiUrl=getattr(api, "url", None),
        waapiUrl=settings.wwise.url,
        simulate=options.simulate,
        simProject=str(sim.project_dir) if sim is not None else None,
        folders=[str(rule.folder) for rule in daemon.rules.values()],
        frontDoors=front_doors,
    )


#: Windows runs a signal handler only when the main thread's wait returns, and an untimed
#: ``Event.wait`` there cannot be interrupted before Python 3.14 (CPython gh-80116): the main loop
#: wakes this often so Ctrl+C, Ctrl+Break and a service stop are heard
WINDOWS_WAKE_S = 1.0


def _main_wait(check_in: float | None) -> float | None:
    """How long the main loop waits: until the next door check (None: none), at most
    :data:`WINDOWS_WAKE_S` on Windows."""
    if os.name != "nt":
        return check_in
    return WINDOWS_WAKE_S if check_in is None else min(check_in, WINDOWS_WAKE_S)


def _close_all(*parts: tuple[str, Any, str]) -> None:
    """Stop each started part in order; one that fails is logged and the rest still stop."""
    for what, part, method in parts:
        close = getattr(part, method, None)
        if close is None:
            continue
        try:
            close()
        except Exception:
            logger.opt(exception=True).error("Stopping the {} failed", what)


def _with_doors(status: Callable[[], dict[str, Any]], doors: FrontDoors) -> Callable[[], dict[str, Any]]:
    """The daemon's status with the front doors' states (``frontDoors``) added."""
    return lambda: {**status(), "frontDoors": doors.describe()}


def _service_for(
    engine: Any, settings: Settings, status: Callable[[], dict[str, Any]]
) -> Callable[[str], Any]:
    """The service layer a front door gets: paths checked like REST's, its name as the source."""
    from wwiseflowd.operations import LocalOperations, PathGuard

    guard = PathGuard.from_settings(settings)
    return lambda name: LocalOperations(engine, guard, status, source=name)
