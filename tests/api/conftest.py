"""Fixtures for the REST tests: a real engine on the emulator, served by a real uvicorn server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.rest_support import Api, make_settings, serving
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
