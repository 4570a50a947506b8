"""The runner's per-step bookkeeping made cheaper: a step's cancel event makes its condition only
when used (``StepCancelled``), and a step whose inputs were validated before the run (to make its
idemKey) is not validated again when it runs."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest
from pydantic import BaseModel

from tests.engine.engine_testnodes import TestNodes, flow, node
from wwiseflowd import runner
from wwiseflowd.engine import Engine
from wwiseflowd.runner import StepCancelled


def test_the_step_event_is_a_threading_event_that_behaves_like_one() -> None:
    event = StepCancelled()
    assert isinstance(event, threading.Event) and not event.is_set()
    started = time.perf_counter()
    assert event.wait(0.05) is False and time.perf_counter() - started >= 0.04
    event.set()
    assert event.is_set() and event.wait() is True and event.wait(0) is True
    event.clear()
    assert not event.is_set() and event.wait(0) is False


def test_a_waiter_on_another_thread_wakes_when_the_step_is_cancelled() -> None:
    event, woke = StepCancelled(), []
    waiter = threading.Thread(target=lambda: woke.append(event.wait(10)))
    waiter.start()
    time.sleep(0.05)  # the waiter made the condition and waits on it
    event.set()
    waiter.join(5)
    assert woke == [True]


def test_threads_racing_to_use_a_new_event_share_one_condition() -> None:
    def race() -> list[bool]:
        event, barrier, woke = StepCancelled(), threading.Barrier(5), []

        def wait() -> None:
            barrier.wait()
            woke.append(event.wait(5))

        waiters = [threading.Thread(target=wait) for _ in range(4)]
        for waiter in waiters:
            waiter.start()
        barrier.wait()
        event.set()
        for waiter in waiters:
            waiter.join(5)
        return woke

    for _ in range(50):
        assert race() == [True] * 4


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each node's inputs were validated into their model."""
    counts: Counter[str] = Counter()
    step_inputs = runner.step_inputs

    def counting(node_id: str, *args: Any) -> BaseModel:
        counts[node_id] += 1
        return step_inputs(node_id, *args)

    monkeypatch.setattr(runner, "step_inputs", counting)
    return counts


def test_a_step_known_before_the_run_is_validated_once(
    engine: Engine, nodes: TestNodes, validations: Counter[str]
) -> None:
    result = engine.execute(flow(node("a", "emit", value=1), node("b", "verified", value=2),
                                 node("c", "useObject", objectId="$from:a:$output:objectId"),
                                 edges=[("a", "b"), ("a", "c")]))
    assert result.ok and nodes.calls == {"a": 1, "b": 1, "c": 1}
    # a and b: before the run (for their idemKeys), not again; c (a $from): tried before, then when it runs
    assert validations == {"a": 1, "b": 1, "c": 2}


def test_no_validated_inputs_are_held_once_their_steps_are_done(
    make_engine: Any, nodes: TestNodes, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = flow(node("a", "emit", value=1), node("b", "verified", value=2), node("c", "emit", value=3),
                    edges=[("a", "b"), ("b", "c")])
    assert make_engine().execute(document).ok
    held: list[int] = []
    finish = runner._Run._finish

    def spy(self: runner._Run, problem: Any) -> Any:
        held.append(sum(model is not None for model in self.ahead.models))
        return finish(self, problem)

    monkeypatch.setattr(runner._Run, "_finish", spy)
    # a new engine over the same memo: its first run makes the keys and models, and every step is a
    # hit (b's on a worker: it has a verify hook)
    again = make_engine().execute(document)
    assert again.ok and all(r.cached for r in again.results) and held == [0]
