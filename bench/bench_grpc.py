"""``Execute`` of a 1-node workflow over gRPC vs REST vs in-process, same engine, same run.

``python -m bench grpc`` (needs the wwiseflowd-grpc plugin, installed by ``make venv``). One engine
on the in-process WAAPI emulator; the REST ApiServer and the gRPC door both serve it on loopback,
each driven by one client with a kept-open connection. The workflow is one ``queryWaql`` node run
with ``force`` (no memo), so every call really runs: compile, submit, one WAAPI call, the ledger.

The in-process figure is the service-layer call both doors make (``LocalOperations.start`` then
``wait``), so the differences are the protocols' overhead.
"""

from __future__ import annotations

import json
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import grpc
import httpx
from wwiseflowd_grpc import wwiseflow_pb2 as pb
from wwiseflowd_grpc import wwiseflow_pb2_grpc as pb_grpc
from wwiseflowd_grpc.config import GrpcConfig
from wwiseflowd_grpc.server import GrpcDoor

from bench.bench_api import latencies, percentile
from wwiseflowd.api import ApiServer
from wwiseflowd.config import settings_for_tests
from wwiseflowd.engine import Engine
from wwiseflowd.logs import configure
from wwiseflowd.operations import LocalOperations, PathGuard, RunRequest
from wwiseflowd.sim import Emulator

RUNS = 300
WARMUP = 20
WORKFLOW: dict[str, Any] = {
    "id": "bench-one",
    "nodes": [{"id": "q", "type": "queryWaql", "data": {"waql": "$ from type Bus"}}],
    "edges": [],
}


def main() -> None:
    configure("WARNING")
    with TemporaryDirectory() as tmp, Emulator(port=0) as sim:
        settings = settings_for_tests(Path(tmp), wwise={"url": sim.url}, server={"port": 0})
        with Engine(settings) as engine:
            ops = LocalOperations(engine, PathGuard.from_settings(settings), source="bench")
            rest = ApiServer(engine, settings)
            door = GrpcDoor(LocalOperations(engine, PathGuard.from_settings(settings), source="grpc"),
                            settings, GrpcConfig(enabled=True, port=0))
            url, address = rest.start(), door.start()
            try:
                figures = measure(ops, url, address)
            finally:
                door.stop()
                rest.stop()
    print(f"Execute a 1-node workflow (queryWaql, force), {RUNS} calls each after {WARMUP} warm-up")
    local = figures["in-process (LocalOperations)"]
    for label, values in figures.items():
        print(f"  {label:<34} p50 {percentile(values, 50):7.2f} ms   p99 {percentile(values, 99):7.2f} ms"
              f"   (p50 x{percentile(values, 50) / percentile(local, 50):.2f})")


def measure(ops: LocalOperations, url: str, address: str) -> dict[str, list[float]]:
    """Milliseconds per call for each way in."""
    calls = list(range(WARMUP + RUNS))
    request = RunRequest(document=WORKFLOW, force=True, source="bench")
    document = json.dumps(WORKFLOW)

    def in_process(_: int) -> None:
        started = ops.start(request)
        assert ops.wait(started.data["executionId"]).ok

    with httpx.Client(base_url=url, timeout=30) as http, grpc.insecure_channel(address) as channel:
        stub = pb_grpc.WwiseFlowStub(channel)

        def over_rest(_: int) -> None:
            reply = http.post("/workflows/execute", json={"workflow": WORKFLOW, "force": True})
            assert reply.status_code == 200 and reply.json()["ok"], reply.text

        def over_grpc(_: int) -> None:
            assert stub.Execute(pb.ExecuteRequest(workflow_json=document, force=True)).ok

        return {
            "in-process (LocalOperations)": latencies(in_process, calls),
            "REST POST /workflows/execute": latencies(over_rest, calls),
            "gRPC WwiseFlow/Execute": latencies(over_grpc, calls),
        }


if __name__ == "__main__":
    main()
