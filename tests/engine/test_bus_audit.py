"""The command bus (validation, never raising) and the audit log it writes (plus ``wwiseflowd audit``)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from engine_testnodes import TestNodes, flow, node

from wwiseflowd.audit import AuditLog, parse_since
from wwiseflowd.engine import Engine
from wwiseflowd.events import EventHub
from wwiseflowd.results import Result


def audit_entries(engine: Engine) -> list[dict]:
    return list(engine.audit.read())


def test_a_command_runs_and_is_audited(engine: Engine) -> None:
    result = engine.command("echo", {"text": "hi"})
    assert result == Result.success({"text": "hi"})
    [entry] = audit_entries(engine)
    assert entry["command"] == "echo" and entry["payload"] == {"text": "hi"}
    assert entry["result"] == {"ok": True, "code": None, "error": None, "summary": {"text": "hi"}}
    assert entry["durationMs"] >= 0 and entry["executionId"] is None and entry["time"].endswith("Z")


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
    [entry] = list(engine.audit.read(execution_id=result.executionId))
    assert (entry["executionId"], entry["node"], entry["command"]) == (result.executionId, "say", "echo")


def test_large_payloads_are_truncated_in_the_audit_log(engine: Engine) -> None:
    engine.command("echo", {"text": "x" * 100_000})
    entry = audit_entries(engine)[0]
    assert entry["payload"] == {"truncated": True, "chars": len(json.dumps({"text": "x" * 100_000}))}


def test_audit_files_rotate_daily_and_since_filters(tmp_path: Path) -> None:
    directory = tmp_path / "audit"
    directory.mkdir()
    old_day = date(2026, 1, 1)
    (directory / f"audit-{old_day.isoformat()}.jsonl").write_text(
        json.dumps({"time": "2026-01-01T10:00:00.000Z", "command": "old", "executionId": "e1"}) + "\n"
        + "{torn line\n"
    )
    log = AuditLog(directory)
    log.append(command="new", payload={}, result=Result.success(), duration_ms=1.0, execution_id="e2")
    log.close()
    assert sorted(p.name for p in directory.iterdir()) == [
        "audit-2026-01-01.jsonl", f"audit-{datetime.now(UTC).date().isoformat()}.jsonl"]
    assert [e["command"] for e in log.read()] == ["old", "new"]
    assert [e["command"] for e in log.read(since=parse_since("1h"))] == ["new"]
    assert [e["command"] for e in log.read(execution_id="e1")] == ["old"]


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
    assert health["tx"] == {"created": True}
