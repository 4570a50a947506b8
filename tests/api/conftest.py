"""Fixtures for the REST tests: a real engine on the emulator, served by a real uvicorn server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rest_support import Api, make_settings, serving

from wwiseflowd.default_plugins.wwise.wav import write_wav


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    """A small valid WAV inside the allowed root."""
    return write_wav(tmp_path / "audio" / "Footstep_01.wav")


@pytest.fixture
def api(tmp_path: Path, waapi_sim: Any) -> Iterator[Api]:
    """The REST API over an engine connected to the emulator; no token."""
    with serving(make_settings(tmp_path, waapi_sim.url)) as api:
        yield api


if "waapi_sim" not in dir():  # until wwiseflowd.testing ships the fixture (engineer A1)
    from wwiseflowd.sim import Emulator

    @pytest.fixture
    def waapi_sim(tmp_path: Path) -> Iterator[Any]:
        """A running emulator with a fresh project in a temp dir."""
        with Emulator(port=0, project_dir=tmp_path / "WwiseProject") as sim:
            yield sim
