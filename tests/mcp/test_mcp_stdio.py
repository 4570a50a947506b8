"""The official MCP client spawns ``wwiseflowd mcp`` over stdio and drives it against the emulator.

Once on its own engine, once forwarding to a running daemon's REST API (one engine, one WAAPI
connection). Each scenario is one spawned process, so the whole file stays at a few seconds.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from wwiseflowd.api import ApiServer
from wwiseflowd.config import DEFAULT_TARGET, load_config
from wwiseflowd.default_plugins.wwise.wav import write_wav
from wwiseflowd.engine import Engine

TOKEN = "mcp-test-token"
TOOLS = {
    "list_node_types",
    "validate_workflow",
    "execute_workflow",
    "get_execution",
    "list_executions",
    "list_workflows",
    "query_wwise",
    "import_audio",
    "create_sound",
    "set_output_bus",
    "set_property",
    "save_project",
}


def write_config(tmp_path: Path, waapi_url: str, token: str | None = None) -> Path:
    """A wwiseflowd.toml in ``tmp_path``: the emulator, temp dirs, files allowed under audio/."""

    def q(value: object) -> str:
        return json.dumps(str(value))

    lines = [
        "[wwise]",
        f"url = {q(waapi_url)}",
        "connect_timeout = 3",
        "call_timeout = 10",
        "[server]",
        "port = 0",
        f"allowed_roots = [{q(tmp_path / 'audio')}]",
        *([f"token = {q(token)}"] if token else []),
        "[paths]",
        *(
            f"{key} = {q(tmp_path / key)}"
            for key in ("state_dir", "logs_dir", "workflows_dir", "plugins_dir")
        ),
        "[engine]",
        "retries = 0",
    ]
    path = tmp_path / "wwiseflowd.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


#: the example workflow shipped in config/: createSound -> audioImport + setOutputBus -> projectSave
FOUR_NODE = Path(__file__).resolve().parents[2] / "config" / "workflows" / "four-node.json"


def workflow() -> dict[str, Any]:
    """The four-node case of docs/workflows.md, as shipped in config/workflows/four-node.json."""
    return dict(json.loads(FOUR_NODE.read_text(encoding="utf-8")))


def inputs(wav: Path) -> dict[str, Any]:
    """The example's inputs: the WAV to import and the Sound's name."""
    return {"file": str(wav), "name": "Door_Open"}


def run_client(config: Path, scenario: Callable[[Client], Awaitable[None]]) -> None:
    """Spawn ``python -m wwiseflowd --config CONFIG mcp`` and run ``scenario`` against it."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "wwiseflowd", "--config", str(config), "mcp"],
        env={"WWISEFLOWD_LOAD_PLUGINS": ""},  # only the built-ins: no third-party plugin in the test
    )

    async def main() -> None:
        with anyio.fail_after(60):
            async with Client(params, read_timeout_seconds=30) as client:
                await scenario(client)

    anyio.run(main)


async def refuses_relative_paths(client: Client) -> None:
    """A relative file path has no folder to be resolved from: refused before anything runs, naming
    the field, by validate, execute and a bus command alike."""
    relative = {"file": "audio/Door_Open.wav", "name": "Relative_Door"}
    for tool in ("validate_workflow", "execute_workflow"):
        answer = await client.call_tool(tool, {"workflow": workflow(), "inputs": relative})
        assert answer.is_error, (tool, answer.content)
        assert answer.structured_content["code"] == "INVALID_INPUT", answer.structured_content
        text = answer.content[0].text
        assert text.startswith("INVALID_INPUT: ") and "'audio/Door_Open.wav' is a relative path" in text, text
    imported = await client.call_tool(
        "import_audio", {"files": ["Door_Open.wav"], "targetPath": DEFAULT_TARGET}
    )
    assert imported.is_error and imported.structured_content["code"] == "INVALID_INPUT"
    assert "relative path" in imported.content[0].text
    waql = f'$ "{DEFAULT_TARGET}" select descendants where name = "Relative_Door"'
    found = await client.call_tool("query_wwise", {"waql": waql, "returnFields": ["name"]})
    assert found.structured_content["objects"] == [], found.content  # the refused run created nothing


def test_mcp_on_its_own_engine_validates_and_executes_a_workflow_with_progress(
    tmp_path: Path, waapi_sim: Any
) -> None:
    config = write_config(tmp_path, waapi_sim.url)
    wav = write_wav(tmp_path / "audio" / "Door_Open.wav")
    outside = write_wav(tmp_path / "elsewhere" / "Secret.wav")
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    async def scenario(client: Client) -> None:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert TOOLS <= set(tools)
        assert tools["query_wwise"].annotations.read_only_hint is True
        assert tools["execute_workflow"].annotations.destructive_hint is True
        assert tools["execute_workflow"].annotations.idempotent_hint is True
        assert tools["execute_workflow"].description

        validated = await client.call_tool(
            "validate_workflow", {"workflow": workflow(), "inputs": inputs(wav)}
        )
        assert not validated.is_error, validated.content
        steps = [s["nodeId"] for s in validated.structured_content["steps"]]
        assert steps == ["create", "import", "bus", "save"]

        executed = await client.call_tool(
            "execute_workflow", {"workflow": workflow(), "inputs": inputs(wav)}, progress_callback=on_progress
        )
        assert not executed.is_error, executed.content
        execution = executed.structured_content
        assert execution["ok"] is True and len(execution["results"]) == 4

        fetched = await client.call_tool("get_execution", {"execution_id": execution["executionId"]})
        assert fetched.structured_content["ok"] is True

        found = await client.call_tool(
            "query_wwise", {"waql": f'$ "{DEFAULT_TARGET}\\Door_Open"', "returnFields": ["name", "type"]}
        )
        assert found.structured_content["objects"] == [{"name": "Door_Open", "type": "Sound"}]

        forbidden = await client.call_tool(
            "import_audio", {"files": [str(outside)], "targetPath": DEFAULT_TARGET}
        )
        assert forbidden.is_error
        assert forbidden.content[0].text.startswith("FORBIDDEN: ")
        assert forbidden.structured_content["code"] == "FORBIDDEN"
        await refuses_relative_paths(client)

        broken = await client.call_tool(
            "validate_workflow", {"workflow": {"id": "x", "nodes": [{"id": "a", "type": "nope"}]}}
        )
        assert broken.is_error and broken.content[0].text.startswith("UNKNOWN_NODE_TYPE: ")
        assert broken.structured_content["data"]["errors"][0]["nodeId"] == "a"

        missing = await client.call_tool(
            "set_property", {"objectId": "\\Nope", "property": "Volume", "value": -3}
        )
        assert missing.is_error and missing.structured_content["code"] == "OBJECT_NOT_FOUND"

        # a bus command's tool takes the command's own arguments and schema ...
        imports = tools["import_audio"].input_schema["properties"]
        assert {"files", "targetPath", "objectId", "filePath"} <= set(imports)
        assert tools["set_property"].input_schema["required"] == ["objectId", "property", "value"]
        # ... and a wrong argument is the uniform Result, not an SDK validation message
        wrong = await client.call_tool("set_property", {"object_id": "\\Nope", "property": "Volume"})
        assert wrong.is_error and wrong.structured_content["code"] == "INVALID_INPUT"
        assert wrong.content[0].text.startswith("INVALID_INPUT: ") and "objectId" in wrong.content[0].text
        bad_limit = await client.call_tool("list_executions", {"limit": 0})
        assert bad_limit.structured_content["code"] == "INVALID_INPUT"
        assert "limit" in bad_limit.content[0].text

        catalog = await client.read_resource("wwiseflowd://nodes")
        assert "createSound" in {entry["type"] for entry in json.loads(catalog.contents[0].text)}

    run_client(config, scenario)

    assert [p[0] for p in progress] == [1, 2, 3, 4]
    assert all(total == 4 for _, total, _ in progress)
    assert "create" in (progress[0][2] or "")


def test_mcp_forwards_to_a_running_daemon_instead_of_opening_its_own_engine(
    tmp_path: Path, waapi_sim: Any
) -> None:
    config = write_config(tmp_path, waapi_sim.url, token=TOKEN)
    settings = load_config(config).settings
    wav = write_wav(tmp_path / "audio" / "Door_Open.wav")
    progress: list[float] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(done)

    with Engine(settings) as engine:
        server = ApiServer(engine, settings)
        url = server.start()
        runtime = settings.paths.state_dir / "runtime.json"
        runtime.write_text(json.dumps({"pid": os.getpid(), "apiUrl": url, "version": "test"}))
        try:

            async def scenario(client: Client) -> None:
                executed = await client.call_tool(
                    "execute_workflow",
                    {"workflow": workflow(), "inputs": inputs(wav)},
                    progress_callback=on_progress,
                )
                assert not executed.is_error, executed.content
                execution_id = executed.structured_content["executionId"]
                # the daemon's engine ran it, through its REST API
                ledger = engine.get_execution(execution_id)
                assert ledger is not None and ledger.ok and ledger.source == "rest"

                forbidden = await client.call_tool(
                    "import_audio", {"files": ["/etc/hosts"], "targetPath": DEFAULT_TARGET}
                )
                assert forbidden.is_error and forbidden.structured_content["code"] == "FORBIDDEN"
                await refuses_relative_paths(client)

                nodes = await client.call_tool("list_node_types", {})
                assert "createSound" in {n["type"] for n in nodes.structured_content["nodeTypes"]}

            run_client(config, scenario)
        finally:
            server.stop()

    assert progress == [1, 2, 3, 4]
