"""Fixtures for the Wwise plugin tests: the emulator over a real socket, the adapter, a real Engine."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from wwiseflowd.config import settings_for_tests
from wwiseflowd.default_plugins.wwise.adapter import WaapiAdapter
from wwiseflowd.default_plugins.wwise.wav import write_wav
from wwiseflowd.engine import Engine
from wwiseflowd.plugins import Plugins
from wwiseflowd.sim import Emulator
from wwiseflowd.sim.classes import WwiseVersion

WU = "\\Actor-Mixer Hierarchy\\Default Work Unit"
MASTER = "\\Master-Mixer Hierarchy\\Default Work Unit\\Master Audio Bus"


@pytest.fixture
def adapter(waapi_sim: Emulator) -> Iterator[WaapiAdapter]:
    """The adapter connected (lazily) to the emulator, closed after the test."""
    wwise = WaapiAdapter(waapi_sim.url, connect_timeout=5, call_timeout=10, reconnect_max_delay=1)
    yield wwise
    wwise.close()


@contextmanager
def emulated(
    tmp_path: Path, year: int = 2024, major: int = 1, call_timeout: float = 10
) -> Iterator[tuple[Emulator, WaapiAdapter]]:
    """An emulator pretending to be Wwise ``year.major`` and an adapter on it, both closed after."""
    version = WwiseVersion(year=year, major=major)
    with Emulator(port=0, project_dir=tmp_path / f"P{year}", version=version) as sim:
        wwise = WaapiAdapter(sim.url, connect_timeout=5, call_timeout=call_timeout)
        try:
            yield sim, wwise
        finally:
            wwise.close()


@pytest.fixture
def engine(waapi_sim: Emulator, tmp_path: Path) -> Iterator[Engine]:
    """A real Engine with only the built-in plugins, pointed at the emulator."""
    settings = settings_for_tests(
        tmp_path,
        wwise={"url": waapi_sim.url, "connect_timeout": 5, "call_timeout": 10, "reconnect_max_delay": 1},
        engine={"retries": 0},
    )
    with Engine(settings, Plugins().load(entry_points=False)) as running:
        yield running


@pytest.fixture
def wav(tmp_path: Path) -> Callable[..., str]:
    """``wav("Footstep_01.wav", sub="SFX")``: a small real WAV under tmp_path/audio, its absolute path."""

    def make(name: str, sub: str = "", frames: int = 480) -> str:
        return str(write_wav(tmp_path / "audio" / sub / name, frames=frames))

    return make


def settled_calls(sim: Emulator) -> list[dict[str, Any]]:
    """The emulator's call log once it stopped growing (it logs a call just after answering it)."""
    seen, deadline = -1, time.monotonic() + 2
    while len(sim.calls) != seen and time.monotonic() < deadline:
        seen = len(sim.calls)
        time.sleep(0.03)
    return list(sim.calls)


def calls_to(sim: Emulator, uri: str) -> int:
    """How many times the emulator's call log saw ``uri``."""
    return sum(1 for call in settled_calls(sim) if call["uri"] == uri)
