"""MCP ``execute_workflow`` forwarded to the running daemon vs REST ``POST /workflows/execute``.

``python -m bench mcp``. The daemon side is one engine on the in-process WAAPI emulator served by
the real ApiServer (uvicorn on loopback), with a ``runtime.json`` naming it, as a running daemon
leaves. The MCP side is the official MCP client (``mcp.Client``) spawning ``wwiseflowd mcp`` over
stdio; that process finds the daemon and forwards the tool to its REST API (follow ``/events``,
start the run, report progress, read the result). The baseline is the same workflow over REST
from one keep-alive httpx client, in the same run. The workflow is one ``queryWaql`` node run
with ``force`` (no memo), so every call really runs: compile, submit, one WAAPI call, the ledger.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import anyio
import httpx
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from bench.bench_api import percentile
from wwiseflowd.api import ApiServer
from wwiseflowd.config import load_config
from wwiseflowd.engine import Engine
from wwiseflowd.logs import configure
from wwiseflowd.sim import Emulator

RUNS = 100
WARMUP = 10
WORKFLOW: dict[str, Any] = {
    "id": "bench-one",
    "nodes": [{"id": "q", "type": "queryWaql", "data": {"waql": "$ from type Bus"}}],
    "edges": [],
}


def write_config(folder: Path, waapi_url: str) -> Path:
    """A wwiseflowd.toml for both sides: the emulator, temp dirs, REST on a free port."""
    lines = ["[wwise]", f"url = {json.dumps(waapi_url)}", "[server]", "port = 0", "[paths]"]
    lines += [f"{key} = {json.dumps(str(folder / key))}" for key in ("state_dir", "logs_dir", "workflows_dir",
                                                                      "plugins_dir")]
    path = folder / "wwiseflowd.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def over_rest(url: str) -> list[float]:
    """Milliseconds per ``POST /workflows/execute`` (waits for the run)."""
    out: list[float] = []
    with httpx.Client(base_url=url, timeout=30) as http:
        for i in range(WARMUP + RUNS):
            start = time.perf_counter()
            reply = http.post("/workflows/execute", json={"workflow": WORKFLOW, "force": True})
            elapsed = (time.perf_counter() - start) * 1000
            assert reply.status_code == 200 and reply.json()["ok"], reply.text
            if i >= WARMUP:
                out.append(elapsed)
    return out


def over_mcp(config: Path) -> tuple[list[float], float]:
    """Milliseconds per ``execute_workflow`` tool call, and the seconds to spawn and initialize."""
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "wwiseflowd", "--config", str(config), "mcp"],
        env={**os.environ, "WWISEFLOWD_LOAD_PLUGINS": ""},
    )
    out: list[float] = []
    progress: list[float] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(done)

    async def main() -> float:
        began = time.perf_counter()
        async with Client(params, read_timeout_seconds=60) as client:
            ready = time.perf_counter() - began
            for i in range(WARMUP + RUNS):
                start = time.perf_counter()
                called = await client.call_tool("execute_workflow", {"workflow": WORKFLOW, "force": True},
                                                progress_callback=on_progress)
                elapsed = (time.perf_counter() - start) * 1000
                assert not called.is_error, called.content
                if i >= WARMUP:
                    out.append(elapsed)
        return ready

    ready = anyio.run(main)
    assert len(progress) == WARMUP + RUNS, "one progress notification per run (one node)"
    return out, ready


def main() -> None:
    configure("WARNING")
    with TemporaryDirectory() as tmp, Emulator(port=0) as sim:
        config = write_config(Path(tmp), sim.url)
        settings = load_config(config).settings
        with Engine(settings) as engine:
            server = ApiServer(engine, settings)
            url = server.start()
            runtime = settings.paths.state_dir / "runtime.json"  # what a running daemon leaves
            runtime.write_text(json.dumps({"pid": os.getpid(), "apiUrl": url, "version": "bench"}))
            try:
                rest = over_rest(url)
                mcp, ready = over_mcp(config)
                sources = {row.get("source") for row in engine.list_executions(limit=5)}
            finally:
                server.stop()
    assert sources == {"rest"}, f"the MCP calls were not forwarded to the daemon: {sources}"
    print(f"execute a 1-node workflow (queryWaql, force), {RUNS} calls each after {WARMUP} warm-up; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"  REST POST /workflows/execute          p50 {percentile(rest, 50):7.2f} ms   "
          f"p99 {percentile(rest, 99):7.2f} ms")
    print(f"  MCP execute_workflow (stdio -> REST)  p50 {percentile(mcp, 50):7.2f} ms   "
          f"p99 {percentile(mcp, 99):7.2f} ms")
    print(f"  MCP / REST                            p50 x{percentile(mcp, 50) / percentile(rest, 50):.2f}   "
          f"(target <= x2; spawning and initializing the MCP server took {ready:.2f} s, once)")


if __name__ == "__main__":
    main()
