"""The Wwise node types: catalog entries good enough for forms, and workflows run by the real Engine."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.wwise.conftest import MASTER, WU, settled_calls
from wwiseflowd.default_plugins.wwise.nodes import NODE_TYPES
from wwiseflowd.engine import Engine
from wwiseflowd.sim import Emulator

MUTATING = {
    "ak.wwise.core.object.create",
    "ak.wwise.core.object.set",
    "ak.wwise.core.audio.import",
    "ak.wwise.core.object.setProperty",
    "ak.wwise.core.object.setReference",
    "ak.wwise.core.project.save",
    "ak.wwise.core.object.delete",
    "ak.wwise.core.undo.beginGroup",
}
REPO = Path(__file__).resolve().parents[2]


def test_every_node_type_has_a_form_ready_schema_on_the_waapi_resource(engine: Engine) -> None:
    catalog = {entry["type"]: entry for entry in engine.catalog()}
    for spec in NODE_TYPES:
        entry = catalog[spec.type]
        assert entry["title"] and entry["description"] and entry["resource"] == "waapi"
        assert entry["plugin"] == "wwise"
        for name, field in entry["inputs"]["properties"].items():
            assert field.get("description"), f"{spec.type}.{name} has no description"
    assert catalog["queryWaql"]["readOnly"] is True
    assert catalog["createSound"]["inputs"]["required"] == ["name"]
    assert catalog["createSound"]["inputs"]["properties"]["onNameConflict"]["default"] == "merge"
    assert catalog["setOutputBus"]["inputs"]["required"] == ["objectId"]
    assert "required" not in catalog["projectSave"]["inputs"]
    assert set(catalog["audioImport"]["outputs"]) >= {"objects", "files", "failed", "objectIds"}


def four_node_case(file_path: str, bus: str = MASTER) -> dict[str, Any]:
    """The four-node case of docs/workflows.md:
    createSound -> audioImport, createSound -> setOutputBus -> projectSave."""
    return {
        "id": "four-node",
        "name": "Four node case",
        "nodes": [
            {
                "id": "n1",
                "type": "createSound",
                "position": {"x": 0, "y": 0},
                "data": {"name": "Sound1", "parentPath": WU},
            },
            {
                "id": "n2",
                "type": "audioImport",
                "data": {"objectId": "$from:n1:$output:objectId", "filePath": file_path},
            },
            {"id": "n3", "type": "setOutputBus", "data": {"busPath": bus}},
            {"id": "n4", "type": "projectSave", "data": {}},
        ],
        "edges": [
            {"id": "e1", "source": "n1", "target": "n2"},
            {"id": "e2", "source": "n1", "target": "n3"},
            {"id": "e3", "source": "n3", "target": "n4"},
            {"id": "e4", "source": "n2", "target": "n4"},
        ],
    }


def test_the_four_node_case_runs_then_reruns_fully_cached_without_mutating_calls(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    doc = four_node_case(wav("Sound1.wav"))
    first = engine.execute(doc)
    assert first.ok, first.model_dump()
    with waapi_sim.locked_project() as project:
        sound = project.find(WU + "\\Sound1")
        assert sound is not None
        assert [c.audio_file for c in sound.children] == ["SFX/Sound1.wav"]
        bus = sound.references.get("OutputBus")
        assert bus is not None and bus.path == MASTER
    assert any(c["uri"] == "ak.wwise.core.project.save" for c in settled_calls(waapi_sim))
    seen = len(settled_calls(waapi_sim))
    second = engine.execute(doc)
    assert second.ok and all(r.cached for r in second.results)
    assert not [c for c in settled_calls(waapi_sim)[seen:] if c["uri"] in MUTATING]


def test_a_cached_node_whose_object_was_deleted_runs_again(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    doc = four_node_case(wav("Sound1.wav"))
    assert engine.execute(doc).ok
    with waapi_sim.locked_project() as project:
        sound = project.find(WU + "\\Sound1")
        assert sound is not None
        project.delete(sound)
    again = engine.execute(doc)
    assert again.ok, again.model_dump()
    by_node = {r.node: r for r in again.results}
    assert by_node["n1"].cached is False and by_node["n2"].cached is False
    with waapi_sim.locked_project() as project:
        assert project.find(WU + "\\Sound1") is not None


def test_a_wav_changed_at_the_same_path_is_imported_again_in_place(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    path = wav("Sound1.wav")
    doc = four_node_case(path)
    assert engine.execute(doc).ok
    assert all(r.cached for r in engine.execute(doc).results)  # unchanged file: served from the memo
    wav("Sound1.wav", frames=960)  # a new render over the old file: other size, newer mtime
    again = engine.execute(doc)
    assert again.ok, again.model_dump()
    by_node = {r.node: r for r in again.results}
    assert by_node["n1"].cached is True and by_node["n2"].cached is False
    assert by_node["n4"].cached is False  # the project is saved again after the new audio
    with waapi_sim.locked_project() as project:
        sound = project.find(WU + "\\Sound1")
        assert sound is not None
        (source,) = [c for c in sound.children if c.type == "AudioFileSource"]  # replaced, not added
    original = Path(waapi_sim.project_dir) / "Originals" / "SFX" / "Sound1.wav"
    assert original.read_bytes() == Path(path).read_bytes()


def test_a_missing_file_stops_the_run_before_its_first_node(
    engine: Engine, waapi_sim: Emulator, tmp_path: Path
) -> None:
    before = waapi_sim.snapshot()
    result = engine.execute(four_node_case(str(tmp_path / "missing.wav")))
    assert not result.ok and result.stopAt == "n2" and not result.rolledBack  # nothing to roll back
    failed = next(r for r in result.results if r.node == "n2")
    assert failed.code == "FILE_NOT_FOUND" and "missing.wav" in (failed.error or "")
    with waapi_sim.locked_project() as project:
        assert project.find(WU + "\\Sound1") is None
    assert _objects(waapi_sim.snapshot()) == _objects(before)


def test_the_auto_import_workflow_imports_a_drop_batch(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    doc = json.loads((REPO / "config" / "workflows" / "auto-import.json").read_text())
    files = [
        {"path": wav(f"Step_0{i}.wav", sub="Foley"), "relativeDir": "Foley", "sha256": "0" * 64}
        for i in (1, 2)
    ]
    result = engine.execute(
        doc,
        {
            "files": files,
            "targetPath": WU + "\\Drops",
            "variationPattern": r"^(?P<base>.+?)[_ -](?P<index>\d{1,3})$",
        },
    )
    assert result.ok, result.model_dump()
    with waapi_sim.locked_project() as project:
        container = project.find(WU + "\\Drops\\Foley\\Step")
        assert container is not None and len(container.children) == 2


def test_project_save_can_be_switched_off_by_an_input(engine: Engine, waapi_sim: Emulator) -> None:
    doc = {
        "id": "save-maybe",
        "inputs": {"save": {"type": "boolean"}},
        "nodes": [{"id": "s", "type": "projectSave", "data": {"enabled": "$input:save"}}],
        "edges": [],
    }
    result = engine.execute(doc, {"save": False})
    assert result.ok and result.results[0].data == {"saved": False}
    assert not any(c["uri"] == "ak.wwise.core.project.save" for c in settled_calls(waapi_sim))


def _objects(snapshot: dict[str, Any]) -> str:
    """The project tree of a snapshot, without volatile bookkeeping."""
    return json.dumps({k: v for k, v in snapshot.items() if k not in ("savedAt", "dirty")}, sort_keys=True)


def test_a_connection_dropped_mid_run_fails_with_unavailable_and_the_next_run_recovers(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    doc = four_node_case(wav("Sound1.wav"))
    engine.backend("wwise").connect()
    waapi_sim.faults.drop_after = 4  # beginGroup, get parent, create, get import target, then drop
    started = time.monotonic()
    broken = engine.execute(doc)
    assert time.monotonic() - started < 10
    assert not broken.ok
    failed = next(r for r in broken.results if not r.ok)
    assert failed.code == "WAAPI_UNAVAILABLE"
    again = engine.execute(doc)
    assert again.ok, again.model_dump()
    with waapi_sim.locked_project() as project:
        sound = project.find(WU + "\\Sound1")
        assert sound is not None and len(sound.children) == 1
