"""``GrpcDoor``: the gRPC server as a front door the daemon starts, health-checks and stops."""

from __future__ import annotations

import threading
from concurrent import futures

import grpc
from grpc_reflection.v1alpha import reflection
from loguru import logger

from wwiseflowd.api.security import is_loopback
from wwiseflowd.config import Settings
from wwiseflowd.operations import LocalOperations
from wwiseflowd_grpc import wwiseflow_pb2 as pb
from wwiseflowd_grpc import wwiseflow_pb2_grpc as pb_grpc
from wwiseflowd_grpc.auth import TokenInterceptor
from wwiseflowd_grpc.calls import Calls
from wwiseflowd_grpc.config import GrpcConfig
from wwiseflowd_grpc.servicer import WwiseFlowServicer

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["WwiseFlow"].full_name  # "wwiseflow.v1.WwiseFlow"
#: seconds a health check waits for the server to accept a connection
HEALTH_TIMEOUT_S = 2.0


class GrpcDoorError(RuntimeError):
    """The gRPC door cannot start; the message says why and what to change."""


class GrpcDoor:
    """A ``ServerDoor``: ``start() -> address``, ``health()``, ``stop()``."""

    def __init__(self, service: LocalOperations, settings: Settings, config: GrpcConfig) -> None:
        self.service = service
        self.settings = settings
        self.config = config
        self.token = settings.server.token
        self.address: str | None = None
        self._server: grpc.Server | None = None
        self._stopping = threading.Event()

    def start(self) -> str:
        """Bind, serve, return ``host:port`` (the real port when configured 0)."""
        host = self.config.host
        if not (is_loopback(host) or self.token):
            raise GrpcDoorError(f"Refusing to serve gRPC on {host!r} without a token: anyone on the network "
                                f"could drive Wwise. Set [server] token, or [grpc] host = \"127.0.0.1\".")
        self._stopping.clear()
        server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=self.config.max_workers, thread_name_prefix="grpc"),
            interceptors=[TokenInterceptor(self.token)] if self.token else [],
            options=[("grpc.so_reuseport", 0)],  # a second daemon must not share the port silently
        )
        pb_grpc.add_WwiseFlowServicer_to_server(
            WwiseFlowServicer(Calls(self.service), self._stopping), server)
        reflection.enable_server_reflection((SERVICE_NAME, reflection.SERVICE_NAME), server)
        bind = f"[{host}]:{self.config.port}" if ":" in host else f"{host}:{self.config.port}"
        try:
            port = server.add_insecure_port(bind)
        except RuntimeError as exc:
            raise GrpcDoorError(f"gRPC could not bind {bind} ({exc}); is the port in use? Change "
                                f"[grpc] port or stop the other process.") from None
        if port == 0:
            raise GrpcDoorError(f"gRPC could not bind {bind}; is the port in use? Change [grpc] port.")
        server.start()
        self._server = server
        self.address = bind.rsplit(":", 1)[0] + f":{port}"
        return self.address

    def health(self) -> dict[str, object]:
        """Ok when the server accepts a connection now."""
        if self._server is None or self.address is None:
            return {"ok": False, "error": "the gRPC server is not running"}
        with grpc.insecure_channel(self.address) as channel:
            try:
                grpc.channel_ready_future(channel).result(timeout=HEALTH_TIMEOUT_S)
            except grpc.FutureTimeoutError:
                return {"ok": False, "error": f"{self.address} does not accept connections"}
        return {"ok": True, "address": self.address}

    def stop(self) -> None:
        """End open streams, give in-flight calls ``grace_s``, release the port."""
        self._stopping.set()
        server, self._server = self._server, None
        if server is not None:
            server.stop(self.config.grace_s).wait(self.config.grace_s + 5)
            logger.info("gRPC server at {} stopped", self.address)
