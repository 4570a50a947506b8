"""The HTTP overhead of the REST API, measured against the same work done in-process.

``python -m bench api``. One engine on the in-process WAAPI emulator, served by the real
ApiServer (uvicorn on a loopback socket) and driven by one keep-alive httpx client:

* latency (p50/p99) of ``POST /workflows/validate`` for a 100-node workflow vs ``engine.compile``;
* requests per second of ``POST /wwise/query_waql`` vs ``engine.command("query_waql", ...)``.

Both sides run in the same run, so the ratios are the HTTP overhead. The HTTP client runs twice:
in the server's process (it then shares the GIL with the server: each request's client work and
server work take turns on one interpreter) and in a process of its own, as the editor, a script or
``curl`` would; the second is the REST figure, the first shows what sharing the GIL costs. A third
client in its own process (:class:`RawClient`) writes pre-encoded requests to a socket: it shows
what the server and the loopback cost without an HTTP client library's own time. Both clients also
call a bare ASGI app (:func:`bare_app`, a fixed answer of the validate answer's size) served by
uvicorn the same way: the difference between their latencies there is the client library's own
time per request, measured in the same run.
"""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Annotated, Any

import httpx
import uvicorn
from fastapi import Body, FastAPI
from fastapi.responses import Response

from wwiseflowd.api import ApiServer
from wwiseflowd.api.workers import in_worker
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


class RawClient:
    """The least a client can do: requests encoded before the clock starts, written to one keep-alive
    socket, answers read by Content-Length. What it measures is the server and the loopback, without
    an HTTP library's own time (httpx spends about as long on a request as the server does)."""

    def __init__(self, url: str) -> None:
        host, port = url.split("//", 1)[1].rstrip("/").split(":")
        self.host = f"{host}:{port}"
        self.sock = socket.create_connection((host, int(port)))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def request(self, path: str, payload: Any) -> bytes:
        """The bytes of ``POST path`` with ``payload`` as its JSON body."""
        body = json.dumps(payload).encode()
        return (f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body

    def send(self, request: bytes) -> int:
        """Send one request; its answer's status."""
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        head, _sep, rest = self.buffer.partition(b"\r\n\r\n")
        length = int(next(line.split(b":", 1)[1] for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")))
        while len(rest) < length:
            rest += self._recv()
        self.buffer = rest[length:]
        return int(head.split(b" ", 2)[1])

    def _recv(self) -> bytes:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the server closed the connection in the middle of an answer")
        return data

    def close(self) -> None:
        self.sock.close()


def bare_app(answer: bytes) -> Callable[..., Any]:
    """An ASGI app that reads the request and answers ``answer`` as JSON: what serving costs with no
    application at all."""
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(answer)).encode())]

    async def app(scope: dict[str, Any], receive: Callable[[], Any], send: Callable[[Any], Any]) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    return app


def floor_app(answer: bytes) -> Callable[..., Any]:
    """The least a FastAPI route whose command blocks can do: ``POST /wwise/{command}`` with a JSON
    object body, one hand-off to a worker thread and back (:func:`~wwiseflowd.api.workers.in_worker`,
    as the real route) running nothing, and ``answer`` as is. No middleware, dependency or command."""
    app = FastAPI()

    @app.post("/wwise/{command}")
    async def run(command: str, payload: Annotated[dict[str, Any], Body()] = {}) -> Response:  # noqa: B006
        await in_worker(int)
        return Response(answer, media_type="application/json")

    return app


@contextmanager
def serving(app: Callable[..., Any]) -> Iterator[str]:
    """An ASGI ``app`` on uvicorn (httptools, as the API server) on a loopback port; its URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=False,
                            lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("a bench ASGI app's uvicorn did not start (see the log above)")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


#: the client of the other process: the same calls as the in-process one, figures as JSON on stdout
CLIENT = """
import json, sys, time
import httpx
from bench.bench_api import (VALIDATE_RUNS, WARMUP, QUERY_SECONDS, RawClient, hundred_node_workflow,
                             latencies, rate)
url, waql, bare, floors = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
query = {"waql": waql, "returnFields": ["id", "name"]}
out = {}
for label, base in floors.items():  # the least serving, and the least a FastAPI route, can cost
    raw = RawClient(base)
    query_request = raw.request("/wwise/query_waql", query)
    assert raw.send(query_request) == 200
    out[label] = rate(lambda: raw.send(query_request), QUERY_SECONDS)
    raw.close()
for label, base in (("", url), ("bare_", bare)):
    with httpx.Client(base_url=base, timeout=30) as http:
        docs = [hundred_node_workflow(f"other-{i}") for i in range(WARMUP + VALIDATE_RUNS)]
        out[label + "validate"] = latencies(lambda doc: http.post("/workflows/validate", json=doc), docs)
        if not label:
            out["rate"] = rate(lambda: http.post("/wwise/query_waql", json=query), QUERY_SECONDS)
    raw = RawClient(base)
    requests = [raw.request("/workflows/validate", hundred_node_workflow(f"raw-{i}"))
                for i in range(WARMUP + VALIDATE_RUNS)]
    assert raw.send(requests[0]) == 200
    out[label + "raw_validate"] = latencies(raw.send, requests)
    if not label:
        query_request = raw.request("/wwise/query_waql", query)
        out["raw_rate"] = rate(lambda: raw.send(query_request), QUERY_SECONDS)
    raw.close()
print(json.dumps(out))
"""


def other_process(url: str, bare: str, floors: dict[str, str]) -> dict[str, Any]:
    """Validate latencies and query rates measured by clients in a process of their own (httpx,
    and :class:`RawClient`), their latencies against the bare app at ``bare``, and the raw client's
    query rate against each of ``floors`` (label -> URL)."""
    done = subprocess.run([sys.executable, "-c", CLIENT, url, WAQL, bare, json.dumps(floors)],
                          capture_output=True, text=True, check=True,
                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures


def thread_round_trip_us(one_cpu: bool, trips: int = 5000) -> float:
    """µs for a value to go to another thread and back (two wake-ups), both threads free to run on
    any CPU or both kept on the first CPU this process may use (Linux only; else the free figure).
    Every command crosses threads several times (REST worker, WAAPI session, waapi-client's loop,
    the emulator's loop): on a virtual machine a wake-up on another CPU can cost ten times one on
    the same CPU, which this shows."""
    there: queue.SimpleQueue[int] = queue.SimpleQueue()
    back: queue.SimpleQueue[int] = queue.SimpleQueue()
    pin = getattr(os, "sched_setaffinity", None) if one_cpu else None
    cpu = min(os.sched_getaffinity(0)) if pin is not None else 0

    def echo() -> None:
        if pin is not None:
            pin(0, {cpu})  # this thread only
        for _ in range(trips + WARMUP):
            back.put(there.get())

    mine = os.sched_getaffinity(0) if pin is not None else None
    if pin is not None:
        pin(0, {cpu})
    try:
        thread = threading.Thread(target=echo)
        thread.start()
        for n in range(WARMUP):
            there.put(n)
            back.get()
        start = time.perf_counter()
        for n in range(trips):
            there.put(n)
            back.get()
        elapsed = time.perf_counter() - start
        thread.join()
    finally:
        if pin is not None and mine is not None:
            pin(0, mine)
    return elapsed / trips * 1e6


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
                    answer = http.post("/workflows/validate", json=theirs[0]).content
                    query_answer = http.post("/wwise/query_waql", json=query).content
                with serving(bare_app(answer)) as bare, serving(bare_app(query_answer)) as serve_only, \
                        serving(floor_app(query_answer)) as route_only:
                    apart_figures = other_process(url, bare, {"serving_rate": serve_only,
                                                              "route_rate": route_only})
            finally:
                server.stop()

    round_trips = thread_round_trip_us(one_cpu=False), thread_round_trip_us(one_cpu=True)
    apart, apart_rate = apart_figures["validate"], apart_figures["rate"]
    raw, raw_rate = apart_figures["raw_validate"], apart_figures["raw_rate"]
    print(f"load average {os.getloadavg()[0]:.1f} (absolute times are upper bounds when > 1)")
    print(f"POST /workflows/validate, {NODES}-node workflow, {VALIDATE_RUNS} calls each (plan cache missed)")
    ways = (("in-process engine.compile", local), ("HTTP, client in its own process", apart),
            ("HTTP, client in the server's", remote), ("HTTP, raw socket client (own process)", raw))
    for label, values in ways:
        print(f"  {label:<32} p50 {percentile(values, 50):7.2f} ms   p99 {percentile(values, 99):7.2f} ms   "
              f"p50 x{percentile(values, 50) / percentile(local, 50):.2f}")
    bare_httpx, bare_raw = apart_figures["bare_validate"], apart_figures["bare_raw_validate"]
    print(f"  bare ASGI app, same body and answer size: httpx p50 {percentile(bare_httpx, 50):.2f} ms, raw "
          f"client p50 {percentile(bare_raw, 50):.2f} ms: httpx's own time "
          f"{percentile(bare_httpx, 50) - percentile(bare_raw, 50):.2f} ms per request")
    print(f"  the server and loopback (raw client) / in-process: p50 "
          f"x{percentile(raw, 50) / percentile(local, 50):.2f} (target <= x2; "
          f"+{percentile(raw, 50) - percentile(local, 50):.2f} ms); seen through httpx: "
          f"x{percentile(apart, 50) / percentile(local, 50):.2f}")
    objects = len(found.data["objects"])
    print(f"POST /wwise/query_waql on the emulator ({QUERY_SECONDS:.0f} s each, {objects} objects per query)")
    for label, value in (("in-process engine.command", local_rate), ("HTTP, client in its own process",
                                                                       apart_rate),
                         ("HTTP, client in the server's", remote_rate),
                         ("HTTP, raw socket client (own process)", raw_rate)):
        print(f"  {label:<32} {value:8.1f} req/s   x{value / local_rate:.2f}")
    print(f"  HTTP (own process) / in-process: x{apart_rate / local_rate:.2f} throughput (target >= x0.7; "
          f"+{1000 / apart_rate - 1000 / local_rate:.2f} ms per request); the server and loopback alone "
          f"(raw client): x{raw_rate / local_rate:.2f}")
    local_ms = 1000 / local_rate
    print(f"  this machine: a thread round trip (two wake-ups) takes {round_trips[0]:.1f} us with the "
          f"threads on any CPU, {round_trips[1]:.1f} us with both on one CPU")
    for label, key in (("uvicorn alone (bare ASGI app, same answer)", "serving_rate"),
                       ("a bare FastAPI route + one worker hop", "route_rate")):
        floor_ms = 1000 / apart_figures[key]
        print(f"  floor, {label}: {floor_ms:.3f} ms per request (raw client); with the command's "
              f"{local_ms:.3f} ms added: x{local_ms / (local_ms + floor_ms):.2f} at best")


if __name__ == "__main__":
    main()
