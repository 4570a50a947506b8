"""A re-run of the same plan reuses the idemKeys an earlier run made before its first step
(``run_memo.KeysSeen``): only for the same plan object, inputs and backend identities, and with the
results a run that made its keys afresh gives."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.engine.engine_testnodes import TestNodes, flow, node
from wwiseflowd.compiler import Plan, compile_plan
from wwiseflowd.engine import Engine
from wwiseflowd.run_memo import AheadKeys, KeysSeen
from wwiseflowd.runner import _Ahead, _variant


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The workflow ids of the runs that made their keys (the others reused an earlier run's)."""
    runs: list[str] = []
    make_keys = _Ahead._make_keys

    def spy(self: _Ahead) -> None:
        runs.append(self.run.plan.workflowId)
        make_keys(self)

    monkeypatch.setattr(_Ahead, "_make_keys", spy)
    return runs


def plan(workflow_id: str = "w") -> Plan:
    return Plan(workflowId=workflow_id, hash="same-hash", steps=[])


def keys(*values: str | None) -> AheadKeys:
    return AheadKeys(tuple(values), tuple(value is not None for value in values))


def outcome(result: Any) -> list[tuple[Any, ...]]:
    return [(r.node, r.ok, r.cached, r.idemKey, r.data) for r in result.results]


def sealed(seen: KeysSeen, *plans: Plan) -> KeysSeen:
    for one in plans:
        seen.seal(one)
    return seen


def test_keys_are_found_only_for_the_same_sealed_plan_object_and_variant() -> None:
    first, twin, loose = plan(), plan(), plan()
    seen = sealed(KeysSeen(), first, twin)
    seen.put(first, "inputs A", keys("k1", None))
    seen.put(loose, "inputs A", keys("k1", None))  # not sealed: not kept
    assert seen.get(first, "inputs A") == keys("k1", None)
    assert seen.get(first, "inputs B") is None
    assert seen.get(twin, "inputs A") is None  # equal content and hash: still another plan
    assert seen.get(loose, "inputs A") is None


def test_a_plan_keeps_its_latest_variants_only() -> None:
    one = plan()
    seen = sealed(KeysSeen(), one)
    for n in range(KeysSeen.VARIANTS + 1):
        seen.put(one, f"v{n}", keys(f"k{n}"))
    assert seen.get(one, "v0") is None
    assert [seen.get(one, f"v{n}") for n in range(1, KeysSeen.VARIANTS + 1)] == [
        keys(f"k{n}") for n in range(1, KeysSeen.VARIANTS + 1)]


def test_the_keys_of_the_least_recently_run_plans_go_first_past_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(KeysSeen, "MAX_KEYS", 5)
    old, recent, new = plan("old"), plan("recent"), plan("new")
    seen = sealed(KeysSeen(), old, recent, new)
    seen.put(old, "v", keys("a", "b"))
    seen.put(recent, "v", keys("c", "d"))
    assert seen.get(old, "v") is not None  # old is now the most recently run
    seen.put(new, "v", keys("e", "f"))  # 6 keys: recent's go
    assert seen.get(recent, "v") is None
    assert seen.get(old, "v") == keys("a", "b") and seen.get(new, "v") == keys("e", "f")
    seen.put(recent, "v", keys(*"ghijkl"))  # more than the limit alone: not kept
    assert seen.get(recent, "v") is None


def test_the_keys_go_with_their_plan() -> None:
    one = plan()
    seen = sealed(KeysSeen(), one)
    seen.put(one, "v", keys("k"))
    assert len(seen) == 1
    del one
    gc.collect()
    assert len(seen) == 0
    newcomer = plan()  # sealed, and perhaps with the dead plan's id: it finds nothing
    seen.seal(newcomer)
    assert seen.get(newcomer, "v") is None


def test_a_re_run_reuses_the_keys_and_answers_as_a_fresh_engine_does(
    make_engine: Callable[..., Engine], nodes: TestNodes, made: list[str],
) -> None:
    document = flow(node("a", "emit", value=1), node("b", "emit", value=2),
                    node("c", "useObject", objectId="$from:a:$output:objectId"),
                    edges=[("a", "b"), ("a", "c")], id="rerun")
    engine = make_engine()
    first = engine.execute(document)
    again = engine.execute(document)
    assert made == ["rerun"]  # the second run made none
    assert [r.cached for r in again.results] == [True, True, True]
    assert nodes.calls == {"a": 1, "b": 1, "c": 1}
    fresh = make_engine().execute(document)  # a new engine (no keys seen) over the same store
    assert made == ["rerun", "rerun"]
    assert outcome(again) == outcome(fresh)
    assert [r.idemKey for r in again.results] == [r.idemKey for r in first.results]


def test_other_workflow_inputs_make_their_own_keys(engine: Engine, nodes: TestNodes, made: list[str]) -> None:
    document = flow(node("a", "emit", value="$input:v"), inputs={"v": {"type": "string"}}, id="inputs")
    one = engine.execute(document, {"v": "1"})
    two = engine.execute(document, {"v": "2"})
    one_again = engine.execute(document, {"v": "1"})
    assert made == ["inputs", "inputs"]  # the third run is the first's variant
    assert [run.results[0].cached for run in (one, two, one_again)] == [False, False, True]
    assert two.results[0].data == {"objectId": "obj-2", "value": "2"}
    assert one_again.results[0].idemKey == one.results[0].idemKey != two.results[0].idemKey
    assert nodes.calls == {"a": 2}


def test_another_backend_identity_makes_its_own_keys(engine: Engine, nodes: TestNodes, made: list[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    document = flow(node("t", "txChange", name="x"), id="identity")
    first = engine.execute(document)
    monkeypatch.setattr(type(nodes.tx), "identity", lambda self: "tx:another-project")
    other = engine.execute(document)
    assert made == ["identity", "identity"]
    assert not other.results[0].cached and other.results[0].idemKey != first.results[0].idemKey
    assert nodes.calls == {"t": 2}


def test_a_plan_object_from_a_caller_makes_its_keys_every_run_so_editing_it_is_seen(
    engine: Engine, nodes: TestNodes, made: list[str]
) -> None:
    mine = compile_plan(flow(node("a", "emit", value=1), id="mine"), engine.registry)
    first = engine.execute(mine)
    mine.steps[0].data["value"] = 2  # the caller's own object: theirs to change
    second = engine.execute(mine)
    assert made == ["mine", "mine"]
    assert not second.results[0].cached and second.results[0].data == {"objectId": "obj-2", "value": 2}
    assert second.results[0].idemKey != first.results[0].idemKey
    assert nodes.calls == {"a": 2}


def test_inputs_json_cannot_hold_make_the_keys_afresh(engine: Engine, made: list[str]) -> None:
    declared = {"v": {"type": "string"}, "extra": {}}
    document = flow(node("a", "emit", value="$input:v"), inputs=declared, id="odd")
    for _ in range(2):
        assert engine.execute(document, {"v": "x", "extra": Path("x")}).ok
    assert made == ["odd", "odd"]


@pytest.mark.parametrize("odd", [(1, 2), {1: 2}, float("nan"), Path("x")])
def test_a_variant_is_only_made_of_inputs_json_reads_back_as_they_are(odd: Any) -> None:
    assert _variant({"v": "x"}, {None: None, "waapi": "wwise:p"}) is not None
    assert _variant({"v": "x", "extra": odd}, {}) is None
    assert _variant({"v": [1, 2]}, {}) != _variant({"v": {"1": 2}}, {})
