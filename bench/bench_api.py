"""The HTTP overhead of the REST API, measured against the same work done in-process.

``python -m bench api``. One engine on the in-process WAAPI emulator, served by the real
ApiServer (uvicorn on a loopback socket) and driven by one keep-alive httpx client:

* latency (p50/p99) of ``POST /workflows/validate`` for a 100-node workflow vs ``engine.compile``;
* requests per second of ``POST /wwise/query_waql`` vs ``engine.command("query_waql", ...)``.

Both sides run in the same process and the same run, so the ratios are the HTTP overhead.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx

from wwiseflowd.api import ApiServer
from wwiseflowd.config import DEFAULT_TARGET, settings_for_tests
from wwiseflowd.engine import Engine
from wwiseflowd.logs import configure
from wwiseflowd.sim import Emulator

NODES = 100
VALIDATE_RUNS = 300
QUERY_SECONDS = 3.0
WARMUP = 20
WAQL = '$ "\\Actor-Mixer Hierarchy" select descendants where type = "Sound"'


def hundred_node_workflow(workflow_id: str = "bench-100") -> dict[str, Any]:
    """100 createSound nodes, each wired to the previous one (a 100-step chain to sort and check)."""
    nodes = [
        {"id": f"n{i}", "type": "createSound", "position": {"x": i * 10, "y": 0},
         "data": {"name": f"Sound_{i:03d}", "parentPath": DEFAULT_TARGET}}
        for i in range(NODES)
    ]
    edges = [{"id": f"e{i}", "source": f"n{i - 1}", "target": f"n{i}"} for i in range(1, NODES)]
    return {"id": workflow_id, "nodes": nodes, "edges": edges}


def latencies(call: Callable[[Any], object], args: list[Any]) -> list[float]:
    """Milliseconds per ``call(arg)``, after a warm-up on the first arguments."""
    for arg in args[:WARMUP]:
        call(arg)
    out = []
    for arg in args[WARMUP:]:
        start = time.perf_counter()
        call(arg)
        out.append((time.perf_counter() - start) * 1000)
    return out


def rate(call: Callable[[], object], seconds: float) -> float:
    """Calls per second over ``seconds``, after a warm-up."""
    for _ in range(WARMUP):
        call()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        call()
        count += 1
    return count / (time.perf_counter() - start)


def percentile(values: list[float], pct: float) -> float:
    """The ``pct`` percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def seed(engine: Engine, sounds: int) -> None:
    """Give the query something to find."""
    for i in range(sounds):
        result = engine.command("create_sound", {"name": f"Seed_{i:03d}", "parentPath": DEFAULT_TARGET})
        assert result.ok, result.error


def main() -> None:
    configure("WARNING")
    with TemporaryDirectory() as tmp, Emulator(port=0) as sim:
        settings = settings_for_tests(Path(tmp), wwise={"url": sim.url}, server={"port": 0})
        with Engine(settings) as engine:
            seed(engine, 50)
            server = ApiServer(engine, settings)
            url = server.start()
            try:
                with httpx.Client(base_url=url, timeout=30) as http:
                    # a new workflow id per call: the engine's plan cache never answers, as when an
                    # editor validates each edit
                    mine = [hundred_node_workflow(f"local-{i}") for i in range(WARMUP + VALIDATE_RUNS)]
                    theirs = [hundred_node_workflow(f"http-{i}") for i in range(WARMUP + VALIDATE_RUNS)]
                    assert engine.compile(mine[0]).ok
                    assert http.post("/workflows/validate", json=theirs[0]).status_code == 200

                    local = latencies(engine.compile, mine)
                    remote = latencies(lambda doc: http.post("/workflows/validate", json=doc), theirs)

                    query = {"waql": WAQL, "returnFields": ["id", "name"]}
                    found = engine.command("query_waql", query)
                    assert found.ok, found.error
                    assert http.post("/wwise/query_waql", json=query).status_code == 200
                    local_rate = rate(lambda: engine.command("query_waql", query), QUERY_SECONDS)
                    remote_rate = rate(lambda: http.post("/wwise/query_waql", json=query), QUERY_SECONDS)
            finally:
                server.stop()

    print(f"POST /workflows/validate, {NODES}-node workflow, {VALIDATE_RUNS} calls each (plan cache missed)")
    for label, values in (("in-process engine.compile", local), ("over HTTP", remote)):
        print(f"  {label:<26} p50 {percentile(values, 50):7.2f} ms   p99 {percentile(values, 99):7.2f} ms")
    print(f"  HTTP / in-process          p50 x{percentile(remote, 50) / percentile(local, 50):.2f}   "
          f"p99 x{percentile(remote, 99) / percentile(local, 99):.2f}   "
          f"(mean overhead {statistics.mean(remote) - statistics.mean(local):.2f} ms per request)")
    objects = len(found.data["objects"])
    print(f"POST /wwise/query_waql on the emulator ({QUERY_SECONDS:.0f} s each, {objects} objects per query)")
    print(f"  in-process engine.command  {local_rate:8.1f} req/s")
    print(f"  over HTTP                  {remote_rate:8.1f} req/s")
    print(f"  HTTP / in-process          x{remote_rate / local_rate:.2f} throughput "
          f"(+{1000 / remote_rate - 1000 / local_rate:.2f} ms per request)")


if __name__ == "__main__":
    main()
