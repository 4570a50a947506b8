"""WAQL's fast paths give exactly the answers of the plain definitions they replace.

``orderby X take N`` picks the first N without sorting everything, and ``from search`` scans a
cached name index: both are checked against straightforward reference implementations (a full
stable sort; a match of every object in document order), on ties, case differences, missing
values, reverse order, notes, wildcards, non-ASCII names, and after every kind of change.
"""

from __future__ import annotations

import gc
import re
import weakref
from pathlib import Path
from typing import Any

import pytest

from wwiseflowd.sim import rules
from wwiseflowd.sim.model import MISSING, Project, WwiseObject
from wwiseflowd.sim.waql import run_query
from wwiseflowd.sim.waql.search import name_index

AMH = "\\Actor-Mixer Hierarchy\\Default Work Unit"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """Sounds with equal names in other cases, equal volumes, no volume, notes and nested folders."""
    p = Project.new("Game", tmp_path)
    amh = p.find(AMH)
    assert amh is not None
    names = ["beta", "Alpha", "alpha", "ALPHA", "gamma_Step", "Foot_step", "footstep2", "Zed", "zed", "Emile",
             "_under", "step-by-step", "a1", "A1", "b"]
    for f, folder_name in enumerate(("Lib", "lib_2", "Other")):
        folder = p.add(amh, "Folder", folder_name)
        for i, name in enumerate(names):
            sound = p.add(folder, "Sound", f"{name}" if f == 0 else f"{name}_{f}")
            if i % 3 == 0:
                p.set_property(sound, "Volume", -3)
            elif i % 3 == 1:
                p.set_property(sound, "Volume", -(i % 5))
            if i % 4 == 0:
                p.set_notes(sound, f"Grass step {i}")
    return p


def reference_order(objects: list[WwiseObject], project: Project, accessor: str, reverse: bool) -> list[str]:
    """The plain definition: a stable sort (numbers, strings case-folded, objects by name), missing last."""

    def key(value: Any) -> tuple[int, Any]:
        if isinstance(value, bool | int | float):
            return (0, float(value))
        if isinstance(value, str):
            return (1, value.casefold())
        return (2, value.name.casefold())

    values = [(project.resolve(o, accessor), o) for o in objects]
    present = [(key(v), o) for v, o in values if v is not MISSING and v is not None]
    absent = [o for v, o in values if v is MISSING or v is None]
    present.sort(key=lambda pair: pair[0], reverse=reverse)
    return [o.id for _, o in present] + [o.id for o in absent]


@pytest.mark.parametrize("accessor", ["name", "volume", "parent", "notes", "type", "parent.name"])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("cut", ["take 1", "take 4", "take 7", "skip 2 take 5", "take 0", "take 1000", ""])
def test_orderby_with_take_equals_the_full_stable_sort_cut(project: Project, accessor: str, reverse: bool,
                                                           cut: str) -> None:
    sounds = run_query(project, "from type sound")
    expected = reference_order(sounds, project, accessor, reverse)
    if cut:
        numbers = [int(n) for n in re.findall(r"\d+", cut)]
        skip, take = (numbers[0], numbers[1]) if cut.startswith("skip") else (0, numbers[0])
        expected = expected[skip:skip + take]
    text = f"from type sound orderby {accessor}{' reverse' if reverse else ''} {cut}"
    assert [o.id for o in run_query(project, text)] == expected


def test_orderby_take_keeps_ties_in_their_first_order(project: Project) -> None:
    first = [o.name for o in run_query(project, "from type sound orderby name take 3")]
    assert first == ["_under", "_under_1", "_under_2"]  # "_" sorts before letters
    ties = run_query(project, "from type sound orderby name skip 3 take 2")
    assert [o.name for o in ties] == ["a1", "A1"]  # equal when case-folded: created first, first
    last = run_query(project, "from type sound orderby name reverse take 5")
    assert [o.name for o in last] == ["Zed_2", "zed_2", "Zed_1", "zed_1", "Zed"]  # reverse: still stable


def reference_search(project: Project, text: str) -> list[str]:
    """The plain definition: every object, document order, name (else notes) starts-a-word matches."""
    patterns = [re.compile(r"(?<![0-9A-Za-z])" + re.escape(w).replace(r"\*", r"[0-9A-Za-z_]*"), re.IGNORECASE)
                for w in text.split()]

    def matches(value: str) -> bool:
        return all(p.search(value) for p in patterns)

    return [o.id for o in project.iter_objects() if matches(o.name) or (o.notes and matches(o.notes))]


SEARCHES = ["step", "STEP", "foot*", "foot*ep", "grass step", "step 4", "alpha", "a", "_", "under", "emile",
            "mile", "émile", "1", "game", "lib", "by-step", "zzz", "", "gamma step", "Sound"]


@pytest.mark.parametrize("text", SEARCHES)
def test_from_search_equals_a_scan_of_every_object(project: Project, text: str) -> None:
    assert name_index(project).names is not None  # the fast path is the one under test
    assert [o.id for o in run_query(project, f'from search "{text}"')] == reference_search(project, text)


def test_from_search_sees_every_kind_of_change(project: Project) -> None:
    """The cached index is rebuilt after creates, renames, notes, moves, deletes, undo and redo."""
    amh = project.find(AMH)
    assert amh is not None

    def search(text: str) -> list[str]:
        found = [o.id for o in run_query(project, f'from search "{text}"')]
        assert found == reference_search(project, text)
        return found

    assert search("thunder") == []
    project.journal = journal = []
    thunder = project.create(amh, "Sound", "Thunder")
    assert search("thunder") == [thunder.id]
    project.rename(thunder, "Rain")
    assert search("thunder") == [] and search("rain") == [thunder.id]
    project.set_notes(thunder, "distant thunder")
    assert search("thunder") == [thunder.id]
    before = search("step")
    lib = project.find(f"{AMH}\\Lib")
    assert lib is not None
    project.move(thunder, lib)  # document order changes
    assert search("rain") == [thunder.id] and search("step") == before
    project.delete(lib)
    assert search("rain") == [] and len(search("step")) < len(before)
    project.revert(journal)
    assert search("thunder") == [] and search("step") == before
    project.replay(journal)
    assert search("rain") == [] and search("thunder") == []
    project.journal = None


@pytest.mark.parametrize("odd_name", ["two\nlines step", "Graſs step"])
def test_from_search_on_names_the_fast_index_cannot_read_falls_back_to_a_scan(tmp_path: Path,
                                                                              odd_name: str) -> None:
    """A name with a line break (only possible in a loaded project), or non-ASCII text where Python's
    case folding pairs unlike letters (the long s matches "s"): the same answers as the scan."""
    project = Project.new("Plain", tmp_path)  # ASCII names only, but for the odd one
    amh = project.find(AMH)
    assert amh is not None
    for name in ("lines_a", "Step_b", "grass_c"):
        project.add(amh, "Sound", name)
    odd = project.add(amh, "Sound", odd_name)
    project.add(amh, "Sound", "step_after")
    for text in ("step", "lines", "grass", "two"):
        assert [o.id for o in run_query(project, f'from search "{text}"')] == reference_search(project, text)
    assert odd in run_query(project, f'from search "{odd_name.split()[0][:5]}"')


def test_search_finds_the_project_itself_and_names_checked_as_wwise_does(project: Project) -> None:
    assert run_query(project, 'from search "game"')[0] is project.root
    assert rules.check_name(project, "Gun_Fire", "Sound") == "Gun_Fire"


def test_a_dropped_project_takes_its_search_index_with_it(tmp_path: Path) -> None:
    project = Project.new("Gone", tmp_path)
    assert run_query(project, 'from search "gone"') == [project.root]
    ref = weakref.ref(project)
    del project
    gc.collect()
    assert ref() is None
