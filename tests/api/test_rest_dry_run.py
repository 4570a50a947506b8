"""``POST /workflows/execute`` with ``dryRun``: a read-only copy of a real project, and its change report."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.api.rest_support import Api, four_node_workflow
from tests.sim.test_dry_run import tree_digest
from wwiseflowd.config import DEFAULT_TARGET

GODOT = Path(__file__).resolve().parents[1] / "data/wwise-projects/godot-demo-2019.2"


def test_dry_run_answers_the_changes_and_leaves_project_and_wwise_alone(
    api: Api, wav: Path, tmp_path: Path, waapi_sim: Any
) -> None:
    copy = tmp_path / "audio" / "Game"  # under the allowed root
    shutil.copytree(GODOT, copy)
    before = tree_digest(copy)
    response = api.http.post("/workflows/execute", json={
        "workflow": four_node_workflow(wav), "dryRun": True, "project": str(copy)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is True and body["changes"]["wwiseVersion"] == "2019.2"
    created = [c["path"] for c in body["changes"]["created"] if c["type"] == "Sound"]
    assert created == [f"{DEFAULT_TARGET}\\Footstep_01"]
    assert body["changes"]["audio"][0]["originalsPath"] == str(copy / "Originals" / "SFX" / "Footstep_01.wav")
    assert tree_digest(copy) == before
    with waapi_sim.locked_project() as live:  # the engine's own Wwise saw nothing
        assert live.find(f"{DEFAULT_TARGET}\\Footstep_01") is None


def test_dry_run_needs_an_allowed_project(api: Api, wav: Path) -> None:
    missing = api.http.post("/workflows/execute", json={"workflow": four_node_workflow(wav), "dryRun": True})
    assert missing.status_code == 422 and "project" in missing.json()["error"]
    outside = api.http.post("/workflows/execute", json={
        "workflow": four_node_workflow(wav), "dryRun": True, "project": str(GODOT)})
    assert outside.status_code == 403
