"""sd_notify over a real unix datagram socket, and the service files `service print` renders."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from wwiseflowd.system_service import (
    EXAMPLE_FILES,
    EXAMPLE_PATHS,
    SERVICE_KINDS,
    ServicePaths,
    SystemdNotifier,
    render_service,
)

REPO = Path(__file__).resolve().parents[2]
unix_only = pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="needs unix sockets")


@unix_only
def test_ready_reaches_a_real_notify_socket_and_the_variable_is_not_inherited(tmp_path: Path) -> None:
    path = tmp_path / "notify.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(path))
    server.settimeout(5)
    env = {"NOTIFY_SOCKET": str(path)}
    notifier = SystemdNotifier(env)
    try:
        assert notifier.enabled and "NOTIFY_SOCKET" not in env
        assert notifier.ready("watching 2 folders")
        assert server.recv(4096) == b"READY=1\nSTATUS=watching 2 folders"
        assert notifier.stopping()
        assert server.recv(4096) == b"STOPPING=1"
    finally:
        notifier.close()
        server.close()


@unix_only
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="abstract sockets are Linux-only")
def test_notifier_supports_abstract_namespace_sockets() -> None:
    name = f"wwiseflowd-test-{id(object())}"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind("\0" + name)
    server.settimeout(5)
    notifier = SystemdNotifier({"NOTIFY_SOCKET": "@" + name})
    try:
        assert notifier.ready()
        assert server.recv(100) == b"READY=1"
    finally:
        notifier.close()
        server.close()


def test_notifier_is_a_no_op_outside_systemd() -> None:
    notifier = SystemdNotifier({})
    assert not notifier.enabled
    assert notifier.ready() is False
    assert notifier.watchdog_period() is None


def test_watchdog_period_is_half_of_watchdog_usec() -> None:
    import os

    notifier = SystemdNotifier({"WATCHDOG_USEC": "60000000", "WATCHDOG_PID": str(os.getpid())})
    assert notifier.watchdog_period() == 30.0


@pytest.mark.parametrize("kind", SERVICE_KINDS)
def test_config_service_files_are_the_templates_rendered_with_example_paths(kind: str) -> None:
    rendered = render_service(kind, EXAMPLE_PATHS[kind])  # type: ignore[arg-type]
    assert (REPO / "config" / EXAMPLE_FILES[kind]).read_text(encoding="utf-8") == rendered  # type: ignore[index]


def test_rendered_files_carry_this_machines_paths_and_parse(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    paths = ServicePaths.for_this_machine(tmp_path / "my config.toml", tmp_path / "state", tmp_path / "logs")
    unit = render_service("systemd", paths)
    assert "Type=notify" in unit
    assert f'ExecStart={sys.executable} -m wwiseflowd --config "{tmp_path / "my config.toml"}" run' in unit
    plist = ET.fromstring(render_service("launchd", paths).encode())
    args = [e.text for e in plist.iter("string")]
    assert str(tmp_path / "my config.toml") in args and sys.executable in args
    winsw = ET.fromstring(render_service("windows", paths))
    assert winsw.findtext("executable") == sys.executable
    assert winsw.findtext("stoptimeout") == "90 sec"
