"""The MCP tool ``dry_run_workflow`` over stdio (official client): a workflow tried on an in-memory
copy of a real project answers the uniform Result with its change report; Wwise and the project's
files are untouched."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from tests.mcp.test_mcp_stdio import inputs, run_client, workflow, write_config
from tests.sim.test_dry_run import tree_digest
from wwiseflowd.config import DEFAULT_TARGET
from wwiseflowd.default_plugins.wwise.wav import write_wav

pytestmark = pytest.mark.integration

GODOT = Path(__file__).resolve().parents[1] / "data/wwise-projects/godot-demo-2019.2"


def test_the_dry_run_tool_reports_what_a_workflow_would_change_and_changes_nothing(
    tmp_path: Path, waapi_sim: Any
) -> None:
    config = write_config(tmp_path, waapi_sim.url)
    wav = write_wav(tmp_path / "audio" / "Door_Open.wav")
    copy = tmp_path / "audio" / "Game"  # under the allowed folders
    shutil.copytree(GODOT, copy)
    before = tree_digest(copy)

    async def scenario(client: Client) -> None:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert tools["dry_run_workflow"].annotations.read_only_hint is True
        done = await client.call_tool("dry_run_workflow", {
            "workflow": workflow(), "inputs": inputs(wav), "project": str(copy)})
        assert not done.is_error, done.content
        changes = done.structured_content["changes"]
        assert changes["wwiseVersion"] == "2019.2"
        assert f"{DEFAULT_TARGET}\\Door_Open" in [c["path"] for c in changes["created"]]
        assert changes["audio"][0]["originalsPath"].startswith(str(copy / "Originals"))
        outside = await client.call_tool("dry_run_workflow", {
            "workflow": workflow(), "inputs": inputs(wav), "project": str(GODOT)})
        assert outside.is_error and outside.structured_content["code"] == "FORBIDDEN"
        missing = await client.call_tool("dry_run_workflow", {"workflow": workflow(), "inputs": inputs(wav)})
        assert missing.is_error and missing.structured_content["code"] == "INVALID_INPUT"

    run_client(config, scenario)
    assert tree_digest(copy) == before
    with waapi_sim.locked_project() as live:  # the configured Wwise saw nothing
        assert live.find(f"{DEFAULT_TARGET}\\Door_Open") is None
