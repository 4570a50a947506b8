"""The MCP tool ``replay_execution`` over stdio: a dry run by default, then the real replay.

A four-node run is recorded on one emulator; ``wwiseflowd mcp`` (spawned, official client) is
configured for a second, fresh emulator and replays it there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from tests.mcp.test_mcp_stdio import inputs, run_client, workflow, write_config
from wwiseflowd.config import DEFAULT_TARGET, load_config
from wwiseflowd.default_plugins.wwise.wav import write_wav
from wwiseflowd.engine import Engine
from wwiseflowd.sim import Emulator

pytestmark = pytest.mark.integration


def test_the_replay_tool_dry_runs_by_default_then_replays(tmp_path: Path, waapi_sim: Any) -> None:
    config = write_config(tmp_path, waapi_sim.url)
    wav = write_wav(tmp_path / "audio" / "Door_Open.wav")
    recording = load_config(config).settings
    with Emulator(port=0, project_dir=tmp_path / "recorded" / "WwiseProject") as source:
        recording.wwise.url = source.url
        with Engine(recording) as engine:
            run = engine.execute(workflow(), inputs(wav))
    assert run.ok, run.model_dump()
    sound = DEFAULT_TARGET + "\\Door_Open"

    async def scenario(client: Client) -> None:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert tools["replay_execution"].annotations.destructive_hint is True
        dry = await client.call_tool("replay_execution", {"execution_id": run.executionId})
        assert not dry.is_error, dry.content
        assert dry.structured_content["dryRun"] and len(dry.structured_content["steps"]) == 4
        with waapi_sim.locked_project() as project:
            assert project.find(sound) is None
        done = await client.call_tool("replay_execution", {"execution_id": run.executionId, "dry_run": False})
        assert not done.is_error, done.content
        with waapi_sim.locked_project() as project:
            assert project.find(sound) is not None
        unknown = await client.call_tool("replay_execution", {"execution_id": "exec_nobody"})
        assert unknown.is_error and unknown.structured_content["code"] == "NOT_FOUND"

    run_client(config, scenario)
