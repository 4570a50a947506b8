"""The runner through the Engine facade: results, memo, parallelism, retries, timeout, cancel, rollback."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from loguru import logger

from tests.engine.engine_testnodes import TestNodes, flow, node
from wwiseflowd.api.metrics import execution_status
from wwiseflowd.config import settings_for_tests
from wwiseflowd.documents import MAX_NESTING
from wwiseflowd.engine import Engine
from wwiseflowd.plugins import Plugins

MakeEngine = Callable[..., Engine]


def by_node(result: Any) -> dict[str, Any]:
    return {r.node: r for r in result.results}


def overlapping(a: tuple[str, float, float], b: tuple[str, float, float]) -> bool:
    return a[1] < b[2] and b[1] < a[2]


# -- results and references ----------------------------------------------------------------------


def test_execution_result_has_per_node_results_timing_and_outputs(engine: Engine) -> None:
    result = engine.execute(flow(node("a", "emit", value="7"),
                                 node("b", "useObject", label="$from:a:$output:value"), edges=[("a", "b")]))
    assert result.ok and result.status == "succeeded" and not result.stopped and result.stopAt is None
    assert result.executionId.startswith("exec_") and result.workflowId == "test-flow"
    a, b = result.results
    assert (a.node, a.type, a.ok, a.cached) == ("a", "emit", True, False)
    assert a.data == {"objectId": "obj-7", "value": "7"}
    assert b.data == {"objectId": "obj-7", "label": "7"}
    assert a.durationMs > 0 and len(a.idemKey or "") == 64 and a.attempts == 1


def test_referenced_values_are_validated_after_resolution(engine: Engine) -> None:
    result = engine.execute(flow(node("a", "emit", value="not a number"),
                                 node("b", "sleep", seconds="$from:a:$output:value")))
    assert not result.ok and result.stopAt == "b"
    assert by_node(result)["b"].code == "INVALID_INPUT" and "'seconds'" in (by_node(result)["b"].error or "")


def test_workflow_inputs_resolve_and_declared_defaults_apply(engine: Engine) -> None:
    document = flow(node("a", "useObject", objectId="$input:obj", label="$input:label"),
                    inputs={"obj": {"type": "string"}, "label": {"type": "string", "default": "dflt"}})
    result = engine.execute(document, {"obj": "X"})
    assert result.ok and result.results[0].data == {"objectId": "X", "label": "dflt"}


def test_missing_or_unknown_inputs_fail_before_anything_runs(engine: Engine, nodes: TestNodes) -> None:
    document = flow(node("a", "useObject", objectId="$input:obj"), inputs={"obj": {"type": "string"}})
    result = engine.execute(document, {"ojb": "X"})
    assert not result.ok and result.code == "INVALID_INPUT"
    assert "'obj' is required" in (result.error or "") and "'ojb' is not declared" in (result.error or "")
    assert result.results[0].skipped and nodes.calls["a"] == 0


def test_undeclared_input_missing_at_run_time_fails_that_node(engine: Engine) -> None:
    result = engine.execute(flow(node("a", "useObject", objectId="$input:obj")))
    assert result.stopAt == "a" and result.results[0].code == "INVALID_INPUT"
    assert "--input obj=" in (result.results[0].error or "")


def test_inputs_that_are_not_an_object_are_refused(engine: Engine) -> None:
    result = engine.execute(flow(node("a", "emit")), ["not", "a", "mapping"])  # type: ignore[arg-type]
    assert not result.ok and result.code == "INVALID_INPUT" and "list" in (result.error or "")


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"a": [value]}
    return value


@pytest.mark.parametrize("depth", [MAX_NESTING + 1, 5000])
def test_deeply_nested_inputs_are_refused_in_process_naming_the_input(
    engine: Engine, nodes: TestNodes, depth: int
) -> None:
    document = flow(node("a", "emit", value="$input:obj"), inputs={"obj": {"type": "object"}})
    result = engine.execute(document, {"obj": _nested(depth // 2 + 1)})
    assert not result.ok and result.code == "INVALID_INPUT" and "'obj'" in (result.error or "")
    assert result.errors and result.errors[0]["field"] == "inputs.obj" and nodes.calls["a"] == 0
    assert engine.execute(document, {"obj": _nested(MAX_NESTING // 2 - 2)}).ok


def test_a_deeply_nested_plan_dict_is_refused_not_raised(engine: Engine) -> None:
    plan = engine.compile(flow(node("a", "emit"))).data
    plan["steps"][0]["data"]["value"] = _nested(3000)
    result = engine.execute(plan)
    assert not result.ok and result.code == "INVALID_INPUT"


def test_a_broken_store_still_gives_an_execution_result(engine: Engine) -> None:
    engine.store.close()  # every ledger write now raises
    result = engine.execute(flow(node("a", "emit")))
    assert not result.ok and result.code == "INTERNAL" and "state directory" in (result.error or "")


def test_compile_errors_come_back_as_a_failed_execution(engine: Engine) -> None:
    result = engine.execute(flow(node("a", "nope")))
    assert not result.ok and result.code == "UNKNOWN_NODE_TYPE" and result.errors
    assert engine.get_execution(result.executionId) is not None


# -- stopping -------------------------------------------------------------------------------------


def test_run_stops_at_the_first_failure_and_marks_the_rest_skipped(engine: Engine, nodes: TestNodes) -> None:
    result = engine.execute(flow(node("a", "emit"), node("b", "fail", code="FILE_NOT_FOUND"),
                                 node("c", "emit"), edges=[("a", "b"), ("b", "c")]))
    assert (result.ok, result.stopped, result.stopAt, result.status) == (False, True, "b", "failed")
    assert result.code == "FILE_NOT_FOUND" and "'b'" in (result.error or "")
    c = by_node(result)["c"]
    assert c.skipped and not c.ok and nodes.calls["c"] == 0


def test_a_node_that_raises_becomes_internal_and_the_run_reports_it(engine: Engine) -> None:
    result = engine.execute(flow(node("a", "boom")))
    assert result.stopAt == "a" and result.results[0].code == "INTERNAL"
    assert "RuntimeError: kaboom" in (result.results[0].error or "")


# -- idempotency ----------------------------------------------------------------------------------


def test_second_run_is_fully_cached_and_calls_nothing(engine: Engine, nodes: TestNodes) -> None:
    document = flow(node("a", "emit", value=1), node("b", "useObject"), edges=[("a", "b")])
    first = engine.execute(document)
    second = engine.execute(document)
    assert [r.cached for r in first.results] == [False, False]
    assert [r.cached for r in second.results] == [True, True]
    assert [r.data for r in second.results] == [r.data for r in first.results]
    assert [r.idemKey for r in second.results] == [r.idemKey for r in first.results]
    assert nodes.calls == {"a": 1, "b": 1}


def test_memo_entries_of_steps_with_known_inputs_are_read_in_one_store_call(
    engine: Engine, nodes: TestNodes, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = flow(node("a", "emit", value=1), node("c", "emit", value=2), node("b", "useObject"),
                    edges=[("a", "b")])
    engine.execute(document)
    reads: list[tuple[str, Any]] = []
    for name in ("memo_get", "memo_get_many"):
        method = getattr(engine.store, name)
        monkeypatch.setattr(engine.store, name,
                            lambda arg, _m=method, _name=name: reads.append((_name, arg)) or _m(arg))
    second = engine.execute(document)
    assert all(r.cached for r in second.results) and nodes.calls == {"a": 1, "c": 1, "b": 1}
    keys = {r.node: r.idemKey for r in second.results}
    # a and c hold literal inputs: one batch read before the run; b takes a's output: read at its turn
    assert reads == [("memo_get_many", [keys["a"], keys["c"]]), ("memo_get", keys["b"])]


def test_force_runs_every_node_again(engine: Engine, nodes: TestNodes) -> None:
    document = flow(node("a", "emit", value=1))
    engine.execute(document)
    result = engine.execute(document, force=True)
    assert not result.results[0].cached and nodes.calls["a"] == 2


def test_verify_saying_the_object_is_gone_reruns_the_node(engine: Engine, nodes: TestNodes) -> None:
    document = flow(node("a", "verified", value=1))
    engine.execute(document)
    assert engine.execute(document).results[0].cached
    nodes.verify_result = False
    assert not engine.execute(document).results[0].cached
    assert nodes.calls["a"] == 2


def test_fresh_upstream_work_invalidates_downstream_memo_hits(engine: Engine, nodes: TestNodes) -> None:
    engine.execute(flow(node("a", "emit", value=1), node("b", "useObject", objectId="x"), edges=[("a", "b")]))
    result = engine.execute(flow(node("a", "emit", value=2), node("b", "useObject", objectId="x"),
                                 edges=[("a", "b")]))
    assert [r.cached for r in result.results] == [False, False] and nodes.calls["b"] == 2


def test_read_only_nodes_always_run(engine: Engine, nodes: TestNodes) -> None:
    document = flow(node("s", "sleep", seconds=0))
    engine.execute(document)
    assert not engine.execute(document).results[0].cached and nodes.calls["s"] == 2


def test_memo_and_ledger_survive_a_restart(tmp_path: Path, nodes: TestNodes) -> None:
    def engine() -> Engine:
        plugins = Plugins()
        plugins.register(nodes, "testnodes")
        return Engine(settings_for_tests(tmp_path), plugins)

    with engine() as first:
        executed = first.execute(flow(node("a", "emit", value=1)))
    with engine() as second:
        stored = second.get_execution(executed.executionId)
        assert stored is not None and stored.model_dump() == executed.model_dump()
        assert second.list_executions()[0]["executionId"] == executed.executionId
        assert second.execute(flow(node("a", "emit", value=1))).results[0].cached
    assert nodes.calls["a"] == 1


def test_an_execution_whose_process_died_is_marked_interrupted_at_the_next_start(
    tmp_path: Path, nodes: TestNodes
) -> None:
    settings = settings_for_tests(tmp_path)
    # a real process records a running execution and dies without finishing it (as under kill -9)
    script = (
        "import sys; from wwiseflowd.store.sqlite import SQLiteStore; "
        "SQLiteStore(sys.argv[1]).ledger_record("
        "{'executionId': 'exec_dead', 'workflowId': 'w', 'ok': False, 'results': []}, 'running'); "
        "import os; os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", script, str(settings.store_path)], check=True, timeout=60)
    plugins = Plugins()
    plugins.register(nodes, "testnodes")
    with Engine(settings, plugins) as engine:
        engine.store.ledger_record({"executionId": "exec_live", "workflowId": "w", "results": []}, "running")
    with Engine(settings, plugins) as engine:
        dead = engine.store.ledger_get("exec_dead")
        assert dead is not None and dead["status"] == "failed" and dead["code"] == "INTERRUPTED"
        assert "stopped before it finished" in dead["error"]
        assert engine.list_executions(status="failed")[0]["executionId"] == "exec_dead"
        live = engine.store.ledger_get("exec_live")  # this process is alive: its row is left alone
        assert live is not None and live["status"] == "running"


def test_plan_can_be_cached_and_rerun(engine: Engine, nodes: TestNodes) -> None:
    document = flow(node("a", "emit", value=1), node("b", "useObject"), edges=[("a", "b")])
    compiled = engine.compile(document)
    assert compiled.ok and engine.compile(document).data == compiled.data
    assert engine.execute(compiled.data, force=True).ok
    assert engine.execute(compiled.data, force=True).ok and nodes.calls == {"a": 2, "b": 2}


def test_a_tampered_plan_is_refused(engine: Engine) -> None:
    plan = engine.compile(flow(node("a", "emit", value=1))).data
    plan["steps"][0]["data"]["value"] = 2
    result = engine.execute(plan)
    assert not result.ok and result.code == "INVALID_INPUT" and "hash" in (result.error or "")


# -- parallelism ----------------------------------------------------------------------------------


def test_independent_branches_really_overlap(make_engine: MakeEngine, nodes: TestNodes) -> None:
    engine = make_engine(max_parallel=3)
    result = engine.execute(flow(node("a", "sleep", seconds=0.3), node("b", "sleep", seconds=0.3),
                                 node("c", "sleep", seconds=0.3)))
    assert result.ok
    a, b, c = sorted(nodes.spans)
    assert overlapping(a, b) and overlapping(b, c) and overlapping(a, c)


def test_parallelism_is_bounded_by_max_parallel(make_engine: MakeEngine, nodes: TestNodes) -> None:
    engine = make_engine(max_parallel=2)
    assert engine.execute(flow(*(node(f"n{i}", "sleep", seconds=0.1) for i in range(5)))).ok
    points = sorted([(s, 1) for _, s, _ in nodes.spans] + [(e, -1) for _, _, e in nodes.spans],
                    key=lambda p: (p[0], p[1]))
    level = peak = 0
    for _, delta in points:
        level += delta
        peak = max(peak, level)
    assert peak == 2


def test_steps_on_the_same_resource_never_overlap(make_engine: MakeEngine, nodes: TestNodes) -> None:
    engine = make_engine(max_parallel=4)
    result = engine.execute(flow(*(node(f"r{i}", "sleepRes", seconds=0.05) for i in range(4)),
                                 node("free", "sleep", seconds=0.15)))
    assert result.ok
    res = [s for s in nodes.spans if s[0].startswith("r")]
    assert all(not overlapping(x, y) for i, x in enumerate(res) for y in res[i + 1:])
    free = next(s for s in nodes.spans if s[0] == "free")
    assert any(overlapping(free, r) for r in res)  # other resources still run alongside


# -- retries, timeout, cancel ---------------------------------------------------------------------


@pytest.mark.parametrize("code", ["WWISE_LOCKED", "WAAPI_UNAVAILABLE", "WAAPI_TIMEOUT"])
def test_transient_failures_are_retried(engine: Engine, nodes: TestNodes, code: str) -> None:
    result = engine.execute(flow(node("f", "flaky", failures=2, code=code)))
    assert result.ok and result.results[0].attempts == 3 and nodes.calls["f"] == 3


def test_non_transient_failures_are_not_retried(engine: Engine, nodes: TestNodes) -> None:
    result = engine.execute(flow(node("f", "flaky", failures=1, code="NAME_CONFLICT")))
    assert result.results[0].code == "NAME_CONFLICT" and nodes.calls["f"] == 1


def test_retries_are_bounded_by_engine_retries(make_engine: MakeEngine, nodes: TestNodes) -> None:
    engine = make_engine(retries=2)
    result = engine.execute(flow(node("f", "flaky", failures=10, code="WWISE_LOCKED")))
    assert result.results[0].code == "WWISE_LOCKED" and result.results[0].attempts == 3
    assert nodes.calls["f"] == 3


def test_a_step_over_its_timeout_fails_with_timeout(make_engine: MakeEngine) -> None:
    engine = make_engine(step_timeout_s=0.2)
    started = time.perf_counter()
    result = engine.execute(flow(node("h", "stubborn", seconds=3), node("after", "emit"),
                                 edges=[("h", "after")]))
    assert time.perf_counter() - started < 2
    assert result.stopAt == "h" and result.results[0].code == "TIMEOUT"
    assert "engine.step_timeout_s" in (result.results[0].error or "") and by_node(result)["after"].skipped


def test_a_timed_out_step_finishing_late_changes_nothing(make_engine: MakeEngine, nodes: TestNodes) -> None:
    engine = make_engine(step_timeout_s=0.1)
    with engine.events.subscribe() as sub:
        result = engine.execute(flow(node("h", "stubborn", seconds=0.4)))
        time.sleep(0.5)  # the abandoned thread returns meanwhile
        finished = [e for e in sub.drain() if e["type"] == "node.finished"]
    assert [e["code"] for e in finished] == ["TIMEOUT"] and nodes.calls["h"] == 1
    assert engine.get_execution(result.executionId).results[0].code == "TIMEOUT"  # type: ignore[union-attr]


def test_cancelling_a_running_execution(engine: Engine, nodes: TestNodes) -> None:
    with engine.events.subscribe() as sub:
        execution_id = engine.submit(flow(node("h", "hang", seconds=30), node("after", "emit"),
                                          edges=[("h", "after")]))
        while (event := sub.get(timeout=5)) is not None and event["type"] != "node.started":
            pass
    assert engine.cancel(execution_id)
    result = engine.wait(execution_id, timeout=5)
    assert result is not None and result.status == "cancelled" and result.stopAt == "h"
    assert result.results[0].code == "CANCELLED" and by_node(result)["after"].skipped
    assert not engine.cancel(execution_id)


def test_a_cancelled_run_finishes_with_status_and_code_that_metrics_count_as_cancelled(
    engine: Engine,
) -> None:
    with engine.events.subscribe() as sub:
        execution_id = engine.submit(flow(node("h", "hang", seconds=30)))
        while (event := sub.get(timeout=5)) is not None and event["type"] != "node.started":
            pass
        assert engine.cancel(execution_id)
        while (event := sub.get(timeout=5)) is not None and event["type"] != "run.finished":
            pass
    assert event is not None and event["executionId"] == execution_id
    assert event["ok"] is False and event["status"] == "cancelled" and event["code"] == "CANCELLED"
    assert execution_status(event) == "cancelled"


def test_starting_a_closed_engine_is_refused(engine: Engine) -> None:
    engine.close()
    with pytest.raises(RuntimeError, match="closed"):
        engine.start()


def test_cancel_abandons_a_step_that_ignores_it(
    make_engine: MakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("wwiseflowd.runner.CANCEL_GRACE_S", 0.1)
    engine = make_engine()
    execution_id = engine.submit(flow(node("s", "stubborn", seconds=2)))
    time.sleep(0.1)
    engine.cancel(execution_id)
    result = engine.wait(execution_id, timeout=1.5)
    assert result is not None and result.results[0].code == "CANCELLED" and result.status == "cancelled"


def test_get_execution_shows_a_running_execution(engine: Engine) -> None:
    execution_id = engine.submit(flow(node("h", "hang", seconds=30)))
    deadline = time.monotonic() + 5
    while (live := engine.get_execution(execution_id)) is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert live is not None and live.status == "running"
    assert execution_id in engine.running()
    engine.cancel(execution_id)
    assert engine.wait(execution_id, timeout=5) is not None


# -- events, logs, hooks --------------------------------------------------------------------------


def test_progress_events_are_published_in_order(engine: Engine) -> None:
    with engine.events.subscribe() as sub:
        result = engine.execute(flow(node("a", "emit"), node("b", "fail"), edges=[("a", "b")]))
        events = sub.drain()
    assert [(e["type"], e.get("nodeId")) for e in events] == [
        ("run.started", None), ("node.started", "a"), ("node.finished", "a"),
        ("node.started", "b"), ("node.finished", "b"), ("run.finished", None)]
    started, finished = events[0], events[-1]
    assert started["nodeCount"] == 2 and started["executionId"] == result.executionId
    assert started["workflowId"] == "test-flow" and started["source"] == "cli"
    assert events[2]["ok"] and events[2]["nodeType"] == "emit" and "durationMs" in events[2]
    assert events[4]["code"] == "FILE_NOT_FOUND" and events[4]["cached"] is False
    assert finished["ok"] is False and finished["stopAt"] == "b" and finished["rolledBack"] is False
    assert finished["status"] == "failed" and finished["code"] == "FILE_NOT_FOUND"
    assert all(e["time"].endswith("Z") for e in events)


def test_structured_log_events_carry_the_design_names(engine: Engine) -> None:
    records: list[dict[str, Any]] = []
    sink = logger.add(lambda m: records.append({"msg": m.record["message"], **m.record["extra"]}),
                      level="INFO")
    try:
        result = engine.execute(flow(node("a", "emit")))
    finally:
        logger.remove(sink)
    by_msg = {r["msg"]: r for r in records}
    assert by_msg["workflow.execution.start"]["executionId"] == result.executionId
    assert by_msg["workflow.execution.start"]["nodeCount"] == 1
    complete = by_msg["node.execution.complete"]
    assert (complete["nodeId"], complete["type"], complete["ok"]) == ("a", "emit", True)
    assert complete["duration_ms"] >= 0 and complete["executionId"] == result.executionId
    assert by_msg["workflow.execution.complete"]["ok"] is True


def test_plugins_hear_about_finished_runs(engine: Engine, nodes: TestNodes) -> None:
    result = engine.execute(flow(node("a", "emit")))
    assert nodes.finished[-1]["executionId"] == result.executionId and nodes.finished[-1]["ok"]


# -- undo groups and rollback ---------------------------------------------------------------------


def test_a_run_is_one_undo_group_named_after_the_workflow(engine: Engine, nodes: TestNodes) -> None:
    result = engine.execute(flow(node("a", "txChange", name="A"), node("b", "txChange", name="B"),
                                 name="Make things"))
    assert result.ok and not result.rolledBack
    assert [e[:2] for e in nodes.tx.log] == [("begin", None), ("end", "Make things")]
    assert nodes.tx.changes == ["A", "B"]


def test_failure_cancels_the_group_with_undo(engine: Engine, nodes: TestNodes) -> None:
    document = flow(node("a", "txChange", name="A"), node("b", "fail"), edges=[("a", "b")])
    result = engine.execute(document)
    assert not result.ok and result.rolledBack and "undone" in (result.error or "")
    assert [e[:2] for e in nodes.tx.log] == [("begin", None), ("cancel", True)]
    assert nodes.tx.changes == []
    # the undone step was not memoised: the next run does it again
    rerun = engine.execute(flow(node("a", "txChange", name="A")))
    assert not rerun.results[0].cached and nodes.tx.changes == ["A"]


def test_a_rollback_that_fails_is_reported_and_the_done_steps_stay_memoised(
    engine: Engine, nodes: TestNodes
) -> None:
    nodes.tx.cancel_fails = True
    result = engine.execute(flow(node("a", "txChange", name="A"), node("b", "fail"), edges=[("a", "b")]))
    assert not result.ok and not result.rolledBack
    expected = "Rollback did not complete: rolling back 'tx' failed: The connection dropped"
    assert expected in (result.error or "")
    assert engine.execute(flow(node("a", "txChange", name="A"))).results[0].cached


def test_a_run_whose_group_cannot_be_closed_after_its_last_step_is_not_ok(
    engine: Engine, nodes: TestNodes
) -> None:
    nodes.tx.end_fails = True  # e.g. the connection dropped after the last step
    result = engine.execute(flow(node("a", "txChange", name="A"), node("b", "txChange", name="B")))
    assert all(r.ok for r in result.results)
    assert not result.ok and result.status == "failed" and not result.rolledBack
    assert result.code == "WAAPI_UNAVAILABLE"  # transient: a drop batch waits and reconciles
    assert "Every step succeeded, but the run's undo group could not be closed: closing the group on 'tx' " \
        "failed: The connection dropped" in (result.error or "")
    stored = engine.get_execution(result.executionId)
    assert stored is not None and not stored.ok and stored.code == "WAAPI_UNAVAILABLE"
    # its changes may be lost (an application that restarted): nothing was memoised, a run again
    # applies them again
    nodes.tx.end_fails = False
    again = engine.execute(flow(node("a", "txChange", name="A"), node("b", "txChange", name="B")))
    assert again.ok and not any(r.cached for r in again.results)


def test_no_rollback_keeps_the_changes_and_closes_the_group(engine: Engine, nodes: TestNodes) -> None:
    result = engine.execute(flow(node("a", "txChange", name="A"), node("b", "fail"), edges=[("a", "b")]),
                            rollback=False)
    assert not result.ok and not result.rolledBack
    assert [e[0] for e in nodes.tx.log] == ["begin", "end"] and nodes.tx.changes == ["A"]


def test_fully_cached_rerun_opens_no_group(engine: Engine, nodes: TestNodes) -> None:
    document = flow(node("a", "txChange", name="A"))
    engine.execute(document)
    nodes.tx.log.clear()
    assert engine.execute(document).results[0].cached
    assert nodes.tx.log == []


def test_runs_with_a_group_on_the_same_backend_take_turns(make_engine: MakeEngine, nodes: TestNodes) -> None:
    engine = make_engine()
    ids = [engine.submit(flow(node(f"{k}1", "txChange", name=f"{k}1", seconds=0.1),
                              node(f"{k}2", "txChange", name=f"{k}2", seconds=0.1), id=k)) for k in "xy"]
    results = [engine.wait(i, timeout=10) for i in ids]
    assert all(r is not None and r.ok for r in results)
    kinds = [e[0] for e in nodes.tx.log]
    assert kinds == ["begin", "end", "begin", "end"]  # never begin, begin
    spans = {name[0]: [s for s in nodes.spans if s[0][0] == name[0]] for name in "xy"}
    assert not any(overlapping(a, b) for a in spans["x"] for b in spans["y"])


def test_engine_methods_are_safe_from_many_threads(engine: Engine) -> None:
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            assert engine.execute(flow(node("a", "emit", value=k), node("b", "useObject"),
                                       edges=[("a", "b")])).ok
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(engine.list_executions(limit=100)) == 8
