"""The emulator on real (and generated) Wwise projects of every modelled version, over a real socket.

Real projects: tests/data/wwise-projects/godot-demo-2019.2 (2019.2.1) and pywwise-2023.1 (2023.1.5).
2021.1, 2022.1, 2024.1 and 2025.1 are derived from them (no public project of those versions was at
hand; tests/sim/derived_projects.py says what the derivation changes).
"""

from __future__ import annotations

import shutil
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from waapi import WaapiClient, WaapiRequestFailed

from tests.sim.derived_projects import REAL, project_dir
from tests.sim.waapi_calls import connect, error_of
from wwiseflowd.sim import Emulator, catalogue
from wwiseflowd.sim.persistence import ProjectFileError

VERSIONS = ["2019.2", "2021.1", "2022.1", "2023.1", "2024.1", "2025.1"]


def _xml_object_count(folder: Path) -> int:
    """Objects of the Project Explorer tree: Work Units and what their ChildrenLists nest (objects
    inside other lists, e.g. music transitions, are not part of the tree)."""
    ids: set[str] = set()

    def walk(element: ET.Element) -> None:
        ids.add(element.get("ID", "").upper())
        for child in element.findall("./ChildrenList/*"):
            if child.get("ID"):
                walk(child)

    for path in folder.rglob("*.wwu"):
        for unit in ET.parse(path).getroot().iter("WorkUnit"):
            walk(unit)
    return len(ids)


@pytest.fixture
def served(request: pytest.FixtureRequest, tmp_path: Path,
           derived_projects: dict[str, Path]) -> Iterator[tuple[Emulator, WaapiClient]]:
    """A copy of the version's project served by an emulator that picks its version from the .wproj."""
    copy = tmp_path / "project"
    shutil.copytree(project_dir(request.param, derived_projects), copy)
    with Emulator(port=0, project_dir=copy) as sim:
        client = connect(sim.url)
        try:
            yield sim, client
        finally:
            client.disconnect()


@pytest.mark.parametrize("served", VERSIONS, indirect=True)
def test_each_project_is_served_as_the_wwise_version_that_saved_it(
    served: tuple[Emulator, WaapiClient],
) -> None:
    sim, client = served
    wproj = next(sim.project_dir.glob("*.wproj"))
    saved_by = ET.parse(wproj).getroot().get("WwiseVersion", "")
    info = client.call("ak.wwise.core.getInfo")
    assert info["version"]["displayName"] == saved_by
    version = f"{info['version']['year']}.{info['version']['major']}"
    functions = client.call("ak.wwise.waapi.getFunctions")["functions"]
    assert sorted(functions) == sorted(catalogue.functions(version))
    assert sorted(client.call("ak.wwise.waapi.getTopics")["topics"]) == sorted(catalogue.topics(version))
    # every object of the XML tree is there, plus the Project and one root per category folder
    roots = len([d for d in sim.project_dir.iterdir() if d.is_dir() and any(d.rglob("*.wwu"))])
    expected = _xml_object_count(sim.project_dir) + roots + 1
    with sim.locked_project() as project:
        assert len(project) == expected
    if version != "2019.2":  # and WAQL sees them all (2019.2 has no WAQL)
        assert len(client.call("ak.wwise.core.object.get", {"waql": "$ from project"})["return"]) == expected
    units = client.call("ak.wwise.core.object.get", {"from": {"ofType": ["WorkUnit"]}})["return"]
    assert len(units) == len(list(sim.project_dir.rglob("*.wwu")))


@pytest.mark.parametrize("served", ["2025.1"], indirect=True)
def test_a_2025_project_takes_a_sound_under_containers(served: tuple[Emulator, WaapiClient]) -> None:
    sim, client = served
    mixer = "Default Work Unit\\VirtualFolder_Test\\ActorMixer_Test"  # an ActorMixer in the 2023.1 source
    created = client.call("ak.wwise.core.object.create", {
        "parent": f"\\Containers\\{mixer}", "type": "Sound", "name": "Reload"})
    row = client.call("ak.wwise.core.object.get", {"waql": f'$ "{created["id"]}"'},
                      options={"return": ["path", "parent.type", "OutputBus.name"]})["return"][0]
    assert row == {"path": f"\\Containers\\{mixer}\\Reload",
                   "parent.type": "PropertyContainer", "OutputBus.name": "Master"}
    old_name = client.call("ak.wwise.core.object.get", {
        "waql": f'$ "\\Actor-Mixer Hierarchy\\{mixer}\\Reload"'})["return"]
    assert old_name == [{"id": created["id"], "name": "Reload"}]  # 2025.1 still answers the old root name
    units = client.call("ak.wwise.core.getProjectInfo")["defaultWorkUnits"]
    assert "Containers" in units and "Actor-Mixer Hierarchy" not in units


@pytest.mark.parametrize("served", ["2019.2"], indirect=True)
def test_a_2019_project_answers_as_2019(served: tuple[Emulator, WaapiClient]) -> None:
    sim, client = served
    assert error_of(client, "ak.wwise.core.getProjectInfo").uri == "ak.wwise.invalid_procedure_uri"
    err = error_of(client, "ak.wwise.core.object.get", {"waql": "$ from type Sound"})
    assert err.kwargs["details"]["typeUri"] == "ak.wwise.schema_validation_failed"
    assert error_of(client, "ak.wwise.core.project.save", {"autoCheckOutToSourceControl": True}).kwargs[
        "details"]["argumentName"] == "autoCheckOutToSourceControl"
    queries = client.call("ak.wwise.core.object.get", {"from": {"ofType": ["Query"]}},
                          options={"return": ["name", "ObjectType"]})["return"]
    assert len(queries) == 46 and {"name": "Audio Source - Format = Vorbis", "ObjectType": 300} in queries


def test_the_version_can_be_forced_and_unknown_versions_are_refused(tmp_path: Path) -> None:
    copy = tmp_path / "godot"
    shutil.copytree(REAL["2019.2"], copy)
    with Emulator(port=0, project_dir=copy, version="2024.1") as sim:
        client = connect(sim.url)
        try:
            assert client.call("ak.wwise.core.getInfo")["version"]["year"] == 2024
            assert client.call("ak.wwise.core.getProjectInfo")["name"] == "gdnative-demo-wwise-project"
        finally:
            client.disconnect()
    wproj = copy / "gdnative-demo-wwise-project.wproj"
    wproj.write_text(wproj.read_text(encoding="utf-8").replace('WwiseVersion="v2019.2.1"',
                                                               'WwiseVersion="v2018.1.11"'), encoding="utf-8")
    with pytest.raises(ProjectFileError) as refused:
        Emulator(port=0, project_dir=copy).start()
    assert "saved by Wwise 2018.1.11" in str(refused.value) and "2019.2, 2021.1" in str(refused.value)
    assert "--wwise-version" in str(refused.value)


def test_real_functions_not_emulated_differ_from_unknown_ones(waapi: WaapiClient) -> None:
    not_emulated = error_of(waapi, "ak.wwise.core.transport.create", {"object": "\\Events"})
    unknown = error_of(waapi, "ak.wwise.core.transport.teleport")
    assert not_emulated.uri == "ak.wwise.emulator.not_emulated" and not_emulated.kwargs["details"][
        "emulated"] is False
    assert unknown.uri == "ak.wwise.invalid_procedure_uri"
    # a function newer than the emulated version (2024.1) is unknown there
    assert error_of(waapi, "ak.wwise.core.mediaPool.get").uri == "ak.wwise.invalid_procedure_uri"


def test_clients_can_subscribe_to_every_real_topic(waapi: WaapiClient) -> None:
    for topic in ("ak.wwise.core.object.attenuationCurveChanged", "ak.wwise.core.transport.stateChanged",
                  "ak.wwise.core.soundbank.generationDone", "ak.wwise.core.profiler.stateChanged",
                  "ak.wwise.ui.selectionChanged"):
        handler = waapi.subscribe(topic, lambda **kwargs: None)
        assert handler is not None, topic
        assert handler.unsubscribe()
    refused = error_of_subscribe(waapi, "ak.wwise.core.object.structureChanged")  # 2025.1 only
    assert refused


def error_of_subscribe(client: WaapiClient, topic: str) -> bool:
    """True when subscribing to ``topic`` is refused."""
    from waapi import WaapiRequestFailed

    try:
        client.subscribe(topic, lambda **kwargs: None)
    except WaapiRequestFailed as exc:
        return exc.kwargs.get("message") == "The topic URI is unknown."
    return False


# 2021.1: derived from the 2019.2 project, whose Sounds have AudioFileSources (PyWwise's have none);
# originalWavFilePath is that era's name (2022.1 renamed it originalFilePath)
@pytest.mark.parametrize("served", ["2021.1"], indirect=True)
def test_return_fields_answer_or_fail_loudly(served: tuple[Emulator, WaapiClient]) -> None:
    sim, client = served
    sources = client.call("ak.wwise.core.object.get", {"waql": "$ from type AudioFileSource take 1"},
                          options={"return": ["originalWavFilePath", "parent.sound:originalWavFilePath",
                                              "parent.activeSource.name", "name"]})["return"]
    row = sources[0]
    assert row["originalWavFilePath"].endswith(".wav") and row["originalWavFilePath"].startswith(
        str(sim.project_dir / "Originals"))
    assert row["parent.sound:originalWavFilePath"] == row["originalWavFilePath"]
    assert row["parent.activeSource.name"] == row["name"]
    err = error_of(client, "ak.wwise.core.object.get", {"waql": "$ from type Sound"},
                   {"return": ["name", "duration"]})
    assert err.uri == "ak.wwise.emulator.not_emulated" and err.kwargs["details"]["accessor"] == "duration"
    queries = client.call("ak.wwise.core.object.get", {"waql": "$ from type Query"})["return"]
    assert queries, "Query objects are queryable by type"


def test_a_stopping_emulator_closes_its_project_for_its_subscribers(tmp_path: Path) -> None:
    heard: list[str] = []
    with Emulator(port=0, project_dir=tmp_path / "WwiseProject") as sim:
        client = connect(sim.url)
        try:
            for topic in ("ak.wwise.core.project.preClosed", "ak.wwise.core.project.postClosed"):
                client.subscribe(topic, lambda topic=topic, **kwargs: heard.append(topic.rsplit(".", 1)[1]))
            sim.stop()
            deadline = time.monotonic() + 10
            while len(heard) < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            client.disconnect()
    assert heard == ["preClosed", "postClosed"]


def test_a_topic_the_emulator_does_not_model_takes_the_options_wwise_checks(waapi: WaapiClient) -> None:
    # transport.stateChanged is real but never published here; its options are Wwise's schema, unknown
    # to the emulator, so they are accepted instead of refusing a client that Wwise would accept
    handler = waapi.subscribe("ak.wwise.core.transport.stateChanged", lambda **kwargs: None, {"transport": 1})
    assert handler is not None and handler.unsubscribe()
    with pytest.raises(WaapiRequestFailed) as refused:  # a modelled topic still checks its options
        waapi.subscribe("ak.wwise.core.object.nameChanged", lambda **kwargs: None, {"transport": 1})
    assert refused.value.kwargs["details"]["argumentName"] == "transport"


@pytest.mark.parametrize("served", ["2021.1", "2024.1"], indirect=True)
def test_the_original_file_accessor_is_named_as_the_version_names_it(
    served: tuple[Emulator, WaapiClient],
) -> None:
    sim, client = served
    renamed = sim.version.year >= 2022  # 2022.1 migration notes: originalWavFilePath -> originalFilePath
    current, old = ("originalFilePath", "originalWavFilePath") if renamed else (
        "originalWavFilePath", "originalFilePath")
    rows = client.call("ak.wwise.core.object.get", {"waql": "$ from type Sound take 1"},
                       options={"return": ["name", current]})["return"]
    assert rows and set(rows[0]) <= {"name", current}
    err = error_of(client, "ak.wwise.core.object.get", {"waql": "$ from type Sound take 1"},
                   {"return": ["name", old]})
    assert err.uri == "ak.wwise.invalid_options" and old in err.kwargs["message"]
