"""WAQL evaluation on a small real project model: sources, selects, filters, ordering and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from wwiseflowd.sim.model import Project, WwiseObject
from wwiseflowd.sim.waql import ObjectNotFoundError, WaqlError, run_query

AMH = "\\Actor-Mixer Hierarchy\\Default Work Unit"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A small game: an Actor-Mixer with a random container, loose sounds, a bus, an event."""
    p = Project.new("Game", Path(tmp_path_factory.mktemp("game")))
    amh = p.find(AMH)
    mmh_master = p.find("\\Master-Mixer Hierarchy\\Default Work Unit\\Master Audio Bus")
    events = p.find("\\Events\\Default Work Unit")
    assert amh is not None and mmh_master is not None and events is not None
    sfx_bus = p.add(mmh_master, "Bus", "SFX Bus")
    weapons = p.add(amh, "ActorMixer", "Weapons")
    gun_fire = p.add(weapons, "RandomSequenceContainer", "Gun_Fire")
    fire1 = p.add(gun_fire, "Sound", "Gun_Fire_01")
    fire2 = p.add(gun_fire, "Sound", "Gun_Fire_02")
    reload = p.add(weapons, "Sound", "Gun_Reload")
    footstep = p.add(amh, "Sound", "Footstep_Grass")
    hello = p.add(amh, "Sound", "VO_Hello")
    p.add(amh, "Folder", "Ambience")
    p.set_property(fire1, "Volume", -6)
    p.set_property(fire2, "Volume", -3)
    p.set_property(hello, "IsVoice", True)
    p.set_notes(fire2, "loud shot")
    p.set_notes(footstep, "Player footsteps on grass")
    p.set_reference(reload, "OutputBus", sfx_bus)
    event = p.add(events, "Event", "Play_Gun_Fire")
    action = p.add(event, "Action", "")
    p.set_reference(action, "Target", gun_fire)
    return p


def names(objects: list[WwiseObject]) -> list[str]:
    return [o.name for o in objects]


def q(project: Project, text: str) -> list[str]:
    return names(run_query(project, text))


# -- sources -----------------------------------------------------------------------------------------


def test_path_source_with_or_without_dollar_and_from_object(project: Project) -> None:
    for text in (f'"{AMH}\\Weapons"', f'$ "{AMH}\\Weapons"', f'$ from object "{AMH}\\Weapons"'):
        assert q(project, text) == ["Weapons"]


def test_backslash_alone_is_the_project(project: Project) -> None:
    result = run_query(project, '"\\"')
    assert result == [project.root]


def test_doubled_separators_and_trailing_backslash_are_accepted(project: Project) -> None:
    assert q(project, '"\\\\Actor-Mixer Hierarchy\\\\Default Work Unit\\\\Weapons"') == ["Weapons"]
    assert q(project, '"\\Actor-Mixer Hierarchy\\Default Work Unit\\Weapons\\"') == ["Weapons"]


def test_paths_are_case_insensitive(project: Project) -> None:
    assert q(project, '"\\actor-mixer hierarchy\\default work unit\\WEAPONS"') == ["Weapons"]


def test_guid_source_in_any_case(project: Project) -> None:
    weapons = project.find(f"{AMH}\\Weapons")
    assert weapons is not None
    assert run_query(project, f'"{weapons.id.lower()}"') == [weapons]


def test_type_name_and_type_short_id_specifiers(project: Project) -> None:
    assert q(project, '"Event:Play_Gun_Fire", "Bus:SFX Bus"') == ["Play_Gun_Fire", "SFX Bus"]
    event = project.find("Event:Play_Gun_Fire")
    assert event is not None
    assert run_query(project, f'"Event:{event.short_id}"') == [event]
    assert run_query(project, f'"Global:{event.short_id}"') == [event]


def test_several_specifiers_keep_their_order(project: Project) -> None:
    assert q(project, f'"{AMH}\\VO_Hello", "{AMH}\\Footstep_Grass"') == ["VO_Hello", "Footstep_Grass"]


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ('"\\Nope"', 1),
        ('$ from object "\\Actor-Mixer Hierarchy\\Nope"', 15),
        (f'"{AMH}", "\\Events\\Nope" select children', 45),
        ('"Actor-Mixer Hierarchy"', 1),  # no leading backslash: not a path specifier
        ('"Event:Nope"', 1),
        ('"Nope:Name"', 1),
        ('"Sound:Gun_Reload"', 1),  # Sound names are not unique project-wide: no qualified form
        ('"{00000000-0000-0000-0000-000000000000}"', 1),
        ('"Hello"', 1),
    ],
)
def test_unresolved_specifier_is_object_not_found_at_its_position(
    project: Project, text: str, position: int
) -> None:
    with pytest.raises(ObjectNotFoundError) as info:
        run_query(project, text)
    assert str(info.value) == f"Object not found ({position})"
    assert info.value.position == position


def test_from_type_uses_the_type_index_case_insensitively(project: Project) -> None:
    assert sorted(q(project, "from type SOUND")) == [
        "Footstep_Grass",
        "Gun_Fire_01",
        "Gun_Fire_02",
        "Gun_Reload",
        "VO_Hello",
    ]
    assert q(project, "from type event, bus") == ["Play_Gun_Fire", "Master Audio Bus", "SFX Bus"]


def test_from_type_unknown_type_names_the_token(project: Project) -> None:
    with pytest.raises(WaqlError) as info:
        run_query(project, "from type sound, soundz")
    assert info.value.position == 18 and '"soundz"' in str(info.value)


def test_from_search_matches_word_starts_in_names_and_notes(project: Project) -> None:
    assert q(project, 'from search "gun fire"') == ["Gun_Fire", "Gun_Fire_01", "Gun_Fire_02", "Play_Gun_Fire"]
    assert q(project, 'from search "footstep"') == ["Footstep_Grass"]
    assert q(project, 'from search "grass player"') == ["Footstep_Grass"]  # "player" is in the notes
    assert q(project, 'from search "ire"') == []  # only word starts match


def test_from_project_and_no_source_give_every_object_project_first(project: Project) -> None:
    everything = run_query(project, "from project")
    assert everything[0] is project.root
    assert len(everything) == len(project)
    assert run_query(project, "$") == everything


# -- select --------------------------------------------------------------------------------------------


def test_select_children_and_descendants_in_document_order(project: Project) -> None:
    assert q(project, f'"{AMH}\\Weapons" select children') == ["Gun_Fire", "Gun_Reload"]
    assert q(project, f'"{AMH}\\Weapons" select descendants') == [
        "Gun_Fire",
        "Gun_Fire_01",
        "Gun_Fire_02",
        "Gun_Reload",
    ]


def test_select_parent_and_ancestors_up_to_the_project(project: Project) -> None:
    assert q(project, f'"{AMH}\\Weapons\\Gun_Fire" select parent') == ["Weapons"]
    ancestors = run_query(project, f'"{AMH}\\Weapons\\Gun_Fire" select ancestors')
    assert names(ancestors[:3]) == ["Weapons", "Default Work Unit", "Actor-Mixer Hierarchy"]
    assert ancestors[-1] is project.root
    assert run_query(project, '"\\" select parent') == []


def test_select_this_with_ancestors_emits_per_object_in_selector_order(project: Project) -> None:
    result = q(project, f'"{AMH}\\Weapons" select this, children')
    assert result == ["Weapons", "Gun_Fire", "Gun_Reload"]


def test_selects_chain(project: Project) -> None:
    assert q(project, f'"{AMH}" select children select children') == ["Gun_Fire", "Gun_Reload"]


def test_select_reference_follows_it_including_the_default_output_bus(project: Project) -> None:
    assert q(project, f'"{AMH}\\Weapons\\Gun_Reload", "{AMH}\\VO_Hello" select outputbus') == [
        "SFX Bus",
        "Master Audio Bus",
    ]
    assert q(project, '"Event:Play_Gun_Fire" select children select target') == ["Gun_Fire"]


def test_select_references_to_lists_objects_pointing_at_the_object(project: Project) -> None:
    assert q(project, '"Bus:SFX Bus" select referencesTo') == ["Gun_Reload"]
    assert [o.type for o in run_query(project, f'"{AMH}\\Weapons\\Gun_Fire" select referencesTo')] == [
        "Action"
    ]


def test_select_of_a_value_accessor_is_rejected_at_its_position(project: Project) -> None:
    with pytest.raises(WaqlError) as info:
        run_query(project, '"\\" select name')
    assert info.value.position == 12 and '"name"' in str(info.value)


def test_select_unknown_accessor_is_rejected(project: Project) -> None:
    with pytest.raises(WaqlError) as info:
        run_query(project, '"\\" select childs')
    assert info.value.position == 12 and '"childs"' in str(info.value)


# -- where ---------------------------------------------------------------------------------------------


def test_string_equality_is_case_insensitive(project: Project) -> None:
    assert q(project, 'from type sound where name = "gun_reload"') == ["Gun_Reload"]
    assert q(project, f'"{AMH}" select descendants where type = "sound" and name != "GUN_RELOAD"') == [
        "Gun_Fire_01",
        "Gun_Fire_02",
        "Footstep_Grass",
        "VO_Hello",
    ]


def test_accessor_names_are_case_insensitive(project: Project) -> None:
    assert q(project, 'from type sound where NAME = "VO_Hello"') == ["VO_Hello"]
    assert q(project, "from type sound where VoLuMe < -4") == ["Gun_Fire_01"]


def test_word_search_operator_with_wildcard(project: Project) -> None:
    assert q(project, 'from type sound where name : "fire"') == ["Gun_Fire_01", "Gun_Fire_02"]
    assert q(project, 'from type sound where name : "gun fi*"') == ["Gun_Fire_01", "Gun_Fire_02"]
    assert q(project, 'from type sound where name : "foot*grass"') == ["Footstep_Grass"]
    assert q(project, 'from type sound where name : "ire"') == []
    assert q(project, 'from type sound where notes : "LOUD"') == ["Gun_Fire_02"]


def test_regex_searches_case_sensitively_unless_flagged(project: Project) -> None:
    assert q(project, "from type sound where name = /_0[0-9]$/") == ["Gun_Fire_01", "Gun_Fire_02"]
    assert q(project, "from type sound where name = /^gun/") == []
    assert q(project, "from type sound where name = /^gun/i") == ["Gun_Fire_01", "Gun_Fire_02", "Gun_Reload"]
    assert q(project, "from type sound where name != /^Gun/") == ["Footstep_Grass", "VO_Hello"]
    assert q(project, "from type sound where name : /Hel/") == ["VO_Hello"]


def test_numeric_comparisons_use_effective_values_including_defaults(project: Project) -> None:
    assert q(project, "from type sound where volume < 0") == ["Gun_Fire_01", "Gun_Fire_02"]
    assert q(project, "from type sound where volume <= -3") == ["Gun_Fire_01", "Gun_Fire_02"]
    assert q(project, "from type sound where volume > -6") == [
        "Gun_Fire_02",
        "Gun_Reload",
        "Footstep_Grass",
        "VO_Hello",
    ]
    assert q(project, "from type sound where volume >= 0 and volume = 0") == [
        "Gun_Reload",
        "Footstep_Grass",
        "VO_Hello",
    ]
    assert q(project, "from type sound where @Volume = -6") == ["Gun_Fire_01"]


def test_booleans_compare_and_bare_accessors_test_truth(project: Project) -> None:
    assert q(project, "from type sound where IsVoice = true") == ["VO_Hello"]
    assert q(project, "from type sound where isvoice") == ["VO_Hello"]
    assert q(project, "from type sound where not IsVoice take 1") == ["Gun_Fire_01"]
    assert q(project, "from type sound where IsVoice != true and false") == []


def test_and_or_not_and_parentheses(project: Project) -> None:
    text = 'from type sound where (name : "fire" or name : "hello") and not volume < -4'
    assert q(project, text) == ["Gun_Fire_02", "VO_Hello"]
    assert q(project, 'from type sound where name : "fire" or name : "hello" and volume < -4') == [
        "Gun_Fire_01",
        "Gun_Fire_02",
    ]


def test_dotted_accessors(project: Project) -> None:
    assert q(project, 'from type sound where parent.name = "gun_fire"') == ["Gun_Fire_01", "Gun_Fire_02"]
    assert q(project, 'from type sound where parent.parent.name : "weapons"') == [
        "Gun_Fire_01",
        "Gun_Fire_02",
    ]
    assert q(project, 'from type sound where outputbus.name = "SFX Bus"') == ["Gun_Reload"]


def test_reference_compared_with_an_object_specifier(project: Project) -> None:
    assert q(project, 'from type sound where outputbus = "Bus:SFX Bus"') == ["Gun_Reload"]
    master = "\\Master-Mixer Hierarchy\\Default Work Unit\\Master Audio Bus"
    assert q(project, f'from type sound where outputbus != "{master}"') == ["Gun_Reload"]
    assert q(project, f'from type sound where parent = "{AMH}\\Weapons"') == ["Gun_Reload"]


def test_reference_compared_with_a_plain_name_is_rejected_not_guessed(project: Project) -> None:
    with pytest.raises(WaqlError) as info:
        run_query(project, 'from type sound where outputbus = "SFX Bus"')
    assert info.value.position == 23 and "outputbus.name" in str(info.value)


def test_reference_compared_with_a_missing_object_is_object_not_found(project: Project) -> None:
    with pytest.raises(ObjectNotFoundError) as info:
        run_query(project, 'from type sound where outputbus = "Bus:Nope"')
    assert str(info.value) == "Object not found (35)"


def test_accessor_that_does_not_apply_matches_nothing_even_with_not_equal(project: Project) -> None:
    assert q(project, f'"{AMH}" select children where volume != 12345') == [
        "Weapons",
        "Footstep_Grass",
        "VO_Hello",
    ]
    assert q(project, f'"{AMH}" select children where not volume = 12345') == [
        "Weapons",
        "Footstep_Grass",
        "VO_Hello",
        "Ambience",
    ]


def test_filter_matching_nothing_is_an_empty_list(project: Project) -> None:
    assert run_query(project, 'from project where name = "absent"') == []


@pytest.mark.parametrize(
    ("text", "position", "name"),
    [
        ("from type sound where volumee < 0", 23, "volumee"),
        ('from type sound where parent.nme = "x"', 23, "nme"),
        ("from type sound orderby colour", 25, "colour"),
    ],
)
def test_unknown_accessor_fails_the_whole_query(
    project: Project, text: str, position: int, name: str
) -> None:
    with pytest.raises(WaqlError) as info:
        run_query(project, text)
    assert info.value.position == position and f'"{name}"' in str(info.value)


def test_unknown_accessor_fails_even_when_nothing_would_be_tested(project: Project) -> None:
    with pytest.raises(WaqlError):
        run_query(project, 'from type sound where name = "absent" and bogus = 1')


# -- list functions ------------------------------------------------------------------------------------


def test_children_count_with_and_without_a_condition(project: Project) -> None:
    assert q(project, f'"{AMH}" select descendants where children.count() = 2') == ["Weapons", "Gun_Fire"]
    assert q(project, f'"{AMH}" select descendants where children.count(type = "Sound") >= 1') == [
        "Weapons",
        "Gun_Fire",
    ]
    assert q(project, f'"{AMH}" select children where children.count() = 0') == [
        "Footstep_Grass",
        "VO_Hello",
        "Ambience",
    ]


def test_any_and_all_over_descendants_ancestors_and_references(project: Project) -> None:
    assert q(project, f'"{AMH}" select children where descendants.any(volume < -4)') == ["Weapons"]
    assert q(project, "from type randomsequencecontainer where children.all(volume < 0)") == ["Gun_Fire"]
    assert q(project, 'from type sound where ancestors.any(name = "Weapons")') == [
        "Gun_Fire_01",
        "Gun_Fire_02",
        "Gun_Reload",
    ]
    assert q(project, "from type randomsequencecontainer where referencesTo.any()") == ["Gun_Fire"]
    assert q(project, "from type sound where children.any()") == []


def test_list_function_on_a_related_object(project: Project) -> None:
    # Gun_Fire and Weapons hold two children each; the Default Work Unit holds four
    assert q(project, "from type sound where parent.children.count() = 2") == [
        "Gun_Fire_01",
        "Gun_Fire_02",
        "Gun_Reload",
    ]


def test_orderby_a_count(project: Project) -> None:
    assert q(
        project, f'"{AMH}" select descendants where not type = "Sound" orderby children.count() reverse'
    ) == [
        "Weapons",
        "Gun_Fire",
        "Ambience",
    ]


def test_unknown_accessor_inside_a_function_is_rejected(project: Project) -> None:
    with pytest.raises(WaqlError) as info:
        run_query(project, "from type sound where children.any(bogus = 1)")
    assert info.value.position == 36


# -- take, skip, distinct, orderby ---------------------------------------------------------------------


def test_take_and_skip(project: Project) -> None:
    sounds = q(project, "from type sound")
    assert q(project, "from type sound take 2") == sounds[:2]
    assert q(project, "from type sound skip 3") == sounds[3:]
    assert q(project, "from type sound skip 1 take 2") == sounds[1:3]
    assert q(project, "from type sound take 0") == []


def test_distinct_keeps_first_occurrences(project: Project) -> None:
    assert q(project, "from type sound select parent") == [
        "Gun_Fire",
        "Gun_Fire",
        "Weapons",
        "Default Work Unit",
        "Default Work Unit",
    ]
    assert q(project, "from type sound select parent distinct") == [
        "Gun_Fire",
        "Weapons",
        "Default Work Unit",
    ]


def test_orderby_strings_case_insensitively_and_numbers_numerically(project: Project) -> None:
    assert q(project, "from type sound orderby name") == [
        "Footstep_Grass",
        "Gun_Fire_01",
        "Gun_Fire_02",
        "Gun_Reload",
        "VO_Hello",
    ]
    assert q(project, "from type sound orderby name reverse take 1") == ["VO_Hello"]
    assert q(project, "from type sound orderby volume take 2") == ["Gun_Fire_01", "Gun_Fire_02"]


def test_orderby_puts_objects_without_the_value_last(project: Project) -> None:
    result = q(project, f'"{AMH}" select children orderby volume reverse')
    assert result[-1] == "Ambience"


def test_long_and_or_chains_evaluate(project: Project) -> None:
    many_and = " and ".join(["volume < 0"] * 3000)
    many_or = " or ".join(['name = "nope"'] * 3000 + ['name = "VO_Hello"'])
    assert q(project, f"from type sound where {many_and}") == ["Gun_Fire_01", "Gun_Fire_02"]
    assert q(project, f"from type sound where {many_or}") == ["VO_Hello"]
    assert q(project, 'from type sound where volume < 0 and name : "fire" and not notes : "loud"') == [
        "Gun_Fire_01"
    ]
