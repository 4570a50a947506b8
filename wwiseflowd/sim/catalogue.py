"""The real WAAPI catalogue of each emulated Wwise version: every function and topic Wwise offers.

``waapi_catalogue.json`` holds, per version, the function and topic URIs and where the list came
from: live ``getFunctions``/``getTopics`` output for 2021.1 to 2025.1, the SDK documentation index
for 2019.2 (docs/waapi-notes.md, "The WAAPI catalogue"). A URI in
the catalogue that the emulator does not implement answers a *not emulated* error; a URI outside
it is *unknown*, as in Wwise.

A documentation-derived list may miss entries, so a function the emulator implements is added to
it when the live lists on both sides of the version hold it (the next one only, for the oldest)
and its documented first version is not later (``FunctionSpec.since``, e.g. ``object.set`` in
2022.1). A live list is taken as it is.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any


@cache
def _document() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(__file__).with_name("waapi_catalogue.json").read_text("utf-8"))
    return data


def versions() -> tuple[str, ...]:
    """Every Wwise version the catalogue (and so the emulator) models, oldest first."""
    return tuple(_document()["versions"])


def source(version: str) -> str:
    """Where the list of ``version`` came from."""
    text: str = _document()["sources"][version]
    return text


def from_documentation(version: str) -> bool:
    """True when ``version``'s list was extracted from the SDK documentation, not from a live Wwise."""
    return version in _document()["documentationDerived"]


def _key(version: str) -> tuple[int, int]:
    year, major = version.split(".")[:2]
    return int(year), int(major)


def _live_neighbours(version: str) -> list[str]:
    """The nearest earlier and later versions whose lists are live output (one or two)."""
    live = [v for v in versions() if not from_documentation(v)]
    earlier = [v for v in live if _key(v) < _key(version)]
    later = [v for v in live if _key(v) > _key(version)]
    return earlier[-1:] + later[:1]


@cache
def functions(version: str) -> frozenset[str]:
    """The function URIs Wwise ``version`` offers (see the module docstring for derived lists)."""
    from wwiseflowd.sim.schemas import FUNCTIONS

    doc = _document()["versions"]
    listed = set(doc[version]["functions"])
    if from_documentation(version):
        neighbours = [set(doc[v]["functions"]) for v in _live_neighbours(version)]
        listed |= {uri for uri, spec in FUNCTIONS.items()
                   if spec.since <= _key(version) and all(uri in live for live in neighbours)}
    return frozenset(listed)


@cache
def topics(version: str) -> frozenset[str]:
    """The topic URIs Wwise ``version`` publishes."""
    return frozenset(_document()["versions"][version]["topics"])


__all__ = ["from_documentation", "functions", "source", "topics", "versions"]
