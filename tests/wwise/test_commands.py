"""Every Wwise bus command through the real command bus, against the emulator: success and failure."""

from __future__ import annotations

from collections.abc import Callable

from tests.wwise.conftest import MASTER, WU, settled_calls
from wwiseflowd.engine import Engine
from wwiseflowd.results import ErrorCode
from wwiseflowd.sim import Emulator


def test_create_sound_returns_its_id_name_and_path(engine: Engine, waapi_sim: Emulator) -> None:
    result = engine.command("create_sound", {"name": "Footstep", "parentPath": WU})
    assert result.ok, result.error
    assert result.data["path"] == WU + "\\Footstep" and result.data["name"] == "Footstep"
    with waapi_sim.locked_project() as project:
        made = project.find(result.data["objectId"])
        assert made is not None and made.type == "Sound"


def test_create_sound_merges_by_default_and_fails_or_renames_on_request(engine: Engine) -> None:
    first = engine.command("create_sound", {"name": "Hit", "parentPath": WU})
    again = engine.command("create_sound", {"name": "Hit", "parentPath": WU})
    assert again.data["objectId"] == first.data["objectId"]
    clash = engine.command("create_sound", {"name": "Hit", "parentPath": WU, "onNameConflict": "fail"})
    assert clash.code == ErrorCode.NAME_CONFLICT and "onNameConflict" in (clash.error or "")
    renamed = engine.command("create_sound", {"name": "Hit", "parentPath": WU, "onNameConflict": "rename"})
    assert (
        renamed.ok and renamed.data["name"] != "Hit" and renamed.data["path"].endswith(renamed.data["name"])
    )


def test_create_sound_under_a_missing_parent_is_object_not_found(engine: Engine) -> None:
    result = engine.command("create_sound", {"name": "X", "parentPath": WU + "\\Nope"})
    assert result.code == ErrorCode.OBJECT_NOT_FOUND and "parent" in (result.error or "")


def test_invalid_names_are_refused_before_any_call(engine: Engine, waapi_sim: Emulator) -> None:
    before = len(settled_calls(waapi_sim))
    result = engine.command("create_sound", {"name": "bad/name", "parentPath": WU})
    assert result.code == ErrorCode.INVALID_INPUT and "/" in (result.error or "")
    assert len(settled_calls(waapi_sim)) == before


def test_create_object_with_properties_and_an_illegal_child_type(engine: Engine, waapi_sim: Emulator) -> None:
    made = engine.command(
        "create_object",
        {"type": "ActorMixer", "name": "Weapons", "parentPath": WU, "properties": {"Volume": -6}},
    )
    assert made.ok, made.error
    with waapi_sim.locked_project() as project:
        obj = project.find(made.data["objectId"])
        assert obj is not None and obj.properties.get("Volume") == -6
    illegal = engine.command("create_object", {"type": "Bus", "name": "B", "parentPath": made.data["path"]})
    assert illegal.code == ErrorCode.INVALID_INPUT and "Bus" in (illegal.error or "")


def test_set_output_bus_routes_and_ticks_override(engine: Engine, waapi_sim: Emulator) -> None:
    sound = engine.command("create_sound", {"name": "Routed", "parentPath": WU}).data
    music = engine.command("create_object", {"type": "Bus", "name": "Music", "parentPath": MASTER}).data
    result = engine.command("set_output_bus", {"objectId": sound["objectId"], "busPath": music["path"]})
    assert result.ok, result.error
    assert result.data == {
        "objectId": sound["objectId"],
        "objectIds": [sound["objectId"]],
        "busPath": music["path"],
    }
    with waapi_sim.locked_project() as project:
        obj = project.find(sound["objectId"])
        assert obj is not None
        bus = obj.references.get("OutputBus")
        assert bus is not None and bus.id == music["objectId"]
        assert obj.properties.get("OverrideOutput") is True


def test_set_output_bus_refuses_a_missing_bus_and_a_non_bus(engine: Engine) -> None:
    sound = engine.command("create_sound", {"name": "S", "parentPath": WU}).data
    missing = engine.command("set_output_bus", {"objectId": sound["objectId"], "busPath": MASTER + "\\Nope"})
    assert missing.code == ErrorCode.OBJECT_NOT_FOUND and "bus" in (missing.error or "")
    not_bus = engine.command("set_output_bus", {"objectId": sound["objectId"], "busPath": WU})
    assert not_bus.code == ErrorCode.INVALID_INPUT and "not a Bus" in (not_bus.error or "")
    nothing = engine.command("set_output_bus", {"busPath": MASTER})
    assert nothing.code == ErrorCode.INVALID_INPUT and "objectId" in (nothing.error or "")


def test_set_property_sets_and_reports_unknown_properties_and_objects(
    engine: Engine, waapi_sim: Emulator
) -> None:
    sound = engine.command("create_sound", {"name": "P", "parentPath": WU}).data
    ok = engine.command("set_property", {"objectId": sound["path"], "property": "Volume", "value": -12})
    assert ok.ok and ok.data["value"] == -12
    with waapi_sim.locked_project() as project:
        obj = project.find(sound["objectId"])
        assert obj is not None and obj.properties["Volume"] == -12
    bad = engine.command("set_property", {"objectId": sound["path"], "property": "Volumee", "value": 1})
    assert bad.code == ErrorCode.INVALID_INPUT and "Volumee" in (bad.error or "")
    gone = engine.command("set_property", {"objectId": WU + "\\Gone", "property": "Volume", "value": 1})
    assert gone.code == ErrorCode.OBJECT_NOT_FOUND


def test_set_reference_points_at_an_object_and_fails_for_a_missing_target(
    engine: Engine, waapi_sim: Emulator
) -> None:
    sound = engine.command("create_sound", {"name": "R", "parentPath": WU}).data
    ok = engine.command(
        "set_reference", {"objectId": sound["objectId"], "reference": "OutputBus", "value": MASTER}
    )
    assert ok.ok, ok.error
    with waapi_sim.locked_project() as project:
        obj = project.find(sound["objectId"])
        assert obj is not None and obj.references["OutputBus"] is not None
    missing = engine.command(
        "set_reference", {"objectId": sound["objectId"], "reference": "OutputBus", "value": MASTER + "\\Nope"}
    )
    assert missing.code == ErrorCode.OBJECT_NOT_FOUND


def test_query_waql_returns_rows_and_explains_a_bad_query(engine: Engine) -> None:
    engine.command("create_sound", {"name": "Footstep_A", "parentPath": WU})
    engine.command("create_sound", {"name": "Door", "parentPath": WU})
    rows = engine.command("query_waql", {"waql": '$ from type Sound where name : "footstep"'})
    assert rows.ok and rows.data["count"] == 1 and rows.data["objects"][0]["name"] == "Footstep_A"
    bad = engine.command("query_waql", {"waql": "$ from tpye Sound"})
    assert bad.code == ErrorCode.INVALID_INPUT and "from tpye" in (bad.error or "")
    assert (bad.error or "").count("rejected") == 1, bad.error  # said once, not "rejected ...: rejected"


def test_create_event_makes_one_play_event_per_target(engine: Engine, waapi_sim: Emulator) -> None:
    a = engine.command("create_sound", {"name": "A", "parentPath": WU}).data
    b = engine.command("create_sound", {"name": "B", "parentPath": WU}).data
    result = engine.command("create_event", {"objectIds": [a["objectId"], b["path"]]})
    assert result.ok, result.error
    assert [e["name"] for e in result.data["events"]] == ["Play_A", "Play_B"]
    with waapi_sim.locked_project() as project:
        event = project.find(result.data["eventIds"][0])
        assert event is not None and event.type == "Event"
        (action,) = event.children
        target = action.references["Target"]
        assert action.properties["ActionType"] == 1 and target is not None and target.id == a["objectId"]
    again = engine.command("create_event", {"objectId": a["objectId"]})  # merge: no duplicate
    assert again.data["eventIds"][0] == result.data["eventIds"][0]
    missing = engine.command("create_event", {"objectId": WU + "\\Nope"})
    assert missing.code == ErrorCode.OBJECT_NOT_FOUND


def test_project_save_writes_to_disk_and_can_be_switched_off(engine: Engine, waapi_sim: Emulator) -> None:
    engine.command("create_sound", {"name": "Saved", "parentPath": WU})
    calls = len(settled_calls(waapi_sim))
    off = engine.command("project_save", {"enabled": False})
    assert off.ok and off.data == {"saved": False} and len(settled_calls(waapi_sim)) == calls
    saved = engine.command("project_save", {})
    assert saved.ok and saved.data["saved"] is True
    assert any(c["uri"] == "ak.wwise.core.project.save" for c in settled_calls(waapi_sim))
    waapi_sim.faults.fail("ak.wwise.core.project.save", "ak.wwise.file_error")
    failed = engine.command("project_save", {})
    assert failed.code == ErrorCode.WAAPI_ERROR and "Saving" in (failed.error or "")


def test_get_object_reports_existence(engine: Engine) -> None:
    assert engine.command("get_object", {"objectId": WU}).data["exists"] is True
    assert engine.command("get_object", {"objectId": WU + "\\No"}).code == ErrorCode.OBJECT_NOT_FOUND


def test_commands_fail_with_unavailable_when_wwise_is_down(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    waapi_sim.stop()
    result = engine.command("create_sound", {"name": "X", "parentPath": WU})
    assert result.code == ErrorCode.WAAPI_UNAVAILABLE and waapi_sim.url in (result.error or "")
    imported = engine.command("audio_import", {"files": [wav("a.wav")], "targetPath": WU})
    assert imported.code == ErrorCode.WAAPI_UNAVAILABLE
