"""The Wwise 2025.1 renames, translated in both directions."""

from __future__ import annotations

from wwiseflowd.default_plugins.wwise.naming import Naming

AM = "\\Actor-Mixer Hierarchy\\Default Work Unit\\SFX"
CONTAINERS = "\\Containers\\Default Work Unit\\SFX"


def test_classic_paths_go_out_in_2025_spelling_and_come_back_classic() -> None:
    modern = Naming.for_version(2025)
    assert modern.path_out(AM) == CONTAINERS
    assert modern.path_out("\\Master-Mixer Hierarchy\\Default Work Unit") == "\\Busses\\Default Work Unit"
    assert modern.path_out("\\Audio Devices\\Default Work Unit") == "\\Devices\\Default Work Unit"
    assert modern.path_in(CONTAINERS) == AM


def test_2025_paths_given_to_an_older_wwise_are_translated_back() -> None:
    old = Naming.for_version(2024)
    assert old.path_out(CONTAINERS) == AM
    assert old.path_out(AM) == AM
    assert old.path_in(AM) == AM


def test_other_roots_and_names_are_left_alone() -> None:
    modern = Naming.for_version(2025)
    for path in ("\\Events\\Default Work Unit\\Play_X", "\\", "Bus:Master Audio Bus", "{ABC}"):
        assert modern.path_out(path) == path
    # a Sound that happens to be called "Containers" is not a root
    assert modern.path_in(AM + "\\Containers") == AM + "\\Containers"


def test_types_tokens_and_waql_are_translated() -> None:
    modern = Naming.for_version(2025)
    assert modern.type_out("ActorMixer") == "PropertyContainer"
    assert modern.type_in("PropertyContainer") == "ActorMixer"
    assert modern.path_out(AM + "\\<Actor-Mixer>Weapons\\<Sound SFX>Shot") == (
        CONTAINERS + "\\<Property Container>Weapons\\<Sound SFX>Shot"
    )
    assert modern.waql_out(f'$ "{AM}" select descendants where type = "ActorMixer"') == (
        f'$ "{CONTAINERS}" select descendants where type = "PropertyContainer"'
    )
    assert Naming.for_version(2023).waql_out('$ "\\Containers\\X"') == '$ "\\Actor-Mixer Hierarchy\\X"'


def test_results_are_translated_recursively() -> None:
    modern = Naming.for_version(2025)
    raw = {
        "return": [
            {
                "id": "{A}",
                "path": CONTAINERS,
                "type": "PropertyContainer",
                "parent": {"id": "{B}", "name": "Containers"},
            }
        ]
    }
    assert modern.result_in(raw) == {
        "return": [
            {"id": "{A}", "path": AM, "type": "ActorMixer", "parent": {"id": "{B}", "name": "Containers"}}
        ]
    }


def test_call_arguments_are_translated_where_they_hold_paths_types_waql_or_references() -> None:
    modern = Naming.for_version(2025)
    args = {
        "parent": AM,
        "type": "ActorMixer",
        "name": "Actor-Mixer Hierarchy",
        "objects": [
            {
                "object": AM,
                "@OutputBus": "\\Master-Mixer Hierarchy\\Default Work Unit\\Main",
                "@Volume": 2,
                "notes": "\\Actor-Mixer Hierarchy stays in notes",
            }
        ],
        "imports": [{"objectPath": AM + "\\<Actor-Mixer>W\\<Sound SFX>S", "audioFile": "/a/b.wav"}],
        "waql": f'$ "{AM}"',
    }
    assert modern.args_out(args) == {
        "parent": CONTAINERS,
        "type": "PropertyContainer",
        "name": "Actor-Mixer Hierarchy",
        "objects": [
            {
                "object": CONTAINERS,
                "@OutputBus": "\\Busses\\Default Work Unit\\Main",
                "@Volume": 2,
                "notes": "\\Actor-Mixer Hierarchy stays in notes",
            }
        ],
        "imports": [
            {"objectPath": CONTAINERS + "\\<Property Container>W\\<Sound SFX>S", "audioFile": "/a/b.wav"}
        ],
        "waql": f'$ "{CONTAINERS}"',
    }
