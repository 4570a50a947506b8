"""REST over a real uvicorn server and a real engine on the emulator: run, validate, follow, page."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.api.rest_support import Api, four_node_workflow
from wwiseflowd.config import DEFAULT_TARGET


def test_four_node_workflow_runs_against_the_emulator_over_http(api: Api, wav: Path) -> None:
    response = api.http.post("/workflows/execute", json=four_node_workflow(wav))

    assert response.status_code == 200, response.text
    execution = response.json()
    assert execution["ok"] is True
    assert [step["node"] for step in execution["results"]] == ["n1", "n2", "n3", "n4"]
    assert all(step["ok"] and not step["cached"] for step in execution["results"])
    object_id = execution["results"][0]["data"]["objectId"]

    found = api.http.post(
        "/wwise/query_waql",
        json={"waql": f'$ "{object_id}"', "returnFields": ["name", "path", "OutputBus"]},
    )
    assert found.status_code == 200, found.text
    (sound,) = found.json()["data"]["objects"]
    assert sound["name"] == "Footstep_01"
    assert sound["path"] == f"{DEFAULT_TARGET}\\Footstep_01"

    ledger = api.http.get(f"/executions/{execution['executionId']}")
    assert ledger.status_code == 200
    assert ledger.json()["ok"] is True and ledger.json()["source"] == "rest"


def test_running_the_same_workflow_again_is_served_from_the_memo(api: Api, wav: Path) -> None:
    first = api.http.post("/workflows/execute", json=four_node_workflow(wav)).json()
    wrapped = {"workflow": four_node_workflow(wav), "inputs": {}}
    again = api.http.post("/workflows/execute", json=wrapped).json()

    assert first["ok"] and again["ok"]
    assert again["executionId"] != first["executionId"]
    assert again["results"][0]["cached"] is True
    assert again["results"][0]["data"]["objectId"] == first["results"][0]["data"]["objectId"]


def test_validate_answers_the_plan_for_a_good_workflow(api: Api, wav: Path) -> None:
    response = api.http.post("/workflows/validate", json=four_node_workflow(wav))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is True and body["code"] is None
    assert [step["nodeId"] for step in body["data"]["steps"]] == ["n1", "n2", "n3", "n4"]


def test_validation_errors_come_back_as_422_results_listing_every_problem(api: Api) -> None:
    document = {
        "id": "broken",
        "nodes": [
            {
                "id": "a",
                "type": "createSound",
                "data": {"name": "A", "parentPath": DEFAULT_TARGET, "extra": "$from:b:$output:objectId"},
            },
            {"id": "b", "type": "createSound", "data": {"name": "B", "parentPath": "$from:a:$output:path"}},
            {"id": "c", "type": "noSuchNode", "data": {}},
        ],
        "edges": [],
    }
    for path in ("/workflows/validate", "/workflows/execute"):
        response = api.http.post(path, json=document)

        assert response.status_code == 422, response.text
        body = response.json()
        assert body["ok"] is False and body["code"] and body["error"]
        codes = {error["code"] for error in body["data"]["errors"]}
        assert {"UNKNOWN_NODE_TYPE", "CYCLE_DETECTED"} <= codes
        cycle = next(e for e in body["data"]["errors"] if e["code"] == "CYCLE_DETECTED")
        assert "a" in cycle["message"] and "b" in cycle["message"]


def test_a_body_that_is_not_a_workflow_is_a_422_invalid_input_result(api: Api) -> None:
    response = api.http.post("/workflows/validate", json={"nodes": "not a list"})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "INVALID_INPUT"
    assert body["data"]["errors"]


def test_malformed_json_is_a_400_result(api: Api) -> None:
    response = api.http.post(
        "/workflows/validate", content=b"{not json", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_INPUT"


def _collect_events(
    api: Api, query: str, out: list[dict[str, Any]], ready: threading.Event, limit: int | None = None
) -> None:
    """Read ``/events?query`` into ``out`` until the stream ends or ``limit`` events arrived."""
    kind = None
    with api.http.stream("GET", f"/events?{query}", timeout=30) as stream:
        for line in stream.iter_lines():
            ready.set()
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                out.append({"event": kind, **json.loads(line.split(":", 1)[1])})
                if limit is not None and len(out) >= limit:
                    return


def test_async_execution_answers_202_and_its_progress_streams_as_events(api: Api, wav: Path) -> None:
    execution_id = "exec_followed_by_test"
    events: list[dict[str, Any]] = []
    ready = threading.Event()
    reader = threading.Thread(
        target=_collect_events, args=(api, f"executionId={execution_id}", events, ready), daemon=True
    )
    reader.start()
    assert ready.wait(10), "the event stream did not open"

    response = api.http.post(
        "/workflows/execute",
        params={"async": "true"},
        json={"workflow": four_node_workflow(wav), "executionId": execution_id},
    )
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["executionId"] == execution_id
    assert accepted["statusUrl"] == f"/executions/{execution_id}"

    reader.join(timeout=30)
    assert not reader.is_alive(), "the stream did not end after run.finished"
    kinds = [event["event"] for event in events]
    assert kinds[0] == "run.started" and kinds[-1] == "run.finished"
    assert kinds.count("node.finished") == 4
    assert all(event["executionId"] == execution_id for event in events)
    assert events[-1]["ok"] is True

    final = api.http.get(accepted["statusUrl"]).json()
    assert final["ok"] is True and final["status"] == "succeeded"


def test_an_execution_id_that_is_taken_is_a_409(api: Api, wav: Path) -> None:
    body = {"workflow": four_node_workflow(wav), "executionId": "exec_twice"}
    assert api.http.post("/workflows/execute", json=body).status_code == 200

    again = api.http.post("/workflows/execute", json=body)

    assert again.status_code == 409 and again.json()["code"] == "CONFLICT"


def test_unknown_execution_is_a_404_result(api: Api) -> None:
    for method, path in (("GET", "/executions/exec_nope"), ("POST", "/executions/exec_nope/cancel")):
        response = api.http.request(method, path)

        assert response.status_code == 404
        assert response.json() == {
            "ok": False,
            "data": None,
            "code": "NOT_FOUND",
            "error": response.json()["error"],
        }
        assert "exec_nope" in response.json()["error"]


def test_cancelling_a_finished_execution_is_a_409(api: Api, wav: Path) -> None:
    execution = api.http.post("/workflows/execute", json=four_node_workflow(wav)).json()

    response = api.http.post(f"/executions/{execution['executionId']}/cancel")

    assert response.status_code == 409 and response.json()["code"] == "CONFLICT"


def test_executions_are_paged_newest_first(api: Api, tmp_path: Path) -> None:
    from wwiseflowd.default_plugins.wwise.wav import write_wav

    ids = []
    for index in range(3):
        wav = write_wav(tmp_path / "audio" / f"Step_{index}.wav")
        ids.append(api.http.post("/workflows/execute", json=four_node_workflow(wav, f"Step_{index}")).json())

    first = api.http.get("/executions", params={"limit": 2}).json()
    second = api.http.get("/executions", params={"limit": 2, "offset": first["nextOffset"]}).json()

    assert [item["executionId"] for item in first["items"]] == [ids[2]["executionId"], ids[1]["executionId"]]
    assert first["nextOffset"] == 2
    assert [item["executionId"] for item in second["items"]] == [ids[0]["executionId"]]
    assert second["nextOffset"] is None


def test_a_bus_command_failure_answers_with_its_code_and_status(api: Api) -> None:
    response = api.http.post(
        "/wwise/create_sound", json={"name": "X", "parentPath": "\\Actor-Mixer Hierarchy\\Nowhere"}
    )

    assert response.status_code == 404, response.text
    assert response.json()["code"] == "OBJECT_NOT_FOUND"


def test_the_seeds_post_wwise_create_is_create_sound(api: Api) -> None:
    wu = "\\Actor-Mixer Hierarchy\\Default Work Unit"
    response = api.http.post("/wwise/create", json={"name": "SeedForm", "parentPath": wu})

    assert response.status_code == 200, response.text
    assert response.json()["data"]["path"] == wu + "\\SeedForm"
    same = api.http.post("/wwise/create", json={"name": "X", "parentPath": wu + "\\Nowhere"})
    assert (same.status_code, same.json()["code"]) == (404, "OBJECT_NOT_FOUND")


def test_an_unknown_command_is_a_404_and_the_command_list_has_schemas(api: Api) -> None:
    assert api.http.post("/wwise/no_such_command", json={}).json()["code"] == "NOT_FOUND"

    commands = {c["name"]: c for c in api.http.get("/wwise").json()}

    assert "create_sound" in commands and "query_waql" in commands
    assert commands["query_waql"]["readOnly"] is True
    assert "properties" in commands["create_sound"]["input"]


def test_nodes_lists_the_catalog_with_input_schemas(api: Api) -> None:
    catalog = {entry["type"]: entry for entry in api.http.get("/nodes").json()}

    assert {"createSound", "audioImport", "setOutputBus", "projectSave"} <= set(catalog)
    assert "objectId" in catalog["createSound"]["outputs"]
    assert "name" in catalog["createSound"]["inputs"]["properties"]


def test_a_running_execution_can_be_cancelled_and_its_changes_are_undone(tmp_path: Path) -> None:
    from tests.api.rest_support import make_settings, serving
    from wwiseflowd.sim import Emulator

    nodes = [
        {"id": f"n{i}", "type": "createSound", "data": {"name": f"Slow_{i}", "parentPath": DEFAULT_TARGET}}
        for i in range(20)
    ]
    edges = [{"source": f"n{i - 1}", "target": f"n{i}"} for i in range(1, 20)]
    # every WAAPI call takes 50 ms, so twenty chained nodes are still running when the cancel lands
    with Emulator(port=0, project_dir=tmp_path / "Slow", latency_ms=50) as sim:
        with serving(make_settings(tmp_path, sim.url)) as api:
            accepted = api.http.post(
                "/workflows/execute",
                params={"async": "true"},
                json={"id": "slow", "nodes": nodes, "edges": edges},
            ).json()
            execution_id = accepted["executionId"]
            time.sleep(0.3)

            cancelled = api.http.post(f"/executions/{execution_id}/cancel")

            assert cancelled.status_code == 200, cancelled.text
            assert cancelled.json()["data"] == {"executionId": execution_id, "cancelled": True}
            final = _wait_finished(api, execution_id)
            assert final["ok"] is False and final["status"] == "cancelled"
            assert final["rolledBack"] is True
            left = api.http.post(
                "/wwise/query_waql", json={"waql": '$ from type Sound where name : "Slow_"'}
            ).json()
            assert left["data"]["objects"] == []


def _wait_finished(api: Api, execution_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        execution = api.http.get(f"/executions/{execution_id}").json()
        if execution["status"] != "running":
            return dict(execution)
        time.sleep(0.05)
    raise AssertionError(f"{execution_id} did not finish")


def test_drop_batch_events_reach_the_stream_and_types_filter_it(api: Api) -> None:
    events: list[dict[str, Any]] = []
    ready = threading.Event()
    reader = threading.Thread(
        target=_collect_events, args=(api, "types=batch.finished", events, ready, 1), daemon=True
    )
    reader.start()
    assert ready.wait(10)

    api.engine.events.publish({"type": "batch.queued", "rule": "sfx", "files": ["/drop/a.wav"]})
    api.engine.events.publish(
        {"type": "batch.finished", "rule": "sfx", "files": ["/drop/a.wav"], "imported": 1, "failed": 0}
    )
    reader.join(timeout=5)

    assert not reader.is_alive()
    assert [e["event"] for e in events] == ["batch.finished"]
    assert events[0]["rule"] == "sfx" and events[0]["imported"] == 1


def test_closing_an_event_stream_releases_its_subscription(api: Api) -> None:
    baseline = api.engine.events.subscriber_count
    with api.http.stream("GET", "/events") as stream:
        lines = stream.iter_lines()  # keep it: dropping httpx's line iterator closes the response
        assert next(lines) == ": subscribed"
        assert api.engine.events.subscriber_count == baseline + 1

    deadline = time.monotonic() + 5
    while api.engine.events.subscriber_count > baseline and time.monotonic() < deadline:
        time.sleep(0.02)
    assert api.engine.events.subscriber_count == baseline


def test_a_streamed_execution_answers_the_runs_events_and_ends_with_its_outcome(api: Api, wav: Path) -> None:
    from wwiseflowd.operations.client import iter_sse

    with api.http.stream("POST", "/workflows/execute", params={"stream": "true"},
                         json={"workflow": four_node_workflow(wav)}) as answer:
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/event-stream")
        events = list(iter_sse(answer.iter_lines()))
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "run.started" and kinds[-1] == "run.finished" and kinds.count("node.finished") == 4
    final = events[-1][1]["execution"]
    assert final["ok"] is True and final["status"] == "succeeded" and len(final["results"]) == 4
    assert len({data["executionId"] for _, data in events}) == 1


def test_a_streamed_execution_refused_before_it_runs_is_a_json_error(api: Api, wav: Path) -> None:
    broken = {"workflow": {"id": "x", "nodes": [{"id": "a", "type": "noSuchNode"}]}}
    refused = api.http.post("/workflows/execute", params={"stream": "true"}, json=broken)
    assert refused.status_code == 422 and refused.json()["data"]["errors"], refused.text
    both = api.http.post("/workflows/execute", params={"stream": "true", "async": "true"},
                         json={"workflow": four_node_workflow(wav)})
    assert both.status_code == 422 and "async" in both.json()["error"]


def test_the_daemon_client_follows_a_run_in_one_request(api: Api, wav: Path) -> None:
    from wwiseflowd.operations import RunRequest
    from wwiseflowd.operations.client import DaemonClient

    client = DaemonClient(api.url)
    asked: list[str] = []
    client.http.event_hooks["request"].append(lambda sent: asked.append(f"{sent.method} {sent.url.path}"))
    seen: list[str] = []
    run = RunRequest(document=four_node_workflow(wav))
    outcome = client.run(run, on_event=lambda event: seen.append(event["type"]))
    assert outcome.ok, outcome.error
    assert asked == ["POST /workflows/execute"]
    assert seen[0] == "run.started" and seen[-1] == "run.finished" and seen.count("node.finished") == 4


@pytest.mark.timeout(30)  # the hang it guards against fails the test instead of blocking it
def test_a_streamed_run_the_engine_failed_without_run_finished_still_ends(
    api: Api, wav: Path, monkeypatch: Any
) -> None:
    # a run whose state database stayed locked ends in an engine failure that publishes nothing:
    # the stream (and the MCP tool or `exec` behind it) waited for the server to stop
    from wwiseflowd.operations import RunRequest
    from wwiseflowd.operations.client import DaemonClient
    from wwiseflowd.store import StoreUnavailable

    def locked(*_args: Any, **_kwargs: Any) -> Any:
        raise StoreUnavailable("The state database stayed locked by another writer (database is locked).")

    monkeypatch.setattr(api.engine.runner, "run", locked)
    client = DaemonClient(api.url)
    started = time.monotonic()
    outcome = client.run(RunRequest(document=four_node_workflow(wav)))
    assert time.monotonic() - started < 10
    assert not outcome.ok and "locked" in (outcome.error or ""), outcome
