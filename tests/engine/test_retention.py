"""Retention: ``[retention]`` applied by ``prune`` and ``wwiseflowd prune``; what is still needed stays."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wwiseflowd.audit import AuditFilter, AuditTrail
from wwiseflowd.cli import main
from wwiseflowd.config import RetentionConfig
from wwiseflowd.plugins import Plugins
from wwiseflowd.results import Result
from wwiseflowd.retention import prune
from wwiseflowd.store import MemoEntry
from wwiseflowd.store.journal import Journal
from wwiseflowd.store.sqlite import SQLiteStore

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
KEEP_ALL = {"memo_days": None, "ledger_days": None, "journal_days": None}


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def parts(state: Path) -> Iterator[tuple[SQLiteStore, AuditTrail, Journal]]:
    store = SQLiteStore(state / "wwiseflowd.sqlite3")
    trail = AuditTrail(state, state / "wwiseflowd.sqlite3")
    journal = Journal.in_state_dir(state)
    yield store, trail, journal
    journal.close()
    trail.close()
    store.close()


def log_on(trail: AuditTrail, days_ago: int, execution_id: str = "exec_old", text: str = "x") -> None:
    trail.log.clock = lambda: NOW - timedelta(days=days_ago)
    trail.log.append(command="echo", payload={"text": text}, result=Result.success(), duration_ms=1,
                     execution_id=execution_id)


def test_old_audit_files_go_the_chain_still_verifies_and_keeps_growing(
    parts: tuple[SQLiteStore, AuditTrail, Journal],
) -> None:
    store, trail, journal = parts
    for days in (400, 380, 10, 0):
        log_on(trail, days)
    config = RetentionConfig(audit_days=365, **KEEP_ALL)
    dry = prune(config, store=store, trail=trail, journal=journal, dry_run=True, now=NOW)
    assert dry.auditFiles == ["audit-2025-10-28.jsonl", "audit-2025-11-17.jsonl"]
    assert len(list(trail.directory.glob("*.jsonl"))) == 4  # a dry run removes nothing
    done = prune(config, store=store, trail=trail, journal=journal, now=NOW)
    assert done.auditFiles == dry.auditFiles and len(list(trail.directory.glob("*.jsonl"))) == 2
    assert trail.verify().ok, trail.verify().as_dict()
    log_on(trail, 0, text="after")
    assert trail.verify().ok and [e["payload"]["text"] for e in trail.entries()] == ["x", "x", "after"]


def test_a_file_holding_an_open_execution_is_kept_with_everything_newer(
    parts: tuple[SQLiteStore, AuditTrail, Journal],
) -> None:
    store, trail, journal = parts
    log_on(trail, 500)
    log_on(trail, 400, execution_id="exec_still_running")
    log_on(trail, 300)
    store.ledger_record({"executionId": "exec_still_running", "startedAt": "2025-10-28T00:00:00.000Z"},
                        "running")
    report = prune(RetentionConfig(audit_days=30, **KEEP_ALL), store=store, trail=trail, journal=journal,
                   now=NOW)
    assert report.auditFiles == ["audit-2025-07-20.jsonl"]
    assert "exec_still_running" in report.kept[0]
    assert trail.verify().ok


def test_the_size_cap_drops_the_oldest_files_and_unreferenced_blobs_only(
    parts: tuple[SQLiteStore, AuditTrail, Journal],
) -> None:
    store, trail, journal = parts
    log_on(trail, 3, text="a" * 300_000)  # a blob of ~300 kB
    log_on(trail, 2, text="b" * 300_000)
    log_on(trail, 0, text="c" * 300_000)
    for digest in trail.blobs.digests():  # written "long ago" except c's, which is in its grace period
        if not trail.blobs.get(digest).startswith(b'{"text":"c'):
            stamp = time.time() - 3600
            os.utime(trail.blobs.path(digest), (stamp, stamp))
    config = RetentionConfig(audit_days=None, audit_max_mb=0.7, **KEEP_ALL)
    report = prune(config, store=store, trail=trail, journal=journal, now=datetime.now(UTC))
    assert report.auditFiles == [f"audit-{(NOW - timedelta(days=3)).date()}.jsonl"] and report.blobs == 1
    texts = [e["payload"]["text"][0] for e in trail.entries(AuditFilter())]
    assert texts == ["b", "c"] and trail.verify().ok


def test_memo_and_finished_executions_age_out_but_running_ones_stay(
    parts: tuple[SQLiteStore, AuditTrail, Journal],
) -> None:
    store, trail, journal = parts
    store.memo_put_many([MemoEntry("old", "t", 1, created_at="2026-01-01T00:00:00.000Z"),
                         MemoEntry("new", "t", 2, created_at="2026-12-01T00:00:00.000Z")])
    for execution_id, status in (("e_done", "succeeded"), ("e_running", "running")):
        row = {"executionId": execution_id, "startedAt": "2026-01-01T00:00:00.000Z", "ok": True}
        store.ledger_record(row, status)  # type: ignore[arg-type]
    config = RetentionConfig(audit_days=None, memo_days=30, ledger_days=30, journal_days=None)
    report = prune(config, store=store, trail=trail, journal=journal, now=NOW)
    assert (report.memo, report.ledger) == (1, 1)
    assert store.memo_get("old") is None and store.memo_get("new") is not None
    assert store.ledger_get("e_done") is None and store.ledger_get("e_running") is not None


def test_journal_rows_go_only_when_finished_settled_and_gone_from_the_drop(
    parts: tuple[SQLiteStore, AuditTrail, Journal], tmp_path: Path,
) -> None:
    store, trail, _ = parts
    old = time.time() - 90 * 86400
    journal = Journal(tmp_path / "drops.sqlite3", clock=lambda: old)
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "still_here.wav").write_bytes(b"x")
    names = ("moved.wav", "still_here.wav", "busy.wav")
    ids = journal.record_seen("sfx", [(str(drop / n), n, "T") for n in names])
    batch = journal.create_batch("sfx", [ids["moved.wav"], ids["still_here.wav"]])
    journal.start_batch(batch, "exec_b")
    for name in ("moved.wav", "still_here.wav"):
        journal.mark_done(ids[name], execution_id="exec_b")
    journal.mark_settled([ids["moved.wav"], ids["still_here.wav"]])
    journal.finish_batch(batch)
    config = RetentionConfig(audit_days=None, memo_days=None, ledger_days=None, journal_days=30)
    report = prune(config, store=store, trail=trail, journal=journal, now=NOW)
    assert (report.journalFiles, report.journalBatches) == (1, 0)  # the batch still has a file row
    assert journal.file(ids["moved.wav"]) is None
    assert journal.file(ids["still_here.wav"]) is not None and journal.file(ids["busy.wav"]) is not None
    (drop / "still_here.wav").unlink()
    assert prune(config, store=store, trail=trail, journal=journal, now=NOW).journalBatches == 1
    journal.close()


def test_prune_cli_reports_a_dry_run_as_json(state: Path, tmp_path: Path) -> None:
    trail = AuditTrail(state, state / "wwiseflowd.sqlite3")
    log_on(trail, 1000)
    log_on(trail, 0)
    trail.close()
    config = tmp_path / "wwiseflowd.toml"
    logs = (tmp_path / "l").as_posix()
    config.write_text(f'[paths]\nstate_dir = "{state.as_posix()}"\nlogs_dir = "{logs}"\n'
                      "[retention]\naudit_days = 30\n")

    def cli(*args: str) -> Any:
        return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)

    report = json.loads(cli("prune", "--dry-run", "--json").stdout)
    assert report["dryRun"] and len(report["auditFiles"]) == 1
    assert "Removed: 1 audit file(s)" in cli("prune").stdout
    assert cli("audit", "verify").exit_code == 0


def test_the_daemon_worker_prunes_in_the_background_and_stops(tmp_path: Path) -> None:
    from wwiseflowd.config import settings_for_tests
    from wwiseflowd.engine import Engine
    from wwiseflowd.retention import RetentionWorker

    settings = settings_for_tests(tmp_path, retention={"audit_days": 30, "interval_s": 10})
    with Engine(settings, Plugins().load(entry_points=False)) as engine:
        log_on(engine.audit_trail, (datetime.now(UTC) - NOW).days + 400)
        engine.audit_trail.log.clock = lambda: datetime.now(UTC)
        engine.command("echo_nothing", {})  # today's line (an unknown command is audited too)
        worker = RetentionWorker(settings.retention, engine, None, first_delay_s=0.01).start()
        deadline = time.monotonic() + 10
        while len(list(engine.audit_trail.directory.glob("*.jsonl"))) > 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        worker.stop()
        assert len(list(engine.audit_trail.directory.glob("*.jsonl"))) == 1
        assert not worker._thread.is_alive() and engine.audit_trail.verify().ok
