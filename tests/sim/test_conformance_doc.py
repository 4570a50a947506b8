"""docs/emulator.md's conformance table is what the catalogue and the emulator say today."""

from __future__ import annotations

from pathlib import Path

from wwiseflowd.sim import catalogue
from wwiseflowd.sim.conformance import BEGIN, END, render
from wwiseflowd.sim.schemas import FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]


def test_the_conformance_table_in_the_docs_is_current() -> None:
    doc = (ROOT / "docs/emulator.md").read_text(encoding="utf-8")
    table = doc[doc.index(BEGIN):doc.index(END) + len(END)]
    assert table == render(ROOT / "tests" / "sim"), "run: python -m wwiseflowd.sim.conformance > and paste"


def test_every_emulated_function_is_a_real_one_of_the_versions_it_claims() -> None:
    live = catalogue.functions("2024.1")
    assert set(FUNCTIONS) <= live  # nothing invented
    # ping first answers in 2024.1: the live 2021.1, 2022.1 and 2023.1 lists lack it
    with_ping = [v for v in catalogue.versions() if "ak.wwise.core.ping" in catalogue.functions(v)]
    assert with_ping == ["2024.1", "2025.1"]
    assert "ak.wwise.core.object.set" not in catalogue.functions("2021.1")
    assert "ak.wwise.core.object.setStateGroups" in catalogue.functions("2023.1")
    assert "ak.wwise.core.blendContainer.addTrack" not in catalogue.functions("2023.1")
    assert "ak.wwise.console.project.open" in catalogue.functions("2023.1")  # gone in 2024.1
    assert "ak.wwise.console.project.open" not in catalogue.functions("2024.1")
    assert [v for v in catalogue.versions() if catalogue.from_documentation(v)] == ["2019.2"]
    assert "ak.wwise.core.object.structureChanged" in catalogue.topics("2025.1")
    assert "ak.wwise.core.object.structureChanged" not in catalogue.topics("2024.1")
