"""``wwiseflowd sim`` as a real foreground process: serves, saves under --project, stops on SIGTERM."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sim.waapi_calls import EVENTS_WU, connect

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_sim_command_serves_saves_and_stops_on_sigterm(tmp_path: Path) -> None:
    project = tmp_path / "CliProject"
    log = tmp_path / "calls.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wwiseflowd",
            "sim",
            "--port",
            "0",
            "--project",
            str(project),
            "--call-log",
            str(log),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        url = None
        for _ in range(50):
            line = proc.stderr.readline()
            match = re.search(r"on (ws://\S+/waapi);", line)
            if match:
                url = match.group(1)
                break
        assert url, "the emulator never announced its URL"
        client = connect(url)
        try:
            assert client.call("ak.wwise.core.getProjectInfo")["name"] == "CliProject"
            client.call(
                "ak.wwise.core.object.create", {"parent": EVENTS_WU, "type": "Event", "name": "Play_Cli"}
            )
            client.call("ak.wwise.core.project.save")
        finally:
            client.disconnect()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    saved = json.loads((project / "CliProject.wsim.json").read_text())
    assert saved["name"] == "CliProject"
    assert [json.loads(line)["uri"] for line in log.read_text().splitlines()] == [
        "ak.wwise.core.getProjectInfo",
        "ak.wwise.core.object.create",
        "ak.wwise.core.project.save",
    ]


def test_sim_command_reports_a_bad_version(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "wwiseflowd",
            "sim",
            "--wwise-version",
            "2018.1",
            "--project",
            str(tmp_path / "P"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2 and "not emulated" in proc.stderr
