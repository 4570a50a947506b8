"""The seed's own example graph and plain cycles compile as a first-time user expects.

The seed wrote createSound -> audioImport with ``filePath`` and an edge but no ``objectId``: the
import's chosen mode (one file) needs ``objectId``, so the edge wires it. Real built-in node types.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wwiseflowd.compiler import compile_workflow
from wwiseflowd.config import settings_for_tests
from wwiseflowd.engine import Engine
from wwiseflowd.plugins import Plugins
from wwiseflowd.registry import Registry
from wwiseflowd.sim import Emulator

ASSET = Path(__file__).resolve().parents[2] / "config" / "workflows" / "assets" / "Footstep_01.wav"
WU = "\\Actor-Mixer Hierarchy\\Default Work Unit"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Plugins().load(entry_points=False).registry()


def seed_graph(file: str) -> dict[str, Any]:
    return {
        "id": "seed",
        "nodes": [
            {"id": "n1", "type": "createSound", "data": {"name": "Seed_Sound", "parentPath": WU}},
            {"id": "n2", "type": "audioImport", "data": {"filePath": file}},
        ],
        "edges": [{"id": "e1", "source": "n1", "target": "n2"}],
    }


def test_the_seed_graph_wires_the_object_id_its_single_file_import_needs(registry: Registry) -> None:
    result = compile_workflow(seed_graph(str(ASSET)), registry)
    assert result.ok, result.data
    assert result.data["steps"][1]["data"] == {
        "filePath": str(ASSET), "objectId": "$from:n1:$output:objectId"}


def test_a_node_that_chose_no_mode_is_not_wired_into_one(registry: Registry) -> None:
    document = seed_graph(str(ASSET))
    document["nodes"][1]["data"] = {}
    errors = compile_workflow(document, registry).data["errors"]
    assert [(e["nodeId"], e["code"]) for e in errors] == [("n2", "INVALID_INPUT")]
    assert "nothing to import" in errors[0]["message"]


def test_two_sources_for_the_mode_input_stay_ambiguous(registry: Registry) -> None:
    document = seed_graph(str(ASSET))
    document["nodes"].insert(1, {"id": "n0", "type": "createSound",
                                 "data": {"name": "Other", "parentPath": WU}})
    document["edges"].append({"id": "e0", "source": "n0", "target": "n2"})
    errors = compile_workflow(document, registry).data["errors"]
    assert [(e["nodeId"], e["field"], e["code"]) for e in errors] == [("n2", "objectId", "AMBIGUOUS_WIRING")]


def test_a_plain_cycle_is_reported_as_the_cycle_not_as_a_reference(registry: Registry) -> None:
    bus = "\\Master-Mixer Hierarchy\\Default Work Unit\\Master Audio Bus"
    document = {
        "id": "loop",
        "nodes": [{"id": "a", "type": "setOutputBus", "data": {"busPath": bus}},
                  {"id": "b", "type": "setOutputBus", "data": {"busPath": bus}}],
        "edges": [{"id": "ab", "source": "a", "target": "b"}, {"id": "ba", "source": "b", "target": "a"}],
    }
    errors = compile_workflow(document, registry).data["errors"]
    assert errors[0]["code"] == "CYCLE_DETECTED" and errors[0]["nodes"] == ["a", "b"]
    assert "INVALID_REFERENCE" not in [e["code"] for e in errors]
    assert not any("$from:" in e["message"] for e in errors)  # nothing was auto-wired along the loop


@pytest.mark.integration
def test_the_seed_graph_runs_against_the_emulator(waapi_sim: Emulator, tmp_path: Path) -> None:
    settings = settings_for_tests(tmp_path, wwise={"url": waapi_sim.url, "connect_timeout": 5})
    with Engine(settings, Plugins().load(entry_points=False)) as engine:
        result = engine.execute(seed_graph(str(ASSET)))
    assert result.ok, result.model_dump()
    with waapi_sim.locked_project() as project:
        sound = project.find(WU + "\\Seed_Sound")
        assert sound is not None and [c.audio_file for c in sound.children] == ["SFX/Footstep_01.wav"]
