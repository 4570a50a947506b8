"""Logging set-up: stdlib interception, the JSON-lines file, no variable values outside debug."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest
from loguru import logger

from wwiseflowd import logs


def test_stdlib_records_reach_the_console_under_their_logger_name(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("INFO")
    logging.getLogger("uvicorn.error").info("Started server process")
    logging.getLogger("uvicorn.error").debug("below the level")
    err = capsys.readouterr().err
    assert "INFO    uvicorn.error Started server process" in err
    assert "below the level" not in err


def test_chatty_libraries_are_held_at_warning_unless_debugging(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("INFO")
    logging.getLogger("watchdog.observers.inotify_buffer").info("in_event")
    logging.getLogger("autobahn.websocket").warning("connection lost")
    err = capsys.readouterr().err
    assert "in_event" not in err and "connection lost" in err
    logs.configure("DEBUG")
    logging.getLogger("watchdog.observers.inotify_buffer").debug("in_event")
    assert "in_event" in capsys.readouterr().err


def test_bound_values_follow_the_message(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("INFO")
    logger.bind(executionId="exec_1", nodeId="n2").info("node finished")
    assert 'node finished {"executionId": "exec_1", "nodeId": "n2"}' in capsys.readouterr().err


def test_json_file_has_one_object_per_line_with_bound_fields(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "wwiseflowd.jsonl"
    logs.configure("INFO", json_file=path)
    logger.bind(executionId="exec_9").warning("batch failed: {}", "3 files")
    logging.getLogger("watchdog").error("observer died")
    logger.remove()  # flushes the queue of the enqueued file sink
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["message"] for r in records] == ["batch failed: 3 files", "observer died"]
    assert records[0]["executionId"] == "exec_9" and records[0]["level"] == "WARNING"
    assert records[1]["logger"] == "watchdog"
    assert {"time", "level", "logger", "message"} <= set(records[1])
    assert (path.stat().st_mode & 0o777) == 0o600 or sys.platform == "win32"


def fail_with_a_secret() -> None:
    api_token = "hunter2-secret-value"  # a local that loguru's diagnose would print
    raise ValueError("wrong token" + api_token[:0])


@pytest.mark.parametrize(("level", "shows_values"), [("INFO", False), ("DEBUG", True)])
def test_tracebacks_show_variable_values_only_in_debug(
    capsys: pytest.CaptureFixture[str], level: str, shows_values: bool
) -> None:
    logs.configure(level)
    try:
        fail_with_a_secret()
    except ValueError:
        logger.exception("it broke")
    err = capsys.readouterr().err
    assert "ValueError: wrong token" in err
    assert ("hunter2-secret-value" in err) is shows_values
