"""Conformance: undo groups really restore state; save is atomic and survives a restart."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from waapi import WaapiClient

from tests.sim.waapi_calls import MASTER_BUS, WU, by_path, connect, error_of, get
from wwiseflowd.sim import Emulator

pytestmark = pytest.mark.integration


def create(
    client: WaapiClient, name: str, type_name: str = "Sound", parent: str = WU, **extra: object
) -> dict:
    return client.call(
        "ak.wwise.core.object.create", {"parent": parent, "type": type_name, "name": name, **extra}
    )


def test_cancel_group_with_undo_reverts_every_change_including_imports(
    waapi: WaapiClient, sim: Emulator, make_wav: Callable[..., Path]
) -> None:
    keep = create(waapi, "Keep")
    before = sim.snapshot()
    wav = make_wav("boom.wav")
    waapi.call("ak.wwise.core.undo.beginGroup")
    create(waapi, "Temp", "ActorMixer", children=[{"type": "Sound", "name": "T1"}])
    waapi.call("ak.wwise.core.object.setProperty", {"object": keep["id"], "property": "Volume", "value": -9})
    waapi.call("ak.wwise.core.object.setName", {"object": keep["id"], "value": "Kept"})
    waapi.call("ak.wwise.core.object.setNotes", {"object": keep["id"], "value": "x"})
    waapi.call(
        "ak.wwise.core.object.setReference",
        {"object": keep["id"], "reference": "OutputBus", "value": MASTER_BUS},
    )
    imported = waapi.call(
        "ak.wwise.core.audio.import",
        {"imports": [{"audioFile": str(wav), "objectPath": f"{WU}\\<Sound SFX>Boom"}]},
    )
    copied = Path(imported["files"][0])
    assert copied.is_file()
    waapi.call("ak.wwise.core.object.delete", {"object": keep["id"]})
    waapi.call("ak.wwise.core.undo.cancelGroup", {"undo": True})
    assert sim.snapshot() == before
    assert not copied.exists()  # the import's copy into Originals is taken back too
    assert by_path(waapi, f"{WU}\\Keep", ["id", "Volume"]) == {"id": keep["id"], "Volume": 0}


def test_nested_groups_cancel_only_the_inner_one(waapi: WaapiClient) -> None:
    waapi.call("ak.wwise.core.undo.beginGroup")
    create(waapi, "Outer")
    waapi.call("ak.wwise.core.undo.beginGroup")
    create(waapi, "Inner")
    waapi.call("ak.wwise.core.undo.cancelGroup", {"undo": True})
    waapi.call("ak.wwise.core.undo.endGroup", {"displayName": "outer"})
    assert [r["name"] for r in get(waapi, {"ofType": ["Sound"]})] == ["Outer"]


def test_cancel_group_without_undo_keeps_the_changes(waapi: WaapiClient) -> None:
    waapi.call("ak.wwise.core.undo.beginGroup")
    create(waapi, "Stays")
    waapi.call("ak.wwise.core.undo.cancelGroup")
    assert [r["name"] for r in get(waapi, {"ofType": ["Sound"]})] == ["Stays"]


def test_group_calls_without_an_open_group_fail(waapi: WaapiClient) -> None:
    err = error_of(waapi, "ak.wwise.core.undo.endGroup", {"displayName": "x"})
    assert err.uri == "ak.wwise.invalid_arguments" and "beginGroup" in err.kwargs["message"]
    err = error_of(waapi, "ak.wwise.core.undo.endGroup")
    assert err.kwargs["message"] == "Argument displayName is required."


def test_undo_and_redo_of_a_named_group(waapi: WaapiClient) -> None:
    waapi.call("ak.wwise.core.undo.beginGroup")
    created = create(waapi, "A")
    waapi.call(
        "ak.wwise.core.object.setProperty", {"object": created["id"], "property": "Volume", "value": -1}
    )
    waapi.call("ak.wwise.core.undo.endGroup", {"displayName": "make A"})
    waapi.call("ak.wwise.core.undo.undo")
    assert get(waapi, {"ofType": ["Sound"]}) == []
    waapi.call("ak.wwise.core.undo.redo")
    assert by_path(waapi, f"{WU}\\A", ["id", "Volume"]) == {"id": created["id"], "Volume": -1}


def test_open_groups_are_cancelled_when_the_session_closes(sim: Emulator) -> None:
    first = connect(sim.url)
    first.call("ak.wwise.core.undo.beginGroup")
    first.call("ak.wwise.core.object.create", {"parent": WU, "type": "Sound", "name": "Orphan"})
    first.disconnect()
    second = connect(sim.url)
    try:
        # the group is gone: the change stays and is an ordinary undo step
        second.call("ak.wwise.core.undo.undo")
        assert get(second, {"ofType": ["Sound"]}) == []
        err = error_of(second, "ak.wwise.core.undo.endGroup", {"displayName": "x"})
        assert err.uri == "ak.wwise.invalid_arguments"
    finally:
        second.disconnect()


def test_save_then_restart_reloads_the_project(sim: Emulator, make_wav: Callable[..., Path]) -> None:
    client = connect(sim.url)
    try:
        created = create(client, "Persisted", "ActorMixer", notes="kept", **{"@Volume": -4})
        bus = create(client, "Sfx", "Bus", parent=MASTER_BUS)
        client.call(
            "ak.wwise.core.object.setReference",
            {"object": created["id"], "reference": "OutputBus", "value": bus["id"]},
        )
        wav = make_wav("kept.wav")
        client.call(
            "ak.wwise.core.audio.import",
            {"imports": [{"audioFile": str(wav), "objectPath": f"{WU}\\Persisted\\<Sound SFX>Kept"}]},
        )
        assert client.call("ak.wwise.core.getProjectInfo")["isDirty"] is True
        assert client.call("ak.wwise.core.project.save") == {}
        assert client.call("ak.wwise.core.getProjectInfo")["isDirty"] is False
        create(client, "Unsaved")
        expected = get(
            client,
            {"path": ["\\"]},
            ["id", "path", "shortId", "notes", "Volume", "OutputBus"],
            [{"select": ["descendants"]}, {"where": ["name:matches", "^(Persisted|Sfx|Kept|kept)$"]}],
        )
    finally:
        client.disconnect()
    port = sim.port
    sim.restart()
    assert sim.port == port
    client = connect(sim.url)
    try:
        after = get(
            client,
            {"path": ["\\"]},
            ["id", "path", "shortId", "notes", "Volume", "OutputBus"],
            [{"select": ["descendants"]}, {"where": ["name:matches", "^(Persisted|Sfx|Kept|kept)$"]}],
        )
        assert after == expected and len(after) == 4
        assert get(client, {"search": ["Unsaved"]}) == []  # unsaved changes are lost, as in Wwise
        source = by_path(client, f"{WU}\\Persisted\\Kept\\kept", ["originalFilePath"])
        assert Path(source["originalFilePath"]).is_file()
    finally:
        client.disconnect()


def test_save_is_atomic_and_documented_json(waapi: WaapiClient, sim: Emulator) -> None:
    create(waapi, "One")
    waapi.call("ak.wwise.core.project.save")
    files = sorted(p.name for p in sim.project_dir.iterdir() if p.is_file())
    assert files == ["WwiseProject.wsim.json"]  # no temporary file left behind
    document = json.loads((sim.project_dir / "WwiseProject.wsim.json").read_text())
    assert document["format"] == "wwiseflowd-sim-project" and document["formatVersion"] == 1
    assert document["wwiseVersion"] == "2024.1" and document["root"]["type"] == "Project"


def test_a_damaged_project_file_is_reported_with_its_path(tmp_path: Path) -> None:
    from wwiseflowd.sim.persistence import ProjectFileError

    project_dir = tmp_path / "Broken"
    project_dir.mkdir()
    (project_dir / "Broken.wsim.json").write_text("{not json")
    with pytest.raises(ProjectFileError, match="Broken.wsim.json"):
        Emulator(port=0, project_dir=project_dir).start()


GODOT = Path(__file__).resolve().parents[1] / "data/wwise-projects/godot-demo-2019.2"


def test_emulator_serves_a_real_wwise_project_for_dry_runs(tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "godot"
    shutil.copytree(GODOT, copy)
    with Emulator(port=0, project_dir=copy) as sim:
        client = connect(sim.url)
        try:
            # served as the version that saved it: 2019.2 (getProjectInfo came with 2022.1)
            assert client.call("ak.wwise.core.getInfo")["version"]["displayName"] == "v2019.2.1"
            events = get(client, {"ofType": ["Event"]}, ["name"])
            assert {"name": "Play_chimes_with_marker"} in events and len(events) == 15
            created = create(client, "DryRun", parent="\\Actor-Mixer Hierarchy\\Default Work Unit")
            assert (
                by_path(client, "\\Actor-Mixer Hierarchy\\Default Work Unit\\DryRun")["id"] == created["id"]
            )
        finally:
            client.disconnect()
    assert sorted(p.name for p in copy.glob("*.wwu")) == []  # no Wwise file written
    assert (copy / "Actor-Mixer Hierarchy" / "Default Work Unit.wwu").read_bytes() == (
        GODOT / "Actor-Mixer Hierarchy" / "Default Work Unit.wwu"
    ).read_bytes()
