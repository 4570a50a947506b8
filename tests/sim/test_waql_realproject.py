"""WAQL on a real Wwise project (the Godot demo, Wwise 2019.2) loaded into the emulator's model.

Each expected answer is read straight from the project's ``.wwu`` XML here in the test, so the
queries are checked against what Wwise itself wrote, not against the model.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from wwiseflowd.sim.model import Project
from wwiseflowd.sim.persistence import open_or_create
from wwiseflowd.sim.waql import run_query

# the test data lives next to the repository, in the shared workspace
DEMO = Path(__file__).resolve().parents[1] / "data/wwise-projects/godot-demo-2019.2"



@pytest.fixture(scope="module")
def project() -> Project:
    return open_or_create(DEMO)


def elements(category: str, tag: str) -> list[ET.Element]:
    """Every ``<tag>`` element in the category's work units, in file order."""
    found: list[ET.Element] = []
    for wwu in sorted((DEMO / category).glob("*.wwu")):
        found.extend(ET.parse(wwu).iter(tag))
    return found


def volume_of(element: ET.Element) -> float:
    for prop in element.findall("./PropertyList/Property"):
        if prop.get("Name") == "Volume":
            text = prop.get("Value") or prop.findtext("./ValueList/Value") or "0"
            return float(text)
    return 0.0


def test_descendants_of_type_sound_are_the_sounds_wwise_wrote(project: Project) -> None:
    expected = {(e.get("ID"), e.get("Name")) for e in elements("Actor-Mixer Hierarchy", "Sound")}
    found = run_query(project, '"\\Actor-Mixer Hierarchy" select descendants where type = "Sound"')
    assert {(o.id, o.name) for o in found} == expected
    assert len(found) == len(expected) == 23


def test_from_type_event_lists_every_event(project: Project) -> None:
    expected = {e.get("Name") for e in elements("Events", "Event")}
    assert {o.name for o in run_query(project, "from type event")} == expected


def test_numeric_filter_matches_the_volumes_in_the_xml(project: Project) -> None:
    containers = elements("Actor-Mixer Hierarchy", "RandomSequenceContainer")
    expected = {e.get("Name") for e in containers if volume_of(e) < -5}
    assert expected  # the demo has quieter containers (Grass -8, Gravel -9)
    found = run_query(project, "from type randomsequencecontainer where volume < -5")
    assert {o.name for o in found} == expected


def test_event_actions_select_their_targets(project: Project) -> None:
    # the demo's copy lacks some work units: a Target into one of them names no object
    defined = {
        e.get("ID") for wwu in DEMO.rglob("*.wwu") for e in ET.parse(wwu).iter() if e.tag != "ObjectRef"
    }
    checked = 0
    for event in elements("Events", "Event"):
        targets = [
            ref.get("ID")
            for action in event.iter("Action")
            for reference in action.findall("./ReferenceList/Reference")
            if reference.get("Name") == "Target"
            for ref in reference.findall("ObjectRef")
            if ref.get("ID") in defined
        ]
        found = run_query(project, f'"{event.get("ID")}" select children select target')
        assert [o.id for o in found] == targets, event.get("Name")
        checked += len(targets)
    assert checked >= 8
