"""Fixtures for the REAPER plugin tests: projects written in REAPER's syntax, the stand-in executable."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from reaperkit import TEN, sim_executable
from wwiseflowd_reaper.sim.projects import ProjectSpec, RegionSpec, game_audio_regions, write_project


@pytest.fixture
def sim_exe() -> Path:
    """Path of the stand-in executable."""
    return sim_executable()


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """``make_project(names or regions, name="Game.rpp", **ProjectSpec fields)`` writes a project."""

    def make(regions: list[str] | list[RegionSpec] | None = None, name: str = "Game.rpp",
             **fields: Any) -> Path:
        chosen = regions if regions is not None else TEN
        specs = [r for r in chosen if isinstance(r, RegionSpec)] or game_audio_regions(
            [r for r in chosen if isinstance(r, str)])
        return write_project(tmp_path / "session" / name, ProjectSpec(regions=specs, **fields))

    return make
