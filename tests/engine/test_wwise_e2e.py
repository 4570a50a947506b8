"""The engine end to end: the shipped four-node workflow against the WAAPI emulator over a real socket.

Real waapi-client, real WebSocket, real emulator project (saved to disk), the built-in Wwise plugin.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.wwise.conftest import settled_calls
from wwiseflowd.cli import main
from wwiseflowd.config import settings_for_tests
from wwiseflowd.engine import Engine
from wwiseflowd.plugins import Plugins
from wwiseflowd.sim import Emulator

REPO = Path(__file__).resolve().parents[2]
FOUR_NODE = REPO / "config" / "workflows" / "four-node.json"
WU = "\\Actor-Mixer Hierarchy\\Default Work Unit"
MASTER = "\\Master-Mixer Hierarchy\\Default Work Unit\\Master Audio Bus"
READS = {"ak.wwise.core.getInfo", "ak.wwise.core.object.get", "ak.wwise.waapi.getSchema",
         "ak.wwise.core.getProjectInfo", "ak.soundengine.getState", "ak.wwise.core.ping"}
UNDO = ("ak.wwise.core.undo.beginGroup", "ak.wwise.core.undo.endGroup", "ak.wwise.core.undo.cancelGroup")

pytestmark = pytest.mark.integration


@pytest.fixture
def engine(waapi_sim: Emulator, tmp_path: Path) -> Iterator[Engine]:
    settings = settings_for_tests(
        tmp_path,
        wwise={"url": waapi_sim.url, "connect_timeout": 5, "call_timeout": 5, "reconnect_max_delay": 0.5},
        engine={"retry_base_ms": 50, "retry_max_ms": 200},
    )
    plugins = Plugins().load(entry_points=False)
    try:  # the first-party audioCheck plugin (installed with the dev set-up) for checked-import.json
        import wwiseflowd_audiocheck

        plugins.register(wwiseflowd_audiocheck, "audiocheck")
    except ImportError:
        pass
    with Engine(settings, plugins) as running:
        yield running


def four_node() -> dict[str, Any]:
    return dict(json.loads(FOUR_NODE.read_text()))


def inputs(file: Path | str) -> dict[str, Any]:
    return {"file": str(file), "name": "Footstep_01"}


def tree(sim: Emulator) -> str:
    return json.dumps({k: v for k, v in sim.snapshot().items() if k not in ("savedAt", "dirty")},
                      sort_keys=True)


ASSET = REPO / "config" / "workflows" / "assets" / "Footstep_01.wav"


def test_four_node_workflow_creates_imports_routes_and_saves(engine: Engine, waapi_sim: Emulator) -> None:
    result = engine.execute(four_node(), inputs(ASSET))
    assert result.ok, result.model_dump()
    assert [r.node for r in result.results] == ["create", "import", "bus", "save"]
    with waapi_sim.locked_project() as project:
        sound = project.find(WU + "\\Footstep_01")
        assert sound is not None and sound.type == "Sound"
        assert [c.audio_file for c in sound.children] == ["SFX/Footstep_01.wav"]
        bus = sound.references.get("OutputBus")
        assert bus is not None and bus.path == MASTER
    saved = list(waapi_sim.project_dir.glob("*.wsim.json"))
    assert len(saved) == 1 and "Footstep_01" in saved[0].read_text()
    uris = [c["uri"] for c in settled_calls(waapi_sim)]
    assert uris.count("ak.wwise.core.undo.beginGroup") == 1 and uris.count("ak.wwise.core.undo.endGroup") == 1


def test_running_it_again_is_fully_cached_and_makes_no_mutating_call(
    engine: Engine, waapi_sim: Emulator
) -> None:
    assert engine.execute(four_node(), inputs(ASSET)).ok
    before = len(settled_calls(waapi_sim))
    again = engine.execute(four_node(), inputs(ASSET))
    assert again.ok and [r.cached for r in again.results] == [True, True, True, True]
    new = {c["uri"] for c in settled_calls(waapi_sim)[before:]}
    assert new <= READS, f"mutating calls on a cached re-run: {new - READS}"


def test_a_missing_file_is_found_before_the_first_node_and_nothing_changes(
    engine: Engine, waapi_sim: Emulator, tmp_path: Path
) -> None:
    before = tree(waapi_sim)
    result = engine.execute(four_node(), inputs(tmp_path / "missing.wav"))
    assert (result.ok, result.stopped, result.stopAt, result.rolledBack) == (False, True, "import", False)
    by_node = {r.node: r for r in result.results}
    assert by_node["import"].code == "FILE_NOT_FOUND" and "missing.wav" in (by_node["import"].error or "")
    assert result.code == "FILE_NOT_FOUND" and "before its first node" in (result.error or "")
    assert by_node["create"].skipped and by_node["save"].skipped  # pre-flight: not even createSound ran
    assert tree(waapi_sim) == before
    uris = [c["uri"] for c in settled_calls(waapi_sim)]
    assert "ak.wwise.core.undo.beginGroup" not in uris and "ak.wwise.core.object.create" not in uris
    # after fixing the input, the run goes through: nothing from the failed run was memoised
    fixed = engine.execute(four_node(), inputs(ASSET))
    assert fixed.ok and not any(r.cached for r in fixed.results)


def test_concurrent_runs_take_turns_with_their_undo_groups(engine: Engine, waapi_sim: Emulator) -> None:
    ids = [engine.submit(four_node(), {"file": str(ASSET), "name": f"Sound_{i}"}) for i in range(3)]
    results = [engine.wait(i, timeout=30) for i in ids]
    assert all(r is not None and r.ok for r in results), [r.model_dump() if r else None for r in results]
    undo = [c["uri"] for c in settled_calls(waapi_sim) if c["uri"] in UNDO]
    assert undo == [UNDO[0], UNDO[1]] * 3  # begin, end, begin, end: never two groups open at once


def test_a_connection_dropped_mid_run_recovers_or_fails_unavailable_never_hangs(
    engine: Engine, waapi_sim: Emulator
) -> None:
    assert engine.execute({"id": "warm", "nodes": [{"id": "q", "type": "queryWaql",
                                                     "data": {"waql": '$ "\\Actor-Mixer Hierarchy"'}}]}).ok
    waapi_sim.faults.drop_after = 2  # the third call from now goes unanswered and its socket dies
    done = threading.Event()
    box: dict[str, Any] = {}

    def run() -> None:
        box["result"] = engine.execute(four_node(), inputs(ASSET))
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(60), "the run hung after the connection dropped"
    result = box["result"]
    assert "ak.wwise.core.undo.beginGroup" in [c["uri"] for c in settled_calls(waapi_sim)]
    print("outcome after the drop:", result.ok, result.code, result.error)
    if result.ok:
        with waapi_sim.locked_project() as project:
            assert project.find(WU + "\\Footstep_01") is not None
    else:
        assert result.code == "WAAPI_UNAVAILABLE", result.model_dump()


def test_cli_exec_simulate_runs_the_shipped_example_then_serves_it_from_the_memo(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a free port: the same emulator URL (backend identity) twice
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "wwiseflowd.toml"
    config.write_text(f'[paths]\nstate_dir = "{(tmp_path / "state").as_posix()}"\n'
                      f'plugins_dir = "{(tmp_path / "plugins").as_posix()}"\n'
                      f'[wwise]\nurl = "ws://127.0.0.1:{port}/waapi"\n')

    def exec_json() -> dict[str, Any]:
        result = CliRunner().invoke(main, ["--config", str(config), "exec", "--simulate", "--json",
                                           str(FOUR_NODE)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return dict(json.loads(result.stdout))

    first = exec_json()
    assert first["ok"] and not any(r["cached"] for r in first["results"])
    saved = list((tmp_path / "state" / "sim-project").glob("*.wsim.json"))
    assert saved and "Footstep_01" in saved[0].read_text()
    again = exec_json()
    assert again["ok"] and all(r["cached"] for r in again["results"])


def test_cli_exec_exits_1_when_wwise_is_not_there(tmp_path: Path) -> None:
    config = tmp_path / "wwiseflowd.toml"
    config.write_text(f'[paths]\nstate_dir = "{(tmp_path / "state").as_posix()}"\n'
                      f'plugins_dir = "{(tmp_path / "plugins").as_posix()}"\n'
                      '[wwise]\nurl = "ws://127.0.0.1:9/waapi"\nconnect_timeout = 1\n'
                      '[engine]\nretries = 1\nretry_base_ms = 10\n')
    result = CliRunner().invoke(main, ["--config", str(config), "exec", "--json", str(FOUR_NODE)],
                                catch_exceptions=False)
    assert result.exit_code == 1
    execution = json.loads(result.stdout)
    assert execution["stopAt"] == "create" and execution["code"] == "WAAPI_UNAVAILABLE"


@pytest.mark.parametrize("name", ["four-node", "ui-sound-with-event", "checked-import"])
def test_every_shipped_example_workflow_runs_against_the_emulator(engine: Engine, name: str) -> None:
    if name == "checked-import":
        pytest.importorskip("wwiseflowd_audiocheck")
    document = json.loads((REPO / "config" / "workflows" / f"{name}.json").read_text())
    assets = REPO / "config" / "workflows" / "assets"
    given_by_name: dict[str, dict[str, Any]] = {
        "checked-import": {"files": [str(assets / "Footstep_01.wav"), str(assets / "Footstep_02.wav")]},
        "ui-sound-with-event": {"file": str(assets / "UI_Click.wav")},
        "four-node": inputs(ASSET),
    }
    given = given_by_name[name]
    result = engine.execute(document, given)
    assert result.ok, result.model_dump()
