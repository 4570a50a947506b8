"""A watch rule with ``dry_run = true``: dropped files run on a read-only copy of a project; Wwise and
the project are untouched."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.daemon.conftest import DaemonHarness, sounds, wait_until
from tests.daemon.wavs import write_wav
from tests.sim.test_dry_run import tree_digest

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
