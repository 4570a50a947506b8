"""The REAPER bus commands through the engine's bus (what REST's POST /wwise/{name} and MCP call)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import wwiseflowd_reaper
from wwiseflowd_reaper.sim.projects import RegionSpec
from wwiseflowd_reaper.sim.web import SimWebServer

from wwiseflowd.config import settings_for_tests
from wwiseflowd.engine import Engine
from wwiseflowd.plugins import Plugins

MakeProject = Callable[..., Path]


def start_engine(tmp_path: Path, sim_exe: Path, **sections: object) -> Engine:
    plugins = Plugins().load(entry_points=False)
    plugins.register(wwiseflowd_reaper, "reaper")
    reaper = {"executable": str(sim_exe), **dict(sections.pop("reaper", {}))}  # type: ignore[call-overload]
    settings = settings_for_tests(tmp_path, reaper=reaper, **sections)
    return Engine(settings, plugins)


@pytest.fixture
def engine(tmp_path: Path, sim_exe: Path) -> Iterator[Engine]:
    with start_engine(tmp_path, sim_exe) as running:
        yield running


def test_read_project_gives_regions_markers_and_render_settings(
    engine: Engine, make_project: MakeProject,
) -> None:
    path = make_project([RegionSpec("A", 0, 1), RegionSpec("B", 2, 3.5)], markers=[("Hit", 0.5)])
    result = engine.command("reaper_read_project", {"project": str(path)})
    assert result.ok, result
    assert result.data["regions"] == [
        {"id": 1, "name": "A", "start": 0.0, "end": 1.0, "selected": False, "color": 0},
        {"id": 2, "name": "B", "start": 2.0, "end": 3.5, "selected": False, "color": 0}]
    assert result.data["markers"] == [{"id": 1, "name": "Hit", "position": 0.5, "color": 0}]
    assert result.data["render"]["pattern"] == "$region" and result.data["render"]["bounds"] == "all regions"


def test_export_markers_writes_the_region_manager_csv_layout(
    engine: Engine, make_project: MakeProject, tmp_path: Path,
) -> None:
    path = make_project([RegionSpec("Door Open", 1, 2.5)], markers=[("Sync", 0.25)])
    out = tmp_path / "export" / "markers.csv"
    result = engine.command("reaper_export_markers", {"project": str(path), "outputFile": str(out)})
    assert result.ok and result.data["file"] == str(out)
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows == [["#", "Name", "Start", "End", "Length"], ["R1", "Door Open", "1.0", "2.5", "1.5"],
                    ["M1", "Sync", "0.25", "", ""]]
    as_json = engine.command("reaper_export_markers",
                             {"project": str(path), "outputFile": str(out.with_suffix(".json"))})
    assert json.loads(out.with_suffix(".json").read_text())["regions"][0]["name"] == "Door Open"
    assert as_json.ok


def test_export_markers_live_reads_the_running_reaper(
    tmp_path: Path, sim_exe: Path, make_project: MakeProject,
) -> None:
    path = make_project([RegionSpec("Live", 0, 1)])
    with SimWebServer(path) as web, start_engine(tmp_path, sim_exe, reaper={"web_url": web.url}) as engine:
        result = engine.command("reaper_export_markers", {"live": True})
    assert result.ok and result.data["regions"] == [{"id": 1, "name": "Live", "start": 0.0, "end": 1.0}]
    assert result.data["source"] == web.url


def test_live_export_without_a_web_url_says_how_to_configure_it(engine: Engine) -> None:
    result = engine.command("reaper_export_markers", {"live": True})
    assert not result.ok and result.code == "REAPER_UNAVAILABLE"
    assert "[reaper] web_url" in (result.error or "")


def test_a_project_outside_the_allowed_roots_is_forbidden(
    tmp_path: Path, sim_exe: Path, make_project: MakeProject,
) -> None:
    path = make_project(["A"])
    allowed = tmp_path / "only-here"
    with start_engine(tmp_path, sim_exe, server={"allowed_roots": [str(allowed)]}) as engine:
        result = engine.command("reaper_render_regions", {"project": str(path)})
    assert not result.ok and result.code == "FORBIDDEN"
    assert "outside the allowed roots" in (result.error or "")


def test_an_unreadable_project_is_a_result_naming_file_and_line(engine: Engine, tmp_path: Path) -> None:
    bad = tmp_path / "bad.rpp"
    bad.write_text('<REAPER_PROJECT 0.1 "6.0" 1\n  <TRACK\n', encoding="utf-8")
    result = engine.command("reaper_render_regions", {"project": str(bad)})
    assert not result.ok and result.code == "INVALID_INPUT"
    assert (result.error or "").startswith(f"{bad}, line 2: the block <TRACK opened here is never closed")
    missing = engine.command("reaper_read_project", {"project": str(tmp_path / "nope.rpp")})
    assert missing.code == "FILE_NOT_FOUND"


def test_a_payload_without_a_project_is_refused_by_the_bus(engine: Engine) -> None:
    result = engine.command("reaper_render_regions", {"regions": ["A"]})
    assert not result.ok and result.code == "INVALID_INPUT" and "give project" in (result.error or "")
