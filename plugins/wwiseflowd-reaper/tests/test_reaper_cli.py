"""``wwiseflowd exec reaper-to-wwise`` by id, with [reaper] in the config file, against the emulator."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wwiseflowd.cli import main

pytestmark = pytest.mark.integration


def config_file(tmp_path: Path, sim_exe: Path, extra: str = "") -> Path:
    with socket.socket() as probe:  # a free port: the same emulator URL (backend identity) twice
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "wwiseflowd.toml"
    config.write_text(f'[paths]\nstate_dir = "{(tmp_path / "state").as_posix()}"\n'
                      f'plugins_dir = "{(tmp_path / "plugins").as_posix()}"\n'
                      f'workflows_dir = "{(tmp_path / "workflows").as_posix()}"\n'
                      f'[wwise]\nurl = "ws://127.0.0.1:{port}/waapi"\n'
                      f'[reaper]\nexecutable = "{sim_exe.as_posix()}"\n{extra}', encoding="utf-8")
    return config


def test_exec_runs_the_built_in_workflow_by_id_then_serves_it_from_the_memo(
    tmp_path: Path, sim_exe: Path, make_project: Callable[..., Path],
) -> None:
    config = config_file(tmp_path, sim_exe)
    project = make_project()

    def exec_json() -> dict[str, Any]:
        result = CliRunner().invoke(main, ["--config", str(config), "exec", "reaper-to-wwise", "--simulate",
                                           "--json", "--input", f"project={project}",
                                           "--input", "target=\\Actor-Mixer Hierarchy\\Default Work Unit"],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return dict(json.loads(result.stdout))

    first = exec_json()
    assert first["ok"] and first["workflowId"] == "reaper-to-wwise"
    imported = next(r for r in first["results"] if r["node"] == "import")["data"]
    assert len(imported["objectIds"]) == 10
    saved = next((tmp_path / "state" / "sim-project").glob("*.wsim.json")).read_text()
    assert "Footstep_Concrete" in saved and "Sword_Swing" in saved
    again = exec_json()
    assert all(r["cached"] for r in again["results"] if r["node"] in ("render", "import"))


def test_a_bad_reaper_section_is_reported_as_an_error_of_the_plugin(tmp_path: Path, sim_exe: Path) -> None:
    config = config_file(tmp_path, sim_exe, extra="exectuable = \"/x\"\n")
    result = CliRunner().invoke(main, ["--config", str(config), "plugins", "--json"])
    reaper = next(p for p in json.loads(result.stdout) if p["name"] == "reaper")
    assert reaper["errors"] == [
        "config reaper.exectuable: unknown key (did you mean 'executable'? known keys here: executable, "
        "output_dir, render_timeout_s, web_password, web_timeout_s, web_url, web_user; see "
        "config/wwiseflowd.toml for every key)"]
