"""The engine's fast paths give the same answers as the plain code they replace.

Each shortcut taken for speed (issue 16: the nesting walk, the cached canonical JSON encoder,
pre-flight's view of earlier steps) is checked against a straightforward reference version.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from tests.engine.engine_testnodes import flow, node
from wwiseflowd import hookimpl
from wwiseflowd.compiler import canonical_json
from wwiseflowd.config import settings_for_tests
from wwiseflowd.documents import MAX_NESTING, nesting_depth
from wwiseflowd.engine import Engine
from wwiseflowd.preflight import check_plan
from wwiseflowd.registry import NodeContext, NodeSpec
from wwiseflowd.results import Result


class _Frozen(Mapping[str, Any]):
    """A Mapping that is not a dict (the walk must still see inside it)."""

    def __init__(self, items: dict[str, Any]) -> None:
        self._items = items

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def recursive_depth(value: Any) -> int:
    """The obvious definition: 1 + the deepest child, for dicts, Mappings, lists and tuples."""
    if isinstance(value, Mapping):
        return 1 + max((recursive_depth(v) for v in value.values()), default=0)
    if isinstance(value, list | tuple):
        return 1 + max((recursive_depth(v) for v in value), default=0)
    return 0


def random_value(rng: random.Random, depth: int) -> Any:
    kind = rng.randrange(7) if depth < 8 else rng.randrange(4)
    if kind == 0:
        return rng.randrange(100)
    if kind == 1:
        return "$from:x:$output:y" if rng.random() < 0.5 else "text"
    if kind == 2:
        return rng.choice([None, True, 1.5])
    if kind == 3:
        return object()  # not JSON, not a container: a leaf for the walk
    children = [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 4:
        return children
    if kind == 5:
        return tuple(children)
    items = {f"k{i}": child for i, child in enumerate(children)}
    return items if rng.random() < 0.7 else _Frozen(items)


def test_the_nesting_walk_counts_like_the_recursive_definition() -> None:
    rng = random.Random(16)
    for _ in range(500):
        value = random_value(rng, 0)
        assert nesting_depth(value) == recursive_depth(value)
    assert nesting_depth([]) == 1 and nesting_depth({}) == 1 and nesting_depth("x") == 0


def test_the_nesting_walk_stops_just_past_the_limit() -> None:
    deep: list[Any] = []
    inner = deep
    for _ in range(MAX_NESTING * 3):
        inner.append([])
        inner = inner[0]
    assert nesting_depth(deep) == MAX_NESTING + 1
    assert nesting_depth(deep, limit=5) == 6


def test_canonical_json_is_what_the_standard_sorted_encoder_writes() -> None:
    reference = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    values: list[Any] = [
        ["noop", {"index": 5, "value": None}, "local"],
        {"b": [1.5, 1e16, -0.0, float("inf")], "a": {"ü": "é\n\"quoted\"", "z": True}},
        {"path": object()},  # not JSON: str() of it, as the reference does
        "a plain string", 42, None, [],
    ]
    for value in values:
        assert canonical_json(value) == reference.encode(value)


class _Any(BaseModel):
    name: str = ""


def test_preflight_shows_each_check_exactly_the_steps_before_it(tmp_path: Path) -> None:
    seen: list[list[tuple[str, Any]]] = []

    def check(data: Mapping[str, Any], ctx: NodeContext) -> Result:
        earlier: Sequence[tuple[str, Mapping[str, Any]]] = ctx.earlier
        seen.append([(kind, dict(data)) for kind, data in earlier])
        if earlier:
            assert earlier[-1] == earlier[len(earlier) - 1] and list(earlier[:1]) == [earlier[0]]
        return Result.success()

    spec = NodeSpec(type="probe", title="Probe", description="Checks.", inputs=_Any,
                    run=lambda data, ctx: Result.success(), preflight=check)
    steps = [(f"n{i}", "probe", {"name": f"s{i}"}) for i in range(4)]
    settings = settings_for_tests(tmp_path)

    def context(node_id: str, earlier: Sequence[tuple[str, Mapping[str, Any]]]) -> NodeContext:
        return NodeContext(execution_id="x", workflow_id="w", node_id=node_id, settings=settings,
                           command=lambda name, payload: Result.success(), earlier=earlier)

    assert check_plan(steps, [spec] * 4, {}, context) is None
    assert seen == [[("probe", {"name": f"s{j}"}) for j in range(i)] for i in range(4)]


def reference_order(document: dict[str, Any]) -> list[tuple[str, int]]:
    """Kahn's algorithm the slow way: repeatedly take the first node (document order) whose
    dependencies (edges and ``$from`` references) are all taken; its level is one more than theirs."""
    ids = [n["id"] for n in document["nodes"]]
    deps: dict[str, set[str]] = {i: set() for i in ids}
    for edge in document["edges"]:
        deps[edge["target"]].add(edge["source"])
    for n in document["nodes"]:
        for value in n["data"].values():
            if isinstance(value, str) and value.startswith("$from:"):
                deps[n["id"]].add(value.split(":")[1])
    taken: dict[str, int] = {}
    while len(taken) < len(ids):
        ready = next(i for i in ids if i not in taken and deps[i] <= taken.keys())
        taken[ready] = max((taken[d] + 1 for d in deps[ready]), default=0)
    return list(taken.items())


def random_dag(rng: random.Random, size: int, shuffled: bool) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [{"id": f"n{i}", "type": "noop", "data": {"index": i}} for i in range(size)]
    edges: list[dict[str, str]] = []
    for i in range(1, size):
        for source in {rng.randrange(i) for _ in range(rng.randrange(3))}:
            edges.append({"id": f"e{len(edges)}", "source": f"n{source}", "target": f"n{i}"})
        if rng.random() < 0.2:  # a reference without an edge adds a dependency too
            nodes[i]["data"]["value"] = f"$from:n{rng.randrange(i)}:$output:value"
    edges += edges[: len(edges) // 10]  # repeated edges count once
    if shuffled:
        rng.shuffle(nodes)
        rng.shuffle(edges)
    return {"id": "random", "nodes": nodes, "edges": edges}


def test_the_plan_order_is_kahns_with_ties_by_document_order_in_or_out_of_order(tmp_path: Path) -> None:
    from wwiseflowd.compiler import compile_plan
    from wwiseflowd.plugins import Plugins

    class Noop(BaseModel):
        index: int
        value: Any = None

    class Nodes:
        @hookimpl
        def register_node_types(self, register: Any) -> None:
            register(NodeSpec(type="noop", title="No-op", description="Nothing.", inputs=Noop,
                              outputs=("value",), run=lambda data, ctx: Result.success({"value": 1})))

    plugins = Plugins()
    plugins.register(Nodes(), "noop")
    rng = random.Random(7)
    for trial in range(60):
        document = random_dag(rng, rng.randrange(1, 40), shuffled=trial % 2 == 1)
        plan = compile_plan(document, plugins.registry())
        assert [(s.nodeId, s.level) for s in plan.steps] == reference_order(document)


def test_whoever_hears_run_finished_can_read_the_final_result(engine: Engine) -> None:
    """Event streams now answer at once, so a client reads the execution the moment run.finished
    arrives: the engine must already give the final result then, not a running snapshot."""
    seen: list[tuple[str, bool]] = []
    execution_id = "exec_heard_finished"

    def on_event() -> None:  # called on the runner's thread right after each event is queued
        for event in subscription.drain():
            if event["type"] == "run.finished":
                read = engine.get_execution(execution_id)
                assert read is not None
                seen.append((read.status, read.ok))

    subscription = engine.events.subscribe(wake=on_event,
                                           accept=lambda e: e.get("executionId") == execution_id)
    with subscription:
        result = engine.execute(flow(node("a", "emit", value="1")), execution_id=execution_id)
    assert result.ok and seen == [("succeeded", True)]
