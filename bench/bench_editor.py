"""The web editor in headless chromium (Debian's, driven by playwright-core from ui/).

``python -m bench editor``. One engine on the in-process WAAPI emulator, served by the real
ApiServer with the built editor; ``ui/e2e/bench.mjs`` measures in the browser:

* opening a 500-node workflow file (``/?workflow=bench-500``) until its nodes are drawn, and until a
  click on a node opens its form (interactive); median of 5 cold page loads;
* the validation round trip while editing a 100-node workflow: the editor's own
  ``POST /workflows/validate`` timings (fetch to parsed answer) as a field is typed into.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx

from wwiseflowd.api import ApiServer
from wwiseflowd.config import DEFAULT_BUS, DEFAULT_TARGET, settings_for_tests
from wwiseflowd.engine import Engine
from wwiseflowd.logs import configure
from wwiseflowd.sim import Emulator

UI = Path(__file__).resolve().parent.parent / "ui"


def workflow(count: int, workflow_id: str) -> dict[str, Any]:
    """``count`` nodes: createSound / setOutputBus pairs, each bus wired to its Sound, in a grid."""
    nodes: list[dict[str, Any]] = []
    for i in range(count // 2):
        x, y = (i % 10) * 600, (i // 10) * 260
        nodes.append(
            {
                "id": f"s{i}",
                "type": "createSound",
                "position": {"x": x, "y": y},
                "data": {"name": f"Sound_{i:03d}", "parentPath": DEFAULT_TARGET},
            }
        )
        nodes.append(
            {
                "id": f"b{i}",
                "type": "setOutputBus",
                "position": {"x": x + 280, "y": y},
                "data": {"objectId": f"$from:s{i}:$output:objectId", "busPath": DEFAULT_BUS},
            }
        )
    return {"id": workflow_id, "nodes": nodes, "edges": []}


def main() -> None:
    configure(level="WARNING")
    chromium = shutil.which("chromium")
    if chromium is None or not (UI / "node_modules").is_dir():
        print("skipped: needs Debian's chromium and ui/node_modules (`make ui chromium`)")
        return
    with TemporaryDirectory() as tmp:
        sim = Emulator(port=0, project_dir=Path(tmp) / "WwiseProject").start()
        settings = settings_for_tests(Path(tmp), wwise={"url": sim.url}, server={"port": 0})
        engine = Engine(settings).start()
        server = ApiServer(engine, settings)
        try:
            url = server.start()
            for count, wf_id in ((500, "bench-500"), (100, "bench-100")):
                saved = httpx.put(f"{url}/workflows/{wf_id}", json={"document": workflow(count, wf_id)})
                saved.raise_for_status()
            done = subprocess.run(
                ["node", "e2e/bench.mjs"],
                cwd=UI,
                capture_output=True,
                text=True,
                timeout=600,
                env={**os.environ, "WF_URL": url, "WF_CHROMIUM": chromium},
            )
            if done.returncode != 0:
                print(done.stdout, done.stderr)
                raise SystemExit(1)
            figures = json.loads(done.stdout.strip().splitlines()[-1])
        finally:
            server.stop()
            engine.close()
            sim.stop()
    print(
        f"500-node workflow, nodes drawn:          median {figures['drawnMs']:.0f} ms "
        f"(runs {', '.join(f'{v:.0f}' for v in figures['drawnRuns'])})"
    )
    print(
        f"500-node workflow, interactive (click → form): median {figures['interactiveMs']:.0f} ms "
        f"(target < 2000 ms)"
    )
    print(
        f"validate round trip while editing, 100 nodes: p50 {figures['validateP50']:.1f} ms, "
        f"p95 {figures['validateP95']:.1f} ms over {figures['validateCount']} edits (target < 100 ms)"
    )


if __name__ == "__main__":
    main()
