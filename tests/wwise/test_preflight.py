"""Pre-flight: what would fail is found before the first node changes the project."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.wwise.conftest import MASTER, WU, settled_calls
from tests.wwise.test_nodes import four_node_case
from wwiseflowd.engine import Engine
from wwiseflowd.sim import Emulator

MUTATING = {"ak.wwise.core.object.create", "ak.wwise.core.audio.import", "ak.wwise.core.object.setReference",
            "ak.wwise.core.undo.beginGroup", "ak.wwise.core.project.save"}


def mutating_calls(sim: Emulator) -> set[str]:
    return {c["uri"] for c in settled_calls(sim)} & MUTATING


def test_a_missing_bus_stops_the_run_before_the_sound_is_created(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    result = engine.execute(four_node_case(wav("Sound1.wav"), bus=MASTER + "_Typo"))
    assert (result.code, result.stopAt, result.rolledBack) == ("OBJECT_NOT_FOUND", "n3", False)
    error = result.error or ""
    assert "bus \\Master-Mixer Hierarchy" in error and "before its first node" in error
    assert mutating_calls(waapi_sim) == set()
    with waapi_sim.locked_project() as project:
        assert project.find(WU + "\\Sound1") is None


def test_a_missing_parent_is_reported_but_one_an_earlier_step_creates_is_not(
    engine: Engine, waapi_sim: Emulator
) -> None:
    def flow(first_parent: str) -> dict[str, Any]:
        return {"id": "nested", "nodes": [
            {"id": "a", "type": "createObject",
             "data": {"parentPath": first_parent, "type": "ActorMixer", "name": "Mixer"}},
            {"id": "b", "type": "createSound", "data": {"parentPath": WU + "\\Mixer", "name": "Inside"}},
        ], "edges": [{"id": "e", "source": "a", "target": "b"}]}

    missing = engine.execute(flow(WU + "\\Nowhere"))
    assert (missing.code, missing.stopAt) == ("OBJECT_NOT_FOUND", "a") and "Nowhere" in (missing.error or "")
    assert mutating_calls(waapi_sim) == set()
    assert engine.execute(flow(WU)).ok  # b's parent does not exist yet, but a creates it


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file: permissions cannot be tested")
def test_an_unreadable_file_is_reported_before_anything_changes(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    path = Path(wav("Locked.wav"))
    path.chmod(0)
    result = engine.execute(four_node_case(str(path)))
    assert result.code == "FILE_NOT_FOUND" and "cannot be read" in (result.error or "")
    assert mutating_calls(waapi_sim) == set()


def test_a_batch_with_one_missing_file_still_imports_the_others(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str], tmp_path: Path
) -> None:
    doc = {"id": "batch", "nodes": [{"id": "imp", "type": "audioImport", "data": {
        "files": [wav("Good.wav"), str(tmp_path / "Gone.wav")], "targetPath": WU + "\\Batch"}}], "edges": []}
    result = engine.execute(doc)
    assert result.ok, result.error
    assert [f["file"].rsplit("/", 1)[-1] for f in result.results[0].data["failed"]] == ["Gone.wav"]
    doc["nodes"][0]["data"]["files"] = [str(tmp_path / "Gone.wav")]
    none_there = engine.execute({**doc, "id": "batch2"})
    assert none_there.code == "FILE_NOT_FOUND" and "none of its 1 file(s)" in (none_there.error or "")
