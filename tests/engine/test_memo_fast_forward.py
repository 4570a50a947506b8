"""Memo hits known before the run are recorded without a worker (runner ``_take``): the results,
events, ledger row and every rule of docs/workflows.md "Idempotency" stay as with a worker."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from loguru import logger
from pydantic import BaseModel

from tests.engine.engine_testnodes import TestNodes, flow, node
from wwiseflowd import NodeContext, NodeSpec, Result, hookimpl
from wwiseflowd.config import settings_for_tests
from wwiseflowd.engine import Engine
from wwiseflowd.plugins import Plugins
from wwiseflowd.runner import _Run


class HoldIn(BaseModel):
    name: str
    seconds: float = 0.0


class ResourceNodes:
    """``hold``: a memoised step on resource ``res``, which no backend owns (so its hits are
    recorded without a worker); it records when it ran."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, float, float]] = []

    def hold(self, data: HoldIn, ctx: NodeContext) -> Result:
        start = time.perf_counter()
        time.sleep(data.seconds)
        self.spans.append((ctx.node_id, start, time.perf_counter()))
        return Result.success({"name": data.name})

    @hookimpl
    def register_node_types(self, register: Callable[[NodeSpec], None]) -> None:
        register(NodeSpec(type="hold", title="hold", description="holds resource res", inputs=HoldIn,
                          run=self.hold, outputs=("name",), resource="res"))


@pytest.fixture
def held() -> ResourceNodes:
    return ResourceNodes()


@pytest.fixture
def engine(tmp_path: Path, nodes: TestNodes, held: ResourceNodes) -> Iterator[Engine]:
    plugins = Plugins()
    plugins.register(nodes, "testnodes")
    plugins.register(held, "resourcenodes")
    settings = settings_for_tests(tmp_path, engine={"retry_base_ms": 1, "retry_max_ms": 5,
                                                    "max_parallel": 4})
    with Engine(settings, plugins) as started:
        yield started


@pytest.fixture
def on_workers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The node ids of the steps a worker executed (the others were recorded without one)."""
    seen: list[str] = []
    execute_step = _Run._execute_step

    def spy(self: _Run, running: Any) -> Any:
        seen.append(self.steps[running.i].nodeId)
        return execute_step(self, running)

    monkeypatch.setattr(_Run, "_execute_step", spy)
    return seen


def chain(*ids: str, node_type: str = "emit") -> dict[str, Any]:
    return flow(*(node(i, node_type, value=i) for i in ids), edges=list(zip(ids, ids[1:], strict=False)))


def shape(result: Any) -> list[tuple[Any, ...]]:
    """Every field of every node result but its duration."""
    return [(r.node, r.type, r.ok, r.cached, r.skipped, r.idemKey, r.data, r.error, r.code, r.attempts)
            for r in result.results]


def test_known_hits_need_no_worker_and_give_what_a_worker_gave(
    engine: Engine, nodes: TestNodes, on_workers: list[str]
) -> None:
    # "verified" hits go through a worker (verify is asked), "emit" hits do not: both must look alike
    document = flow(node("a", "emit", value=1), node("b", "verified", value=2), node("c", "emit", value=3),
                    node("d", "useObject", objectId="$from:a:$output:objectId"),
                    edges=[("a", "b"), ("b", "c"), ("a", "d")])
    first = engine.execute(document)
    on_workers.clear()
    with engine.events.subscribe() as sub:
        second = engine.execute(document)
        events = sub.drain()
    assert on_workers == ["b", "d"]  # a verify hook, a $from reference: a worker; a and c: none
    assert second.ok and second.status == "succeeded" and nodes.calls == {"a": 1, "b": 1, "c": 1, "d": 1}
    assert shape(second) == [(r.node, r.type, True, True, False, r.idemKey, r.data, None, None, 1)
                             for r in first.results]
    assert all(r.durationMs >= 0 for r in second.results)
    node_events = [(e["type"], e["nodeId"]) for e in events if e["type"].startswith("node.")]
    # b and d run on two workers at once: their events may interleave, each pair in order
    assert node_events[:2] == [("node.started", "a"), ("node.finished", "a")]
    kinds = ("node.started", "node.finished")
    assert sorted(node_events) == sorted((kind, n) for n in "abcd" for kind in kinds)
    assert all(node_events.index((kinds[0], n)) < node_events.index((kinds[1], n)) for n in "abcd")
    assert node_events.index(("node.finished", "b")) < node_events.index(("node.started", "c"))
    finished = {e["nodeId"]: e for e in events if e["type"] == "node.finished"}
    assert finished["a"] == {**finished["a"], "ok": True, "cached": True, "code": None, "nodeType": "emit",
                             "executionId": second.executionId}
    stored = engine.get_execution(second.executionId)
    assert stored is not None and stored.model_dump() == second.model_dump()


def test_hits_after_a_step_that_changed_something_run_again(
    engine: Engine, nodes: TestNodes, on_workers: list[str]
) -> None:
    engine.execute(flow(node("a", "emit", value=1), node("b", "emit", value=2), node("c", "emit", value=3),
                        node("free", "emit", value=4), edges=[("a", "b"), ("b", "c")]))
    on_workers.clear()
    # a changes; b and c are downstream of it (c only through b), free is not
    result = engine.execute(flow(node("a", "emit", value=9), node("b", "emit", value=2),
                                 node("c", "emit", value=3), node("free", "emit", value=4),
                                 edges=[("a", "b"), ("b", "c")]))
    cached = {r.node: r.cached for r in result.results}
    assert cached == {"a": False, "b": False, "c": False, "free": True}
    assert sorted(on_workers) == ["a", "b", "c"]
    assert nodes.calls == {"a": 2, "b": 2, "c": 2, "free": 1}


def test_a_verify_hook_is_still_asked_about_every_hit(engine: Engine, nodes: TestNodes) -> None:
    document = flow(node("a", "emit", value=1), node("v", "verified", value=2), node("c", "emit", value=3),
                    edges=[("a", "v"), ("v", "c")])
    engine.execute(document)
    nodes.verify_result = False  # the object v made is gone: v runs, so c (after it) runs too
    result = engine.execute(document)
    assert [r.cached for r in result.results] == [True, False, False]
    assert nodes.calls == {"a": 1, "v": 2, "c": 2}


def test_a_cancel_between_hits_stops_the_run_at_the_next_step(engine: Engine, nodes: TestNodes) -> None:
    document = chain("n0", "n1", "n2", "n3", "n4")
    engine.execute(document)

    def cancel_after_n1(message: Any) -> None:
        extra = message.record["extra"]
        if message.record["message"] == "node.execution.complete" and extra.get("nodeId") == "n1":
            engine.cancel(extra["executionId"])

    sink = logger.add(cancel_after_n1, level="INFO")
    try:
        result = engine.execute(document)
    finally:
        logger.remove(sink)
    assert result.status == "cancelled" and not result.ok and result.stopAt == "n2"
    assert [(r.node, r.ok, r.cached, r.skipped, r.code) for r in result.results] == [
        ("n0", True, True, False, None), ("n1", True, True, False, None),
        ("n2", False, False, False, "CANCELLED"), ("n3", False, False, True, None),
        ("n4", False, False, True, None)]
    assert nodes.calls == {"n0": 1, "n1": 1, "n2": 1, "n3": 1, "n4": 1}


def test_a_hit_waits_for_the_step_holding_its_resource(engine: Engine, held: ResourceNodes) -> None:
    engine.execute(flow(node("r1", "hold", name="one")))
    with engine.events.subscribe() as sub:
        # r0 is new and holds res for 0.3 s; r1 is a known hit on res: it is recorded after r0 ends
        result = engine.execute(flow(node("r0", "hold", name="zero", seconds=0.3),
                                     node("r1", "hold", name="one")))
        events = sub.drain()
    assert result.ok and [r.cached for r in result.results] == [False, True]
    order = [(e["type"], e.get("nodeId")) for e in events if e["type"].startswith("node.")]
    assert order == [("node.started", "r0"), ("node.finished", "r0"), ("node.started", "r1"),
                     ("node.finished", "r1")]


def test_the_same_key_twice_in_one_run_is_answered_by_the_run_s_own_entry(
    engine: Engine, nodes: TestNodes, on_workers: list[str]
) -> None:
    engine.execute(flow(node("a", "emit", value=1)))
    on_workers.clear()
    # x changes something; a's key is in the memo, y repeats a's inputs: both are hits, no worker
    result = engine.execute(flow(node("x", "emit", value=5), node("a", "emit", value=1),
                                 node("y", "emit", value=1)))
    assert {r.node: r.cached for r in result.results} == {"x": False, "a": True, "y": True}
    assert on_workers == ["x"]


def test_results_stay_in_document_order_with_parallel_workers(engine: Engine) -> None:
    ids = [f"n{i}" for i in range(40)]
    document = flow(*(node(i, "emit", value=i) for i in ids), node("slow", "sleep", seconds=0.05))
    engine.execute(document)
    result = engine.execute(document)
    assert [r.node for r in result.results] == [*ids, "slow"]
    assert all(r.cached for r in result.results[:-1]) and not result.results[-1].cached


def test_a_run_that_is_cancelled_before_it_starts_records_no_hit(engine: Engine) -> None:
    document = chain("n0", "n1")
    engine.execute(document)
    started = threading.Event()

    def cancel_at_start(message: Any) -> None:
        if message.record["message"] == "workflow.execution.start" and not started.is_set():
            started.set()
            engine.cancel(message.record["extra"]["executionId"])

    sink = logger.add(cancel_at_start, level="INFO")
    try:
        result = engine.execute(document)
    finally:
        logger.remove(sink)
    assert result.status == "cancelled" and result.stopAt == "n0"
    assert [r.code for r in result.results] == ["CANCELLED", None]
