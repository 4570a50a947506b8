"""The daemon's fleet front door: the work-queue worker (a server door: started before READY,
health-checked, stopped first on SIGTERM) and ``GET /fleet`` (a route door); ``[fleet]``'s model.

The built-in plugin :mod:`wwiseflowd.default_plugins.fleet` declares both.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FleetConfig(BaseModel):
    """``[fleet]``: what this daemon serves in a fleet sharing one Redis (``[store] backend = "redis"``)."""

    model_config = ConfigDict(extra="forbid")

    serves: list[str] | None = Field(
        default=None, description="Projects whose queued runs this daemon takes (default: the connected "
                                  "Wwise project's name).")
    daemon_id: str | None = Field(default=None,
                                  description="This daemon in GET /fleet (default: host:state dir).")
    lease_s: float = Field(default=15.0, ge=0.2, le=3600,
                           description="A run whose daemon stops renewing it for this long is taken over.")


def fleet_settings(settings: Any) -> FleetConfig:
    """``[fleet]`` as validated by the plugin manager (defaults when absent or not yet validated)."""
    try:
        return settings.section("fleet")
    except KeyError:
        return FleetConfig.model_validate(settings.plugin_section("fleet"))


def default_daemon_id(settings: Any) -> str:
    """``host:state dir``: unique per daemon (one daemon per state dir is enforced by its lock)."""
    return f"{socket.gethostname()}:{settings.paths.state_dir}"


class FleetDoor:
    """The worker (a server door) and ``GET /fleet`` (a route door) of one daemon."""

    def __init__(self, engine: Any, settings: Any) -> None:
        self.engine = engine
        self.settings = settings
        self.config = fleet_settings(settings)
        self.worker: Any = None
        self.forwarder: Any = None

    def serves(self) -> list[str]:
        """``[fleet] serves``, or the connected project's name (its .wproj file's stem)."""
        if self.config.serves is not None:
            return list(self.config.serves)
        backends = self.engine.health(probe=True).get("backends", {})
        paths = [b.get("project") for b in backends.values() if isinstance(b, dict) and b.get("project")]
        return [Path(str(path)).stem for path in paths[:1]]

    def daemon_id(self) -> str:
        """``[fleet] daemon_id``, or host:state dir."""
        return self.config.daemon_id or default_daemon_id(self.settings)

    def add_routes(self, app: Any) -> None:
        """``GET /fleet``: every daemon, what it serves, its heartbeat and queue depth;
        ``GET /fleet/events``: every daemon's execution events (server-sent events)."""
        from fastapi import APIRouter
        from fastapi.concurrency import run_in_threadpool

        from wwiseflowd.fleet.routes import add_fleet_events

        router = APIRouter(tags=["fleet"])

        @router.get("/fleet", operation_id="getFleet", summary="The daemons sharing this Redis")
        async def get_fleet() -> dict[str, Any]:
            return await run_in_threadpool(fleet_view, self.settings)

        add_fleet_events(router, self.settings)
        app.include_router(router)
        metrics = getattr(app.state, "metrics", None)
        if metrics is not None:  # a fleet's scrapes tell the daemons apart
            metrics.labels["daemon"] = self.daemon_id()

    def start(self) -> str:
        """Join the fleet and start taking runs; the address shown in the daemon's status."""
        from wwiseflowd.fleet.connection import fleet_client, fleet_queue, fleet_roster
        from wwiseflowd.fleet.events import EventForwarder
        from wwiseflowd.fleet.worker import FleetWorker

        self.stop()
        daemon_id = self.daemon_id()
        self.worker = FleetWorker(self.engine, fleet_queue(self.settings), fleet_roster(self.settings),
                                  daemon_id=daemon_id, serves=self.serves(), lease_s=self.config.lease_s,
                                  resolve_serves=self.serves)
        self.worker.start()
        prefix = self.settings.store.key_prefix
        self.forwarder = EventForwarder(fleet_client(self.settings), prefix, daemon_id)
        self.forwarder.start(self.engine)
        return f"{daemon_id} serving {', '.join(self.worker.serves) or 'nothing'}"

    def health(self) -> dict[str, Any]:
        """ok while both worker loops run and Redis answers; not ok makes the daemon restart the door
        (every few seconds: the reconnection back-off) and ``/health`` report the error."""
        worker = self.worker
        if worker is None:
            return {"ok": False, "error": "not started"}
        error = worker.last_error
        if error is not None:
            where = str(self.settings.store.url).split("@")[-1]
            error = (f"the fleet's Redis at {where} does not answer ({error}); queued runs wait there and "
                     f"this daemon reconnects by itself")
        return {"ok": worker.alive() and error is None, "error": error, "serves": worker.serves,
                "running": sorted(worker.running), "taken": worker.taken}

    def stop(self) -> None:
        """Stop taking runs (the one in hand finishes) and leave the roster."""
        if self.worker is not None:
            self.worker.stop()
            self.worker = None
        if self.forwarder is not None:
            self.forwarder.stop()
            self.forwarder = None


def fleet_view(settings: Any) -> dict[str, Any]:
    """The ``GET /fleet`` / ``status --fleet`` answer read from Redis."""
    from wwiseflowd.fleet.connection import fleet_queue, fleet_roster

    return fleet_roster(settings).view(fleet_queue(settings))
