"""Replay end to end: record the four-node workflow and a drop-folder batch on one emulated project,
replay both on a fresh one, and compare the two projects object by object.

Real parts: two emulators over real sockets, real waapi-client, the real daemon with a watched
drop folder, the real CLI (``wwiseflowd replay``) reading the real audit trail.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.daemon.conftest import FAST, daemon_settings, rule, wait_until
from tests.daemon.wavs import write_wav
from wwiseflowd.cli import main
from wwiseflowd.config import Settings
from wwiseflowd.daemon import Daemon
from wwiseflowd.engine import Engine
from wwiseflowd.sim import Emulator

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
FOUR_NODE = json.loads((REPO / "config" / "workflows" / "four-node.json").read_text())
ASSET = REPO / "config" / "workflows" / "assets" / "Footstep_01.wav"
MASTER = "\\Master-Mixer Hierarchy\\Default Work Unit\\Master Audio Bus"


@pytest.fixture
def sims(tmp_path: Path) -> Iterator[tuple[Emulator, Emulator]]:
    source = Emulator(port=0, project_dir=tmp_path / "a" / "WwiseProject").start()
    target = Emulator(port=0, project_dir=tmp_path / "b" / "WwiseProject").start()
    try:
        yield source, target
    finally:
        source.stop()
        target.stop()


def record(tmp_path: Path, sim: Emulator) -> tuple[Settings, str, str]:
    """Run the four-node workflow, then let the daemon import a drop batch; (settings, exec ids)."""
    drop = tmp_path / "drop"
    settings = daemon_settings(tmp_path, sim.url, [rule(drop, properties={"Volume": -3})])
    audio = tmp_path / "renders" / "Footstep_01.wav"
    audio.parent.mkdir()
    audio.write_bytes(ASSET.read_bytes())
    with Engine(settings) as engine:
        run = engine.execute(FOUR_NODE, {"file": str(audio), "name": "Footstep_01"})
        assert run.ok, run.model_dump()
        daemon = Daemon(settings, engine, timing=FAST).start()
        try:
            for i in (1, 2, 3):
                write_wav(drop / "Foley" / f"Footstep_Concrete_{i:02d}.wav", seed=i)
            write_wav(drop / "UI" / "Click.wav", seed=9)
            wait_until(lambda: daemon.journal.counts_by_rule().get("sfx", {}).get("done", 0) >= 4, timeout=30)
            # imported files move to processed/: the replay finds them there through the drop journal
            wait_until(lambda: len(list((drop / "processed").rglob("*.wav"))) == 4, timeout=30)
            [batch] = [b for b in daemon.journal.recent_batches() if b.execution_id]
        finally:
            daemon.stop()
    return settings, run.executionId, str(batch.execution_id)


def cli(settings: Settings, tmp_path: Path, *args: str) -> Any:
    config = tmp_path / "replay.toml"
    config.write_text(f'[paths]\nstate_dir = "{Path(settings.paths.state_dir).as_posix()}"\n'
                      f'logs_dir = "{(tmp_path / "logs").as_posix()}"\n')
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def objects(sim: Emulator) -> dict[str, dict[str, Any]]:
    """Every object by path: type, name, properties, references (by path) and imported audio (hash)."""
    out = {}
    with sim.locked_project() as project:
        for obj in project.iter_objects():
            original = project.original_file(obj) if obj.audio_file else None
            out[obj.path] = {
                "type": obj.type, "name": obj.name, "properties": dict(obj.properties),
                "references": {k: (v.path if v is not None else None) for k, v in obj.references.items()},
                "audioFile": obj.audio_file,
                "audio": hashlib.sha256(original.read_bytes()).hexdigest() if original else None,
            }
    return out


@pytest.mark.slow
def test_replay_rebuilds_a_workflow_run_and_a_drop_batch_object_by_object(
    tmp_path: Path, sims: tuple[Emulator, Emulator]
) -> None:
    source, target = sims
    settings, four_node, batch = record(tmp_path, source)
    before = objects(target)
    dry = cli(settings, tmp_path, "replay", four_node, "--url", target.url, "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    planned = json.loads(dry.stdout)["data"]["steps"]
    commands = [s["command"] for s in planned]
    assert commands == ["create_sound", "audio_import", "set_output_bus", "project_save"]
    assert planned[1]["payload"]["objectId"].startswith("<id of the object step 1 creates")
    assert objects(target) == before  # a dry run changes nothing

    for execution_id in (four_node, batch):
        replayed = cli(settings, tmp_path, "replay", execution_id, "--url", target.url, "--json")
        assert replayed.exit_code == 0, replayed.output
    imported = json.loads(replayed.stdout)["data"]["steps"][0]["payload"]["files"]
    assert all("processed" in Path(f["path"]).parts for f in imported)  # found where the daemon moved them
    recorded, rebuilt = objects(source), objects(target)
    assert sorted(recorded) == sorted(rebuilt)
    for path, facts in recorded.items():
        assert rebuilt[path] == facts, path
    sound = rebuilt["\\Actor-Mixer Hierarchy\\Default Work Unit\\Footstep_01"]
    assert sound["references"]["OutputBus"] == MASTER
    assert any(p.endswith("\\Foley\\Footstep_Concrete") for p in rebuilt)  # the batch's Random Container
