"""pytest plugin shipped to plugin authors (``pytest11`` entry point): fixtures for wwiseflowd.

``waapi_sim`` yields a running :class:`wwiseflowd.sim.Emulator` on a free port with a fresh
project in the test's ``tmp_path``::

    def test_my_node(waapi_sim):
        client = WaapiClient(waapi_sim.url, allow_exception=True,
                             callback_executor=PerCallbackThreadExecutor)
        ...
        client.disconnect()
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from wwiseflowd.sim import Emulator


@pytest.fixture
def waapi_sim(tmp_path: Path) -> Iterator[Emulator]:
    """A running WAAPI emulator (port 0, project ``<tmp_path>/WwiseProject``), stopped afterwards."""
    from wwiseflowd.sim import Emulator

    sim = Emulator(port=0, project_dir=tmp_path / "WwiseProject")
    sim.start()
    try:
        yield sim
    finally:
        sim.close()
