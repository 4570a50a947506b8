"""``GET /audit``, ``GET /audit/verify`` and ``POST /executions/{id}/replay`` over a real HTTP server.

A four-node run is recorded through REST on one emulator; a second server (same state dir, so the
same audit trail) on a fresh emulator replays it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.api.rest_support import four_node_workflow, make_settings, serving
from wwiseflowd.config import DEFAULT_BUS, DEFAULT_TARGET
from wwiseflowd.sim import Emulator

pytestmark = pytest.mark.integration


def record(tmp_path: Path, wav: Path) -> str:
    with Emulator(port=0, project_dir=tmp_path / "recorded" / "WwiseProject") as sim:
        with serving(make_settings(tmp_path, sim.url)) as api:
            response = api.http.post("/workflows/execute", json=four_node_workflow(wav))
            assert response.status_code == 200 and response.json()["ok"], response.text
            return str(response.json()["executionId"])


def test_audit_filters_and_resolves_full_payloads_over_http(
    tmp_path: Path, wav: Path, waapi_sim: Any
) -> None:
    execution_id = record(tmp_path, wav)
    with serving(make_settings(tmp_path, waapi_sim.url)) as api:
        page = api.http.get("/audit", params={"execution": execution_id}).json()
        assert [e["command"] for e in page["items"]] == [
            "create_sound", "audio_import", "set_output_bus", "project_save"]
        assert all(e["source"] == "rest" for e in page["items"]) and page["nextOffset"] is None
        assert page["items"][1]["payload"]["filePath"] == str(wav)
        routed = api.http.get("/audit", params={"object": DEFAULT_BUS, "source": "rest"}).json()["items"]
        assert [e["command"] for e in routed] == ["set_output_bus"]
        assert api.http.get("/audit", params={"limit": 2}).json()["nextOffset"] == 2
        assert api.http.get("/audit", params={"source": "nowhere"}).status_code == 422
        assert api.http.get("/audit/verify").json()["ok"] is True


def test_replay_over_http_checks_first_then_applies(tmp_path: Path, wav: Path, waapi_sim: Any) -> None:
    execution_id = record(tmp_path, wav)
    sound = DEFAULT_TARGET + "\\Footstep_01"
    with serving(make_settings(tmp_path, waapi_sim.url)) as api:
        dry = api.http.post(f"/executions/{execution_id}/replay", json={"dryRun": True})
        assert dry.status_code == 200, dry.text
        assert len(dry.json()["data"]["steps"]) == 4 and dry.json()["data"]["dryRun"]
        with waapi_sim.locked_project() as project:
            assert project.find(sound) is None
        done = api.http.post(f"/executions/{execution_id}/replay")
        assert done.status_code == 200 and done.json()["ok"], done.text
        with waapi_sim.locked_project() as project:
            assert project.find(sound) is not None
        replayed = api.http.get("/audit", params={"execution": done.json()["data"]["replayId"]}).json()
        assert {e["source"] for e in replayed["items"]} == {"rest"}
        unknown = api.http.post("/executions/exec_nobody/replay")
        assert unknown.status_code == 404 and unknown.json()["code"] == "NOT_FOUND"


def test_a_failed_replay_precondition_is_a_404_naming_the_object(
    tmp_path: Path, wav: Path, waapi_sim: Any
) -> None:
    execution_id = record(tmp_path, wav)
    with waapi_sim.locked_project() as project:
        project.delete(project.find(DEFAULT_BUS))
    with serving(make_settings(tmp_path, waapi_sim.url)) as api:
        refused = api.http.post(f"/executions/{execution_id}/replay", json={"dryRun": False})
        assert refused.status_code == 404
        body = refused.json()
        assert body["code"] == "OBJECT_NOT_FOUND" and DEFAULT_BUS in body["error"]
        assert body["data"]["problems"][0]["object"] == DEFAULT_BUS and body["data"]["steps"] == []


def test_the_daemon_client_replays_and_pages_the_audit_over_rest(
    tmp_path: Path, wav: Path, waapi_sim: Any
) -> None:
    from wwiseflowd.audit import AuditFilter
    from wwiseflowd.operations import DaemonClient

    execution_id = record(tmp_path, wav)
    with serving(make_settings(tmp_path, waapi_sim.url)) as api:
        client = DaemonClient(api.url)
        try:
            assert client.replay(execution_id, dry_run=True).data["dryRun"] is True
            done = client.replay(execution_id)
            assert done.ok and len(done.data["steps"]) == 4, done
            # 8 entries (4 recorded, 4 replayed) fetched 3 per page through the client
            import wwiseflowd.operations.client as client_module

            client_module.AUDIT_PAGE, saved = 3, client_module.AUDIT_PAGE
            try:
                items = client.audit(AuditFilter(limit=100)).data["items"]
            finally:
                client_module.AUDIT_PAGE = saved
            assert [e["executionId"] for e in items].count(execution_id) == 4 and len(items) == 8
            assert client.verify_audit().data["ok"] is True
        finally:
            client.close()
