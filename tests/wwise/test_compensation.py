"""A run whose connection drops mid-way is undone by compensation after reconnecting.

Wwise (and the emulator) keep the changes of a client that disconnects with an open undo group;
``rolledBack`` must be true only when the project reads back exactly as before the run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.wwise.conftest import MASTER, WU, settled_calls
from tests.wwise.test_nodes import four_node_case
from wwiseflowd.engine import Engine
from wwiseflowd.executions import ExecutionResult
from wwiseflowd.sim import Emulator


def _tree(sim: Emulator, *, values: bool = True) -> str:
    """The project tree; without ``values``, stored property values are left out (a restored default
    is stored explicitly by the emulator, where Wwise reads it back the same either way)."""
    snapshot = {k: v for k, v in sim.snapshot().items() if k not in ("savedAt", "dirty")}
    text = json.dumps(snapshot, sort_keys=True)
    return text if values else re.sub(r'"properties": \{[^{}]*\}, ', "", text)


def _volume(engine: Engine, ref: str) -> object:
    found = engine.command("query_waql", {"waql": f'$ "{ref}"', "returnFields": ["@Volume"]})
    assert found.ok, found.error
    rows = found.data if isinstance(found.data, list) else found.data["objects"]
    return rows[0]["@Volume"]


def _every_step_done(result: ExecutionResult) -> bool:
    """Late enough, the drop comes after the run's last step (it hits the group's end)."""
    return all(r.ok for r in result.results)


def _edit_then_create(target: str) -> dict[str, Any]:
    """Change an existing object's Volume, create a Sound under it, then import (the drop comes here)."""
    return {
        "id": "edit-then-create",
        "nodes": [
            {"id": "vol", "type": "setProperty",
             "data": {"objectId": target, "property": "Volume", "value": -6}},
            {"id": "new", "type": "createSound", "data": {"name": "Fresh", "parentPath": target}},
            {"id": "bus", "type": "setOutputBus",
             "data": {"objectId": "$from:new:$output:objectId", "busPath": MASTER}},
        ],
        "edges": [
            {"id": "e1", "source": "vol", "target": "new"},
            {"id": "e2", "source": "new", "target": "bus"},
        ],
    }


def test_a_dropped_connection_is_undone_by_compensation_and_reported_rolled_back(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    engine.backend("wwise").connect()
    before = _tree(waapi_sim)
    waapi_sim.faults.drop_after = 4  # beginGroup, get parent, create, get import target, then drop
    broken = engine.execute(four_node_case(wav("Sound1.wav")))
    assert not broken.ok and broken.rolledBack, broken.model_dump()
    assert _tree(waapi_sim) == before  # the Sound the first node created is gone again
    with waapi_sim.locked_project() as project:
        assert project.find(WU + "\\Sound1") is None


def test_changed_values_are_restored_and_created_objects_deleted(engine: Engine, waapi_sim: Emulator) -> None:
    created = engine.command("create_object", {"parentPath": WU, "type": "ActorMixer", "name": "Mixer"})
    assert created.ok, created.error
    target = WU + "\\Mixer"
    engine.backend("wwise").connect()
    before, volume = _tree(waapi_sim, values=False), _volume(engine, target)
    calls = len(waapi_sim.calls)
    broken = None
    for drop_after in range(3, 14):  # interrupt the run at every call in turn
        waapi_sim.faults.drop_after = drop_after
        broken = engine.execute(_edit_then_create(target))
        waapi_sim.faults.clear()
        if _every_step_done(broken):
            break
        # dropped before any node changed something (pre-flight lookups, opening the undo group):
        # nothing to undo; otherwise the run is rolled back
        changed = any(r.ok and not r.cached for r in broken.results)
        assert broken.rolledBack or not changed, (drop_after, broken.error)
        assert _tree(waapi_sim, values=False) == before, drop_after
        assert _volume(engine, target) == volume, drop_after
    # the group could not be ended: the run is not ok (a drop batch waits and reconciles), nothing
    # was undone, and Wwise kept the changes as ordinary edits
    assert broken is not None and not broken.ok and not broken.rolledBack, broken.model_dump()
    assert broken.code == "WAAPI_UNAVAILABLE" and "undo group could not be closed" in (broken.error or "")
    assert _volume(engine, target) == -6
    with waapi_sim.locked_project() as project:
        assert project.find(target + "\\Fresh") is not None
    assert len(waapi_sim.calls) > calls


def test_when_wwise_does_not_come_back_the_run_is_not_reported_rolled_back(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    engine.backend("wwise").connect()
    engine.backend("wwise").compensation_wait_s = 0.5
    waapi_sim.faults.drop_after = 4
    waapi_sim.faults.fail("ak.wwise.core.getInfo")  # every reconnection attempt fails its handshake
    broken = engine.execute(four_node_case(wav("Sound1.wav")))
    assert not broken.ok and not broken.rolledBack
    assert "could not be reached again" in json.dumps(broken.model_dump())


def test_a_platform_specific_value_is_restored_for_its_platform(engine: Engine, waapi_sim: Emulator) -> None:
    created = engine.command("create_object", {"parentPath": WU, "type": "ActorMixer", "name": "PerPlatform"})
    assert created.ok, created.error
    target = WU + "\\PerPlatform"
    engine.backend("wwise").connect()
    volume = _volume(engine, target)
    document = _edit_then_create(target)
    document["nodes"][0]["data"]["platform"] = "Windows"
    rolled_back = 0
    for drop_after in range(3, 14):
        waapi_sim.faults.drop_after = drop_after
        broken = engine.execute(document)
        waapi_sim.faults.clear()
        if _every_step_done(broken):
            break
        changed = any(r.ok and not r.cached for r in broken.results)
        assert broken.rolledBack or not changed, (drop_after, broken.error)  # was always false before
        rolled_back += broken.rolledBack
        assert _volume(engine, target) == volume, drop_after
    assert rolled_back, "no drop landed after the platform value was set"


def _sources(engine: Engine, sound: str) -> list[dict[str, Any]]:
    found = engine.command("query_waql", {"waql": f'$ "{sound}" select children',
                                          "returnFields": ["name", "type", "originalFilePath"]})
    assert found.ok, found.error
    rows = found.data if isinstance(found.data, list) else found.data["objects"]
    return [r for r in rows if r.get("type") == "AudioFileSource"]


def test_audio_a_reimport_deleted_is_put_back_when_the_run_is_undone_by_hand(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    """A re-import replaces a Sound's audio and deletes the old source. When the connection drops
    after that, compensation imports the old audio again from the copy kept before the delete; the
    run is not reported rolled back (the source has a new id) and the error says so."""
    door = WU + "\\Door"
    old, new = wav("Door_Old.wav", frames=480), wav("Door_New.wav", frames=960)
    assert engine.command("create_sound", {"name": "Door", "parentPath": WU}).ok
    assert engine.command("audio_import", {"objectId": door, "filePath": old}).ok
    engine.backend("wwise").connect()
    document = {"id": "reimport", "nodes": [  # the drop can land on the step after the import
        {"id": "imp", "type": "audioImport", "data": {"objectId": door, "filePath": new}},
        {"id": "vol", "type": "setProperty", "data": {"objectId": door, "property": "Volume", "value": -3}},
    ], "edges": [{"id": "e", "source": "imp", "target": "vol"}]}
    put_back = 0
    for drop_after in range(2, 20):
        waapi_sim.faults.drop_after = drop_after
        broken = engine.execute(document, force=True)
        waapi_sim.faults.clear()
        if _every_step_done(broken):
            break
        sources = _sources(engine, door)
        assert [s["name"] for s in sources] == ["Door_Old"], (drop_after, sources, broken.error)
        with open(sources[0]["originalFilePath"], "rb") as kept, open(old, "rb") as original:
            assert kept.read() == original.read(), drop_after  # the old audio itself is back
        if "put back" in (broken.error or ""):
            put_back += 1
            assert not broken.rolledBack and "new id" in (broken.error or ""), broken.error
    assert put_back, "no drop landed after the old source was deleted"


def _chunked_import(files: list[str], target: str, chunk: int | None, folders: int = 0) -> dict[str, Any]:
    """One batch import of ``files`` into ``target``, ``chunk`` files per call (None: calls sized by
    time); with ``folders``, the files come from that many sub-folders in turn (mirrored under the
    target)."""
    entries = [{"path": f, "relativeDir": f"Sub{i % folders}" if folders else ""}
               for i, f in enumerate(files)]
    data: dict[str, Any] = {"files": entries, "targetPath": target}
    if chunk is not None:
        data["chunkSize"] = chunk
    return {
        "id": "chunked-import",
        "nodes": [{"id": "import", "type": "audioImport", "data": data}],
        "edges": [],
    }


def test_a_chunked_import_into_a_new_folder_is_rolled_back_when_the_connection_drops_between_chunks(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    files = [wav(f"Chunk_{i}.wav") for i in range(5)]
    engine.backend("wwise").connect()
    before = _tree(waapi_sim)
    imports_before_a_drop = []
    for drop_after in range(4, 20):  # interrupt the run at every call in turn
        start = len(settled_calls(waapi_sim))
        waapi_sim.faults.drop_after = drop_after
        broken = engine.execute(_chunked_import(files, WU + "\\Fresh\\Deeper", 2))
        waapi_sim.faults.clear()
        if _every_step_done(broken):
            break
        assert broken.rolledBack, (drop_after, broken.error)
        assert _tree(waapi_sim) == before, (drop_after, broken.model_dump())
        calls = settled_calls(waapi_sim)[start:]
        imports_before_a_drop.append(sum(c["uri"] == "ak.wwise.core.audio.import" for c in calls))
    # the Sounds of the chunks imported before the drop (the folders with them) were deleted again
    assert max(imports_before_a_drop) >= 2, imports_before_a_drop


def test_an_import_sized_by_time_is_rolled_back_when_the_connection_drops_at_any_of_its_calls(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    files = [wav(f"Grow_{i}.wav") for i in range(14)]
    adapter = engine.backend("wwise")
    adapter.connect()
    # a first call of one file, then calls growing within a budget no call here comes near: 1, 10, 3
    adapter.import_chunk_size, adapter.import_call_budget_s = 1, 60.0
    before = _tree(waapi_sim)
    imports_before_a_drop = []
    for drop_after in range(4, 30):  # interrupt the run at every call in turn
        start = len(settled_calls(waapi_sim))
        waapi_sim.faults.drop_after = drop_after
        broken = engine.execute(_chunked_import(files, WU + "\\Grown\\Deeper", None))
        waapi_sim.faults.clear()
        calls = settled_calls(waapi_sim)[start:]
        imports = [c for c in calls if c["uri"] == "ak.wwise.core.audio.import"]
        if _every_step_done(broken):
            break
        assert broken.rolledBack, (drop_after, broken.error)
        assert _tree(waapi_sim) == before, (drop_after, broken.model_dump())
        imports_before_a_drop.append(len(imports))
    assert _every_step_done(broken) and not broken.rolledBack, broken.error  # the drop hit endGroup
    assert [c["argBytes"] < imports[1]["argBytes"] for c in imports] == [True, False, True], imports
    # the drop landed after each of the three differently sized calls in turn
    assert max(imports_before_a_drop) == 3, imports_before_a_drop


def test_the_record_before_an_import_looks_each_missing_folder_up_once_not_once_per_file(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    files = [wav(f"Many_{i}.wav") for i in range(12)]
    engine.backend("wwise").connect()
    start = len(settled_calls(waapi_sim))
    done = engine.execute(_chunked_import(files, WU + "\\Fresh\\Deeper", 6))
    assert done.ok, done.error
    calls = settled_calls(waapi_sim)[start:]
    missing = [c for c in calls if c["uri"] == "ak.wwise.core.object.get" and c["error"]]
    # the target Fresh\Deeper (once: the record knows it is missing), then Fresh: never once per file
    assert len(missing) == 2, [c["uri"] for c in calls]


def test_an_import_into_existing_mirrored_folders_is_rolled_back_and_recorded_with_few_look_ups(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    first = [wav(f"Old_{i}.wav", sub="a") for i in range(8)]
    assert engine.execute(_chunked_import(first, WU + "\\Mirror", 4, folders=4)).ok  # the folders exist now
    files = [wav(f"New_{i}.wav", sub="b") for i in range(8)]
    before = _tree(waapi_sim)
    for drop_after in range(4, 7):  # interrupt the second import at its look-ups and both chunks
        waapi_sim.faults.drop_after = drop_after
        broken = engine.execute(_chunked_import(files, WU + "\\Mirror", 4, folders=4))
        waapi_sim.faults.clear()
        assert not broken.ok and broken.rolledBack, (drop_after, broken.error)
        assert _tree(waapi_sim) == before, drop_after
    start = len(settled_calls(waapi_sim))
    assert engine.execute(_chunked_import(files, WU + "\\Mirror", 4, folders=4)).ok
    calls = settled_calls(waapi_sim)[start:]
    looked_up = [c for c in calls if c["uri"] == "ak.wwise.core.object.get"]
    # pre-flight, target, its Sounds, one record for the chunks' common parent, the read-back
    assert len(looked_up) <= 5, [c["uri"] for c in calls]


def _bus_of(engine: Engine, ref: str) -> object:
    found = engine.command("query_waql", {"waql": f'$ "{ref}"', "returnFields": ["@OutputBus"]})
    assert found.ok, found.error
    rows = found.data if isinstance(found.data, list) else found.data["objects"]
    bus = rows[0].get("@OutputBus")
    return bus.get("id") if isinstance(bus, dict) else bus


def test_one_write_to_many_existing_objects_is_recorded_in_one_look_up_and_undone(
    engine: Engine, waapi_sim: Emulator
) -> None:
    """Routing 30 existing Sounds is one ``object.set``; the values it changes are read before it in
    one look-up (not one per Sound), and restored when the connection drops at any call after it."""
    assert engine.command("create_object", {"parentPath": MASTER, "type": "Bus", "name": "Elsewhere"}).ok

    def routing(prefix: str) -> tuple[list[str], dict[str, Any]]:
        sounds = [WU + f"\\{prefix}_{i:02d}" for i in range(30)]
        for sound in sounds:
            assert engine.command("create_sound", {"name": sound.rpartition("\\")[2], "parentPath": WU}).ok
        bus = {"objectId": sounds, "busPath": MASTER + "\\Elsewhere"}
        volume = {"objectId": sounds[0], "property": "Volume", "value": -3}
        return sounds, {"id": f"route-{prefix}", "nodes": [
            {"id": "bus", "type": "setOutputBus", "data": bus},
            {"id": "vol", "type": "setProperty", "data": volume},
        ], "edges": [{"id": "e", "source": "bus", "target": "vol"}]}

    engine.backend("wwise").connect()
    _, probe = routing("Probe")  # the same run on other Sounds: where its undo group starts
    start = len(settled_calls(waapi_sim))
    assert engine.execute(probe).ok
    uris = [c["uri"] for c in settled_calls(waapi_sim)[start:]]
    group = uris[uris.index("ak.wwise.core.undo.beginGroup"):uris.index("ak.wwise.core.object.set")]
    # one record of the 30 Sounds' routing before the write, never 30 (the other: the bus)
    assert group.count("ak.wwise.core.object.get") == 2, group
    sounds, document = routing("Routed")
    buses = [_bus_of(engine, s) for s in sounds]
    first_write = uris.index("ak.wwise.core.object.set")
    for drop_after in range(first_write + 1, len(uris) - 1):  # after the routing, up to the group's end
        waapi_sim.faults.drop_after = drop_after
        broken = engine.execute(document)
        waapi_sim.faults.clear()
        assert not broken.ok and broken.rolledBack, (drop_after, broken.error)
        assert [_bus_of(engine, s) for s in sounds] == buses, drop_after
    assert engine.execute(document).ok
    assert [_bus_of(engine, s) for s in sounds] != buses  # the completed run did route them


def test_writes_to_objects_the_run_imported_need_no_record_and_are_still_undone(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    """Routing the Sounds a chunked import just created reads nothing first (compensation deletes
    them), and a drop at any call of the run still leaves the project as it was."""

    def routed_import(target: str) -> dict[str, Any]:
        assert engine.command("create_object", {"parentPath": WU, "type": "Folder", "name": target}).ok
        document = _chunked_import([wav(f"{target}{i}x.wav") for i in range(6)], WU + "\\" + target, 2)
        document["nodes"][0]["data"]["outputBus"] = MASTER
        return document

    engine.backend("wwise").connect()
    probe = routed_import("Probe")  # the same run into another folder: its calls
    start = len(settled_calls(waapi_sim))
    assert engine.execute(probe).ok
    uris = [c["uri"] for c in settled_calls(waapi_sim)[start:]]
    group = uris[uris.index("ak.wwise.core.undo.beginGroup"):uris.index("ak.wwise.core.undo.endGroup")]
    assert group.count("ak.wwise.core.object.set") == 3, group  # the routing, in the import's chunks
    # look-ups of the target, the bus and what is under the target, then the read-back: 5, where a
    # record of each routing chunk made it 8
    assert group.count("ak.wwise.core.object.get") == 5, group
    document, before = routed_import("Fresh"), _tree(waapi_sim)
    for drop_after in range(uris.index("ak.wwise.core.undo.beginGroup") + 1, len(uris) - 1):
        waapi_sim.faults.drop_after = drop_after
        broken = engine.execute(document)
        waapi_sim.faults.clear()
        assert not broken.ok and broken.rolledBack, (drop_after, broken.error)
        assert _tree(waapi_sim) == before, drop_after


def test_an_import_into_a_new_folder_never_lists_the_full_folder_above_it_and_is_still_undone(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before an import the record lists what is under its files' folder; a folder the import will
    create is only found absent (its parent may hold the whole project: 70,000 Sounds in the soak)."""
    from wwiseflowd.default_plugins.wwise.compensation import ChangeLog

    for i in range(40):
        assert engine.command("create_sound", {"name": f"Old_{i:02d}", "parentPath": WU}).ok
    asked: list[str] = []
    recording = ChangeLog.before

    def before(self: ChangeLog, uri: str, args: dict[str, Any], call: Any) -> None:
        def spy(u: str, a: dict[str, Any], o: dict[str, Any] | None) -> Any:
            asked.append(str(a.get("waql", u)))
            return call(u, a, o)
        recording(self, uri, args, spy)

    monkeypatch.setattr(ChangeLog, "before", before)
    files = [wav(f"Brand_{i}.wav") for i in range(4)]
    engine.backend("wwise").connect()
    before_tree = _tree(waapi_sim)
    # dropped: the pre-write record's look-up, the first import call, the second, the read-back
    for drop_after in (3, 4, 5, 6):
        waapi_sim.faults.drop_after = drop_after
        broken = engine.execute(_chunked_import(files, WU + "\\Brand\\New", 2))
        waapi_sim.faults.clear()
        assert not broken.ok and broken.rolledBack, (drop_after, broken.error)
        assert _tree(waapi_sim) == before_tree, drop_after
    assert asked and not [q for q in asked if q.startswith(f'$ "{WU}" select descendants')], asked
    assert engine.execute(_chunked_import(files, WU + "\\Brand\\New", 2)).ok


def test_a_connection_lost_during_the_pre_write_record_refuses_the_write_and_keeps_the_new_session(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    """The record's read reconnects (reads are retried once); the write it was for must then be
    refused as "undo group gone", not sent on the abandoned session (whose failure dropped the new,
    healthy one and made compensation connect yet again)."""
    files = [wav(f"Lost_{i}.wav") for i in range(2)]
    link = engine.backend("wwise")
    link.connect()
    before_tree = _tree(waapi_sim)
    generation = link._generation
    waapi_sim.faults.drop_after = 3  # pre-flight, undo group, target: the record's look-up is dropped
    broken = engine.execute(_chunked_import(files, WU + "\\Lost\\Here", 1))
    waapi_sim.faults.clear()

    assert not broken.ok and broken.rolledBack, broken.error
    assert "undo group is gone" in (broken.error or ""), broken.error
    assert link._generation == generation + 1  # one reconnect, kept for the rollback
    assert _tree(waapi_sim) == before_tree
