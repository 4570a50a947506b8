"""Dry runs on a studio's real project: ``exec FLOW --project Game.wproj``, the change report, JUnit.

The CLI runs as a real subprocess; the emulator it starts serves the project over a real socket to
the real adapter. Every test checks that not one byte of the project folder changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from wwiseflowd.sim.dryrun import capture, compare, render_text
from wwiseflowd.sim.wwise_import import load_wwise_project

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests/data/wwise-projects"
FLOW = ROOT / "config/workflows/ui-sound-with-event.json"


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a hash of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def wwiseflowd(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "wwiseflowd.toml"
    config.write_text(f'[paths]\nstate_dir = "{(tmp_path / "state").as_posix()}"\n'
                      f'logs_dir = "{(tmp_path / "logs").as_posix()}"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WWISEFLOWD_")}
    return subprocess.run([sys.executable, "-m", "wwiseflowd", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the real 2023.1 project (PyWwise)."""
    copy = tmp_path / "Game"
    shutil.copytree(DATA / "pywwise-2023.1/resources/wwise", copy)
    return copy


def test_dry_run_reports_every_change_and_writes_nothing(tmp_path: Path, project: Path) -> None:
    before = tree_digest(project)
    proc = wwiseflowd(tmp_path, "exec", str(FLOW), "--project", str(project / "PyWwise.wproj"), "--json",
                      "--report", str(tmp_path / "report.json"), "--junit", str(tmp_path / "junit.xml"))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    changes = result["changes"]
    assert result["ok"] and changes["wwiseVersion"] == "2023.1"
    created = {(c["type"], c["path"]) for c in changes["created"]}
    assert ("Sound", "\\Actor-Mixer Hierarchy\\Default Work Unit\\UI_Click") in created
    assert ("Event", "\\Events\\Default Work Unit\\Play_UI_Click") in created
    assert ("Volume", -6) in [(c["name"], c["new"]) for c in changes["properties"]]
    target = next(r for r in changes["references"] if r["name"] == "Target")
    assert target["new"] == "\\Actor-Mixer Hierarchy\\Default Work Unit\\UI_Click"
    (audio,) = changes["audio"]
    assert audio["originalsPath"] == str(project / "Originals" / "SFX" / "UI_Click.wav")
    assert audio["audioFile"].endswith("UI_Click.wav")
    assert json.loads((tmp_path / "report.json").read_text()) == changes
    suite = ET.parse(tmp_path / "junit.xml").getroot()
    assert suite.get("tests") == "1" and suite.get("failures") == "0"
    assert tree_digest(project) == before  # no .wsim.json, no Originals copy, no .wwu touched


def test_dry_run_text_report_on_a_2025_project(tmp_path: Path, derived_projects: dict[str, Path]) -> None:
    copy = tmp_path / "Game2025"
    shutil.copytree(derived_projects["2025.1"], copy)
    before = tree_digest(copy)
    proc = wwiseflowd(tmp_path, "exec", str(FLOW), "--simulate", "--project", str(copy))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "Dry run on PyWwise (Wwise 2025.1" in proc.stdout
    assert "+ created  Sound" in proc.stdout and "\\Containers\\Default Work Unit\\UI_Click" in proc.stdout
    assert f"-> {copy / 'Originals' / 'SFX' / 'UI_Click.wav'}" in proc.stdout
    assert tree_digest(copy) == before


def test_a_failing_dry_run_exits_1_with_node_errors_in_junit(tmp_path: Path, project: Path) -> None:
    flow = json.loads(FLOW.read_text())
    flow["inputs"]["volume"]["default"] = 500  # out of Volume's range
    flow["inputs"]["file"]["default"] = str(FLOW.parent / "assets/UI_Click.wav")
    bad = tmp_path / "loud.json"
    bad.write_text(json.dumps(flow))
    before = tree_digest(project)
    proc = wwiseflowd(tmp_path, "exec", str(bad), "--dry-run", "--project", str(project),
                      "--junit", str(tmp_path / "junit.xml"))
    assert proc.returncode == 1
    assert "no change." in proc.stdout  # the failed run was rolled back in the copy
    failure = ET.parse(tmp_path / "junit.xml").getroot().find("./testsuite/testcase/failure")
    assert failure is not None and "volume" in (failure.text or "")
    assert tree_digest(project) == before


def test_dry_run_refuses_a_project_of_an_unmodelled_version(tmp_path: Path, project: Path) -> None:
    wproj = project / "PyWwise.wproj"
    wproj.write_text(wproj.read_text(encoding="utf-8").replace('WwiseVersion="v2023.1.5"',
                                                               'WwiseVersion="v2017.2.9"'), encoding="utf-8")
    proc = wwiseflowd(tmp_path, "exec", str(FLOW), "--project", str(wproj))
    assert proc.returncode == 2 and "saved by Wwise 2017.2.9" in proc.stderr
    forced = wwiseflowd(tmp_path, "exec", str(FLOW), "--project", str(wproj), "--wwise-version", "2023.1")
    assert forced.returncode == 0, forced.stderr


def test_validate_writes_one_junit_case_per_workflow(tmp_path: Path) -> None:
    broken: dict[str, Any] = {"id": "broken", "nodes": [{"id": "a", "type": "setProperty", "data": {}}],
                              "edges": []}
    (tmp_path / "broken.json").write_text(json.dumps(broken))
    proc = wwiseflowd(tmp_path, "validate", str(FLOW), str(tmp_path / "broken.json"),
                      "--junit", str(tmp_path / "junit.xml"))
    assert proc.returncode == 1
    assert [r["ok"] for r in json.loads(proc.stdout)] == [True, False]
    cases = ET.parse(tmp_path / "junit.xml").getroot().findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == ["ui-sound-with-event.json", "broken.json"]
    failure = cases[1].find("failure")
    assert failure is not None and "] a." in (failure.text or "")  # node-precise: [CODE] a.<field>: ...


def test_the_report_names_renames_moves_deletes_and_references(derived_projects: dict[str, Path]) -> None:
    project = load_wwise_project(derived_projects["2024.1"] / "PyWwise.wproj")
    before = capture(project)
    mixer = "\\Actor-Mixer Hierarchy\\Default Work Unit\\VirtualFolder_Test\\ActorMixer_Test"
    sfx = project.find(f"{mixer}\\SoundSfx_Test")
    first = project.find(f"{mixer}\\SequenceContainer_Test\\SequenceContainer_Test_01")
    randoms = project.find(f"{mixer}\\RandomContainer_Test")
    blend = project.find(f"{mixer}\\BlendContainer_Test")
    assert sfx and first and randoms and blend
    project.rename(sfx, "SoundSfx_Loud")
    project.move(first, randoms)
    project.delete(blend)
    project.set_reference(sfx, "OutputBus", project.master_bus())
    report = compare(before, project, {}, Path("PyWwise.wproj"))
    assert [(r.oldPath, r.path) for r in report.renamed] == [
        (f"{mixer}\\SoundSfx_Test", f"{mixer}\\SoundSfx_Loud")]
    assert [r.path for r in report.moved] == [f"{mixer}\\RandomContainer_Test\\SequenceContainer_Test_01"]
    assert [r.path for r in report.deleted] == [f"{mixer}\\BlendContainer_Test"]  # its Sounds with it
    assert report.references == []  # OutputBus already pointed at the master bus: no change
    text = render_text(report)
    assert "~ renamed" in text and "> moved" in text and "- deleted" in text
