"""Front doors that plugins add: routes on the daemon's REST app, or servers the daemon runs.

A plugin's ``register_front_doors`` hook registers ``factory(service, settings) -> door | None``.
The daemon builds every door once, adds the routes of each :class:`RouteDoor` to its REST app
before serving, starts each :class:`ServerDoor` before it reports ready, checks their health every
``check_interval_s`` (restarting a door that is down) and stops them first on SIGTERM.

One broken door never stops the daemon or the other doors: a factory, ``add_routes`` or
``start`` that raises is logged, recorded as the plugin's error (``wwiseflowd plugins``) and shown
in the daemon's status and ``/health``; a server door that failed to start is tried again at the
next health check (the port may have become free).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from loguru import logger

if TYPE_CHECKING:
    from wwiseflowd.config import Settings
    from wwiseflowd.plugins import Plugins

#: seconds between two health checks of the server doors
CHECK_INTERVAL_S = 5.0

DoorState = Literal["built", "up", "down", "failed", "stopped"]


@runtime_checkable
class RouteDoor(Protocol):
    """A door that lives inside the daemon's REST app (same port, token and loopback rules)."""

    def add_routes(self, app: Any) -> None:
        """Add routes or routers to ``app`` (a FastAPI app that is not serving yet)."""


@runtime_checkable
class ServerDoor(Protocol):
    """A door that runs its own server, started, health-checked and stopped by the daemon."""

    def start(self) -> str:
        """Bind and serve; return once requests are answered, with the address (``127.0.0.1:50051``)."""

    def health(self) -> dict[str, Any]:
        """``{"ok": bool, ...}``; ``ok`` false makes the daemon restart the door. Must not block."""

    def stop(self) -> None:
        """Stop serving (in-flight calls get a short grace) and release the port."""


@dataclass
class DoorStatus:
    """One door as the daemon's status reports it."""

    name: str
    plugin: str
    door: Any = field(repr=False)
    state: DoorState = "built"
    address: str | None = None
    error: str | None = None
    restarts: int = 0

    @property
    def kinds(self) -> list[str]:
        """``routes`` and/or ``server``."""
        return [kind for kind, proto in (("routes", RouteDoor), ("server", ServerDoor))
                if isinstance(self.door, proto)]

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, for status, ``/health`` and ``runtime.json``."""
        return {"plugin": self.plugin, "kinds": self.kinds, "state": self.state, "address": self.address,
                "error": self.error, "restarts": self.restarts}


class FrontDoors:
    """The front doors the plugins add, for one daemon: build, add routes, start, check, stop."""

    def __init__(
        self,
        plugins: Plugins,
        service: Any,
        settings: Settings,
        *,
        check_interval_s: float = CHECK_INTERVAL_S,
    ) -> None:
        """``service``: what each factory receives, or ``service(door_name)`` when it is callable
        (the daemon gives each door its own ``LocalOperations`` whose source is the door's name)."""
        self.plugins = plugins
        self._service: Callable[[str], Any] = service if callable(service) else (lambda _name: service)
        self.settings = settings
        self.check_interval_s = check_interval_s
        self.doors: dict[str, DoorStatus] = {}
        self._next_check = 0.0

    def build(self) -> FrontDoors:
        """Call every registered factory once; a None door is disabled and left out."""
        registry = self.plugins.registry()
        for name, factory in registry.front_doors.items():
            plugin = registry.plugin_of("front door", name) or "?"
            try:
                door = factory(self._service(name), self.settings)
            except Exception as exc:
                self._failed(DoorStatus(name, plugin, None), "could not be built", exc)
                continue
            if door is None:
                logger.debug("Front door {} ({}) is disabled", name, plugin)
                continue
            status = DoorStatus(name, plugin, door)
            self.doors[name] = status
            if not status.kinds:
                self._failed(status, "is neither a RouteDoor (add_routes) nor a ServerDoor "
                                     "(start/health/stop)")
        return self

    def has_routes(self) -> bool:
        """True when a door adds routes to the REST app (the daemon then builds the app at start)."""
        return bool(self._alive(RouteDoor))

    def add_routes(self, app: Any) -> None:
        """Let every route door add its routes to the REST app (before it serves)."""
        for status in self._alive(RouteDoor):
            try:
                status.door.add_routes(app)
            except Exception as exc:
                self._failed(status, "could not add its routes", exc)
                continue
            status.state = "up"

    def start(self) -> None:
        """Start every server door; returns when each is serving or has failed."""
        for status in self._alive(ServerDoor):
            self._start_one(status)
        self._next_check = time.monotonic() + self.check_interval_s

    def _start_one(self, status: DoorStatus) -> bool:
        try:
            status.address = str(status.door.start())
        except Exception as exc:
            self._failed(status, "could not start", exc)
            return False
        status.state, status.error = "up", None
        logger.info("Front door {} ({}) serving at {}", status.name, status.plugin, status.address)
        return True

    def supervise(self) -> None:
        """Health-check the server doors when the interval has passed; restart those that are down."""
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + self.check_interval_s
        for status in self._alive(ServerDoor, include_failed=True):
            if status.state == "up":
                report = self._health_of(status)
                if report.get("ok"):
                    continue
                status.state = "down"
                status.error = str(report.get("error") or "its health check failed")
                logger.warning("Front door {} is down ({}); restarting it", status.name, status.error)
                self._stop_one(status)
            status.restarts += 1
            self._start_one(status)

    def next_check_in(self) -> float | None:
        """Seconds until :meth:`supervise` has work (None: no server door to check)."""
        if not self._alive(ServerDoor, include_failed=True):
            return None
        return max(0.0, self._next_check - time.monotonic())

    def _health_of(self, status: DoorStatus) -> dict[str, Any]:
        try:
            report = status.door.health()
        except Exception as exc:
            return {"ok": False, "error": f"health() raised {type(exc).__name__}: {exc}"}
        return report if isinstance(report, dict) else {"ok": False, "error": "health() is not a dict"}

    def stop(self) -> None:
        """Stop the server doors, last started first."""
        for status in reversed(self._alive(ServerDoor, include_failed=True)):
            self._stop_one(status)
            status.state = "stopped"

    def _stop_one(self, status: DoorStatus) -> None:
        try:
            status.door.stop()
        except Exception:
            logger.opt(exception=True).error("Stopping front door {} failed", status.name)

    def describe(self) -> dict[str, dict[str, Any]]:
        """Every door by name, for the daemon's status."""
        return {name: status.as_dict() for name, status in self.doors.items()}

    def addresses(self) -> dict[str, str]:
        """The address of every server door that is up."""
        return {name: s.address for name, s in self.doors.items() if s.state == "up" and s.address}

    def _alive(self, kind: type, *, include_failed: bool = False) -> list[DoorStatus]:
        return [s for s in self.doors.values() if isinstance(s.door, kind)
                and (include_failed or s.state != "failed")]

    def _failed(self, status: DoorStatus, what: str, exc: BaseException | None = None) -> None:
        detail = f": {type(exc).__name__}: {exc}" if exc is not None else ""
        status.state, status.error = "failed", f"front door {status.name!r} {what}{detail}"
        self.doors.setdefault(status.name, status)
        logger.error("{}", status.error)
        self.plugins.record_error(status.plugin, status.error, exc)


__all__ = ["DoorStatus", "FrontDoors", "RouteDoor", "ServerDoor"]
