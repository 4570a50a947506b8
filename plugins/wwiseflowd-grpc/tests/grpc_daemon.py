"""``wwiseflowd run`` (in a thread) with the gRPC door on, against the emulator, and a real client."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from wwiseflowd_grpc import wwiseflow_pb2_grpc as pb_grpc

from wwiseflowd.config import Settings, settings_for_tests
from wwiseflowd.daemon.run import RunOptions, run_daemon

TOKEN = "s3cret-token"


@dataclass
class GrpcDaemon:
    """A running daemon with its gRPC door: the address, a stub and the call metadata."""

    address: str
    settings: Settings
    audio: Path
    channel: grpc.Channel
    stub: pb_grpc.WwiseFlowStub
    metadata: tuple[tuple[str, str], ...]


def daemon_settings(tmp_path: Path, url: str, token: str | None) -> Settings:
    """A daemon on the emulator at ``url`` with REST and gRPC on free loopback ports."""
    audio = tmp_path / "audio"
    audio.mkdir(parents=True, exist_ok=True)
    return settings_for_tests(
        tmp_path,
        wwise={"url": url, "connect_timeout": 3, "call_timeout": 10},
        server={"port": 0, "token": token, "allowed_roots": [str(audio)]},
        engine={"retries": 0},
        grpc={"enabled": True, "port": 0},
    )


def wait_for_runtime(state_dir: Path, key: str, timeout: float = 30.0) -> dict[str, Any]:
    """runtime.json once it names the ``key`` front door's address."""
    path = state_dir / "runtime.json"
    deadline = time.monotonic() + timeout
    while True:
        try:
            runtime: dict[str, Any] = json.loads(path.read_text())
            if key in runtime.get("frontDoors", {}):
                return runtime
        except (OSError, ValueError):
            pass
        assert time.monotonic() < deadline, f"no {key} front door in {path}"
        time.sleep(0.05)


def running_daemon(tmp_path: Path, waapi_sim: Any, token: str | None) -> Iterator[GrpcDaemon]:
    """Run the daemon until the generator is closed; yields the connected client side."""
    settings = daemon_settings(tmp_path, waapi_sim.url, token)
    stop = threading.Event()
    thread = threading.Thread(target=run_daemon, args=(settings, RunOptions(stop_event=stop)), daemon=True)
    thread.start()
    try:
        address = wait_for_runtime(settings.paths.state_dir, "grpc")["frontDoors"]["grpc"]
        with grpc.insecure_channel(address) as channel:
            metadata = (("authorization", f"Bearer {token}"),) if token else ()
            yield GrpcDaemon(address, settings, tmp_path / "audio", channel,
                             pb_grpc.WwiseFlowStub(channel), metadata)
    finally:
        stop.set()
        thread.join(30)
