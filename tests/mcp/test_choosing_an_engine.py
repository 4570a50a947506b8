"""How a front door picks its engine (the running daemon's REST API, or one of its own), and how an
execution reads as a Result."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from wwiseflowd.config import settings_for_tests
from wwiseflowd.engine import ExecutionResult
from wwiseflowd.operations import (
    DaemonClient,
    LocalOperations,
    execution_outcome,
    find_daemon,
    open_operations,
)


def _write_runtime(state_dir: Path, **facts: Any) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "runtime.json").write_text(json.dumps(facts), encoding="utf-8")


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_a_runtime_file_of_a_live_daemon_with_a_rest_url_is_found(tmp_path: Path) -> None:
    settings = settings_for_tests(tmp_path)
    assert find_daemon(settings) is None  # no file

    _write_runtime(settings.paths.state_dir, pid=os.getpid(), apiUrl="http://127.0.0.1:1")
    assert find_daemon(settings) == {"pid": os.getpid(), "apiUrl": "http://127.0.0.1:1"}

    _write_runtime(settings.paths.state_dir, pid=_dead_pid(), apiUrl="http://127.0.0.1:1")
    assert find_daemon(settings) is None  # stale: the process is gone

    _write_runtime(settings.paths.state_dir, pid=os.getpid(), apiUrl=None)
    assert find_daemon(settings) is None  # a daemon running without REST cannot be forwarded to


def test_a_daemon_that_does_not_answer_leaves_the_mcp_server_its_own_engine(
    tmp_path: Path, waapi_sim: Any
) -> None:
    settings = settings_for_tests(tmp_path, wwise={"url": waapi_sim.url})
    _write_runtime(settings.paths.state_dir, pid=os.getpid(), apiUrl=_closed_port_url())

    ops = open_operations(settings)
    try:
        assert isinstance(ops, LocalOperations)
        assert ops.command("query_waql", {"waql": "$ from type Sound"}).ok
    finally:
        ops.close()


def test_an_unreachable_daemon_is_an_actionable_error_result() -> None:
    client = DaemonClient(_closed_port_url())
    try:
        result = client.command("project_save", {})
    finally:
        client.close()

    assert result.code == "WAAPI_UNAVAILABLE"
    assert "daemon" in (result.error or "")


def test_a_failed_run_reads_as_its_failing_node_and_says_it_was_undone() -> None:
    # as a producer that left code and error out would write it (e.g. an old ledger row)
    execution = {
        "ok": False,
        "executionId": "exec_1",
        "workflowId": "w",
        "stopAt": "n2",
        "rolledBack": True,
        "status": "failed",
        "startedAt": "2026-12-02T00:00:00.000Z",
        "results": [
            {"node": "n1", "type": "emit", "ok": True},
            {"node": "n2", "type": "audioImport", "ok": False, "code": "IMPORT_FAILED",
             "error": "x.wav is not a WAV file."},
        ],
    }

    outcome = execution_outcome(execution)

    assert outcome.code == "IMPORT_FAILED"
    assert (
        "n2" in (outcome.error or "")
        and "x.wav" in (outcome.error or "")
        and "undone" in (outcome.error or "")
    )
    assert outcome.data["executionId"] == "exec_1" and outcome.data["code"] == "IMPORT_FAILED"


def test_a_failed_execution_always_carries_a_code_and_a_sentence() -> None:
    bare = ExecutionResult(ok=False, executionId="e", workflowId="w", status="cancelled", startedAt="t")
    assert bare.code == "INTERNAL" and "did not finish" in (bare.error or "")
    running = ExecutionResult(ok=False, executionId="e", workflowId="w", status="running", startedAt="t")
    assert running.code is None  # not finished: nothing to explain yet
    assert execution_outcome(running).code == "TIMEOUT"
