"""Two real daemon processes, each with its own emulator, sharing one real redis-server.

Runs submitted for project GameA through one daemon's REST API are executed exactly once across
the fleet; a daemon killed with -9 mid-run loses its lease and the other one takes the run over;
a Redis that goes away shows in /health, submissions are refused, and the daemon recovers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from wwiseflowd.sim import Emulator
from wwiseflowd.testing import RedisServer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"),
]

WORKFLOW = {
    "id": "fleet-sound",
    "inputs": {"name": {"type": "string"}},
    "nodes": [
        {"id": "create", "type": "createSound",
         "data": {"name": "$input:name", "parentPath": "\\Actor-Mixer Hierarchy\\Default Work Unit"}},
        {"id": "save", "type": "projectSave", "data": {}},
    ],
    "edges": [{"id": "create-save", "source": "create", "target": "save"}],
}


def wait_until(predicate: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"condition not met within {timeout} s")


class Daemon:
    """One ``wwiseflowd run`` process with its own emulator and state dir."""

    def __init__(self, root: Path, redis: RedisServer, prefix: str, name: str, latency_ms: float) -> None:
        self.root = root / name
        self.name = name
        self.root.mkdir(parents=True)
        self.sim = Emulator(port=0, project_dir=self.root / "WwiseProject", latency_ms=latency_ms).start()
        self.config = self.root / "wwiseflowd.toml"
        self.config.write_text("\n".join([
            "[paths]", f'state_dir = "{self.root / "state"}"', f'logs_dir = "{self.root / "logs"}"',
            f'workflows_dir = "{self.root / "workflows"}"', f'plugins_dir = "{self.root / "plugins"}"',
            "[server]", "port = 0",
            "[wwise]", f'url = "{self.sim.url}"',
            "[store]", 'backend = "redis"', f'url = "{redis.url}"', f'key_prefix = "{prefix}"',
            "[fleet]", 'serves = ["GameA"]', f'daemon_id = "{name}"', "lease_s = 1.0",
        ]) + "\n")
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> Daemon:
        self.log = (self.root / "daemon.log").open("w")
        command = [sys.executable, "-m", "wwiseflowd", "--config", str(self.config), "run"]
        self.proc = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, text=True)
        wait_until(self.runtime, timeout=90)
        return self

    def runtime(self) -> dict[str, Any] | None:
        try:
            return dict(json.loads((self.root / "state" / "runtime.json").read_text()))
        except (OSError, ValueError):
            return None

    @property
    def api(self) -> str:
        runtime = self.runtime()
        assert runtime is not None
        return str(runtime["apiUrl"])

    def sounds(self) -> list[str]:
        with self.sim.lock:
            return [o.name for o in self.sim.project.objects_of_type("Sound")]

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc is not None:
            self.log.close()
        self.sim.close()


@pytest.fixture
def fleet(tmp_path: Path, redis_server: RedisServer) -> Iterator[Callable[..., Daemon]]:
    prefix = redis_server.prefix()
    started: list[Daemon] = []

    def make(name: str, latency_ms: float = 0.0) -> Daemon:
        daemon = Daemon(tmp_path, redis_server, prefix, name, latency_ms)
        started.append(daemon)
        return daemon.start()

    yield make
    for daemon in started:
        daemon.stop()


def submit(api: str, name: str) -> str:
    body = {"workflow": WORKFLOW, "inputs": {"name": name}, "project": "GameA"}
    answer = httpx.post(f"{api}/workflows/execute", params={"async": "true"}, json=body, timeout=30)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["executionId"])


def statuses(api: str, ids: list[str]) -> dict[str, str]:
    items = httpx.get(f"{api}/executions", params={"limit": 500}, timeout=30).json()["items"]
    return {i["executionId"]: i["status"] for i in items if i["executionId"] in ids}


def test_runs_submitted_for_a_project_run_exactly_once_across_two_daemons(
    fleet: Callable[..., Daemon],
) -> None:
    a, b = fleet("agent-a", latency_ms=5), fleet("agent-b", latency_ms=5)
    fleet_view = httpx.get(f"{a.api}/fleet", timeout=30).json()
    assert {(d["id"], tuple(d["serves"]), d["alive"]) for d in fleet_view["daemons"]} == {
        ("agent-a", ("GameA",), True), ("agent-b", ("GameA",), True)}
    names = [f"Run_{i:03d}" for i in range(40)]
    ids = [submit(a.api, name) for name in names]
    wait_until(lambda: list(statuses(b.api, ids).values()).count("succeeded") == len(ids), timeout=120)
    on_a, on_b = a.sounds(), b.sounds()
    assert sorted(on_a + on_b) == names  # each run applied once, to one daemon's project
    assert on_a and on_b  # both daemons took work
    status = subprocess.run([sys.executable, "-m", "wwiseflowd", "--config", str(a.config), "status",
                             "--fleet", "--json"], capture_output=True, text=True, timeout=60)
    assert status.returncode == 0, status.stderr
    view = json.loads(status.stdout)
    assert sorted(d["id"] for d in view["daemons"]) == ["agent-a", "agent-b"]
    assert all({"id", "pid", "host", "serves", "heartbeatAt", "running", "queueDepth"} <= d.keys()
               for d in view["daemons"])
    assert view["projects"]["GameA"] == {"waiting": 0, "running": 0}


def test_a_daemon_killed_mid_run_loses_its_lease_and_the_other_takes_the_run_over(
    fleet: Callable[..., Daemon],
) -> None:
    a, b = fleet("agent-a", latency_ms=800), fleet("agent-b", latency_ms=800)
    execution_id = submit(a.api, "Survivor")

    def holder() -> str | None:
        daemons = httpx.get(f"{b.api}/fleet", timeout=30).json()["daemons"]
        return next((d["id"] for d in daemons if execution_id in d["running"]), None)

    first = wait_until(holder, timeout=60)
    victim, survivor = (a, b) if first == "agent-a" else (b, a)
    victim.kill9()
    wait_until(lambda: statuses(survivor.api, [execution_id]).get(execution_id) == "succeeded", timeout=90)
    assert survivor.sounds() == ["Survivor"]
    result = httpx.get(f"{survivor.api}/executions/{execution_id}", timeout=30).json()
    assert result["ok"] is True
    view = httpx.get(f"{survivor.api}/fleet", timeout=30).json()
    dead = next(d for d in view["daemons"] if d["id"] == victim.name)
    assert dead["alive"] is False and view["projects"]["GameA"] == {"waiting": 0, "running": 0}


def health(api: str) -> dict[str, Any]:
    return dict(httpx.get(f"{api}/health", timeout=30).json())


def test_redis_going_away_degrades_health_refuses_submissions_and_recovers(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    own = RedisServer().start()  # not the session's server: this test stops it
    again = RedisServer(port=own.port, password=own.password)
    daemon = Daemon(tmp_path, own, "down", "agent-a", latency_ms=0).start()
    try:
        assert health(daemon.api)["frontDoors"]["fleet"]["state"] == "up"
        own.stop()
        degraded = wait_until(lambda: [p for p in health(daemon.api)["problems"] if "fleet" in p], timeout=60)
        assert "Redis" in degraded[0] and "does not answer" in degraded[0]
        body = {"workflow": {"id": "w", "nodes": [{"id": "s", "type": "projectSave", "data": {}}]},
                "project": "GameA"}
        refused = httpx.post(f"{daemon.api}/workflows/execute", params={"async": "true"}, json=body,
                             timeout=60)
        assert refused.status_code == 503 and refused.json()["code"] == "BACKEND_UNAVAILABLE"
        assert "nothing was queued" in refused.json()["error"]
        again.start()
        wait_until(lambda: health(daemon.api)["frontDoors"]["fleet"]["state"] == "up", timeout=60)
        execution_id = submit(daemon.api, "AfterRestart")
        wait_until(lambda: httpx.get(f"{daemon.api}/executions/{execution_id}", timeout=30).json()
                   .get("status") == "succeeded", timeout=60)
        assert daemon.sounds() == ["AfterRestart"]
    finally:
        daemon.stop()
        own.stop()
        again.stop()
