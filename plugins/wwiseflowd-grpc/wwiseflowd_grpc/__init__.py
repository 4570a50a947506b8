"""wwiseflowd-grpc: a gRPC front door (``wwiseflow.v1.WwiseFlow``), a model front-door plugin.

Switched on with ``[grpc] enabled = true``; the daemon then serves ``Validate``, ``Execute``,
``StreamEvents`` and ``RunCommand`` on ``[grpc] host:port`` (127.0.0.1:50051), with server
reflection, the ``[server] token`` as metadata and failures as gRPC status codes carrying the
Result. The plugin contract is the two hooks below plus the entry point in ``pyproject.toml``::

    [project.entry-points.wwiseflowd]
    grpc = "wwiseflowd_grpc"

grpcio is imported only when the door is built, so the CLI does not pay for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from wwiseflowd import hookimpl
from wwiseflowd.config import Settings
from wwiseflowd_grpc.config import GrpcConfig

__version__ = "0.1.0"


def grpc_door(service: Any, settings: Settings) -> Any:
    """The front door factory: a :class:`~wwiseflowd_grpc.server.GrpcDoor`, or None when disabled."""
    config = GrpcConfig.model_validate(settings.plugin_section("grpc"))
    if not config.enabled:
        return None
    from wwiseflowd_grpc.server import GrpcDoor

    return GrpcDoor(service, settings, config)


@hookimpl
def register_config_sections(register: Callable[[str, type[BaseModel]], None]) -> None:
    """Own ``[grpc]`` in wwiseflowd.toml."""
    register("grpc", GrpcConfig)


@hookimpl
def register_front_doors(register: Callable[[str, Any], None]) -> None:
    """Add the gRPC door."""
    register("grpc", grpc_door)


__all__ = ["GrpcConfig", "grpc_door", "register_config_sections", "register_front_doors"]
