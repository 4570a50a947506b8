"""Planning a batch: names, variation grouping, mirrored folders, originals sub-folders."""

from __future__ import annotations

import pytest

from wwiseflowd.default_plugins.wwise.batch import (
    BatchFile,
    compile_pattern,
    plan_batch,
    provenance_note,
)
from wwiseflowd.default_plugins.wwise.models import wwise_name

T = "\\Actor-Mixer Hierarchy\\Default Work Unit\\SFX"


def files(*names: str, rel: str = "") -> list[BatchFile]:
    return [BatchFile(path=f"/drop/{rel}/{n}".replace("//", "/"), relativeDir=rel) for n in names]


def test_numbered_variations_become_one_random_container() -> None:
    items = plan_batch(
        files(
            "Footstep_Concrete_01.wav",
            "Footstep_Concrete_02.wav",
            "Footstep_Concrete_03.wav",
            "Door_Open.wav",
        ),
        T,
    )
    assert [i.container for i in items] == ["Footstep_Concrete"] * 3 + [None]
    assert [i.sound_name for i in items] == [
        "Footstep_Concrete_01",
        "Footstep_Concrete_02",
        "Footstep_Concrete_03",
        "Door_Open",
    ]
    assert items[0].sound_path == T + "\\Footstep_Concrete\\Footstep_Concrete_01"


def test_a_single_numbered_file_stays_a_plain_sound() -> None:
    (item,) = plan_batch(files("Explosion_01.wav"), T)
    assert item.container is None and item.sound_name == "Explosion_01"


def test_a_single_numbered_file_joins_an_existing_container_of_its_base() -> None:
    (item,) = plan_batch(files("Explosion_04.wav"), T, existing_containers=[T + "\\explosion"])
    assert item.container == "Explosion"


def test_grouping_is_per_folder_and_can_be_disabled() -> None:
    batch = files("Hit_1.wav", rel="a") + files("Hit_2.wav", rel="b")
    assert [i.container for i in plan_batch(batch, T)] == [None, None]
    assert [i.container for i in plan_batch(files("Hit_1.wav", "Hit_2.wav"), T, variation_pattern=None)] == [
        None,
        None,
    ]


def test_subfolders_are_mirrored_and_originals_follow_the_template() -> None:
    (item,) = plan_batch(files("Rain.wav", rel="Ambience/Outdoor"), T)
    assert item.folders == ["Ambience", "Outdoor"]
    assert item.originals_subfolder == "Ambience/Outdoor"
    (flat,) = plan_batch(
        files("Rain.wav", rel="Ambience"), T, mirror_subfolders=False, originals_template="imports/{base}"
    )
    assert flat.folders == [] and flat.originals_subfolder == "imports/Rain"


def test_unknown_template_placeholders_are_an_error_naming_the_fix() -> None:
    with pytest.raises(ValueError, match="relative_dir"):
        plan_batch(files("Rain.wav"), T, originals_template="{folder}")


def test_names_wwise_refuses_are_cleaned() -> None:
    assert wwise_name("weird.name: v2?") == "weird_name_ v2_"
    (item,) = plan_batch(files("a.b.wav"), T)
    assert item.sound_name == "a_b"


def test_a_pattern_without_the_named_groups_is_rejected() -> None:
    with pytest.raises(ValueError, match="base"):
        compile_pattern(r"^(.+)_(\d+)$")
    assert compile_pattern(None) is None


def test_voice_language_and_provenance_notes_are_carried() -> None:
    file = BatchFile(path="/drop/Hello.wav", sha256="ab" * 32)
    (item,) = plan_batch([file], T, language="English(US)", notes=lambda f: provenance_note(f, "exec_1"))
    assert item.language == "English(US)"
    assert item.notes is not None and "/drop/Hello.wav" in item.notes and "exec_1" in item.notes
    assert "ab" * 32 in item.notes
