"""Hooks are called through pluggy: tryfirst, trylast and wrappers work as pluggy documents them,
one plugin's exception never stops the others, and WWISEFLOWD_TRACE_PLUGINS traces every call."""

from __future__ import annotations

import json
from collections.abc import Callable, Generator
from typing import Any

import pytest

from tests.foundation.pluginkit import node_spec
from wwiseflowd import NodeSpec, hookimpl
from wwiseflowd.plugins import Plugins

EXECUTION = {"ok": True, "executionId": "exec_1", "workflowId": "wf", "results": []}


class Calls:
    """Appends ``name`` to ``log`` on on_run_finished, with the hookimpl options given."""

    def __init__(self, log: list[str], name: str, **options: Any) -> None:
        def on_run_finished(execution: dict[str, Any]) -> None:
            log.append(name)

        self.on_run_finished = hookimpl(**options)(on_run_finished)


def test_a_tryfirst_hook_runs_first_and_a_trylast_one_last_whatever_the_load_order() -> None:
    log: list[str] = []
    plugins = Plugins()
    plugins.register(Calls(log, "last", trylast=True), name="a")
    plugins.register(Calls(log, "plain"), name="b")
    plugins.register(Calls(log, "first", tryfirst=True), name="c")

    plugins.on_run_finished(EXECUTION)

    assert log == ["first", "plain", "last"]


def test_a_wrapper_runs_around_the_other_implementations_and_sees_their_results() -> None:
    log: list[str] = []

    class Wrapper:
        @hookimpl(wrapper=True)
        def on_run_finished(self, execution: dict[str, Any]) -> Generator[None, Any, Any]:
            log.append("before")
            results = yield
            log.append(f"after {len(results)} result(s)")
            return results

    class Answers:
        @hookimpl
        def on_run_finished(self, execution: dict[str, Any]) -> str:
            log.append("inner")
            return "answer"

    plugins = Plugins()
    plugins.register(Answers(), name="answers")
    plugins.register(Wrapper(), name="wrapper")

    plugins.on_run_finished(EXECUTION)

    assert log == ["before", "inner", "after 1 result(s)"]


def test_a_raising_implementation_is_recorded_and_the_call_goes_on_to_the_next_plugin() -> None:
    log: list[str] = []

    class Raises:
        @hookimpl(tryfirst=True)
        def register_node_types(self, register: Callable[[NodeSpec], None]) -> None:
            register(node_spec("halfDone"))
            raise RuntimeError("boom")

    class Registers:
        @hookimpl
        def register_node_types(self, register: Callable[[NodeSpec], None]) -> None:
            log.append("registers")
            register(node_spec("fine"))

    plugins = Plugins()
    plugins.register(Registers(), name="registers")
    plugins.register(Raises(), name="raises")

    registry = plugins.registry()

    assert log == ["registers"] and set(registry.node_types) == {"fine"}  # nothing of the raiser
    assert any("RuntimeError: boom" in e for e in plugins.errors)


def test_a_wrapper_that_raises_fails_its_call_and_registers_nothing_of_it() -> None:
    class BadWrapper:
        @hookimpl(wrapper=True)
        def register_node_types(self, register: Callable[[NodeSpec], None]) -> Generator[None, Any, Any]:
            yield
            raise RuntimeError("wrapper broke")

    class Registers:
        @hookimpl
        def register_node_types(self, register: Callable[[NodeSpec], None]) -> None:
            register(node_spec("fine"))

    plugins = Plugins()
    plugins.register(Registers(), name="registers")
    plugins.register(BadWrapper(), name="bad")

    assert plugins.registry().node_types == {}
    assert [e for e in plugins.errors if e.startswith("bad: ")], plugins.errors


def test_trace_plugins_writes_one_json_line_per_hook_call(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WWISEFLOWD_TRACE_PLUGINS", "1")
    log: list[str] = []
    plugins = Plugins()
    plugins.register(Calls(log, "one"), name="one")
    plugins.register(Calls(log, "two", tryfirst=True), name="two")

    plugins.on_run_finished(EXECUTION)

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    [trace] = [t for t in lines if t["hook"] == "on_run_finished"]
    assert trace["plugins"] == ["two", "one"] and trace["args"] == ["execution"]
    assert trace["error"] is None and trace["durationMs"] >= 0
