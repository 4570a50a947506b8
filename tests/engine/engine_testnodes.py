"""Node types, a command and a transactional backend used by the engine tests (a real plugin).

Loaded in-process with ``Plugins.register(TestNodes(), ...)``; the module-level hooks let the same
file be dropped into a plugins directory for the CLI tests.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

from pydantic import BaseModel, Field

from wwiseflowd import NodeContext, NodeSpec, Result, hookimpl
from wwiseflowd.registry import CommandContext


class ValueIn(BaseModel):
    value: Any = None


class ObjectIn(BaseModel):
    objectId: str
    label: str = ""


class SleepIn(BaseModel):
    seconds: float = Field(0.1, ge=0)


class FlakyIn(BaseModel):
    failures: int = 1
    code: str = "WWISE_LOCKED"


class FailIn(BaseModel):
    code: str = "FILE_NOT_FOUND"


class CountIn(BaseModel):
    count: int


class EchoIn(BaseModel):
    text: str


class TxIn(BaseModel):
    name: str
    seconds: float = 0.0


class FakeTxBackend:
    """A backend speaking the runner's transaction protocol, with an undoable change list."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.changes: list[str] = []
        self.log: list[tuple[str, Any, float]] = []
        self._saved: list[str] | None = None
        self.cancel_fails = False
        self.end_fails = False

    def identity(self) -> str:
        return "tx:test-project"

    def begin_group(self) -> Result:
        with self.lock:
            self.log.append(("begin", None, time.perf_counter()))
            self._saved = list(self.changes)
        return Result.success()

    def end_group(self, name: str) -> Result:
        if self.end_fails:
            return Result.failure("WAAPI_UNAVAILABLE", "The connection dropped; the group is gone.")
        with self.lock:
            self.log.append(("end", name, time.perf_counter()))
        return Result.success()

    def cancel_group(self, undo: bool = True) -> Result:
        if self.cancel_fails:
            return Result.failure("WAAPI_UNAVAILABLE", "The connection dropped; the group is gone.")
        with self.lock:
            self.log.append(("cancel", undo, time.perf_counter()))
            if undo and self._saved is not None:
                self.changes = self._saved
        return Result.success()

    def calls(self, kind: str) -> list[tuple[str, Any, float]]:
        return [entry for entry in self.log if entry[0] == kind]


class TestNodes:
    """The plugin: node types recording what ran, when, and on which thread."""

    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.spans: list[tuple[str, float, float]] = []
        self.verify_result = True
        self.flaky_left: dict[str, int] = {}
        self.finished: list[dict[str, Any]] = []
        self.tx = FakeTxBackend()

    def _count(self, ctx: NodeContext) -> None:
        with self.lock:
            self.calls[ctx.node_id] += 1

    def emit(self, data: ValueIn, ctx: NodeContext) -> Result:
        self._count(ctx)
        return Result.success({"objectId": f"obj-{data.value}", "value": data.value})

    def use_object(self, data: ObjectIn, ctx: NodeContext) -> Result:
        self._count(ctx)
        return Result.success({"objectId": data.objectId, "label": data.label})

    def sleep(self, data: SleepIn, ctx: NodeContext) -> Result:
        self._count(ctx)
        start = time.perf_counter()
        time.sleep(data.seconds)
        with self.lock:
            self.spans.append((ctx.node_id, start, time.perf_counter()))
        return Result.success({"slept": data.seconds})

    def flaky(self, data: FlakyIn, ctx: NodeContext) -> Result:
        self._count(ctx)
        with self.lock:
            left = self.flaky_left.setdefault(ctx.node_id, data.failures)
            self.flaky_left[ctx.node_id] = left - 1
        if left > 0:
            return Result.failure(data.code, f"Simulated {data.code} for node {ctx.node_id}.")
        return Result.success({"ok": True})

    def fail(self, data: FailIn, ctx: NodeContext) -> Result:
        self._count(ctx)
        return Result.failure(data.code, f"Node {ctx.node_id} failed on purpose.")

    def boom(self, data: ValueIn, ctx: NodeContext) -> Result:
        self._count(ctx)
        raise RuntimeError("kaboom")

    def hang(self, data: SleepIn, ctx: NodeContext) -> Result:
        self._count(ctx)
        if ctx.cancelled.wait(data.seconds):
            return Result.failure("CANCELLED", f"Node {ctx.node_id} noticed the cancellation.")
        return Result.success({})

    def stubborn(self, data: SleepIn, ctx: NodeContext) -> Result:
        """Ignores cancellation entirely (a badly written plugin)."""
        self._count(ctx)
        time.sleep(data.seconds)
        return Result.success({})

    def command_node(self, data: EchoIn, ctx: NodeContext) -> Result:
        self._count(ctx)
        return ctx.command("echo", {"text": data.text})

    def tx_change(self, data: TxIn, ctx: NodeContext) -> Result:
        self._count(ctx)
        start = time.perf_counter()
        time.sleep(data.seconds)
        with self.tx.lock:
            self.tx.changes.append(data.name)
        with self.lock:
            self.spans.append((ctx.node_id, start, time.perf_counter()))
        return Result.success({"objectId": f"tx-{data.name}"})

    def verify(self, cached: Any, ctx: NodeContext) -> bool:
        return self.verify_result

    @hookimpl
    def register_node_types(self, register: Any) -> None:
        def spec(type_: str, inputs: type[BaseModel], run: Any, outputs: tuple[str, ...] = (),
                 **kw: Any) -> NodeSpec:
            return NodeSpec(type=type_, title=type_, description=f"test node {type_}", inputs=inputs,
                            run=run, outputs=outputs, **kw)

        register(spec("emit", ValueIn, self.emit, ("objectId", "value")))
        register(spec("useObject", ObjectIn, self.use_object, ("objectId", "label")))
        register(spec("verified", ValueIn, self.emit, ("objectId", "value"), verify=self.verify))
        register(spec("sleep", SleepIn, self.sleep, ("slept",), read_only=True))
        register(spec("sleepRes", SleepIn, self.sleep, ("slept",), read_only=True, resource="res"))
        register(spec("flaky", FlakyIn, self.flaky, ("ok",)))
        register(spec("fail", FailIn, self.fail))
        register(spec("boom", ValueIn, self.boom))
        register(spec("hang", SleepIn, self.hang))
        register(spec("stubborn", SleepIn, self.stubborn))
        register(spec("noop", CountIn, lambda data, ctx: Result.success({"count": data.count}), ("count",)))
        register(spec("echoNode", EchoIn, self.command_node, ("text",)))
        register(spec("txChange", TxIn, self.tx_change, ("objectId",), resource="tx"))

    @hookimpl
    def register_bus_commands(self, register: Any) -> None:
        def echo(data: EchoIn, ctx: CommandContext) -> Result:
            if data.text == "raise":
                raise ValueError("echo was told to raise")
            if data.text == "not a result":
                return {"text": data.text}  # type: ignore[return-value]
            return Result.success({"text": data.text})

        register("echo", echo, EchoIn, description="Return the text.")

    @hookimpl
    def register_backends(self, register: Any) -> None:
        register("tx", lambda settings: self.tx)

    @hookimpl
    def on_run_finished(self, execution: dict[str, Any]) -> None:
        self.finished.append(execution)


def flow(*nodes: dict[str, Any], edges: tuple[tuple[str, str], ...] | list[tuple[str, str]] = (),
         **extra: Any) -> dict[str, Any]:
    """A workflow document from node dicts and (source, target) pairs."""
    return {
        "id": extra.pop("id", "test-flow"),
        "nodes": list(nodes),
        "edges": [{"id": f"e{i}", "source": s, "target": t} for i, (s, t) in enumerate(edges)],
        **extra,
    }


def node(node_id: str, node_type: str, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "data": data}


_module_plugin = TestNodes()


@hookimpl
def register_node_types(register: Any) -> None:
    _module_plugin.register_node_types(register)


@hookimpl
def register_bus_commands(register: Any) -> None:
    _module_plugin.register_bus_commands(register)


@hookimpl
def register_backends(register: Any) -> None:
    _module_plugin.register_backends(register)
