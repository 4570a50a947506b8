"""Pre-flight: what would fail is found before the first node changes the project."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.wwise.conftest import MASTER, WU, settled_calls
from tests.wwise.test_nodes import four_node_case
from wwiseflowd.default_plugins.wwise.wav import write_wav
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


def _unreadable(kind: str, tmp_path: Path, wav: Callable[..., str]) -> tuple[Path, str]:
    """A ``*.wav`` the run cannot read, for root too, and the words its sentence must hold."""
    path = tmp_path / "audio" / f"Locked_{kind}.wav"
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "socket":  # exists, but open() fails with ENXIO whoever asks
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()
        return path, "is a socket, not a regular file"
    if kind == "fifo":  # opening it for reading would wait for a writer
        os.mkfifo(path)
        return path, "named pipe (FIFO), not a regular file"
    if kind == "dangling link":  # a render target that was moved away
        path.symlink_to(tmp_path / "gone" / "render.wav")
        return path, "does not exist"
    Path(wav(path.name)).chmod(0)
    return path, "cannot be read (permission denied)"


@pytest.mark.parametrize("kind", ["socket", "fifo", "dangling link", "permissions"])
def test_an_unreadable_file_is_reported_before_anything_changes(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str], tmp_path: Path, kind: str
) -> None:
    if kind == "permissions" and os.geteuid() == 0:
        pytest.skip("root reads a mode-000 file; covered as root by the next test (without DAC override)")
    path, words = _unreadable(kind, tmp_path, wav)
    result = engine.execute(four_node_case(str(path)))
    assert result.code == "FILE_NOT_FOUND" and words in (result.error or ""), result.error
    assert "before its first node" in (result.error or "")
    assert mutating_calls(waapi_sim) == set()


@pytest.mark.skipif(os.geteuid() != 0, reason="as any other user the permissions case above runs")
def test_a_file_its_user_may_not_read_is_refused_even_when_run_as_root(tmp_path: Path) -> None:
    """As root, the check runs in a child without the capabilities that let root read any file
    (util-linux's setpriv): what a daemon meets when it may not read a render."""
    locked, fine = write_wav(tmp_path / "Locked.wav"), write_wav(tmp_path / "Fine.wav")
    locked.chmod(0)
    code = ("import sys; from wwiseflowd.preflight import file_problem; "
            "print(file_problem(sys.argv[1])); print(file_problem(sys.argv[2]))")
    child = subprocess.run(
        ["setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search",
         sys.executable, "-c", code, str(locked), str(fine)],
        capture_output=True, text=True, timeout=60,
    )
    assert child.returncode == 0, child.stderr
    locked_answer, fine_answer = child.stdout.splitlines()
    assert "cannot be read (permission denied)" in locked_answer and fine_answer == "None"


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


def test_a_missing_event_target_or_referenced_object_stops_the_run_before_anything_changes(
    engine: Engine, waapi_sim: Emulator
) -> None:
    def flow(last: dict[str, Any]) -> dict[str, Any]:
        return {"id": "late-failure", "nodes": [
            {"id": "a", "type": "createSound", "data": {"parentPath": WU, "name": "Early"}}, last,
        ], "edges": [{"id": "e", "source": "a", "target": last["id"]}]}

    event = flow({"id": "ev", "type": "createEvent", "data": {"objectId": [WU + "\\Nope"]}})
    reference = flow({"id": "ref", "type": "setReference", "data": {
        "objectId": "$from:a:$output:objectId", "reference": "Attenuation",
        "value": "\\Attenuations\\Default Work Unit\\Nope"}})
    for document, node in ((event, "ev"), (reference, "ref")):
        result = engine.execute(document)
        error = result.error or ""
        assert (result.code, result.stopAt, result.rolledBack) == ("OBJECT_NOT_FOUND", node, False), error
        assert "Nope does not exist" in error and "before its first node" in error
    assert mutating_calls(waapi_sim) == set()


def test_values_from_earlier_steps_are_predicted_so_later_checks_still_run(
    engine: Engine, waapi_sim: Emulator
) -> None:
    def flow(bus: str) -> dict[str, Any]:
        return {"id": "chain", "nodes": [
            {"id": "mixer", "type": "createObject",
             "data": {"parentPath": WU, "type": "ActorMixer", "name": "Mx"}},
            {"id": "sound", "type": "createSound",
             "data": {"parentPath": "$from:mixer:$output:path", "name": "S"}},
            {"id": "route", "type": "setOutputBus", "data": {"objectId": "$from:sound:$output:objectId",
                                                            "busPath": bus}},
        ], "edges": [{"id": "e1", "source": "mixer", "target": "sound"},
                     {"id": "e2", "source": "sound", "target": "route"}]}

    typo = engine.execute(flow(MASTER + "_Typo"))
    assert (typo.code, typo.stopAt) == ("OBJECT_NOT_FOUND", "route"), typo.error
    assert mutating_calls(waapi_sim) == set()  # the mixer and the sound were never created
    assert engine.execute(flow(MASTER)).ok  # predicted paths are not mistaken for missing objects


def test_a_workflow_input_of_the_wrong_kind_fails_before_the_first_node(
    engine: Engine, waapi_sim: Emulator
) -> None:
    document = {"id": "named", "inputs": {"second": {"type": "string"}}, "nodes": [
        {"id": "a", "type": "createSound", "data": {"parentPath": WU, "name": "First"}},
        {"id": "b", "type": "createSound", "data": {"parentPath": WU, "name": "$input:second"}},
    ], "edges": [{"id": "e", "source": "a", "target": "b"}]}
    result = engine.execute(document, {"second": ""})
    assert (result.code, result.stopAt) == ("INVALID_INPUT", "b"), result.error
    assert "input 'name'" in (result.error or "") and "before its first node" in (result.error or "")
    assert mutating_calls(waapi_sim) == set()


def test_a_step_naming_many_objects_looks_them_up_at_once_and_still_names_the_missing_one(
    engine: Engine, waapi_sim: Emulator
) -> None:
    sounds = [WU + f"\\Many_{i:02d}" for i in range(20)]
    for sound in sounds:
        assert engine.command("create_sound", {"name": sound.rpartition("\\")[2], "parentPath": WU}).ok
    engine.backend("wwise").connect()

    def route(objects: list[str]) -> dict[str, Any]:
        data = {"objectId": objects, "busPath": MASTER}
        return {"id": "route", "nodes": [{"id": "bus", "type": "setOutputBus", "data": data}], "edges": []}

    start = len(settled_calls(waapi_sim))
    assert engine.execute(route(sounds)).ok
    uris = [c["uri"] for c in settled_calls(waapi_sim)[start:]]
    before_group = uris[: uris.index("ak.wwise.core.undo.beginGroup")]
    assert before_group.count("ak.wwise.core.object.get") <= 2, before_group  # the 20 Sounds at once, the bus

    missing = [*sounds[:10], WU + "\\Many_Typo", *sounds[10:]]
    result = engine.execute(route(missing))
    assert (result.code, result.stopAt) == ("OBJECT_NOT_FOUND", "bus"), result.error
    assert "Many_Typo does not exist" in (result.error or "")
