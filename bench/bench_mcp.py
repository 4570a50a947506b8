"""MCP ``execute_workflow`` forwarded to the running daemon vs REST ``POST /workflows/execute``.

``python -m bench mcp``. Three processes, as in use: the daemon side (one engine on the WAAPI
emulator, served by the real ApiServer on loopback, with the ``runtime.json`` a running daemon
leaves), the MCP server (``wwiseflowd mcp``, spawned over stdio by the official MCP client, which
finds the daemon and forwards the tool to its REST API: follow ``/events``, start the run, report
progress, read the result) and this one, the host, driving both. The baseline is the same
workflow over REST from one keep-alive httpx client in this process, in the same run; the MCP
calls run with a progress callback (one notification per node) and without. The workflow is one
``queryWaql`` node run with ``force`` (no memo), so every call really runs: compile, submit, one
WAAPI call, the ledger.
"""

from __future__ import annotations

import json
import os
import subprocess
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
from wwiseflowd.logs import configure

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


#: the daemon side, in a process of its own: prints its config file and REST URL, serves until stdin closes
DAEMON = """
import json, os, sys
from pathlib import Path
from bench.bench_mcp import write_config
from wwiseflowd.api import ApiServer
from wwiseflowd.config import load_config
from wwiseflowd.engine import Engine
from wwiseflowd.logs import configure
from wwiseflowd.sim import Emulator
configure("WARNING")
with Emulator(port=0) as sim:
    config = write_config(Path(sys.argv[1]), sim.url)
    settings = load_config(config).settings
    with Engine(settings) as engine:
        server = ApiServer(engine, settings)
        url = server.start()
        runtime = settings.paths.state_dir / "runtime.json"
        runtime.write_text(json.dumps({"pid": os.getpid(), "apiUrl": url, "version": "bench"}))
        print(json.dumps({"config": str(config), "url": url}), flush=True)
        sys.stdin.read()
        sources = {row.get("source") for row in engine.list_executions(limit=5)}
        print(json.dumps({"sources": sorted(map(str, sources))}), flush=True)
        server.stop()
"""


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


def over_mcp(config: Path, with_progress: bool) -> tuple[list[float], float]:
    """Milliseconds per ``execute_workflow`` tool call, and the seconds to spawn and initialize."""
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "wwiseflowd", "--config", str(config), "mcp"],
        env={**os.environ, "WWISEFLOWD_LOAD_PLUGINS": ""},
    )
    out: list[float] = []
    reported: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        reported.append(progress)

    async def main() -> float:
        began = time.perf_counter()
        async with Client(params, read_timeout_seconds=60) as client:
            ready = time.perf_counter() - began
            for i in range(WARMUP + RUNS):
                start = time.perf_counter()
                arguments = {"workflow": WORKFLOW, "force": True}
                if with_progress:
                    called = await client.call_tool("execute_workflow", arguments,
                                                    progress_callback=on_progress)
                else:
                    called = await client.call_tool("execute_workflow", arguments)
                elapsed = (time.perf_counter() - start) * 1000
                assert not called.is_error, called.content
                if i >= WARMUP:
                    out.append(elapsed)
        return ready

    ready = anyio.run(main)
    assert len(reported) == (WARMUP + RUNS if with_progress else 0), "one progress notification per run"
    return out, ready


def main() -> None:
    configure("WARNING")
    root = Path(__file__).resolve().parents[1]
    with TemporaryDirectory() as tmp:
        daemon = subprocess.Popen([sys.executable, "-c", DAEMON, tmp], cwd=root, text=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert daemon.stdin is not None and daemon.stdout is not None
        try:
            started = json.loads(daemon.stdout.readline())
            rest = over_rest(started["url"])
            mcp, ready = over_mcp(Path(started["config"]), with_progress=True)
            quiet, _ = over_mcp(Path(started["config"]), with_progress=False)
            daemon.stdin.close()
            sources = set(json.loads(daemon.stdout.readline())["sources"])
        finally:
            daemon.wait(timeout=30)
    assert sources == {"rest"}, f"the MCP calls were not forwarded to the daemon: {sources}"
    print(f"execute a 1-node workflow (queryWaql, force), {RUNS} calls each after {WARMUP} warm-up; "
          f"load average {os.getloadavg()[0]:.1f}")
    ways = (("REST POST /workflows/execute", rest), ("MCP execute_workflow, progress", mcp),
            ("MCP execute_workflow, no progress", quiet))
    for label, values in ways:
        print(f"  {label:<36} p50 {percentile(values, 50):7.2f} ms   p99 {percentile(values, 99):7.2f} ms   "
              f"p50 x{percentile(values, 50) / percentile(rest, 50):.2f}")
    ratio = percentile(mcp, 50) / percentile(rest, 50)
    print(f"  MCP (with progress) / REST: p50 x{ratio:.2f} (target <= x2; spawning and initializing the "
          f"MCP server took {ready:.2f} s, once)")


if __name__ == "__main__":
    main()
