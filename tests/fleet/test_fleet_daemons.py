"""Two real daemon processes, each with its own emulator, sharing one real redis-server.

Runs submitted for project GameA through one daemon's REST API are executed exactly once across
the fleet; a daemon killed with -9 mid-run loses its lease and the other one takes the run over;
a Redis that goes away shows in /health, submissions are refused, and the daemon recovers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from tests.fleet.daemons import WORKFLOW, Daemon, statuses, submit, wait_until
from wwiseflowd.config import settings_for_tests
from wwiseflowd.engine import Engine
from wwiseflowd.operations.local import LocalOperations
from wwiseflowd.operations.protocol import RunRequest
from wwiseflowd.testing import RedisServer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"),
]


def test_runs_submitted_for_a_project_run_exactly_once_across_two_daemons(
    fleet: Callable[..., Daemon], redis_server: RedisServer,
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
    # the CLI and the MCP tool submit for a project the same way (through daemon a's REST API), and
    # show each node's progress like a local run, from the fleet's events (whichever daemon runs it)
    flow = a.root / "fleet-sound.json"
    flow.write_text(json.dumps(WORKFLOW), encoding="utf-8")
    cli = subprocess.run([sys.executable, "-m", "wwiseflowd", "--config", str(a.config), "exec", str(flow),
                          "--input", "name=ByCli", "--project-name", "GameA"],
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert cli.stdout.startswith("OK  fleet-sound")
    assert [line.split()[:3] for line in cli.stderr.splitlines() if line.startswith("  ok ")] == [
        ["ok", "create", "(createSound)"], ["ok", "save", "(projectSave)"]]
    by_mcp = {"workflow": WORKFLOW, "inputs": {"name": "ByMcp"}, "project": "GameA"}
    progress: list[str] = []
    assert mcp_execute(a.config, by_mcp, progress.append)["ok"]
    assert len(progress) == 2 and "create" in progress[0] and "save" in progress[1], progress
    assert run_here_for_the_fleet(a, redis_server, "ByLocal") == [("create", True), ("save", True)]
    assert sorted(a.sounds() + b.sounds()) == sorted([*names, "ByCli", "ByMcp", "ByLocal"])
    followed = follow_fleet_events(b.api, a.api, "Followed")
    assert [e["type"] for e in followed][0] == "run.started" and followed[-1]["type"] == "run.finished"
    assert "node.finished" in {e["type"] for e in followed} and followed[-1]["ok"] is True
    assert {e["daemon"] for e in followed} <= {"agent-a", "agent-b"}
    metrics = httpx.get(f"{b.api}/metrics", timeout=30).text
    assert 'wwiseflowd_executions_total{daemon="agent-b",status="succeeded"}' in metrics


def run_here_for_the_fleet(daemon: Daemon, redis: RedisServer, name: str) -> list[tuple[str, bool]]:
    """A project run queued by an engine of this process (``exec --project-name`` without a local
    daemon): the ``(nodeId, ok)`` of the node.finished events it relayed from the fleet's stream."""
    settings = settings_for_tests(daemon.root / "no-daemon", store={
        "backend": "redis", "url": redis.url, "key_prefix": daemon.prefix})
    events: list[dict[str, Any]] = []
    with Engine(settings) as engine:
        request = RunRequest(document=WORKFLOW, inputs={"name": name}, project="GameA")
        outcome = LocalOperations(engine).run(request, events.append)
    assert outcome.ok, outcome.error
    assert events[0]["type"] == "run.started" and events[-1]["type"] == "run.finished"
    return [(e["nodeId"], e["ok"]) for e in events if e["type"] == "node.finished"]


def follow_fleet_events(follow_on: str, submit_to: str, name: str) -> list[dict[str, Any]]:
    """Follow ``GET /fleet/events`` of one daemon for a run queued through another (either may run it)."""
    execution_id = f"exec_followed_{name.lower()}"
    events: list[dict[str, Any]] = []
    with httpx.stream("GET", f"{follow_on}/fleet/events", params={"executionId": execution_id},
                      timeout=httpx.Timeout(10, read=60)) as stream:
        lines = stream.iter_lines()
        assert next(lines).startswith(":")  # subscribed: now the run may start
        body = {"workflow": WORKFLOW, "inputs": {"name": name}, "project": "GameA",
                "executionId": execution_id}
        assert httpx.post(f"{submit_to}/workflows/execute", params={"async": "true"}, json=body,
                          timeout=30).status_code == 202
        for line in lines:
            if line.startswith("data:"):
                events.append(json.loads(line.removeprefix("data:")))
    return events


def mcp_execute(config: Path, arguments: dict[str, Any],
                on_progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """``execute_workflow`` through the official MCP client and ``wwiseflowd mcp`` over stdio; each
    progress notification's message goes to ``on_progress``."""
    params = StdioServerParameters(command=sys.executable, args=["-m", "wwiseflowd", "--config", str(config),
                                                                 "mcp"])
    answer: dict[str, Any] = {}

    async def progress(done: float, total: float | None, message: str | None) -> None:
        if on_progress is not None:
            on_progress(str(message))

    async def main() -> None:
        with anyio.fail_after(120):
            async with Client(params, read_timeout_seconds=110) as client:
                executed = await client.call_tool("execute_workflow", arguments, progress_callback=progress)
                assert not executed.is_error, executed.content
                answer.update(executed.structured_content or {})

    anyio.run(main)
    return answer


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
