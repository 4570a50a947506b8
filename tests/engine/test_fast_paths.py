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

from wwiseflowd.compiler import canonical_json
from wwiseflowd.config import settings_for_tests
from wwiseflowd.documents import MAX_NESTING, nesting_depth
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
