"""Replay preconditions, dry runs, rollback and the CLI contract, on a recorded four-node run.

The recording runs the shipped four-node workflow on one emulator; replays go to another over a real
socket through ``wwiseflowd replay`` (or ``replay_execution``, the function every front door calls).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.replay.test_replay_e2e import ASSET, FOUR_NODE, MASTER
from wwiseflowd.cli import main
from wwiseflowd.config import Settings, settings_for_tests
from wwiseflowd.engine import Engine
from wwiseflowd.replay import replay_execution
from wwiseflowd.sim import Emulator

pytestmark = pytest.mark.integration
SOUND = "\\Actor-Mixer Hierarchy\\Default Work Unit\\Footstep_01"


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Emulator]:
    sim = Emulator(port=0, project_dir=tmp_path / "b" / "WwiseProject").start()
    yield sim
    sim.stop()


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Settings, str, Path]:
    """(settings, execution id, source audio) of a four-node run on a throw-away emulator."""
    audio = tmp_path / "renders" / "Footstep_01.wav"
    audio.parent.mkdir()
    audio.write_bytes(ASSET.read_bytes())
    with Emulator(port=0, project_dir=tmp_path / "a" / "WwiseProject") as sim:
        settings = settings_for_tests(tmp_path, wwise={"url": sim.url, "connect_timeout": 2})
        with Engine(settings) as engine:
            run = engine.execute(FOUR_NODE, {"file": str(audio), "name": "Footstep_01"})
    assert run.ok, run.model_dump()
    return settings, run.executionId, audio


def cli(settings: Settings, tmp_path: Path, *args: str) -> Any:
    config = tmp_path / "replay.toml"
    config.write_text(f'[paths]\nstate_dir = "{Path(settings.paths.state_dir).as_posix()}"\n'
                      f'logs_dir = "{(tmp_path / "logs").as_posix()}"\n')
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def tree(sim: Emulator) -> str:
    snapshot = {k: v for k, v in sim.snapshot().items() if k not in ("savedAt", "dirty")}
    return json.dumps(snapshot, sort_keys=True)


def test_every_failed_precondition_is_reported_before_anything_changes(
    recorded: tuple[Settings, str, Path], target: Emulator, tmp_path: Path
) -> None:
    settings, execution_id, audio = recorded
    with target.locked_project() as project:
        project.delete(project.find(MASTER))
    audio.write_bytes(audio.read_bytes()[:-2] + b"\x01\x02")  # a re-render since the run
    before = tree(target)
    result = cli(settings, tmp_path, "replay", execution_id, "--url", target.url)
    assert result.exit_code == 1
    assert "OBJECT_NOT_FOUND" in result.stderr and MASTER in result.stderr
    assert "[AUDIO_CHANGED]" in result.stderr and str(audio) in result.stderr
    assert tree(target) == before
    report = json.loads(cli(settings, tmp_path, "replay", execution_id, "--url", target.url, "--json").stdout)
    assert report["code"] == "AUDIO_CHANGED"  # the first problem in step order
    assert [p["code"] for p in report["data"]["problems"]] == ["AUDIO_CHANGED", "OBJECT_NOT_FOUND"]


def test_a_changed_source_file_is_accepted_with_allow_changed_audio(
    recorded: tuple[Settings, str, Path], target: Emulator, tmp_path: Path
) -> None:
    settings, execution_id, audio = recorded
    audio.write_bytes(audio.read_bytes()[:-2] + b"\x01\x02")
    refused = cli(settings, tmp_path, "replay", execution_id, "--url", target.url)
    assert refused.exit_code == 1 and "AUDIO_CHANGED" in refused.stderr
    allowed = cli(settings, tmp_path, "replay", execution_id, "--url", target.url, "--allow-changed-audio")
    assert allowed.exit_code == 0, allowed.output
    with target.locked_project() as project:
        assert project.find(SOUND) is not None


def test_a_missing_source_file_is_file_not_found(
    recorded: tuple[Settings, str, Path], target: Emulator, tmp_path: Path
) -> None:
    settings, execution_id, audio = recorded
    audio.unlink()
    result = cli(settings, tmp_path, "replay", execution_id, "--url", target.url, "--dry-run")
    assert result.exit_code == 1 and "FILE_NOT_FOUND" in result.stderr and str(audio) in result.stderr


def test_a_step_failing_mid_replay_rolls_the_whole_replay_back(
    recorded: tuple[Settings, str, Path], target: Emulator
) -> None:
    settings, execution_id, _ = recorded
    before = tree(target)
    target.faults.fail("ak.wwise.core.object.set")  # set_output_bus, the third step
    replay_settings = settings.model_copy(deep=True)
    replay_settings.wwise.url = target.url
    with Engine(replay_settings) as engine:
        result = replay_execution(engine, execution_id)
    assert not result.ok and result.data["rolledBack"]
    assert [s["ok"] for s in result.data["steps"]] == [True, True, False]
    assert "target project is unchanged" in (result.error or "")
    assert tree(target) == before


def test_dry_run_lists_remapped_arguments_and_a_replay_uses_the_new_ids(
    recorded: tuple[Settings, str, Path], target: Emulator, tmp_path: Path
) -> None:
    settings, execution_id, _ = recorded
    dry = cli(settings, tmp_path, "replay", execution_id, "--url", target.url, "--dry-run")
    assert dry.exit_code == 0 and "Would send 4 command(s)" in dry.stdout
    assert '2. audio_import {"objectId": "<id of the object step 1 creates' in dry.stdout
    done = json.loads(cli(settings, tmp_path, "replay", execution_id, "--url", target.url, "--json").stdout)
    assert done["ok"], done
    new = done["data"]["steps"][1]["payload"]["objectId"]  # the import went to the replay's Sound
    [old] = [o for o, n in done["data"]["idMap"].items() if n == new]
    with target.locked_project() as project:
        sound = project.find(SOUND)
        assert sound is not None and sound.id == new and old != new.lower()
    # the replay's own commands are audited under the replay id, with the front door as source
    replay_id = done["data"]["replayId"]
    audit = json.loads(cli(settings, tmp_path, "audit", "--execution", replay_id, "--json").stdout)
    assert [e["command"] for e in audit] == ["create_sound", "audio_import", "set_output_bus", "project_save"]


def test_an_unknown_execution_is_not_found(recorded: tuple[Settings, str, Path], tmp_path: Path) -> None:
    settings, _, _ = recorded
    result = cli(settings, tmp_path, "replay", "exec_nobody", "--simulate", "--project", str(tmp_path / "p"))
    assert result.exit_code == 1 and "NOT_FOUND" in result.stderr and "exec_nobody" in result.stderr


def test_replay_into_a_simulated_project_folder(recorded: tuple[Settings, str, Path], tmp_path: Path) -> None:
    settings, execution_id, _ = recorded
    project = tmp_path / "fresh" / "WwiseProject"
    result = cli(settings, tmp_path, "replay", execution_id, "--simulate", "--project", str(project))
    assert result.exit_code == 0, result.output
    [saved] = project.glob("*.wsim.json")
    assert "Footstep_01" in saved.read_text()


def test_an_execution_still_running_is_not_replayed(
    recorded: tuple[Settings, str, Path], target: Emulator
) -> None:
    settings, execution_id, _ = recorded
    replay_settings = settings.model_copy(deep=True)
    replay_settings.wwise.url = target.url
    with Engine(replay_settings) as engine:
        row = {"executionId": execution_id, "workflowId": "four-node", "ok": False, "results": [],
               "startedAt": "2026-12-02T00:00:00.000Z"}
        engine.store.ledger_record(row, "running")
        result = replay_execution(engine, execution_id)
    assert result.code == "CONFLICT" and "still running" in (result.error or "")
