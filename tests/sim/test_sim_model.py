"""The project model and class table on their own (no socket): ground truth, lookups, persistence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wwiseflowd.sim import persistence, rules
from wwiseflowd.sim.classes import class_table, parse_version
from wwiseflowd.sim.classgen import extract
from wwiseflowd.sim.errors import WaapiError
from wwiseflowd.sim.model import MISSING, Project, UnknownAccessorError, fnv1_32

WWISE_PROJECTS = Path(__file__).resolve().parents[1] / "data/wwise-projects"
TESTDATA = WWISE_PROJECTS / "pywwise-2023.1/resources/wwise/PyWwise.wproj"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project.new("Model", tmp_path / "Model")


def test_class_defaults_are_exactly_those_of_a_real_wproj() -> None:
    shipped = json.loads((Path(persistence.__file__).with_name("class_defaults.json")).read_text())["classes"]
    assert shipped == extract(TESTDATA)


def test_class_table_carries_real_defaults_ranges_and_ids() -> None:
    table = class_table()
    sound = table["Sound"]
    assert (
        sound.class_id == 65552 and table["Event"].class_id == 262160 and table["AuxBus"].class_id == 3997712
    )
    assert sound.properties["Volume"].default == 0 and sound.properties["Volume"].wwise_type == "Real64"
    assert sound.properties["MaxSoundPerInstance"].default == 50
    assert table["RandomSequenceContainer"].properties["RandomOrSequence"].default == 1
    assert table["Action"].properties["ActionType"].default == 1
    assert "OutputBus" in sound.references and "Target" in table["Action"].references


def test_fnv_short_ids_match_wwise() -> None:
    assert fnv1_32("Master Audio Bus") == 3803692087  # AK::MASTER_AUDIO_BUS in every Wwise_IDs.h
    assert fnv1_32("MASTER AUDIO BUS") == 3803692087


def test_find_accepts_every_designator_form(project: Project) -> None:
    bus = project.master_bus()
    assert bus is not None
    assert project.find(bus.id.lower()) is bus
    assert project.find("\\Master-Mixer Hierarchy\\Default Work Unit\\master audio bus") is bus
    assert project.find("Bus:Master Audio Bus") is bus
    assert project.find(f"Global:{bus.short_id}") is bus
    assert project.find("\\") is project.root
    assert project.find("Sound:nothing") is None and project.find("plain name") is None


def test_accessors_apply_skip_or_fail(project: Project) -> None:
    wu = project.find("\\Actor-Mixer Hierarchy\\Default Work Unit")
    assert wu is not None
    sound = project.create(wu, "Sound", "S")
    assert project.get_value(sound, "ActionType") is MISSING  # a property of another class
    assert project.get_value(sound, "OutputBus.name") == "Master Audio Bus"
    assert project.resolve(sound, "parent") is wu
    with pytest.raises(UnknownAccessorError):
        project.get_value(sound, "NoSuchThing")


def test_journal_revert_restores_indices(project: Project) -> None:
    wu = project.find("\\Events\\Default Work Unit")
    assert wu is not None
    project.journal = []
    event = project.create(wu, "Event", "Play_A")
    project.rename(event, "Play_B")
    changes, project.journal = project.journal, None
    assert project.find("Event:Play_B") is event
    project.revert(changes)
    assert project.find("Event:Play_A") is None and project.find("Event:Play_B") is None
    assert not project.contains(event)


def test_property_coercion_errors_name_the_property(project: Project) -> None:
    wu = project.find("\\Actor-Mixer Hierarchy\\Default Work Unit")
    assert wu is not None
    sound = project.create(wu, "Sound", "S")
    project.set_property(sound, "Volume", "-3.5")  # numeric strings are accepted, as by Wwise's import
    assert sound.properties["Volume"] == -3.5
    with pytest.raises(WaapiError, match="MaxSoundPerInstance"):
        project.set_property(sound, "MaxSoundPerInstance", 0)


def test_save_and_load_round_trip(project: Project, tmp_path: Path) -> None:
    wu = project.find("\\Actor-Mixer Hierarchy\\Default Work Unit")
    assert wu is not None
    sounds = project.bulk_add(wu, "Sound", (f"S{i}" for i in range(500)))
    project.set_property(sounds[3], "Volume", -2)
    project.set_reference(sounds[3], "OutputBus", project.master_bus())
    sounds[4].notes = "n"
    path = persistence.save(project)
    loaded = persistence.load(path)
    assert persistence.to_dict(loaded) == persistence.to_dict(project)
    assert loaded.find(sounds[3].id).references["OutputBus"] is loaded.master_bus()  # type: ignore[union-attr]


def test_version_2025_renames_roots() -> None:
    version = parse_version("2025.1")
    assert version.roots[:2] == ("Containers", "Busses") and version.master_bus_name == "Main Audio Bus"
    with pytest.raises(ValueError, match="not emulated"):
        parse_version("2018.1")


def test_wwise_2025_project_uses_the_new_names(tmp_path: Path) -> None:
    project = Project.new("New", tmp_path / "New", parse_version("2025.1"))
    containers = project.find("\\Containers\\Default Work Unit")
    assert containers is not None and project.find("Bus:Main Audio Bus") is not None
    assert rules.canonical_type(project, "ActorMixer") == "PropertyContainer"
    rules.check_child(project, containers, "PropertyContainer")
    rules.check_child(project, containers, "MusicSegment")  # the Interactive Music Hierarchy merged in
    # old root names are aliases of the new ones, as in Wwise 2025.1
    assert project.find("\\Interactive Music Hierarchy") is project.find("\\Containers")
    assert project.find("\\Actor-Mixer Hierarchy\\Default Work Unit") is containers


GODOT = WWISE_PROJECTS / "godot-demo-2019.2"
PYWWISE = WWISE_PROJECTS / "pywwise-2023.1/resources/wwise"


def test_a_real_wwise_project_loads_with_its_objects_values_and_references(tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "godot"
    shutil.copytree(GODOT, copy)
    project = persistence.open_or_create(copy)
    assert project.name == "gdnative-demo-wwise-project"
    assert project.root.id == "{104C7B4C-64D6-4500-880B-01CEDF3EA351}"
    synth = project.find("\\Actor-Mixer Hierarchy\\Default Work Unit\\synth_one_test")
    assert synth is not None and synth.short_id == 219235558
    assert project.get_value(synth, "Volume") == -15 and project.get_value(synth, "Pitch") == 1200
    assert project.get_value(synth, "OutputBus.name") == "Master Audio Bus"
    event = project.find("Event:Play_chimes_with_marker")
    assert event is not None
    assert [project.get_value(a, "Target.name") for a in event.children] == ["chimes_with_marker"]
    source = project.find("{2ED1F56F-E397-4643-959D-08A8A53B651A}")
    assert (
        source is not None
        and project.original_file(source) == copy / "Originals" / "SFX" / "chimes_with_marker.wav"
    )
    saved = persistence.save(project)  # the Wwise XML is never touched; the emulator's file sits beside it
    assert saved.name == "gdnative-demo-wwise-project.wsim.json"
    assert persistence.open_or_create(copy).find(synth.id) is not None


def test_a_loaded_project_falls_back_to_its_own_top_bus(tmp_path: Path) -> None:
    from wwiseflowd.sim.wwise_import import load_wwise_project

    project = load_wwise_project(PYWWISE / "PyWwise.wproj")
    bus = project.master_bus()
    assert bus is not None and bus.name == "Master"
    mixer = project.find("\\Actor-Mixer Hierarchy\\Default Work Unit\\VirtualFolder_Test\\ActorMixer_Test")
    assert mixer is not None and project.get_value(mixer, "Conversion.name") == "ConversionSettings_Test"
