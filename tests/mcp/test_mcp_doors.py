"""How the MCP server picks its engine: the running daemon's REST API, or one of its own."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from wwiseflowd.config import settings_for_tests
from wwiseflowd.mcp_server import LocalDoor, RemoteDoor, execution_outcome, find_daemon, open_door


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

    door = open_door(settings)
    try:
        assert isinstance(door, LocalDoor)
        assert door.command("query_waql", {"waql": "$ from type Sound"}).ok
    finally:
        door.close()


def test_an_unreachable_daemon_is_an_actionable_error_result() -> None:
    door = RemoteDoor(_closed_port_url())
    try:
        result = door.command("project_save", {})
    finally:
        door.close()

    assert result.code == "WAAPI_UNAVAILABLE"
    assert "daemon" in (result.error or "")


def test_a_failed_run_reads_as_its_failing_node_and_says_it_was_undone() -> None:
    execution = {
        "ok": False,
        "workflowId": "w",
        "stopAt": "n2",
        "rolledBack": True,
        "status": "failed",
        "results": [
            {"node": "n1", "ok": True},
            {"node": "n2", "ok": False, "code": "IMPORT_FAILED", "error": "x.wav is not a WAV file."},
        ],
    }

    outcome = execution_outcome(execution)

    assert outcome.code == "IMPORT_FAILED"
    assert (
        "n2" in (outcome.error or "")
        and "x.wav" in (outcome.error or "")
        and "undone" in (outcome.error or "")
    )
    assert outcome.data == execution
