"""``wwiseflowd exec``, ``validate`` and ``audit``: exit codes and output, through the real CLI root."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.engine.engine_testnodes import flow, node
from wwiseflowd.cli import main

HERE = Path(__file__).parent


@pytest.fixture
def cli(tmp_path: Path) -> Any:
    """``cli(*args)`` runs ``wwiseflowd --config <tmp config> *args``; the test plugin is in plugins_dir."""
    plugins_dir = tmp_path / "plugins"
    plugins_dir.mkdir()
    shutil.copy(HERE / "engine_testnodes.py", plugins_dir / "testnodes.py")
    config = tmp_path / "wwiseflowd.toml"
    config.write_text(
        f'[paths]\nstate_dir = "{(tmp_path / "state").as_posix()}"\n'
        f'plugins_dir = "{plugins_dir.as_posix()}"\n'
        f'logs_dir = "{(tmp_path / "logs").as_posix()}"\n'
        '[engine]\nretry_base_ms = 1\n'
    )

    def run(*args: str) -> Result:
        return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)

    return run


def write_flow(tmp_path: Path, document: Any, name: str = "flow.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return str(path)


def test_validate_prints_the_plan_and_exits_0(cli: Any, tmp_path: Path) -> None:
    result = cli("validate", write_flow(tmp_path, flow(node("a", "emit"), node("b", "useObject"),
                                                       edges=[("a", "b")])))
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)["data"]
    assert [s["nodeId"] for s in plan["steps"]] == ["a", "b"]


def test_validate_prints_every_error_and_exits_1(cli: Any, tmp_path: Path) -> None:
    result = cli("validate", write_flow(tmp_path, flow(node("a", "nope"), node("b", "useObject"))))
    assert result.exit_code == 1
    errors = json.loads(result.stdout)["data"]["errors"]
    assert [e["code"] for e in errors] == ["UNKNOWN_NODE_TYPE", "INVALID_INPUT"]


def test_workflow_id_defaults_to_the_file_name(cli: Any, tmp_path: Path) -> None:
    document = {"nodes": [node("a", "emit")]}
    result = cli("validate", write_flow(tmp_path, document, "my-flow.json"))
    assert json.loads(result.stdout)["data"]["workflowId"] == "my-flow"


@pytest.mark.parametrize(("content", "code"), [(None, "FILE_NOT_FOUND"), ("{not json", "INVALID_INPUT")])
def test_unreadable_workflow_files_exit_1_with_a_reason(
    cli: Any, tmp_path: Path, content: str | None, code: str
) -> None:
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_text(content)
    for command in (["validate", str(path)], ["exec", "--json", str(path)]):
        result = cli(*command)
        assert result.exit_code == 1 and json.loads(result.stdout)["code"] == code


def test_exec_json_prints_the_execution_result_and_exits_0(cli: Any, tmp_path: Path) -> None:
    result = cli("exec", "--json", write_flow(tmp_path, flow(node("a", "emit", value=1))))
    assert result.exit_code == 0, result.output
    execution = json.loads(result.stdout)
    assert execution["ok"] and execution["results"][0]["data"] == {"objectId": "obj-1", "value": 1}


def test_exec_exits_1_when_a_node_fails_and_says_where(cli: Any, tmp_path: Path) -> None:
    result = cli("exec", write_flow(tmp_path, flow(node("a", "emit"), node("b", "fail"), edges=[("a", "b")])))
    assert result.exit_code == 1
    assert "FAILED" in result.stdout and "FILE_NOT_FOUND" in result.stdout
    assert "ok a (emit)" in result.stderr and "FAILED b (fail)" in result.stderr


def test_exec_names_a_node_level_error_by_its_node_alone(cli: Any, tmp_path: Path) -> None:
    document = flow(node("a", "emit"), node("b", "emit"), edges=[("a", "b"), ("b", "a")])
    result = cli("exec", write_flow(tmp_path, document), "--local")
    assert result.exit_code == 1
    assert "[CYCLE_DETECTED] a: " in result.output and "None" not in result.output


def test_exec_passes_inputs_and_force(cli: Any, tmp_path: Path) -> None:
    path = write_flow(tmp_path, flow(node("a", "useObject", objectId="$input:obj", label="$input:n"),
                                     inputs={"obj": {"type": "string"}, "n": {"type": "string"}}))
    first = json.loads(cli("exec", "--json", "--input", "obj=42", "--input", "n=x", path).stdout)
    assert first["results"][0]["data"] == {"objectId": "42", "label": "x"}
    again = json.loads(cli("exec", "--json", "--input", "obj=42", "--input", "n=x", path).stdout)
    forced = json.loads(cli("exec", "--json", "--force", "--input", "obj=42", "--input", "n=x", path).stdout)
    assert again["results"][0]["cached"] and not forced["results"][0]["cached"]


def test_exec_rejects_a_malformed_input_pair(cli: Any, tmp_path: Path) -> None:
    result = cli("exec", "--input", "novalue", write_flow(tmp_path, flow(node("a", "emit"))))
    assert result.exit_code == 1 and "name=value" in result.stderr


def test_audit_shows_the_commands_of_an_execution(cli: Any, tmp_path: Path) -> None:
    path = write_flow(tmp_path, flow(node("s", "echoNode", text="hi")))
    execution = json.loads(cli("exec", "--json", path).stdout)
    result = cli("audit", "--execution", execution["executionId"], "--since", "10m", "--json")
    assert result.exit_code == 0
    [entry] = json.loads(result.stdout)
    assert (entry["command"], entry["node"], entry["payload"]) == ("echo", "s", {"text": "hi"})
    text = cli("audit").stdout
    assert "echo" in text and execution["executionId"] in text
    assert '    payload: {"text": "hi"}' in text and '    result: {"text": "hi"}' in text
    assert cli("audit", "--execution", "exec_nobody", "--json").stdout.strip() == "[]"


def test_audit_rejects_an_unreadable_since(cli: Any) -> None:
    result = cli("audit", "--since", "last tuesday")
    assert result.exit_code == 2 and "10m" in result.stderr


@pytest.mark.slow
def test_ctrl_c_cancels_a_running_exec_and_exits_1(tmp_path: Path) -> None:
    """A real ``wwiseflowd exec`` process: SIGINT while a node runs ends in a cancelled result."""
    plugins_dir = tmp_path / "plugins"
    plugins_dir.mkdir()
    shutil.copy(HERE / "engine_testnodes.py", plugins_dir / "testnodes.py")
    config = tmp_path / "wwiseflowd.toml"
    config.write_text(f'[paths]\nstate_dir = "{(tmp_path / "state").as_posix()}"\n'
                      f'plugins_dir = "{plugins_dir.as_posix()}"\n')
    path = write_flow(tmp_path, flow(node("h", "hang", seconds=60), node("after", "emit"),
                                     edges=[("h", "after")]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "wwiseflowd", "--config", str(config), "exec", "--json", path],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    ledger = tmp_path / "state" / "wwiseflowd.sqlite3"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not _running_in(ledger):
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1, err
    result = json.loads(out)
    assert result["status"] == "cancelled" and result["stopAt"] == "h" and "Cancelling" in err


def _running_in(ledger: Path) -> bool:
    if not ledger.exists():
        return False
    with contextlib.closing(sqlite3.connect(ledger)) as db:
        try:
            return db.execute("SELECT count(*) FROM executions WHERE status = 'running'").fetchone()[0] > 0
        except sqlite3.Error:
            return False


@pytest.fixture
def daemon(tmp_path: Path, cli: Any) -> Any:
    """A REST server over an engine on the same config as ``cli``, announced in runtime.json."""
    from wwiseflowd.api.server import ApiServer
    from wwiseflowd.config import load_config
    from wwiseflowd.engine import Engine

    settings = load_config(tmp_path / "wwiseflowd.toml").settings
    settings.server.port = 0
    with Engine(settings) as engine:
        server = ApiServer(engine, settings)
        url = server.start()
        runtime = {"pid": os.getpid(), "apiUrl": url, "version": "test"}
        (settings.paths.state_dir / "runtime.json").write_text(json.dumps(runtime))
        try:
            yield engine
        finally:
            server.stop()


def test_exec_runs_on_the_running_daemon_and_local_runs_here(cli: Any, tmp_path: Path, daemon: Any) -> None:
    path = write_flow(tmp_path, flow(node("a", "emit", value=1)))

    on_daemon = cli("exec", "--json", path)
    assert on_daemon.exit_code == 0, on_daemon.output
    execution_id = json.loads(on_daemon.stdout)["executionId"]
    ran = daemon.get_execution(execution_id)
    assert ran is not None and ran.ok and ran.source == "rest"  # the daemon's engine ran it

    here = cli("exec", "--json", "--local", "--force", path)
    assert here.exit_code == 0, here.output
    assert json.loads(here.stdout)["source"] == "cli"


def test_exec_on_the_daemon_reports_a_failed_node_like_a_local_run(
    cli: Any, tmp_path: Path, daemon: Any
) -> None:
    result = cli("exec", write_flow(tmp_path, flow(node("a", "emit"), node("b", "fail"), edges=[("a", "b")])))
    assert result.exit_code == 1
    assert "FAILED" in result.stdout and "FILE_NOT_FOUND" in result.stdout
    assert "ok a (emit)" in result.stderr and "FAILED b (fail)" in result.stderr
