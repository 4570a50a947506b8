"""Conformance: object functions through the real waapi-client (create, set, get, setters, delete, move)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from waapi import WaapiClient

from tests.sim.waapi_calls import EVENTS_WU, MASTER_BUS, WU, by_path, connect, error_of, get
from wwiseflowd.sim import Emulator

pytestmark = pytest.mark.integration

GUID = re.compile(r"^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$")


def create(
    client: WaapiClient, name: str, type_name: str = "Sound", parent: str = WU, **extra: object
) -> dict:
    result = client.call(
        "ak.wwise.core.object.create", {"parent": parent, "type": type_name, "name": name, **extra}
    )
    assert result is not None
    return result


def test_get_info_reports_wwise_2024_1(waapi: WaapiClient) -> None:
    info = waapi.call("ak.wwise.core.getInfo")
    assert info["displayName"] == "Wwise"
    assert info["version"]["year"] == 2024 and info["version"]["major"] == 1
    assert set(info["version"]) == {"displayName", "year", "major", "minor", "build", "nickname", "schema"}
    assert GUID.match(info["sessionId"])
    assert {
        "apiVersion",
        "branch",
        "copyright",
        "configuration",
        "platform",
        "isCommandLine",
        "processId",
        "processPath",
        "directories",
    } <= set(info)


def test_project_info_names_the_project_and_its_directories(waapi: WaapiClient, sim) -> None:
    info = waapi.call("ak.wwise.core.getProjectInfo")
    assert info["name"] == "WwiseProject"
    assert info["path"].endswith("WwiseProject.wproj")
    assert info["directories"]["originals"] == str(sim.project_dir / "Originals")
    assert info["defaultConversion"]["name"] == "Default Conversion Settings"
    assert "defaultWorkUnits" not in info  # 2025.1+ only
    assert {lang["name"] for lang in info["languages"]} >= {"SFX", "English(US)"}


def test_emulating_2025_1_changes_names_and_functions(tmp_path: Path) -> None:
    with Emulator(port=0, project_dir=tmp_path / "P25", version="2025.1") as sim:
        client = connect(sim.url)
        try:
            info = client.call("ak.wwise.core.getProjectInfo")
            assert info["defaultWorkUnits"]["Containers"]["path"] == "\\Containers\\Default Work Unit"
            assert info["defaultImportWorkUnit"]["name"] == "Default Work Unit"
            made = client.call(
                "ak.wwise.core.object.create",
                {"parent": "\\Containers\\Default Work Unit", "type": "ActorMixer", "name": "PC"},
            )
            assert by_path(client, "\\Containers\\Default Work Unit\\PC")["type"] == "PropertyContainer"
            assert made["name"] == "PC"
        finally:
            client.disconnect()


def test_new_project_has_category_roots_default_work_units_and_master_bus(waapi: WaapiClient) -> None:
    roots = get(waapi, {"path": ["\\"]}, ["name", "type"], [{"select": ["children"]}])
    names = [r["name"] for r in roots]
    assert names[:4] == [
        "Actor-Mixer Hierarchy",
        "Interactive Music Hierarchy",
        "Master-Mixer Hierarchy",
        "Events",
    ]
    assert all(r["type"] == "Folder" for r in roots)
    assert by_path(waapi, WU)["type"] == "WorkUnit"
    bus = by_path(waapi, MASTER_BUS, ["type", "shortId", "classId"])
    assert bus == {"type": "Bus", "shortId": 3803692087, "classId": 1376272}  # FNV-1 of the name, as Wwise


def test_create_returns_ids_for_the_tree_and_applies_properties(waapi: WaapiClient) -> None:
    result = create(
        waapi,
        "Footsteps",
        "RandomSequenceContainer",
        **{
            "@RandomOrSequence": 0,
            "notes": "steps",
            "children": [
                {"type": "Sound", "name": "Step_01", "@Volume": -6.5, "@IsStreamingEnabled": True},
                {"type": "Sound", "name": "Step_02"},
            ],
        },
    )
    assert GUID.match(result["id"]) and result["name"] == "Footsteps"
    assert [c["name"] for c in result["children"]] == ["Step_01", "Step_02"]
    row = by_path(
        waapi,
        f"{WU}\\Footsteps\\Step_01",
        [
            "id",
            "Volume",
            "@Volume",
            "IsStreamingEnabled",
            "Pitch",
            "parent.name",
            "OutputBus",
            "workunit",
            "category",
            "childrenCount",
            "classId",
        ],
    )
    assert row["id"] == result["children"][0]["id"]
    assert row["Volume"] == -6.5 and row["@Volume"] == -6.5 and row["IsStreamingEnabled"] is True
    assert row["Pitch"] == 0  # default from the class table
    assert row["parent.name"] == "Footsteps"
    assert row["OutputBus"]["name"] == "Master Audio Bus"
    assert row["workunit"]["name"] == "Default Work Unit"
    assert (
        row["category"] == "Actor-Mixer Hierarchy" and row["childrenCount"] == 0 and row["classId"] == 65552
    )
    container = by_path(waapi, f"{WU}\\Footsteps", ["RandomOrSequence", "notes"])
    assert container == {"RandomOrSequence": 0, "notes": "steps"}


def test_create_name_conflict_fail_is_the_default(waapi: WaapiClient) -> None:
    create(waapi, "Dup")
    err = error_of(waapi, "ak.wwise.core.object.create", {"parent": WU, "type": "Sound", "name": "Dup"})
    assert err.uri == "ak.wwise.invalid_arguments"
    assert err.kwargs["message"] == "'parent' already has child with same name."
    assert err.kwargs["details"]["procedureUri"] == "ak.wwise.core.object.create"


def test_create_name_conflict_rename_appends_a_number(waapi: WaapiClient) -> None:
    first = create(waapi, "Hit")
    second = create(waapi, "Hit", onNameConflict="rename")
    third = create(waapi, "hit", onNameConflict="rename")  # names clash case-insensitively
    assert (second["name"], third["name"]) == ("Hit_01", "hit_02")
    assert len({first["id"], second["id"], third["id"]}) == 3


def test_create_name_conflict_replace_deletes_the_old_object(waapi: WaapiClient) -> None:
    old = create(waapi, "Swap", "ActorMixer", children=[{"type": "Sound", "name": "Inner"}])
    new = create(waapi, "Swap", "Sound", onNameConflict="replace")
    assert new["id"] != old["id"]
    assert by_path(waapi, f"{WU}\\Swap")["type"] == "Sound"
    assert get(waapi, {"ofType": ["ActorMixer"]}, ["name"]) == []


def test_create_name_conflict_merge_reuses_and_adds_children(waapi: WaapiClient) -> None:
    first = create(waapi, "Amb", "ActorMixer", children=[{"type": "Sound", "name": "Wind"}])
    merged = create(
        waapi,
        "Amb",
        "ActorMixer",
        onNameConflict="merge",
        **{"@Volume": -3, "children": [{"type": "Sound", "name": "Wind"}, {"type": "Sound", "name": "Rain"}]},
    )
    assert merged["id"] == first["id"]
    assert merged["children"][0]["id"] == first["children"][0]["id"]
    kids = get(waapi, {"path": [f"{WU}\\Amb"]}, ["name"], [{"select": ["children"]}])
    assert [k["name"] for k in kids] == ["Wind", "Rain"]
    assert by_path(waapi, f"{WU}\\Amb", ["Volume"]) == {"Volume": -3}


def test_create_rejects_a_child_type_the_parent_cannot_hold(waapi: WaapiClient) -> None:
    create(waapi, "Box", "RandomSequenceContainer")
    err = error_of(
        waapi, "ak.wwise.core.object.create", {"parent": f"{WU}\\Box", "type": "ActorMixer", "name": "AM"}
    )
    assert err.uri == "ak.wwise.invalid_arguments"
    assert "ActorMixer" in err.kwargs["message"] and "RandomSequenceContainer" in err.kwargs["message"]
    err = error_of(waapi, "ak.wwise.core.object.create", {"parent": EVENTS_WU, "type": "Sound", "name": "S"})
    assert "Sound" in err.kwargs["message"]
    err = error_of(
        waapi,
        "ak.wwise.core.object.create",
        {"parent": "\\Master-Mixer Hierarchy\\Default Work Unit", "type": "AuxBus", "name": "Aux"},
    )
    assert "AuxBus" in err.kwargs["message"]  # an AuxBus is never top level


def test_create_rejects_bad_names_and_unknown_types(waapi: WaapiClient) -> None:
    err = error_of(waapi, "ak.wwise.core.object.create", {"parent": WU, "type": "Sound", "name": "a/b"})
    assert err.uri == "ak.wwise.invalid_arguments" and "a/b" in err.kwargs["message"]
    err = error_of(waapi, "ak.wwise.core.object.create", {"parent": WU, "type": "Sund", "name": "x"})
    assert "Sund" in err.kwargs["message"]
    err = error_of(
        waapi,
        "ak.wwise.core.object.create",
        {"parent": "\\Actor-Mixer Hierarchy\\Nope", "type": "Sound", "name": "x"},
    )
    assert err.kwargs["message"] == "Object \\Actor-Mixer Hierarchy\\Nope is unknown."


def test_failed_create_rolls_back_everything_it_made(waapi: WaapiClient) -> None:
    err = error_of(
        waapi,
        "ak.wwise.core.object.create",
        {
            "parent": WU,
            "type": "ActorMixer",
            "name": "Partial",
            "children": [{"type": "Sound", "name": "Ok"}, {"type": "Sound", "name": "Bad", "@Volume": 999}],
        },
    )
    assert err.uri == "ak.wwise.invalid_property" and "out of range" in err.kwargs["message"]
    assert get(waapi, {"ofType": ["ActorMixer", "Sound"]}) == []


def test_event_names_are_unique_across_the_project(waapi: WaapiClient) -> None:
    create(waapi, "Play_Gun", "Event", parent=EVENTS_WU)
    create(waapi, "Sub", "Folder", parent=EVENTS_WU)
    err = error_of(
        waapi,
        "ak.wwise.core.object.create",
        {"parent": f"{EVENTS_WU}\\Sub", "type": "Event", "name": "Play_Gun"},
    )
    assert "unique" in err.kwargs["message"]
    renamed = create(waapi, "Play_Gun", "Event", parent=f"{EVENTS_WU}\\Sub", onNameConflict="rename")
    assert renamed["name"] == "Play_Gun_01"
    assert by_path(waapi, "Event:Play_Gun")["path"] == f"{EVENTS_WU}\\Play_Gun"


def test_event_with_play_action_targets_a_sound(waapi: WaapiClient) -> None:
    sound = create(waapi, "Gun")
    result = create(
        waapi,
        "Play_Gun",
        "Event",
        parent=EVENTS_WU,
        children=[{"type": "Action", "name": "", "@ActionType": 1, "@Target": f"{WU}\\Gun"}],
    )
    assert result["children"][0]["name"] == ""
    rows = get(
        waapi, {"id": [result["id"]]}, ["ActionType", "Target", "Target.name"], [{"select": ["children"]}]
    )
    assert rows == [{"ActionType": 1, "Target": {"id": sound["id"], "name": "Gun"}, "Target.name": "Gun"}]


def test_set_property_validates_name_type_and_range(waapi: WaapiClient) -> None:
    create(waapi, "P")
    path = f"{WU}\\P"
    assert (
        waapi.call("ak.wwise.core.object.setProperty", {"object": path, "property": "Pitch", "value": 1200})
        == {}
    )
    assert by_path(waapi, path, ["Pitch"]) == {"Pitch": 1200}
    err = error_of(
        waapi, "ak.wwise.core.object.setProperty", {"object": path, "property": "Pitch", "value": 9999}
    )
    assert err.uri == "ak.wwise.invalid_property" and "[-2400, 2400]" in err.kwargs["message"]
    err = error_of(
        waapi, "ak.wwise.core.object.setProperty", {"object": path, "property": "Volum", "value": 1}
    )
    assert err.uri == "ak.wwise.invalid_property" and "Volum" in err.kwargs["message"]
    err = error_of(
        waapi, "ak.wwise.core.object.setProperty", {"object": path, "property": "IsVoice", "value": "loud"}
    )
    assert "boolean" in err.kwargs["message"]
    err = error_of(waapi, "ak.wwise.core.object.setProperty", {"object": path, "property": "Volume"})
    assert err.kwargs["details"]["typeUri"] == "ak.wwise.schema_validation_failed"


def test_set_reference_checks_the_target_type(waapi: WaapiClient) -> None:
    create(waapi, "R")
    bus = create(waapi, "Music", "Bus", parent=MASTER_BUS)
    path = f"{WU}\\R"
    assert (
        waapi.call(
            "ak.wwise.core.object.setReference",
            {"object": path, "reference": "OutputBus", "value": "Bus:Music"},
        )
        == {}
    )
    assert by_path(waapi, path, ["OutputBus"]) == {"OutputBus": {"id": bus["id"], "name": "Music"}}
    err = error_of(
        waapi, "ak.wwise.core.object.setReference", {"object": path, "reference": "OutputBus", "value": WU}
    )
    assert err.uri == "ak.wwise.invalid_reference" and "Bus" in err.kwargs["message"]
    err = error_of(
        waapi,
        "ak.wwise.core.object.setReference",
        {"object": path, "reference": "OutputBus", "value": "Bus:Nowhere"},
    )
    assert err.kwargs["message"] == "Object Bus:Nowhere is unknown."


def test_set_name_and_notes(waapi: WaapiClient) -> None:
    created = create(waapi, "Old")
    create(waapi, "Taken")
    waapi.call("ak.wwise.core.object.setName", {"object": created["id"], "value": "New"})
    waapi.call("ak.wwise.core.object.setNotes", {"object": created["id"], "value": "hello"})
    assert by_path(waapi, f"{WU}\\New", ["id", "notes"]) == {"id": created["id"], "notes": "hello"}
    err = error_of(waapi, "ak.wwise.core.object.setName", {"object": created["id"], "value": "Taken"})
    assert err.uri == "ak.wwise.invalid_arguments"


def test_object_set_batch_renames_sets_values_and_creates_children(waapi: WaapiClient) -> None:
    a = create(waapi, "A", "ActorMixer")
    create(waapi, "B")
    result = waapi.call(
        "ak.wwise.core.object.set",
        {
            "objects": [
                {"object": f"{WU}\\B", "name": "B2", "notes": "n", "@Volume": -2, "@OutputBus": MASTER_BUS},
                {"object": a["id"], "children": [{"type": "Sound", "name": "Child", "@Pitch": 100}]},
            ]
        },
    )
    assert result["objects"][0]["id"] == a["id"]
    assert result["objects"][0]["children"][0]["name"] == "Child"
    assert by_path(waapi, f"{WU}\\B2", ["Volume", "notes"]) == {"Volume": -2, "notes": "n"}
    assert by_path(waapi, f"{WU}\\A\\Child", ["Pitch"]) == {"Pitch": 100}
    assert waapi.call("ak.wwise.core.object.set", {"objects": [{"object": a["id"], "@Volume": 1}]}) == {}


def test_object_set_failure_rolls_back_earlier_items(waapi: WaapiClient) -> None:
    create(waapi, "Keep")
    err = error_of(
        waapi,
        "ak.wwise.core.object.set",
        {"objects": [{"object": f"{WU}\\Keep", "@Volume": -10}, {"object": f"{WU}\\Missing", "@Volume": 1}]},
    )
    assert err.kwargs["message"] == f"Object {WU}\\Missing is unknown."
    assert by_path(waapi, f"{WU}\\Keep", ["Volume"]) == {"Volume": 0}


def test_delete_removes_the_subtree(waapi: WaapiClient) -> None:
    created = create(waapi, "Gone", "ActorMixer", children=[{"type": "Sound", "name": "Inside"}])
    assert waapi.call("ak.wwise.core.object.delete", {"object": created["id"]}) == {}
    err = error_of(waapi, "ak.wwise.core.object.get", {"from": {"id": [created["children"][0]["id"]]}})
    assert err.uri == "ak.wwise.query.unknown_object"
    err = error_of(waapi, "ak.wwise.core.object.delete", {"object": "\\Actor-Mixer Hierarchy"})
    assert "cannot be deleted" in err.kwargs["message"]


def test_move_reparents_and_returns_the_object(waapi: WaapiClient) -> None:
    sound = create(waapi, "Mover")
    create(waapi, "Dest", "ActorMixer")
    moved = waapi.call(
        "ak.wwise.core.object.move",
        {"object": sound["id"], "parent": f"{WU}\\Dest"},
        options={"return": ["id", "path"]},
    )
    assert moved == {"id": sound["id"], "path": f"{WU}\\Dest\\Mover"}
    err = error_of(
        waapi, "ak.wwise.core.object.move", {"object": f"{WU}\\Dest", "parent": f"{WU}\\Dest\\Mover"}
    )
    assert err.uri == "ak.wwise.invalid_arguments"


def test_copy_makes_a_deep_copy_with_new_ids(waapi: WaapiClient) -> None:
    original = create(
        waapi,
        "Orig",
        "ActorMixer",
        **{"@Volume": -5, "notes": "n", "children": [{"type": "Sound", "name": "Inner", "@Pitch": 50}]},
    )
    copy = waapi.call(
        "ak.wwise.core.object.copy",
        {"object": original["id"], "parent": WU, "onNameConflict": "rename"},
        options={"return": ["id", "name", "Volume", "notes"]},
    )
    assert copy["name"] == "Orig_01" and copy["id"] != original["id"]
    assert (copy["Volume"], copy["notes"]) == (-5, "n")
    inner = by_path(waapi, f"{WU}\\Orig_01\\Inner", ["id", "Pitch"])
    assert inner["Pitch"] == 50 and inner["id"] != original["children"][0]["id"]
    err = error_of(waapi, "ak.wwise.core.object.copy", {"object": original["id"], "parent": WU})
    assert err.uri == "ak.wwise.invalid_arguments"
    waapi.call("ak.wwise.core.undo.undo")
    assert get(waapi, {"search": ["Orig_01"]}) == []
    assert waapi.call("ak.wwise.ui.getSelectedObjects") == {"objects": []}


def test_get_legacy_from_forms_and_transforms(waapi: WaapiClient) -> None:
    create(
        waapi,
        "Lib",
        "ActorMixer",
        children=[
            {"type": "Sound", "name": "Door_Open"},
            {"type": "Sound", "name": "Door_Close"},
            {"type": "RandomSequenceContainer", "name": "Doors"},
        ],
    )
    names = [
        r["name"]
        for r in get(
            waapi,
            {"path": [f"{WU}\\Lib"]},
            None,
            [{"select": ["descendants"]}, {"where": ["type:isIn", ["Sound"]]}],
        )
    ]
    assert names == ["Door_Open", "Door_Close"]
    assert [r["name"] for r in get(waapi, {"search": ["door"]})] == ["Door_Open", "Door_Close", "Doors"]
    assert [r["name"] for r in get(waapi, {"ofType": ["Sound"]}, None, [{"range": [1, 2]}])] == ["Door_Close"]
    assert [
        r["name"]
        for r in get(
            waapi,
            {"path": [f"{WU}\\Lib"]},
            None,
            [{"select": ["children"]}, {"where": ["name:matches", "^Door_"]}],
        )
    ] == ["Door_Open", "Door_Close"]
    ancestors = get(waapi, {"path": [f"{WU}\\Lib\\Doors"]}, ["type"], [{"select": ["ancestors"]}])
    assert [a["type"] for a in ancestors] == ["ActorMixer", "WorkUnit", "Folder", "Project"]


def test_get_return_omits_accessors_that_do_not_apply_and_rejects_unknown_ones(waapi: WaapiClient) -> None:
    create(waapi, "Snd")
    row = by_path(waapi, f"{WU}\\Snd", ["name", "ActionType", "originalFilePath"])
    assert row == {"name": "Snd"}  # neither applies to a Sound without a file
    err = error_of(waapi, "ak.wwise.core.object.get", {"from": {"path": [WU]}}, {"return": ["name", "Bogus"]})
    assert err.uri == "ak.wwise.invalid_options" and "Bogus" in err.kwargs["message"]


def test_get_legacy_unknown_path_is_unknown_object(waapi: WaapiClient) -> None:
    err = error_of(waapi, "ak.wwise.core.object.get", {"from": {"path": [f"{WU}\\Nope"]}})
    assert err.uri == "ak.wwise.query.unknown_object"


def test_get_by_waql_uses_the_query_engine(waapi: WaapiClient) -> None:
    create(waapi, "Q", "ActorMixer", children=[{"type": "Sound", "name": "Q1", "@Volume": -12}])
    rows = get(waapi, f'"{WU}\\Q" select descendants where Volume < -6', ["name"])
    assert rows == [{"name": "Q1"}]
    err = error_of(waapi, "ak.wwise.core.object.get", {"waql": f'"{WU}\\Nope" select children'})
    assert err.uri == "ak.wwise.query.invalid_query" and "Object not found" in err.kwargs["message"]


def test_schema_errors_for_unknown_missing_and_ill_typed_arguments(waapi: WaapiClient) -> None:
    err = error_of(
        waapi, "ak.wwise.core.object.create", {"parent": WU, "type": "Sound", "name": "x", "colour": 1}
    )
    assert err.uri == "ak.wwise.invalid_arguments"
    assert err.kwargs["details"] == {
        "typeUri": "ak.wwise.schema_validation_failed",
        "argumentName": "colour",
        "procedureUri": "ak.wwise.core.object.create",
    }
    assert err.kwargs["message"] == "Argument colour is unknown."
    err = error_of(waapi, "ak.wwise.core.object.create", {"parent": WU, "type": "Sound"})
    assert err.kwargs["message"] == "Argument name is required."
    err = error_of(waapi, "ak.wwise.core.object.create", {"parent": WU, "type": "Sound", "name": 5})
    assert err.kwargs["details"]["argumentName"] == "name"
    err = error_of(waapi, "ak.wwise.core.object.get", {"from": {"path": [WU]}}, {"colour": 1})
    assert err.uri == "ak.wwise.invalid_options"


def test_unknown_procedure(waapi: WaapiClient) -> None:
    err = error_of(waapi, "ak.wwise.core.object.explode")
    assert err.uri == "ak.wwise.invalid_procedure_uri"
    assert err.kwargs["message"] == "The procedure URI is unknown."


def test_real_but_unemulated_functions_say_so(waapi: WaapiClient) -> None:
    err = error_of(waapi, "ak.wwise.core.soundbank.generate", {"soundbanks": [{"name": "Main"}]})
    assert err.uri == "ak.wwise.emulator.not_emulated" and "does not emulate" in err.kwargs["message"]


def test_reflection_lists_functions_and_topics(waapi: WaapiClient) -> None:
    functions = waapi.call("ak.wwise.waapi.getFunctions")["functions"]
    assert "ak.wwise.core.audio.import" in functions and "ak.wwise.core.object.set" in functions
    topics = waapi.call("ak.wwise.waapi.getTopics")["topics"]
    assert "ak.wwise.core.object.created" in topics
    assert "ak.wwise.core.object.structureChanged" not in topics  # 2025.1+
    schema = waapi.call("ak.wwise.waapi.getSchema", {"uri": "ak.wwise.core.object.setName"})
    assert schema["argsSchema"]["required"] == ["object", "value"]


def test_ping_and_log(waapi: WaapiClient) -> None:
    assert waapi.call("ak.wwise.core.ping") == {"isAvailable": True}
    waapi.call("ak.wwise.core.log.addItem", {"message": "hello", "channel": "waapi", "severity": "Warning"})
    items = waapi.call("ak.wwise.core.log.get", {"channel": "waapi"})["items"]
    assert items[-1]["message"] == "hello" and items[-1]["severity"] == "Warning"
    err = error_of(waapi, "ak.wwise.core.log.get", {"channel": "nope"})
    assert err.kwargs["details"]["typeUri"] == "ak.wwise.schema_validation_failed"
