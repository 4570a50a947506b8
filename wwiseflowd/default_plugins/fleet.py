"""The built-in ``fleet`` plugin: ``[fleet]`` and, in a daemon whose store is Redis, the work-queue
worker and ``GET /fleet`` as a front door (:mod:`wwiseflowd.fleet.door`, docs/fleet.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from wwiseflowd.fleet.door import FleetConfig, FleetDoor
from wwiseflowd.hookspecs import hookimpl


@hookimpl
def register_config_sections(register: Callable[[str, type[BaseModel]], None]) -> None:
    """``[fleet]``: serves, daemon_id, lease_s."""
    register("fleet", FleetConfig)


@hookimpl
def register_front_doors(register: Callable[[str, Any], None]) -> None:
    """The fleet worker, only in a daemon whose store is Redis."""

    def factory(service: Any, settings: Any) -> FleetDoor | None:
        if settings.store.backend != "redis":
            return None
        return FleetDoor(service.engine, settings)

    register("fleet", factory)
