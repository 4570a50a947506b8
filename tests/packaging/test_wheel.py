"""The wheel built from the repository holds exactly the ``wwiseflowd`` package and its data, and
works on its own: installed into a fresh venv, ``wwiseflowd nodes`` lists the node types and
``wwiseflowd exec --simulate`` runs a workflow against the emulator shipped inside it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.integration]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pip wheel`` of the checkout (hatchling from the dev extras, no build isolation)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
         str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    [built] = out.glob("wwiseflowd-*.whl")
    return built


def test_the_wheel_holds_exactly_the_wwiseflowd_package_and_its_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/", 1)[0] for name in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"wwiseflowd"}
    assert "wwiseflowd/sim/class_defaults.json" in names  # the emulator's data
    assert "wwiseflowd/workflows/auto-import.json" in names  # the built-in drop-folder workflow
    assert not [n for n in names if "/tests/" in n or n.startswith(("bench/", "wwiseflowd_"))]


def _fresh_venv(tmp_path: Path, wheel: Path) -> Path:
    """A new venv with only the wheel installed; its dependencies come from this test's venv."""
    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
                    str(wheel)], check=True, capture_output=True, text=True)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # a plain path line: our site-packages' own .pth files (the editable checkout) are not processed
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


@pytest.mark.skipif(sys.platform == "win32", reason="venv layout")
def test_the_installed_wheel_lists_node_types_and_runs_a_workflow_on_its_emulator(
    tmp_path: Path, wheel: Path
) -> None:
    python = _fresh_venv(tmp_path, wheel)
    env = {**os.environ, "WWISEFLOWD_LOAD_PLUGINS": "", "PYTHONPATH": ""}
    config = tmp_path / "wwiseflowd.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\nplugins_dir = "{tmp_path / "none"}"\n')
    flow = tmp_path / "flow.json"
    flow.write_text(json.dumps({"id": "q", "nodes": [
        {"id": "q", "type": "queryWaql", "data": {"waql": '$ "\\\\Actor-Mixer Hierarchy"'}}]}))

    def wwiseflowd(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(python), "-m", "wwiseflowd", "--config", str(config), *args],
                              capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)

    where = subprocess.run([str(python), "-c", "import wwiseflowd; print(wwiseflowd.__file__)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path, check=True).stdout
    nodes = wwiseflowd("nodes", "--json")
    ran = wwiseflowd("exec", "--simulate", "--json", str(flow))

    assert where.startswith(str(tmp_path / "fresh")), where  # the wheel, not the checkout
    assert nodes.returncode == 0, nodes.stderr
    assert {"createSound", "audioImport", "queryWaql"} <= {n["type"] for n in json.loads(nodes.stdout)}
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["ok"] is True
