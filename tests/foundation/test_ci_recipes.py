"""docs/ci.md: the recipe's commands run as written on a real Wwise project, and every recipe holds them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ci.md"
PROJECT = ROOT / "tests/data/wwise-projects/pywwise-2023.1/resources/wwise"
FLOW = ROOT / "config/workflows/ui-sound-with-event.json"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def commands() -> list[str]:
    """The lines of the block under "## The commands", the install line aside (already installed)."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The commands"):]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None
    lines = [line for line in block.group(1).splitlines() if line.strip()]
    assert lines[0] == "pip install wwiseflowd"
    return lines[1:]


def checkout(tmp_path: Path) -> Path:
    """A studio repository: workflows/ (with the audio they import) and Wwise/Game.wproj."""
    repo = tmp_path / "repo"
    (repo / "workflows").mkdir(parents=True)
    shutil.copy(FLOW, repo / "workflows" / "ui-sound.json")
    shutil.copytree(FLOW.parent / "assets", repo / "workflows" / "assets")
    shutil.copytree(PROJECT, repo / "Wwise")
    (repo / "Wwise" / "PyWwise.wproj").rename(repo / "Wwise" / "Game.wproj")
    return repo


def run_recipe(repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WWISEFLOWD_", "XDG_"))}
    env["HOME"] = str(home)  # the state dir (platformdirs) lands in the test's folder
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    # -e as GitHub Actions (bash -eo pipefail), GitLab (each line) and Jenkins (sh -xe) run them
    return subprocess.run(["bash", "-e", "-c", "\n".join(commands())], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=300)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_the_ci_commands_validate_and_dry_run_every_workflow(tmp_path: Path) -> None:
    repo = checkout(tmp_path)
    before = snapshot(repo / "Wwise")
    proc = run_recipe(repo, tmp_path / "home")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    validate = ET.parse(repo / "reports/validate.xml").getroot()
    assert validate.get("tests") == "1" and validate.get("failures") == "0"
    dry = ET.parse(repo / "reports/dry-run-ui-sound.xml").getroot()
    assert dry.find("./testsuite/testcase").get("classname") == "dry-run"  # type: ignore[union-attr]
    changes = json.loads((repo / "reports/dry-run-ui-sound.json").read_text())
    assert any(c["path"].endswith("\\UI_Click") for c in changes["created"])
    assert snapshot(repo / "Wwise") == before


@pytest.mark.slow
def test_the_ci_commands_fail_the_job_on_a_broken_workflow(tmp_path: Path) -> None:
    repo = checkout(tmp_path)
    (repo / "workflows" / "broken.json").write_text(json.dumps(
        {"id": "broken", "nodes": [{"id": "a", "type": "noSuchNode", "data": {}}], "edges": []}))
    proc = run_recipe(repo, tmp_path / "home")
    assert proc.returncode != 0
    failures = ET.parse(repo / "reports/validate.xml").getroot().findall(".//failure")
    assert len(failures) == 1 and "] a" in (failures[0].text or "")


def test_every_recipe_runs_the_same_commands() -> None:
    yaml = pytest.importorskip("yaml")
    github, gitlab = (yaml.safe_load(block) for block in blocks("yaml"))
    (jenkins,) = blocks("groovy")
    github_run = "\n".join(step.get("run", "") for step in github["jobs"]["workflows"]["steps"])
    gitlab_run = "\n".join(gitlab["wwiseflowd"]["script"])
    for recipe in (github_run, gitlab_run, jenkins):
        assert "pip install wwiseflowd" in recipe
        for line in commands():
            assert line in recipe, line
    assert gitlab["wwiseflowd"]["artifacts"]["reports"]["junit"] == "reports/*.xml"
    assert "junit 'reports/*.xml'" in jenkins
