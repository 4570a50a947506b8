"""Front doors from plugins: the hook, building, routes, server doors, health checks, the daemon."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from wwiseflowd import hookimpl
from wwiseflowd.config import settings_for_tests
from wwiseflowd.daemon.run import RunOptions, run_daemon
from wwiseflowd.frontdoors import FrontDoors, RouteDoor, ServerDoor
from wwiseflowd.plugins import PluginError, Plugins


class EchoDoor:
    """A real TCP server door: echoes one line back. ``crash()`` closes it behind the daemon's back."""

    def __init__(self) -> None:
        self.server: socketserver.TCPServer | None = None
        self.started = 0
        self.stopped = 0

    def start(self) -> str:
        class Echo(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.wfile.write(self.rfile.readline())

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.started += 1
        return f"127.0.0.1:{self.server.server_address[1]}"

    def health(self) -> dict[str, Any]:
        return {"ok": self.server is not None}

    def crash(self) -> None:
        self.stop()
        self.stopped -= 1  # not a stop the daemon asked for

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        self.stopped += 1


def echo(address: str) -> bytes:
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(b"hello\n")
        return conn.recv(100)


class RoutesDoor:
    def add_routes(self, app: Any) -> None:
        @app.get("/hello")
        def hello() -> dict[str, str]:
            return {"hello": "from a plugin"}


def doors_plugin(**factories: Callable[[Any, Any], Any]) -> object:
    class Doors:
        @hookimpl
        def register_front_doors(self, register: Callable[[str, Any], None]) -> None:
            for name, factory in factories.items():
                register(name, factory)

    return Doors()


def test_hook_register_front_doors_adds_factories_by_name_and_refuses_a_second_claim() -> None:
    plugins = Plugins()
    plugins.register(doors_plugin(grpc=lambda service, settings: EchoDoor()), name="grpc_plugin")
    plugins.register(doors_plugin(grpc=lambda service, settings: None), name="other")
    registry = plugins.registry()
    assert registry.plugin_of("front door", "grpc") == "grpc_plugin"
    assert isinstance(registry.front_doors["grpc"]("service", "settings"), EchoDoor)
    [error] = [e for e in plugins.errors if e.startswith("other:")]
    assert "front door 'grpc' is registered by both plugin 'grpc_plugin' and plugin 'other'" in error


def test_hook_register_front_doors_factories_get_the_service_and_settings(tmp_path: Path) -> None:
    seen: list[tuple[Any, Any]] = []
    settings = settings_for_tests(tmp_path)
    plugins = Plugins()
    plugins.register(doors_plugin(spy=lambda service, s: seen.append((service, s))), name="spy")
    doors = FrontDoors(plugins, "the service", settings).build()
    assert seen == [("the service", settings)]
    assert doors.doors == {}  # a factory that returns None: the door is disabled


def test_a_door_is_a_route_door_a_server_door_or_refused(tmp_path: Path) -> None:
    assert isinstance(RoutesDoor(), RouteDoor) and not isinstance(RoutesDoor(), ServerDoor)
    assert isinstance(EchoDoor(), ServerDoor) and not isinstance(EchoDoor(), RouteDoor)
    plugins = Plugins()
    plugins.register(doors_plugin(odd=lambda service, settings: object()), name="odd_plugin")
    doors = FrontDoors(plugins, None, settings_for_tests(tmp_path)).build()
    assert doors.describe()["odd"]["state"] == "failed"
    assert "is neither a RouteDoor" in plugins.errors[0]


def test_a_broken_factory_is_recorded_and_the_other_doors_still_start(tmp_path: Path) -> None:
    def broken(service: Any, settings: Any) -> Any:
        raise RuntimeError("no grpcio here")

    good = EchoDoor()
    plugins = Plugins()
    plugins.register(doors_plugin(broken=broken), name="broken_plugin")
    plugins.register(doors_plugin(echo=lambda service, settings: good), name="echo_plugin")
    doors = FrontDoors(plugins, None, settings_for_tests(tmp_path)).build()
    doors.start()
    try:
        state = doors.describe()
        assert state["broken"]["state"] == "failed" and "no grpcio here" in state["broken"]["error"]
        assert state["echo"]["state"] == "up"
        assert echo(doors.addresses()["echo"]) == b"hello\n"
        assert any("broken_plugin: front door 'broken' could not be built" in e for e in plugins.errors)
    finally:
        doors.stop()
    assert good.server is None and doors.describe()["echo"]["state"] == "stopped"


def test_strict_mode_makes_a_broken_door_an_exception(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WWISEFLOWD_STRICT_PLUGINS", "1")
    plugins = Plugins()
    plugins.register(doors_plugin(odd=lambda service, settings: 42), name="odd_plugin")
    with pytest.raises(PluginError, match="front door 'odd' is neither"):
        FrontDoors(plugins, None, settings_for_tests(tmp_path)).build()


def test_route_doors_add_their_routes_to_the_app(tmp_path: Path) -> None:
    plugins = Plugins()
    plugins.register(doors_plugin(hello=lambda service, settings: RoutesDoor()), name="hello_plugin")
    doors = FrontDoors(plugins, None, settings_for_tests(tmp_path)).build()
    app = FastAPI()
    doors.add_routes(app)
    assert "/hello" in {getattr(route, "path", None) for route in app.routes}
    assert doors.describe()["hello"] == {"plugin": "hello_plugin", "kinds": ["routes"], "state": "up",
                                         "address": None, "error": None, "restarts": 0}


def test_the_daemon_waits_for_the_next_health_check_only_when_a_server_door_needs_one(
    tmp_path: Path,
) -> None:
    plugins = Plugins()
    plugins.register(doors_plugin(hello=lambda service, settings: RoutesDoor()), name="hello_plugin")
    routes_only = FrontDoors(plugins, None, settings_for_tests(tmp_path)).build()
    assert routes_only.has_routes() and routes_only.next_check_in() is None  # no timer at all
    plugins.register(doors_plugin(echo=lambda service, settings: EchoDoor()), name="echo_plugin")
    doors = FrontDoors(plugins, None, settings_for_tests(tmp_path), check_interval_s=30.0).build()
    doors.start()
    try:
        wait = doors.next_check_in()
        assert wait is not None and 25.0 < wait <= 30.0
    finally:
        doors.stop()


def test_a_server_door_that_goes_down_is_restarted_at_the_next_health_check(tmp_path: Path) -> None:
    door = EchoDoor()
    plugins = Plugins()
    plugins.register(doors_plugin(echo=lambda service, settings: door), name="echo_plugin")
    doors = FrontDoors(plugins, None, settings_for_tests(tmp_path), check_interval_s=0.0).build()
    doors.start()
    try:
        first = doors.addresses()["echo"]
        door.crash()
        doors.supervise()
        state = doors.describe()["echo"]
        assert (state["state"], state["restarts"], door.started) == ("up", 1, 2)
        assert echo(doors.addresses()["echo"]) == b"hello\n"
        assert first  # the old address is gone, the new one serves
    finally:
        doors.stop()


def test_a_server_door_that_failed_to_start_is_tried_again(tmp_path: Path) -> None:
    class FlakyDoor(EchoDoor):
        def start(self) -> str:
            if self.started == 0:
                self.started += 1
                raise OSError("address already in use")
            return super().start()

    door = FlakyDoor()
    plugins = Plugins()
    plugins.register(doors_plugin(flaky=lambda service, settings: door), name="flaky_plugin")
    doors = FrontDoors(plugins, None, settings_for_tests(tmp_path), check_interval_s=0.0).build()
    doors.start()
    try:
        assert doors.describe()["flaky"]["state"] == "failed"
        assert "address already in use" in doors.describe()["flaky"]["error"]
        doors.supervise()
        assert doors.describe()["flaky"]["state"] == "up"
    finally:
        doors.stop()


# -- in the daemon ---------------------------------------------------------------------------------

DOORS_PLUGIN_FILE = '''
import socketserver, threading
from wwiseflowd import hookimpl

class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(self.rfile.readline())

class EchoDoor:
    def __init__(self, service):
        self.service = service
        self.server = None
    def start(self):
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return "127.0.0.1:%d" % self.server.server_address[1]
    def health(self):
        return {"ok": self.server is not None}
    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.server = None

class Hello:
    def __init__(self, service):
        self.service = service
    def add_routes(self, app):
        @app.get("/hello")
        def hello():
            return {"nodeTypes": len(self.service.catalog().data), "source": self.service.source}

class Broken(EchoDoor):
    def start(self):
        raise OSError("address already in use")

@hookimpl
def register_front_doors(register):
    register("echo", lambda service, settings: EchoDoor(service))
    register("hello", lambda service, settings: Hello(service))
    register("broken", lambda service, settings: Broken(service))
'''


@contextmanager
def running_daemon(tmp_path: Path) -> Iterator[tuple[dict[str, Any], str]]:
    """``wwiseflowd run`` (in a thread) with a plugins-dir plugin adding an echo server and a route."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "doors.py").write_text(DOORS_PLUGIN_FILE)
    settings = settings_for_tests(tmp_path, server={"port": 0, "token": "s3cret"})
    stop = threading.Event()
    thread = threading.Thread(target=run_daemon, args=(settings, RunOptions(stop_event=stop)), daemon=True)
    thread.start()
    runtime_file = settings.paths.state_dir / "runtime.json"
    deadline = time.monotonic() + 30
    while not (runtime_file.exists() and "frontDoors" in runtime_file.read_text()):
        assert time.monotonic() < deadline, "the daemon did not get ready"
        time.sleep(0.05)
    runtime = json.loads(runtime_file.read_text())
    try:
        yield runtime, runtime["frontDoors"]["echo"]
    finally:
        stop.set()
        thread.join(30)


@pytest.fixture
def daemon_with_doors(tmp_path: Path) -> Iterator[tuple[dict[str, Any], str]]:
    """(runtime.json, the echo door's address) of a running daemon."""
    with running_daemon(tmp_path) as running:
        yield running


def get(url: str, token: str | None = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.integration
def test_the_daemon_serves_plugin_routes_behind_its_token_and_runs_server_doors_until_it_stops(
    daemon_with_doors: tuple[dict[str, Any], str],
) -> None:
    runtime, echo_address = daemon_with_doors
    assert echo(echo_address) == b"hello\n"
    status, body = get(runtime["apiUrl"] + "/hello", "s3cret")
    assert status == 200 and body["nodeTypes"] > 0  # the door got the daemon's service layer
    assert body["source"] == "hello"  # its bus commands are audited under the door's name
    status, body = get(runtime["apiUrl"] + "/hello")
    assert (status, body["code"]) == (401, "UNAUTHORIZED")  # same token rule as every route
    status, health = get(runtime["apiUrl"] + "/health", "s3cret")
    assert health["frontDoors"]["echo"]["state"] == "up"
    assert health["frontDoors"]["hello"]["kinds"] == ["routes"]
    assert health["status"] == "degraded" and health["frontDoors"]["broken"]["state"] == "failed"
    assert ("Front door broken is failed: front door 'broken' could not start: OSError: address already "
            "in use.") in health["problems"]
    assert "broken" not in runtime["frontDoors"]


@pytest.mark.integration
def test_stopping_the_daemon_stops_its_server_doors(tmp_path: Path) -> None:
    with running_daemon(tmp_path) as (_runtime, echo_address):
        assert echo(echo_address) == b"hello\n"
    with pytest.raises(OSError):
        echo(echo_address)
