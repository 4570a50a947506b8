"""The real WAAPI catalogue of each emulated Wwise version: every function and topic Wwise offers.

``waapi_catalogue.json`` holds, per version, the function and topic URIs and where the list came
from (live ``getFunctions``/``getTopics`` output for 2024.1 and 2025.1, the SDK documentation index
for 2019.2 and 2022.1; docs/waapi-notes.md, "The WAAPI catalogue"). A URI in the catalogue that the
emulator does not implement answers a *not emulated* error; a URI outside it is *unknown*, as in
Wwise.

Documentation-derived lists miss a few entries (``ak.wwise.core.ping`` is absent from both), so a
function the emulator implements and the 2024.1 live list holds is kept for older versions unless
its first version is documented (``FunctionSpec.since``, e.g. ``object.set`` in 2022.1).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Final

_LIVE_REFERENCE: Final = "2024.1"


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


def _key(version: str) -> tuple[int, int]:
    year, major = version.split(".")[:2]
    return int(year), int(major)


@cache
def functions(version: str) -> frozenset[str]:
    """The function URIs Wwise ``version`` offers.

    Functions the emulator implements that the live 2024.1 list holds are added to older,
    documentation-derived lists unless their documented first version is later.
    """
    from wwiseflowd.sim.schemas import FUNCTIONS

    doc = _document()["versions"]
    listed = set(doc[version]["functions"])
    live = set(doc[_LIVE_REFERENCE]["functions"])
    listed |= {uri for uri, spec in FUNCTIONS.items() if uri in live and spec.since <= _key(version)}
    return frozenset(listed)


@cache
def topics(version: str) -> frozenset[str]:
    """The topic URIs Wwise ``version`` publishes."""
    return frozenset(_document()["versions"][version]["topics"])


__all__ = ["functions", "source", "topics", "versions"]
