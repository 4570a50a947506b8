"""/health, /metrics and /workflows: what the daemon reports about itself."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.api.rest_support import Api, four_node_workflow, make_settings, serving
from wwiseflowd.config import DEFAULT_TARGET


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_workflows(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    good = {
        "id": "good",
        "nodes": [{"id": "n1", "type": "createSound", "data": {"name": "A", "parentPath": DEFAULT_TARGET}}],
    }
    bad = {"id": "bad", "nodes": [{"id": "n1", "type": "noSuchNode", "data": {}}]}
    (directory / "good.json").write_text(json.dumps(good))
    (directory / "bad.json").write_text(json.dumps(bad))
    (directory / "broken.json").write_text("{ not json")


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_health_is_ok_when_wwise_answers_and_nothing_is_broken(api: Api) -> None:
    health = api.http.get("/health").json()

    assert health["status"] == "ok", health
    assert health["backends"]["wwise"]["connected"] is True
    assert health["problems"] == [] and health["workflowsInError"] == []


def test_answers_carry_a_current_date_header_and_the_server_stops_at_once(tmp_path: Path) -> None:
    # the server's main loop has no timer (each response is stamped with the date), and a stop
    # wakes it at once
    from email.utils import parsedate_to_datetime

    with serving(make_settings(tmp_path, "ws://127.0.0.1:9/waapi")) as api:
        time.sleep(1.5)
        answered = api.http.get("/health")
        sent = parsedate_to_datetime(answered.headers["date"]).timestamp()
        assert abs(sent - time.time()) <= 2.5, answered.headers["date"]
        assert api.server is not None
        started = time.monotonic()
        api.server.stop()
        assert time.monotonic() - started < 5  # graceful shutdown of idle keep-alive connections


def test_health_is_degraded_and_says_why_when_wwise_is_unreachable(tmp_path: Path) -> None:
    url = f"ws://127.0.0.1:{_free_port()}/waapi"
    settings = make_settings(tmp_path, url)
    settings.wwise.connect_timeout = 0.5

    with serving(settings) as api:
        response = api.http.get("/health")

    assert response.status_code == 200
    health = response.json()
    assert health["status"] == "degraded"
    assert health["backends"]["wwise"]["connected"] is False
    assert any(url in problem for problem in health["problems"])


def test_workflow_files_are_listed_with_their_compile_status(api: Api) -> None:
    _write_workflows(api.settings.paths.workflows_dir)

    listed = {entry["id"]: entry for entry in api.http.get("/workflows").json()}

    assert set(listed) == {"good", "bad", "broken"}
    assert listed["good"]["ok"] is True and listed["good"]["errors"] == []
    assert listed["bad"]["ok"] is False and listed["bad"]["errors"][0]["code"] == "UNKNOWN_NODE_TYPE"
    assert listed["broken"]["ok"] is False and "JSON" in listed["broken"]["errors"][0]["message"]
    detail = api.http.get("/workflows/good").json()
    assert detail["document"]["nodes"][0]["type"] == "createSound"
    assert api.http.get("/workflows/nope").status_code == 404
    health = api.http.get("/health").json()
    assert health["status"] == "degraded"
    assert {w["id"] for w in health["workflowsInError"]} == {"bad", "broken"}


def test_with_a_daemon_the_api_reports_its_watchers_queues_and_workflow_files(
    tmp_path: Path, waapi_sim: Any
) -> None:
    status = {
        "rules": [{"rule": "sfx", "folder": "/drop/sfx", "queueDepth": 3}],
        "pumpAlive": True,
        "workerAlive": False,
        "batches": [],
        "failures": [],
        "watchers": {"/drop/sfx": {"alive": False, "observer": "polling"}},
        "workflows": [
            {
                "id": "auto",
                "file": "/wf/auto.json",
                "ok": False,
                "errors": [
                    {"nodeId": "n1", "field": "type", "code": "UNKNOWN_NODE_TYPE", "message": "unknown type"}
                ],
                "updatedAt": "2026-01-01T00:00:00Z",
            }
        ],
    }

    with serving(make_settings(tmp_path, waapi_sim.url), status=lambda: status) as api:
        health = api.http.get("/health").json()
        workflows = api.http.get("/workflows").json()
        metrics = _samples(api.http.get("/metrics").text)

    assert health["queues"] == status["rules"]
    assert health["watchers"]["/drop/sfx"]["alive"] is False
    assert any("/drop/sfx" in p for p in health["problems"])
    assert any("worker thread" in p for p in health["problems"])
    assert [w["id"] for w in workflows] == ["auto"] and workflows[0]["ok"] is False
    assert metrics[("wwiseflowd_queue_depth", (("rule", "sfx"),))] == 3
    assert metrics[("wwiseflowd_workflow_files_in_error", ())] == 1


#: a served engine in a process of its own: which of the REST app's modules are loaded before and
#: after its first request (a daemon nobody asked anything loads neither FastAPI, the routes nor
#: prometheus-client)
_FIRST_REQUEST = """
import json, sys
from pathlib import Path
import httpx
from tests.api.rest_support import make_settings, serving
APP = ("fastapi", "prometheus_client", "wwiseflowd.api.app", "wwiseflowd.api.routes")
loaded = lambda: sorted(m for m in APP if m in sys.modules)
with serving(make_settings(Path(sys.argv[1]), "ws://127.0.0.1:9/waapi")) as api:
    before = loaded()
    status = httpx.get(api.url + "/health").status_code
    print(json.dumps({"before": before, "status": status, "after": loaded()}))
"""


def test_the_rest_app_is_built_on_the_first_request(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", _FIRST_REQUEST, str(tmp_path)], capture_output=True,
                          text=True, cwd=root, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["before"] == [] and seen["status"] in (200, 503), seen
    assert {"fastapi", "wwiseflowd.api.app", "wwiseflowd.api.routes"} <= set(seen["after"]), seen


def test_metrics_count_runs_finished_before_the_first_request(tmp_path: Path, waapi_sim: Any) -> None:
    # the metrics follow the engine from the server's start, not from the app's lazy build
    with serving(make_settings(tmp_path, waapi_sim.url)) as api:
        document = {"id": "early", "nodes": [{"id": "n1", "type": "createSound",
                                              "data": {"name": "Early", "parentPath": DEFAULT_TARGET}}]}
        assert api.engine.execute(document, source="rest").ok
        deadline = time.monotonic() + 5
        while True:
            samples = _samples(api.http.get("/metrics").text)
            counted = samples.get(("wwiseflowd_executions_total", (("status", "succeeded"),)))
            if counted or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    assert counted == 1


def test_metrics_count_executions_node_durations_and_waapi_calls(api: Api, wav: Path) -> None:
    assert api.http.post("/workflows/execute", json=four_node_workflow(wav)).json()["ok"]
    failing = {
        "id": "fails",
        "nodes": [
            {
                "id": "x",
                "type": "createSound",
                "data": {"name": "X", "parentPath": "\\Actor-Mixer Hierarchy\\Nope"},
            }
        ],
    }
    assert api.http.post("/workflows/execute", json=failing).json()["ok"] is False

    deadline = time.monotonic() + 5
    while True:  # the metrics thread counts events a moment after the run finished
        response = api.http.get("/metrics")
        samples = _samples(response.text)
        if (
            samples.get(("wwiseflowd_executions_total", (("status", "failed"),)))
            or time.monotonic() > deadline
        ):
            break
        time.sleep(0.05)

    assert response.headers["content-type"].startswith("text/plain")
    assert samples[("wwiseflowd_executions_total", (("status", "succeeded"),))] == 1
    assert samples[("wwiseflowd_executions_total", (("status", "failed"),))] == 1
    assert samples[("wwiseflowd_node_duration_seconds_count", (("type", "createSound"),))] == 2
    assert samples[("wwiseflowd_node_duration_seconds_count", (("type", "projectSave"),))] == 1
    creates = samples[(
        "wwiseflowd_backend_calls_total", (("backend", "wwise"), ("operation", "ak.wwise.core.object.create"))
    )]
    assert creates >= 1
    # the seed's names, as aliases built at scrape time
    assert samples[("workflow_executions_total", (("status", "success"),))] == 1
    assert samples[("workflow_executions_total", (("status", "failed"),))] == 1
    assert samples[("node_execution_duration_seconds_count", (("type", "createSound"),))] == 2
    assert samples[("waapi_calls_total", (("operation", "create"),))] == creates
