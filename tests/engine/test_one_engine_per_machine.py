"""``exec`` and ``status`` run without a config file talk to the machine's running daemon (e.g. the
one ``make demo`` started with its own config); ``--local`` keeps them to this config."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from wwiseflowd.cli import main
from wwiseflowd.daemon.instance import machine_pointer_path, read_runtime

pytestmark = [pytest.mark.slow, pytest.mark.integration,
              pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]


@pytest.fixture
def demo_daemon(tmp_path: Path) -> Iterator[Path]:
    """``wwiseflowd run --simulate`` on its own config and state dir, as ``make demo`` runs it."""
    state = tmp_path / "demo-state"
    config = tmp_path / "demo.toml"
    config.write_text(f'[paths]\nstate_dir = "{state}"\nlogs_dir = "{tmp_path / "logs"}"\n'
                      f'workflows_dir = "{tmp_path / "workflows"}"\n[server]\nport = 0\n')
    command = [sys.executable, "-m", "wwiseflowd", "--config", str(config), "run", "--simulate"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ))
    try:
        deadline = time.monotonic() + 60
        while not (read_runtime(state) or {}).get("apiUrl"):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[0]
            time.sleep(0.1)
        yield state
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert not machine_pointer_path().exists()  # withdrawn on a clean stop


def test_status_and_exec_without_a_config_file_use_the_machines_daemon(
    tmp_path: Path, demo_daemon: Path
) -> None:
    flow = tmp_path / "flow.json"
    flow.write_text(json.dumps({"id": "q", "nodes": [
        {"id": "q", "type": "queryWaql", "data": {"waql": '$ "\\\\Actor-Mixer Hierarchy"'}}]}))
    runner = CliRunner()

    status = json.loads(runner.invoke(main, ["status", "--json"]).stdout)
    local_status = json.loads(runner.invoke(main, ["status", "--json", "--local"]).stdout)
    ran = runner.invoke(main, ["exec", "--json", str(flow)])

    assert status["running"] is True and status["source"] == "daemon"
    assert status["stateDir"] == str(demo_daemon)
    assert local_status["running"] is False
    assert ran.exit_code == 0, ran.output
    assert "Running on the wwiseflowd daemon at http://127.0.0.1:" in ran.stderr
    assert json.loads(ran.stdout)["source"] == "rest"  # the daemon's engine ran it
