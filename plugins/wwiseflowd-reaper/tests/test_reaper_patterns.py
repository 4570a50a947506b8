"""Render patterns: which file each region render produces."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from wwiseflowd_reaper.patterns import PatternError, PatternValues, expand
from wwiseflowd_reaper.plan import plan_render
from wwiseflowd_reaper.project import read_project
from wwiseflowd_reaper.sim.projects import RegionSpec

VALUES = PatternValues(region="Door Open", regionnumber=4, project="Game", timelineorder=2, filenumber=1)


@pytest.mark.parametrize(("pattern", "expected"), [
    ("$region", "Door Open.wav"),
    ("$project_$region", "Game_Door Open.wav"),
    ("SFX/$region_$regionnumber", "SFX/Door Open_4.wav"),
    ("SFX\\$REGION", "SFX/Door Open.wav"),
    ("$Region $timelineorder-$filenumber", "Door Open 2-1.wav"),
    ("$track$tracknumber/$region", "Master0/Door Open.wav"),
    ("a/../$region", "a/Door Open.wav"),
    ("$region: take?", "Door Open_ take_.wav"),
    ("cost $5 $region", "cost $5 Door Open.wav"),
])
def test_supported_wildcards_expand(pattern: str, expected: str) -> None:
    assert expand(pattern, VALUES) == expected


@pytest.mark.parametrize("pattern", ["$day_$region", "$regionname", "$marker(1)"])
def test_an_unsupported_wildcard_is_an_error_naming_it(pattern: str) -> None:
    with pytest.raises(PatternError, match=r"cannot predict; use only \$regionnumber, \$region"):
        expand(pattern, VALUES)


def test_a_pattern_that_gives_an_empty_name_is_an_error() -> None:
    with pytest.raises(PatternError, match="empty file name"):
        expand("$region", PatternValues(region="", regionnumber=1, project="p", timelineorder=1,
                                        filenumber=1))


def test_two_regions_rendering_to_one_file_is_an_error(make_project: Callable[..., Path]) -> None:
    path = make_project([RegionSpec("Hit", 0, 1), RegionSpec("hit", 2, 3)])
    with pytest.raises(PatternError, match="would both render to 'hit.wav'"):
        plan_render(read_project(path))


def test_the_plan_lists_regions_in_timeline_order_with_frames(make_project: Callable[..., Path]) -> None:
    path = make_project([RegionSpec("B", 2, 2.5), RegionSpec("A", 0, 1.25)], sample_rate=44100,
                        pattern="$timelineorder_$region")
    targets = plan_render(read_project(path))
    assert [(t.relative, t.frames) for t in targets] == [("1_A.wav", 55125), ("2_B.wav", 22050)]
    assert targets[0].path == path.parent / "Renders" / "1_A.wav"
