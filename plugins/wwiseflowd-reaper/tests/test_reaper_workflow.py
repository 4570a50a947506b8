"""reaper-to-wwise end to end: the stand-in renders, the WAAPI emulator (real socket) imports."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import wwiseflowd_reaper

from wwiseflowd.config import settings_for_tests
from wwiseflowd.engine import Engine
from wwiseflowd.plugins import Plugins
from wwiseflowd.sim import Emulator

WU = "\\Actor-Mixer Hierarchy\\Default Work Unit"
UNDO = ("ak.wwise.core.undo.beginGroup", "ak.wwise.core.undo.endGroup", "ak.wwise.core.undo.cancelGroup")

pytestmark = pytest.mark.integration


def calls(sim: Emulator) -> list[str]:
    """The emulator's call log once it stopped growing (it logs a call just after answering it)."""
    seen, deadline = -1, time.monotonic() + 2
    while len(sim.calls) != seen and time.monotonic() < deadline:
        seen = len(sim.calls)
        time.sleep(0.03)
    return [c["uri"] for c in sim.calls]


def reaper_plugins() -> Plugins:
    plugins = Plugins().load(entry_points=False)
    plugins.register(wwiseflowd_reaper, "reaper")
    return plugins


@pytest.fixture
def engine(waapi_sim: Emulator, tmp_path: Path, sim_exe: Path) -> Iterator[Engine]:
    settings = settings_for_tests(
        tmp_path,
        wwise={"url": waapi_sim.url, "connect_timeout": 5, "call_timeout": 5, "reconnect_max_delay": 0.5},
        reaper={"executable": str(sim_exe), "render_timeout_s": 60},
        engine={"retry_base_ms": 50, "retry_max_ms": 200},
    )
    with Engine(settings, reaper_plugins()) as running:
        yield running


def workflow() -> dict[str, Any]:
    return dict(json.loads(wwiseflowd_reaper.workflow_path().read_text(encoding="utf-8")))


def children(sim: Emulator, path: str) -> list[tuple[str, str]]:
    with sim.locked_project() as project:
        parent = project.find(path)
        assert parent is not None, path
        return sorted((c.name, c.type) for c in parent.children)


def test_ten_regions_become_ten_sounds_with_one_random_container_in_one_undo_group(
    engine: Engine, waapi_sim: Emulator, make_project: Callable[..., Path],
) -> None:
    project = make_project()
    result = engine.execute(workflow(), {"project": str(project), "target": WU})
    assert result.ok, result.model_dump()
    assert [r.node for r in result.results] == ["render", "layout", "import", "save"]
    top = children(waapi_sim, WU)
    assert ("Footstep_Concrete", "RandomSequenceContainer") in top
    assert [n for n, t in top if t == "Sound"] == sorted(
        ["Door_Open", "Door_Close", "UI_Click", "UI_Hover", "Explosion_Big", "Wind_Loop", "Sword_Swing"])
    assert children(waapi_sim, WU + "\\Footstep_Concrete") == [
        (f"Footstep_Concrete_0{i}", "Sound") for i in (1, 2, 3)]
    uris = [u for u in calls(waapi_sim) if u in UNDO]
    assert uris == [UNDO[0], UNDO[1]], "one undo group for the whole import"


def test_running_again_is_served_from_the_memo(
    engine: Engine, waapi_sim: Emulator, make_project: Callable[..., Path],
) -> None:
    project = make_project()
    first = engine.execute(workflow(), {"project": str(project)})
    assert first.ok, first.model_dump()
    second = engine.execute(workflow(), {"project": str(project)})
    assert second.ok, second.model_dump()
    cached = {r.node: r.cached for r in second.results}
    assert cached["render"] and cached["import"], cached


def test_a_changed_project_renders_and_imports_again(
    engine: Engine, waapi_sim: Emulator, make_project: Callable[..., Path],
) -> None:
    project = make_project(["Hit_01", "Hit_02"])
    assert engine.execute(workflow(), {"project": str(project)}).ok
    make_project(["Hit_01", "Hit_02", "Hit_03"])  # the designer added a variation and saved
    again = engine.execute(workflow(), {"project": str(project)})
    assert again.ok, again.model_dump()
    assert not {r.node: r.cached for r in again.results}["render"]
    assert children(waapi_sim, WU + "\\Hit") == [(f"Hit_0{i}", "Sound") for i in (1, 2, 3)]


def test_a_truncated_render_fails_naming_the_region_and_rolls_back(
    engine: Engine, waapi_sim: Emulator, make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = children(waapi_sim, WU)
    monkeypatch.setenv("WWISEFLOWD_REAPER_SIM_TRUNCATE", "UI_Hover")
    result = engine.execute(workflow(), {"project": str(make_project())})
    assert not result.ok
    assert result.stopAt == "render" and result.code == "RENDER_FAILED"
    assert result.error is not None and "region 'UI_Hover'" in result.error
    assert children(waapi_sim, WU) == before, "nothing was imported"
    # the check fails in the render step, before the run's first change in Wwise: no undo group was
    # opened, so there is nothing to undo (a failure after the import would cancel the group)
    assert not result.rolledBack
    assert not [u for u in calls(waapi_sim) if u in UNDO]


def test_a_template_puts_the_sounds_in_virtual_folders(
    engine: Engine, waapi_sim: Emulator, make_project: Callable[..., Path],
) -> None:
    template = WU + "\\<Virtual Folder>Foley\\<Random Container>$basename\\<Sound>$region"
    result = engine.execute(workflow(), {"project": str(make_project(["Step_01", "Step_02", "Cloth"])),
                                         "target": template})
    assert result.ok, result.model_dump()
    assert children(waapi_sim, WU + "\\Foley") == [("Cloth", "Sound"), ("Step", "RandomSequenceContainer")]


def test_an_unsupported_template_is_refused_before_anything_is_imported(
    engine: Engine, waapi_sim: Emulator, make_project: Callable[..., Path],
) -> None:
    result = engine.execute(workflow(), {"project": str(make_project(["A"])),
                                         "target": WU + "\\<Actor-Mixer>SFX\\<Sound>$region"})
    assert not result.ok and result.stopAt == "layout" and result.code == "INVALID_INPUT"
    assert "<Actor-Mixer>SFX is not supported" in (result.error or "")


def test_the_reaper_backend_reports_health_and_stats_without_core_naming_it(
    engine: Engine, sim_exe: Path, make_project: Callable[..., Path],
) -> None:
    from wwiseflowd.api.metrics import backend_call_counts

    health = engine.health(probe=True)["backends"]
    # offline: no "connected" key, so a set-up without REAPER never looks degraded
    assert health["reaper"] == {"mode": "offline", "executable": str(sim_exe), "webUrl": None}
    assert engine.execute(workflow(), {"project": str(make_project(["A"]))}).ok
    calls = backend_call_counts(engine)
    assert calls[("reaper", "render")]["count"] == 1 and calls[("reaper", "render")]["errors"] == 0
    assert calls[("reaper", "read")]["count"] >= 1


def test_a_failure_after_the_import_undoes_the_imported_sounds(
    engine: Engine, waapi_sim: Emulator, make_project: Callable[..., Path],
) -> None:
    before = children(waapi_sim, WU)
    waapi_sim.faults.fail("ak.wwise.core.project.save")
    result = engine.execute(workflow(), {"project": str(make_project())})
    assert not result.ok and result.stopAt == "save" and result.rolledBack
    assert children(waapi_sim, WU) == before, "the ten Sounds and the Random Container were undone"
    assert UNDO[2] in calls(waapi_sim)
