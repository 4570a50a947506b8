"""Fixtures for the audiocheck tests: real WAV files in a temp dir."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from wavfiles import Signal, write_wav


@pytest.fixture
def wav(tmp_path: Path) -> Callable[..., Path]:
    """``wav("name.wav", signal, **options)`` writes a real WAV file under tmp_path."""

    def make(name: str, signal: Signal | None = None, **options: object) -> Path:
        return write_wav(tmp_path / name, signal, **options)  # type: ignore[arg-type]

    return make
