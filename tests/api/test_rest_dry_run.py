"""``POST /workflows/execute`` with ``dryRun``: a read-only copy of a real project, and its change report."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest

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


def test_an_async_dry_run_is_followed_like_any_run_and_finishes_with_its_changes(
    api: Api, wav: Path, tmp_path: Path, waapi_sim: Any
) -> None:
    copy = tmp_path / "audio" / "Game"
    shutil.copytree(GODOT, copy)
    accepted = api.http.post("/workflows/execute", params={"async": "true"}, json={
        "workflow": four_node_workflow(wav), "dryRun": True, "project": str(copy)})
    assert accepted.status_code == 202, accepted.text
    status_url = accepted.json()["statusUrl"]
    deadline = time.monotonic() + 60
    execution = api.http.get(status_url).json()
    while execution["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
        execution = api.http.get(status_url).json()
    assert execution["ok"] is True, execution
    assert [c["path"] for c in execution["changes"]["created"] if c["type"] == "Sound"] == [
        f"{DEFAULT_TARGET}\\Footstep_01"]
    listed = [e["executionId"] for e in api.http.get("/executions").json()["items"]]
    assert accepted.json()["executionId"] in listed  # in the run ledger like any run
    with waapi_sim.locked_project() as live:
        assert live.find(f"{DEFAULT_TARGET}\\Footstep_01") is None


def test_a_project_the_emulator_cannot_load_is_refused_with_the_loaders_sentence(
    api: Api, wav: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "audio" / "Broken"
    broken.mkdir(parents=True)
    (broken / "Broken.wproj").write_text("<WwiseDocument Type=\"Project\"/>", encoding="utf-8")
    refused = api.http.post("/workflows/execute", json={
        "workflow": four_node_workflow(wav), "dryRun": True, "project": str(broken)})
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "INVALID_INPUT" and "Broken.wproj" in refused.json()["error"]


def test_the_daemon_client_forwards_a_dry_run_and_follows_it_to_its_changes(
    api: Api, wav: Path, tmp_path: Path
) -> None:
    from wwiseflowd.operations import DaemonClient, RunRequest

    copy = tmp_path / "audio" / "Game"
    shutil.copytree(GODOT, copy)
    events: list[str] = []
    client = DaemonClient(api.url)
    try:
        outcome = client.run(RunRequest(document=four_node_workflow(wav), dry_run_project=str(copy)),
                             lambda event: events.append(str(event.get("type"))))
    finally:
        client.close()
    assert outcome.ok, outcome
    assert outcome.data["changes"]["wwiseVersion"] == "2019.2" and "run.finished" in events


def test_a_dry_run_reads_as_running_until_its_change_report_is_in(
    api: Api, wav: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the runner records its final result a moment before the dry run adds the change report: a
    # poller that looked in between saw the run finished without its changes
    from wwiseflowd.sim.dryrun import DryRun

    reporting, release = threading.Event(), threading.Event()
    report = DryRun.report

    def slow_report(self: DryRun) -> Any:
        reporting.set()
        assert release.wait(30)
        return report(self)

    monkeypatch.setattr(DryRun, "report", slow_report)
    copy = tmp_path / "audio" / "Game"
    shutil.copytree(GODOT, copy)
    accepted = api.http.post("/workflows/execute", params={"async": "true"}, json={
        "workflow": four_node_workflow(wav), "dryRun": True, "project": str(copy)})
    assert accepted.status_code == 202, accepted.text
    assert reporting.wait(30)
    try:
        assert api.http.get(accepted.json()["statusUrl"]).json()["status"] == "running"
    finally:
        release.set()
    deadline = time.monotonic() + 30
    execution = api.http.get(accepted.json()["statusUrl"]).json()
    while execution["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
        execution = api.http.get(accepted.json()["statusUrl"]).json()
    assert execution["ok"] is True and execution["changes"]["created"], execution
