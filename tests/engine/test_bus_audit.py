"""The command bus (validation, never raising) and the audit log it writes (plus ``wwiseflowd audit``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.engine.engine_testnodes import TestNodes, flow, node
from wwiseflowd.audit import AuditFilter, AuditTrail, parse_since
from wwiseflowd.engine import Engine
from wwiseflowd.events import EventHub
from wwiseflowd.results import Result


def audit_entries(engine: Engine, **query: object) -> list[dict]:
    return engine.audit_trail.entries(AuditFilter(**query))  # type: ignore[arg-type]


def test_a_command_runs_and_is_audited(engine: Engine) -> None:
    result = engine.command("echo", {"text": "hi"})
    assert result == Result.success({"text": "hi"})
    [entry] = audit_entries(engine)
    assert entry["command"] == "echo" and entry["payload"] == {"text": "hi"}
    assert entry["result"] == {"ok": True, "code": None, "error": None, "data": {"text": "hi"}}
    assert entry["durationMs"] >= 0 and entry["executionId"] is None and entry["time"].endswith("Z")
    assert entry["source"] == "cli" and (entry["file"], entry["line"]) == (entry["file"], 1)


def test_unknown_command_is_not_found_with_a_suggestion(engine: Engine) -> None:
    result = engine.command("ecko", {})
    assert result.code == "NOT_FOUND" and "Did you mean echo" in (result.error or "")
    assert audit_entries(engine)[0]["result"]["code"] == "NOT_FOUND"


def test_invalid_payload_names_the_field(engine: Engine) -> None:
    result = engine.command("echo", {"txt": "hi"})
    assert result.code == "INVALID_INPUT" and "'text' is required" in (result.error or "")


def test_a_handler_that_raises_or_returns_garbage_never_crosses_the_bus(engine: Engine) -> None:
    raised = engine.command("echo", {"text": "raise"})
    garbage = engine.command("echo", {"text": "not a result"})
    assert raised.code == "INTERNAL" and "ValueError" in (raised.error or "")
    assert garbage.code == "INTERNAL" and "instead of a Result" in (garbage.error or "")


def test_commands_run_by_nodes_carry_execution_and_node(engine: Engine) -> None:
    result = engine.execute(flow(node("say", "echoNode", text="hello")))
    assert result.ok and result.results[0].data == {"text": "hello"}
    [entry] = audit_entries(engine, execution_id=result.executionId)
    assert (entry["executionId"], entry["node"], entry["command"]) == (result.executionId, "say", "echo")


def test_large_payloads_and_results_are_kept_whole_in_blobs(engine: Engine) -> None:
    engine.command("echo", {"text": "x" * 100_000})
    [raw] = engine.audit_trail.entries(full=False)
    assert set(raw["payload"]) == {"$blob", "bytes"} and set(raw["result"]["data"]) == {"$blob", "bytes"}
    [entry] = audit_entries(engine)
    assert entry["payload"] == {"text": "x" * 100_000} and entry["result"]["data"] == {"text": "x" * 100_000}
    # the same content is stored once
    assert len(list(engine.audit_trail.blobs.digests())) == 1


def test_audit_files_rotate_daily_and_the_chain_runs_across_them(tmp_path: Path) -> None:
    days = iter([datetime(2026, 1, 1, 23, 59, tzinfo=UTC), datetime(2026, 1, 2, 0, 1, tzinfo=UTC)])
    trail = AuditTrail(tmp_path / "state", tmp_path / "state" / "db.sqlite3")
    trail.log.clock = lambda: next(days)
    trail.log.append(command="old", payload={}, result=Result.success(), duration_ms=1.0, execution_id="e1")
    trail.log.append(command="new", payload={}, result=Result.success(), duration_ms=1.0, execution_id="e2")
    assert sorted(p.name for p in trail.directory.glob("*.jsonl")) == [
        "audit-2026-01-01.jsonl", "audit-2026-01-02.jsonl"]
    first, second = trail.entries()
    assert second["prev"] == first["hash"] and first["prev"] == "0" * 64
    since = datetime(2026, 1, 2, tzinfo=UTC)
    assert [e["command"] for e in trail.entries(AuditFilter(since=since))] == ["new"]
    assert [e["command"] for e in trail.entries(AuditFilter(execution_id="e1"))] == ["old"]
    assert trail.verify().ok
    trail.close()


def test_since_accepts_durations_and_iso_times() -> None:
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert parse_since("10m", now) == now - timedelta(minutes=10)
    assert parse_since("2h", now) == now - timedelta(hours=2)
    assert parse_since("2026-05-01T11:00:00Z") == datetime(2026, 5, 1, 11, tzinfo=UTC)
    with pytest.raises(ValueError, match="10m"):
        parse_since("yesterday")


def test_a_slow_subscriber_loses_its_oldest_events_not_the_publisher() -> None:
    hub = EventHub()
    with hub.subscribe(maxsize=2) as sub:
        for i in range(5):
            hub.publish({"type": "tick", "i": i})
        assert [e["i"] for e in sub.drain()] == [3, 4] and sub.dropped == 3
    assert hub.subscriber_count == 0


def test_subscriptions_can_filter(nodes: TestNodes) -> None:
    hub = EventHub()
    sub = hub.subscribe(accept=lambda e: e.get("executionId") == "x")
    hub.publish({"type": "a", "executionId": "y"})
    hub.publish({"type": "b", "executionId": "x"})
    assert [e["type"] for e in sub.drain()] == ["b"]


def test_health_reports_the_engine_and_each_backend(engine: Engine) -> None:
    health = engine.health()
    assert health["engine"]["running"] == 0 and health["engine"]["nodeTypes"] >= 10
    assert health["engine"]["commands"] == 1 and health["engine"]["pluginErrors"] == []
    assert health["backends"]["tx"] == {"created": True}
