"""audioCheck inside real workflows: discovered by entry point, compiled and run by the Engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from wwiseflowd.config import settings_for_tests
from wwiseflowd.engine import Engine
from wwiseflowd.plugins import Plugins

MakeWav = Callable[..., Path]


def check_node(node_id: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": node_id, "type": "audioCheck", "position": {"x": 0, "y": 0}, "data": data}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    plugins = Plugins().load(builtins=False)  # audiocheck through its installed entry point only
    with Engine(settings_for_tests(tmp_path), plugins=plugins) as eng:
        yield eng


def test_workflow_input_files_are_checked_and_the_report_is_the_node_output(
    engine: Engine, wav: MakeWav
) -> None:
    flow = {"id": "qc", "inputs": {"files": {"type": "array"}},
            "nodes": [check_node("qc", {"files": "$input:files", "sampleRates": [48000]})], "edges": []}
    files = [str(wav("a.wav")), str(wav("b.wav"))]
    result = engine.execute(flow, {"files": files})
    assert result.ok, result.model_dump()
    [step] = result.results
    assert step.data["files"] == files
    assert [r["ok"] for r in step.data["report"]] == [True, True]


def test_a_failing_check_stops_the_run_at_that_node_with_invalid_audio(
    engine: Engine, wav: MakeWav
) -> None:
    flow = {"id": "qc", "nodes": [check_node("qc", {"filePath": str(wav("lofi.wav", rate=22050)),
                                                     "sampleRates": [48000]})], "edges": []}
    result = engine.execute(flow)
    assert (result.ok, result.stopAt) == (False, "qc")
    [step] = result.results
    assert step.code == "INVALID_AUDIO"
    assert "lofi.wav: sample rate 22050 Hz is not allowed" in (step.error or "")


def test_checks_chain_through_output_references(engine: Engine, wav: MakeWav) -> None:
    good, loud = str(wav("good.wav")), str(wav("loud.wav", lambda t, c: 0.99))
    flow = {
        "id": "two-stage",
        "nodes": [
            check_node("format", {"files": [good, loud], "failOnError": False}),
            check_node("levels", {"files": "$from:format:$output:files", "maxPeakDbfs": -1.0,
                                  "failOnError": False}),
        ],
        "edges": [{"id": "e1", "source": "format", "target": "levels"}],
    }
    result = engine.execute(flow)
    assert result.ok, result.model_dump()
    levels = next(r for r in result.results if r.node == "levels")
    assert levels.data["files"] == [good] and levels.data["failed"] == [loud]


@pytest.mark.integration
def test_check_gates_an_import_into_the_emulated_wwise_project(
    wav: MakeWav, tmp_path: Path, waapi_sim: Any
) -> None:
    good, lofi = str(wav("Footstep_01.wav")), str(wav("Footstep_02.wav", rate=22050))
    flow = {
        "id": "checked-import", "inputs": {"files": {"type": "array"}},
        "nodes": [
            check_node("qc", {"files": "$input:files", "sampleRates": [48000], "failOnError": False}),
            {"id": "import", "type": "audioImport",
             "data": {"files": "$from:qc:$output:files",
                      "targetPath": "\\Actor-Mixer Hierarchy\\Default Work Unit"}},
        ],
        "edges": [{"id": "e1", "source": "qc", "target": "import"}],
    }
    settings = settings_for_tests(tmp_path, wwise={"url": waapi_sim.url})
    with Engine(settings) as engine:
        result = engine.execute(flow, {"files": [good, lofi]})
    assert result.ok, result.model_dump()
    imported = next(r for r in result.results if r.node == "import")
    assert [f["file"] for f in imported.data["files"]] == [good]
    assert any(call["uri"] == "ak.wwise.core.audio.import" for call in waapi_sim.calls)
