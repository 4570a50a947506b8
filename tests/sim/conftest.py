"""Fixtures for the emulator conformance suite: the real waapi-client against a running emulator.

Clients are built outside any asyncio loop, with PerCallbackThreadExecutor and always
disconnected (reference §1.6), so no test can hang the interpreter at exit.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from waapi import WaapiClient

from tests.sim.derived_projects import derive_all
from tests.sim.waapi_calls import wav_bytes
from wwiseflowd.sim import Emulator


@pytest.fixture(scope="session")
def derived_projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The 2021.1, 2022.1, 2024.1 and 2025.1 projects derived from the real ones in tests/data
    (tests/sim/derived_projects.py), written once per session; version -> folder."""
    return derive_all(tmp_path_factory.mktemp("derived-wwise-projects"))


@pytest.fixture
def sim(waapi_sim: Emulator) -> Emulator:
    """The emulator from the shipped pytest plugin (so the plugin itself is exercised)."""
    return waapi_sim


@pytest.fixture
def waapi(waapi_client: WaapiClient) -> WaapiClient:
    """The shipped plugin's connected client."""
    return waapi_client


@pytest.fixture
def make_wav(tmp_path: Path) -> Callable[..., Path]:
    """Write ``name`` as a valid WAV under a source folder in tmp_path."""

    def make(name: str, frames: int = 100) -> Path:
        path = tmp_path / "source" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(wav_bytes(frames))
        return path

    return make
