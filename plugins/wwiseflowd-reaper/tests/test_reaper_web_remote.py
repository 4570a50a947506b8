"""The web remote: the stand-in's HTTP server answered by the client, port probing, online renders."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from wwiseflowd_reaper.backend import ReaperBackend
from wwiseflowd_reaper.errors import ReaperFailure
from wwiseflowd_reaper.project import read_project
from wwiseflowd_reaper.settings import ReaperConfig
from wwiseflowd_reaper.sim.projects import RegionSpec
from wwiseflowd_reaper.sim.web import SimWebServer
from wwiseflowd_reaper.webremote import WebRemote, probe

from wwiseflowd.results import ErrorCode
from wwiseflowd.sim import Emulator

pytestmark = pytest.mark.integration
MakeProject = Callable[..., Path]


@pytest.fixture
def project(make_project: MakeProject) -> Path:
    return make_project([RegionSpec("Door\tOpen", 0, 1.5, color=16777471), RegionSpec("Hit_01", 2, 2.5)],
                        markers=[("Sync", 1.25)])


@pytest.fixture
def server(project: Path) -> Iterator[SimWebServer]:
    with SimWebServer(project) as running:
        yield running


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_regions_markers_and_transport_come_over_http(server: SimWebServer) -> None:
    remote = WebRemote(server.url)
    assert [(r.name, r.id, r.start, r.end, r.color) for r in remote.regions()] == [
        ("Door\tOpen", 1, 0.0, 1.5, 16777471), ("Hit_01", 2, 2.0, 2.5, 0)]
    assert [(m.name, m.position) for m in remote.markers()] == [("Sync", 1.25)]
    assert remote.transport() == {"playstate": 0, "position": 0.0}
    assert remote.command("TRANSPORT", "NTRACK")[1] == ["NTRACK", "1"]


def test_basic_auth_is_sent_and_a_missing_password_is_explained(project: Path) -> None:
    with SimWebServer(project, auth=("me", "secret")) as server:
        assert WebRemote(server.url, "me", "secret").transport()["playstate"] == 0
        with pytest.raises(ReaperFailure, match="wants a user and password: set \\[reaper\\] web_user"):
            WebRemote(server.url).regions()


def test_probe_tells_reaper_waapi_nothing_and_something_else_apart(
    server: SimWebServer, waapi_sim: Emulator,
) -> None:
    assert probe(server.url).owner == "reaper"
    waapi_port = waapi_sim.url.rsplit(":", 1)[1].split("/")[0]
    found = probe(f"http://127.0.0.1:{waapi_port}")
    assert found.owner == "waapi" and "both default to port 8080" in found.detail
    assert probe(f"http://127.0.0.1:{free_port()}").owner == "closed"


def test_a_web_url_pointing_at_wwise_says_so_instead_of_failing_obscurely(waapi_sim: Emulator) -> None:
    port = waapi_sim.url.rsplit(":", 1)[1].split("/")[0]
    with pytest.raises(ReaperFailure) as excinfo:
        WebRemote(f"http://127.0.0.1:{port}", timeout=2).regions()
    assert excinfo.value.code == ErrorCode.REAPER_UNAVAILABLE
    assert excinfo.value.message.startswith(f"Wwise's WAAPI (WebSocket) answers on 127.0.0.1:{port}")


def test_an_online_render_triggers_action_42230_and_waits_for_the_files(
    server: SimWebServer, project: Path, tmp_path: Path,
) -> None:
    server.state.render_delay_s = 0.3
    backend = ReaperBackend(ReaperConfig(web_url=server.url, render_timeout_s=10), tmp_path / "state")
    targets = backend.render_online(read_project(project))
    assert server.state.actions == ["42230"] and server.state.renders == 1
    assert [t.path.name for t in targets] == ["Door_Open.wav", "Hit_01.wav"]
    assert all(t.path.is_file() for t in targets)
    assert backend.stats()["render_online"]["count"] == 1
    assert backend.health()["connected"] is False, "not probed yet: health never touches the network"
    assert backend.connect().ok
    assert backend.health()["mode"] == "web" and backend.health()["connected"] is True


def test_an_online_render_that_never_comes_fails_after_the_timeout(
    server: SimWebServer, project: Path, tmp_path: Path,
) -> None:
    server.state.render_delay_s = 30
    backend = ReaperBackend(ReaperConfig(web_url=server.url), tmp_path / "state")
    with pytest.raises(ReaperFailure, match="did not finish the render within 0 s; not written: Door\tOpen"):
        backend.render_online(read_project(project), timeout_s=0.3)


def test_the_console_script_serves_the_web_remote(project: Path, sim_exe: Path) -> None:
    proc = subprocess.Popen([str(sim_exe), "--web", "--port", "0", str(project)], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert [r.name for r in WebRemote(url).regions()] == ["Door\tOpen", "Hit_01"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_console_script_without_a_known_flag_prints_usage(sim_exe: Path) -> None:
    done = subprocess.run([str(sim_exe)], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "it is not REAPER" in done.stderr
    done = subprocess.run([sys.executable, "-m", "wwiseflowd_reaper.sim.cli", "-renderproject", "/nope.rpp"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1 and "/nope.rpp: the file does not exist" in done.stderr


def test_a_web_url_on_the_wwise_port_makes_health_say_so(waapi_sim: Emulator, tmp_path: Path) -> None:
    port = waapi_sim.url.rsplit(":", 1)[1].split("/")[0]
    backend = ReaperBackend(ReaperConfig(web_url=f"http://127.0.0.1:{port}"), tmp_path / "state")
    failed = backend.connect()
    assert not failed.ok and failed.code == "REAPER_UNAVAILABLE"
    health = backend.health()
    assert health["connected"] is False and health["webRemote"]["owner"] == "waapi"
    assert "both default to port 8080" in health["lastError"]


def test_reaper_answering_on_the_wwise_url_is_named_in_health(server: SimWebServer, tmp_path: Path) -> None:
    port = server.url.rsplit(":", 1)[1]
    backend = ReaperBackend(ReaperConfig(), tmp_path / "state", wwise_url=f"ws://127.0.0.1:{port}/waapi")
    assert "portClash" not in backend.health()
    assert backend.connect().ok  # offline mode: nothing of its own to connect
    clash = backend.health()["portClash"]
    assert clash.startswith(f"[wwise] url ws://127.0.0.1:{port}/waapi is answered by REAPER's web remote")
    assert "both default to port 8080" in clash


def test_health_looks_for_the_executable_again_only_after_a_while(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # /health is polled: a look through the usual locations and PATH on every request was a twelfth
    # of a busy daemon's CPU in the soak
    exe = tmp_path / "reaper"
    reaper = ReaperBackend(ReaperConfig(executable=exe), tmp_path)
    assert reaper.health()["executable"] is None
    exe.write_text("#!/bin/sh\n")
    assert reaper.health()["executable"] is None, "looked again at once"
    monkeypatch.setattr("wwiseflowd_reaper.backend.EXE_RECHECK_S", 0.0)
    assert reaper.health()["executable"] == str(exe)
