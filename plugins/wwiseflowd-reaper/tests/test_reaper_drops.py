"""A [[watch]] rule on *.rpp: a saved project is rendered and imported; a re-save renders only changes."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import wwiseflowd_reaper
from wwiseflowd_reaper.drops import check_project_file
from wwiseflowd_reaper.sim.projects import ProjectSpec, RegionSpec, project_text, write_project

from wwiseflowd.config import settings_for_tests
from wwiseflowd.daemon import Daemon, DaemonTiming
from wwiseflowd.engine import Engine
from wwiseflowd.plugins import Plugins
from wwiseflowd.sim import Emulator
from wwiseflowd.watch.wavecheck import WaveVerdict

WU = "\\Actor-Mixer Hierarchy\\Default Work Unit"
FAST = DaemonTiming(housekeeping_s=0.3, retry_base_s=0.2, retry_max_s=0.5, stop_grace_s=10)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def wait_until(predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.fixture
def daemon(tmp_path: Path, waapi_sim: Emulator, sim_exe: Path) -> Iterator[Daemon]:
    settings = settings_for_tests(
        tmp_path,
        wwise={"url": waapi_sim.url, "connect_timeout": 2.0, "reconnect_max_delay": 0.5},
        server={"enabled": False},
        engine={"retries": 1, "retry_base_ms": 50, "retry_max_ms": 100},
        reaper={"executable": str(sim_exe), "output_dir": str(tmp_path / "renders")},
        watch=[{"folder": str(tmp_path / "projects"), "name": "reaper", "patterns": ["*.rpp"],
                "workflow": "reaper-drop", "target": WU, "settle_ms": 300, "batch_window_ms": 300,
                "on_success": "leave", "on_failure": "leave"}],
    )
    plugins = Plugins().load(entry_points=False)
    plugins.register(wwiseflowd_reaper, "reaper")
    engine = Engine(settings, plugins).start()
    running = Daemon(settings, engine, timing=FAST).start()
    try:
        yield running
    finally:
        running.stop()
        engine.close()


def settled(daemon: Daemon, n: int) -> bool:
    counts = daemon.journal.counts_by_rule().get("reaper", {})
    return counts.get("done", 0) + counts.get("failed", 0) >= n


def sounds(sim: Emulator) -> list[str]:
    with sim.lock:
        return sorted(o.name for o in sim.project.objects_of_type("Sound"))


def test_a_saved_project_is_rendered_and_imported_and_a_resave_renders_only_what_changed(
    daemon: Daemon, waapi_sim: Emulator, tmp_path: Path,
) -> None:
    project = tmp_path / "projects" / "Foley.rpp"
    regions = [RegionSpec("Step_01", 0, 0.5), RegionSpec("Step_02", 1, 1.5), RegionSpec("Cloth", 2, 2.5)]
    write_project(project, ProjectSpec(regions=regions))
    wait_until(lambda: settled(daemon, 1))
    assert daemon.journal.latest_by_rel("reaper")["Foley.rpp"].state.value == "done"
    assert sounds(waapi_sim) == ["Cloth", "Step_01", "Step_02"]
    renders = tmp_path / "renders" / "Foley"
    before = {p.name: p.stat().st_mtime_ns for p in renders.glob("*.wav")}
    time.sleep(0.05)
    regions[2] = RegionSpec("Cloth", 2, 3.0)  # the designer lengthened one region and saved
    write_project(project, ProjectSpec(regions=regions))
    wait_until(lambda: settled(daemon, 2))
    after = {p.name: p.stat().st_mtime_ns for p in renders.glob("*.wav")}
    changed = sorted(name for name in after if after[name] != before.get(name))
    assert changed == ["Cloth.wav"]
    assert project.exists(), "on_success = leave: the project stays where REAPER saves it"


def test_a_project_cut_short_is_incomplete_and_garbage_is_invalid(tmp_path: Path) -> None:
    text = project_text(ProjectSpec(regions=[RegionSpec("A", 0, 1)]))
    half = tmp_path / "half.rpp"
    half.write_text(text[: len(text) // 2], encoding="utf-8")
    assert check_project_file(half).verdict is WaveVerdict.INCOMPLETE
    junk = tmp_path / "junk.rpp"
    junk.write_text("not a project\n", encoding="utf-8")
    assert check_project_file(junk).verdict is WaveVerdict.INVALID
    whole = tmp_path / "whole.rpp"
    whole.write_text(text, encoding="utf-8")
    assert check_project_file(whole).verdict is WaveVerdict.COMPLETE
