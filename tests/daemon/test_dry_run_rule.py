"""A watch rule with ``dry_run = true``: dropped files run on a read-only copy of a project; Wwise and
the project are untouched."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.daemon.conftest import DaemonHarness, sounds, wait_until
from tests.daemon.wavs import write_wav
from tests.sim.test_dry_run import tree_digest
from wwiseflowd.store.journal import FileState, Journal

GODOT = Path(__file__).resolve().parents[1] / "data/wwise-projects/godot-demo-2019.2"


def test_a_dry_run_rule_reports_what_it_would_import_and_touches_nothing(
    harness: DaemonHarness, tmp_path: Path
) -> None:
    project = tmp_path / "Game"
    shutil.copytree(GODOT, project)
    before = tree_digest(project)
    harness.start(dry_run=True, dry_run_project=str(project),
                  target="\\Actor-Mixer Hierarchy\\Default Work Unit")
    write_wav(harness.drop / "Door_Open.wav")
    reports = tmp_path / "state" / "dry-runs"
    wait_until(lambda: reports.is_dir() and any(reports.glob("*.json")))
    (report_file,) = reports.glob("*.json")
    changes = json.loads(report_file.read_text())
    assert changes["wwiseVersion"] == "2019.2"
    assert "\\Actor-Mixer Hierarchy\\Default Work Unit\\Door_Open" in [c["path"] for c in changes["created"]]
    assert changes["audio"][0]["originalsPath"].startswith(str(project / "Originals"))
    assert sounds(harness.sim) == []  # the daemon's Wwise was not touched
    assert tree_digest(project) == before


def test_a_dry_run_consumes_no_drop_and_the_real_run_later_imports_each_file_once(
    harness: DaemonHarness, tmp_path: Path
) -> None:
    project = tmp_path / "Game"
    shutil.copytree(GODOT, project)
    target = "\\Actor-Mixer Hierarchy\\Default Work Unit"
    dry = {"dry_run": True, "dry_run_project": str(project), "target": target}
    harness.start(**dry)
    dropped = write_wav(harness.drop / "Door_Open.wav")
    reports = tmp_path / "state" / "dry-runs"
    wait_until(lambda: reports.is_dir() and any(reports.glob("*.json")))
    journal = Journal.in_state_dir(tmp_path / "state")
    try:
        wait_until(lambda: [f.state for f in journal.recent_files()] == [FileState.PREVIEWED])
    finally:
        journal.close()
    assert dropped.exists()  # left where it was dropped: not moved to processed/
    assert not (harness.drop / "processed").exists()

    harness.stop_all()  # the same dry rule again: the file was looked at already, no second dry run
    harness.start(**dry)
    write_wav(harness.drop / "Marker.wav", seed=1)
    wait_until(lambda: "Marker" in _created_names(reports))
    harness.stop_all()
    assert _created_names(reports).count("Door_Open") == 1

    harness.start(target=target)  # the rule goes live
    processed = harness.drop / "processed"
    wait_until(lambda: (processed / "Door_Open.wav").exists() and (processed / "Marker.wav").exists())
    assert sorted(name for name, _ in sounds(harness.sim)) == ["Door_Open", "Marker"]  # each once


def _created_names(reports: Path) -> list[str]:
    """The names of the objects created in every dry-run report so far."""
    return [c["path"].rsplit("\\", 1)[-1] for f in sorted(reports.glob("*.json"))
            for c in json.loads(f.read_text())["created"] if c["type"] == "Sound"]
