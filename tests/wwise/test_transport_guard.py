"""Strings WAAPI's transport cannot carry are refused at the bus, before they reach the connection."""

from __future__ import annotations

import json

import pytest

from tests.wwise.conftest import WU
from wwiseflowd.bus import unsafe_string
from wwiseflowd.engine import Engine
from wwiseflowd.sim import Emulator


def _two_sounds(second_name: str) -> dict[str, object]:
    return {
        "id": "two-sounds",
        "nodes": [
            {"id": "n1", "type": "createSound", "data": {"name": "Kept", "parentPath": WU}},
            {"id": "n2", "type": "createSound", "data": {"name": second_name, "parentPath": WU}},
        ],
        "edges": [{"id": "e1", "source": "n1", "target": "n2"}],
    }


@pytest.mark.parametrize("bad", ["\x00Evil", "Ev\x01il", "Evil\x7f"])
def test_a_control_character_fails_the_node_with_invalid_input_and_the_run_is_undone(
    engine: Engine, waapi_sim: Emulator, bad: str
) -> None:
    engine.backend("wwise").connect()
    result = engine.execute(_two_sounds(bad))
    assert not result.ok and result.stopAt == "n2" and result.rolledBack
    failed = next(r for r in result.results if r.node == "n2")
    assert failed.code == "INVALID_INPUT" and "'name'" in (failed.error or "")
    assert "control character" in (failed.error or "")
    with waapi_sim.locked_project() as project:
        assert project.find(WU + "\\Kept") is None  # the first node's change was undone
    assert engine.backend("wwise").connected  # the session was never put at risk
    assert all("\x00" not in json.dumps(call.get("args")) for call in list(waapi_sim.calls))


def test_tabs_and_newlines_are_fine_and_nested_fields_are_named() -> None:
    assert unsafe_string({"notes": "line 1\nline 2\tend\r\n"}) is None
    assert unsafe_string({"objects": [{"name": "ok"}, {"name": "\x00"}]}) == ("objects[1].name", "\x00", 0)
    assert unsafe_string({"a\x1fb": 1}) == ("a\x1fb", "\x1f", 1)
