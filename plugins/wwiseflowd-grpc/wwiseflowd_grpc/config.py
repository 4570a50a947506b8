"""``[grpc]`` in wwiseflowd.toml: declared through ``register_config_sections``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_PORT = 50051


class GrpcConfig(BaseModel):
    """The gRPC front door. Auth uses the daemon's ``[server] token`` (metadata ``authorization``)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(default=False, description="Serve gRPC while `wwiseflowd run` runs.")
    host: str = Field(
        default="127.0.0.1", description="Loopback by default; another host needs [server] token."
    )
    port: int = Field(default=DEFAULT_PORT, ge=0, le=65535, description="0 picks a free port.")
    max_workers: int = Field(
        default=16, ge=1, le=256, description="Calls served at once; each open StreamEvents holds one."
    )
    grace_s: float = Field(default=3.0, ge=0, description="Seconds in-flight calls get when stopping.")
