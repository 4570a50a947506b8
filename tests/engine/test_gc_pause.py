"""The garbage-collection pause: counted across threads (collection back on when the last pause
ends, never before), and never held while plugin code runs or a file is looked at."""

from __future__ import annotations

import gc
import sys
import threading
import weakref
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from tests.engine.engine_testnodes import flow, node
from wwiseflowd import NodeContext, NodeSpec, Result, gc_pause, hookimpl, preflight, runner
from wwiseflowd.config import settings_for_tests
from wwiseflowd.engine import Engine
from wwiseflowd.gc_pause import GcPause, gc_paused, older_set_aside
from wwiseflowd.plugins import Plugins


@pytest.fixture(autouse=True)
def _collection_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_overlapping_pauses_in_two_threads_turn_collection_back_on_only_at_the_end() -> None:
    inside, release = threading.Event(), threading.Event()
    seen_after_main_left: list[bool] = []

    def other() -> None:
        with gc_paused():
            inside.set()
            release.wait(5)
            seen_after_main_left.append(gc.isenabled())

    with gc_paused():  # main pauses first ...
        thread = threading.Thread(target=other)
        thread.start()
        assert inside.wait(5)
    # ... and leaves first, while the other thread is still in its pause
    assert not gc.isenabled()
    release.set()
    thread.join(5)
    assert seen_after_main_left == [False]
    assert gc.isenabled()


def test_many_threads_pausing_at_once_leave_collection_on() -> None:
    """A thread switch between reading ``gc.isenabled()`` and ``gc.disable()`` (forced often here)
    used to leave collection off for good."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:

        def churn() -> None:
            for _ in range(20_000):
                with gc_paused():
                    pass

        threads = [threading.Thread(target=churn) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        sys.setswitchinterval(previous)
    assert gc.isenabled()


def test_a_pause_begun_with_collection_off_leaves_it_off() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_a_lifted_pause_comes_back_only_if_it_was_on() -> None:
    with GcPause() as pause:
        with pause.lifted():
            assert gc.isenabled()  # never turned on: nothing to lift, nothing to restore
        assert gc.isenabled()
        pause.on()
        assert not gc.isenabled()
        with pause.lifted():
            assert gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


class _Named(BaseModel):
    name: str = ""


@pytest.mark.skipif(gc_pause._FREE_THREADED, reason="nothing is set aside without the GIL")
def test_what_exists_is_set_aside_for_the_block_and_collected_after_it() -> None:
    class Cycle:
        other: Any = None

    def garbage_cycle() -> weakref.ref[Cycle]:
        a, b = Cycle(), Cycle()
        a.other, b.other = b, a
        return weakref.ref(a)

    gc.disable()  # no collection between making it and setting it aside
    try:
        before = garbage_cycle()  # garbage that exists when the block starts
        block = older_set_aside()
        block.__enter__()
    finally:
        gc.enable()
    try:
        assert gc.get_freeze_count() > 0
        inside = garbage_cycle()  # garbage made inside the block
        gc.collect()
        assert before() is not None  # set aside: not collected inside the block
        assert inside() is None  # collected as ever
    finally:
        block.__exit__(None, None, None)
    gc.collect()
    assert before() is None  # back with the rest


@pytest.mark.skipif(gc_pause._FREE_THREADED, reason="nothing is set aside without the GIL")
def test_a_large_run_sets_aside_what_existed_and_a_small_one_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []

    def run(data: _Named, ctx: NodeContext) -> Result:
        seen.append(gc.get_freeze_count())
        return Result.success({"name": data.name})

    class Nodes:
        @hookimpl
        def register_node_types(self, register: Any) -> None:
            register(NodeSpec(type="plain", title="Plain", description="Runs.", inputs=_Named, run=run))

    plugins = Plugins()
    plugins.register(Nodes(), "freeze-probe")
    monkeypatch.setattr(runner, "LARGE_RUN", 3)
    with Engine(settings_for_tests(tmp_path), plugins) as engine:
        assert engine.execute(flow(*(node(f"n{i}", "plain", name=f"x{i}") for i in range(2)))).ok
        assert seen == [0, 0]  # below LARGE_RUN: nothing set aside
        assert engine.execute(flow(*(node(f"n{i}", "plain", name=f"y{i}") for i in range(3)))).ok
    assert len(seen) == 5 and all(count > 0 for count in seen[2:])
    assert gc.get_freeze_count() == 0  # put back when the run ended


def test_a_run_never_holds_collection_off_while_plugin_code_runs(tmp_path: Path) -> None:
    """Pre-flight and the memo read-ahead pause collection over the run's own bookkeeping; a node
    type's own check (which may wait on Wwise) and every node's run happen with it on."""
    seen: list[tuple[str, bool]] = []

    def check(data: Mapping[str, Any], ctx: NodeContext) -> Result:
        seen.append(("check", gc.isenabled()))
        return Result.success()

    def run(data: _Named, ctx: NodeContext) -> Result:
        seen.append(("run", gc.isenabled()))
        return Result.success({"name": data.name})

    class Nodes:
        @hookimpl
        def register_node_types(self, register: Any) -> None:
            register(NodeSpec(type="plain", title="Plain", description="Runs.", inputs=_Named, run=run))
            register(NodeSpec(type="checked", title="Checked", description="Checks, runs.", inputs=_Named,
                              run=run, preflight=check))

    plugins = Plugins()
    plugins.register(Nodes(), "gc-probe")
    document = flow(*(node(f"n{i}", "checked" if i % 2 else "plain", name=f"s{i}") for i in range(6)),
                    edges=[(f"n{i}", f"n{i + 1}") for i in range(5)])
    with Engine(settings_for_tests(tmp_path), plugins) as engine:
        first = engine.execute(engine.compile(document).data)
        again = engine.execute(engine.compile(document).data)  # memo hits: recorded without a worker
    assert first.ok and again.ok and all(r.cached for r in again.results)
    assert [kind for kind, _on in seen] == ["check"] * 3 + ["run"] * 6 + ["check"] * 3
    assert all(on for _kind, on in seen)
    assert gc.isenabled()


class _WithFile(BaseModel):
    filePath: str  # noqa: N815 (the node inputs' spelling)


def test_files_a_run_checks_before_it_starts_are_looked_at_with_collection_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file input may sit on a share that stops answering: pre-flight's look at it must not
    hold collection off for the whole process meanwhile."""
    seen: list[bool] = []
    real = preflight.file_problem

    def file_problem(value: str, folder: bool = False) -> str | None:
        seen.append(gc.isenabled())
        return real(value, folder)

    monkeypatch.setattr(preflight, "file_problem", file_problem)

    class Nodes:
        @hookimpl
        def register_node_types(self, register: Any) -> None:
            register(NodeSpec(type="reads", title="Reads", description="Reads a file.", inputs=_WithFile,
                              run=lambda data, ctx: Result.success(), read_only=True))

    plugins = Plugins()
    plugins.register(Nodes(), "gc-files")
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"RIFF")
    document = flow(*(node(f"n{i}", "reads", filePath=str(wav)) for i in range(3)))
    with Engine(settings_for_tests(tmp_path), plugins) as engine:
        assert engine.execute(engine.compile(document).data).ok
    assert seen == [True, True, True] and gc.isenabled()
