"""The door's own rules, and ``wwiseflowd run`` as a process: gRPC starts and stops with it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_daemon import wait_for_runtime
from pydantic import ValidationError
from wwiseflowd_grpc import grpc_door
from wwiseflowd_grpc import wwiseflow_pb2 as pb
from wwiseflowd_grpc import wwiseflow_pb2_grpc as pb_grpc
from wwiseflowd_grpc.calls import decode_inputs
from wwiseflowd_grpc.server import GrpcDoor, GrpcDoorError

from wwiseflowd.config import settings_for_tests
from wwiseflowd.engine import Engine
from wwiseflowd.operations import LocalOperations
from wwiseflowd.plugins import load_plugins


def test_map_inputs_are_json_unless_declared_strings_and_inputs_json_wins() -> None:
    document = {"inputs": {"name": {"type": "string"}, "files": {"type": "array"}}}
    decoded = decode_inputs(document, {"name": "123", "files": '["a.wav"]', "loose": "not json", "n": "3"},
                            '{"n": 4}')
    assert decoded.data == {"name": "123", "files": ["a.wav"], "loose": "not json", "n": 4}
    refused = decode_inputs(document, {}, "[1]")
    assert (refused.ok, refused.code) == (False, "INVALID_INPUT")


def test_the_door_is_off_unless_enabled_and_the_grpc_section_is_strict(tmp_path: Path) -> None:
    assert grpc_door(None, settings_for_tests(tmp_path)) is None
    settings = settings_for_tests(tmp_path, grpc={"enabled": True, "prot": 1})
    plugins = load_plugins(settings)
    problems = plugins.check_config(settings)
    assert any(p.startswith("config grpc.prot: unknown key (did you mean 'port'?") for p in problems)
    with pytest.raises(ValidationError):
        grpc_door(None, settings)


def test_another_host_than_loopback_needs_a_token(tmp_path: Path) -> None:
    settings = settings_for_tests(tmp_path, grpc={"enabled": True, "host": "0.0.0.0", "port": 0})
    with Engine(settings) as engine:
        door = grpc_door(LocalOperations(engine), settings)
        with pytest.raises(GrpcDoorError, match="without a token"):
            door.start()


def test_a_taken_port_is_refused_with_a_sentence_and_health_says_down(tmp_path: Path) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    settings = settings_for_tests(tmp_path, grpc={"enabled": True, "port": port})
    try:
        with Engine(settings) as engine:
            door: GrpcDoor = grpc_door(LocalOperations(engine), settings)
            with pytest.raises(GrpcDoorError, match=f"could not bind 127.0.0.1:{port}"):
                door.start()
            assert door.health()["ok"] is False
    finally:
        taken.close()


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ready_waits_for_the_grpc_server_and_sigterm_stops_it_with_the_daemon(tmp_path: Path) -> None:
    config = tmp_path / "wwiseflowd.toml"
    config.write_text("\n".join([
        "[paths]", f'state_dir = "{tmp_path / "state"}"', f'logs_dir = "{tmp_path / "logs"}"',
        f'workflows_dir = "{tmp_path / "workflows"}"', f'plugins_dir = "{tmp_path / "plugins"}"',
        "[server]", "enabled = false", "[grpc]", "enabled = true", "port = 0",
    ]) + "\n")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # plays systemd (Type=notify)
    notify.bind(str(tmp_path / "notify.sock"))
    notify.settimeout(60)
    command = [sys.executable, "-m", "wwiseflowd", "--config", str(config), "run", "--simulate"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "WWISEFLOWD_STRICT_PLUGINS": "1",
                                 "NOTIFY_SOCKET": str(tmp_path / "notify.sock")})
    try:
        ready = notify.recv(4096).decode()
        runtime: dict[str, Any] = wait_for_runtime(tmp_path / "state", "grpc", timeout=5)
        address = runtime["frontDoors"]["grpc"]
        assert ready.startswith("READY=1") and f"grpc at {address}" in ready  # serving before READY
        with grpc.insecure_channel(address) as channel:
            reply = pb_grpc.WwiseFlowStub(channel).Validate(pb.ValidateRequest(
                workflow_json=json.dumps({"id": "w", "nodes": [{"id": "n", "type": "projectSave"}]})))
            assert reply.steps == 1
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        notify.close()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert f"gRPC server at {address} stopped" in out and "Stopped cleanly" in out
    host, port = address.rsplit(":", 1)
    with pytest.raises(OSError):
        socket.create_connection((host, int(port)), timeout=2).close()
