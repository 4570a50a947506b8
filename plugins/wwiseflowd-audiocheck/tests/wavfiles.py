"""Test signals for the audioCheck tests, written by wwiseflowd's one WAV writer (``wwiseflowd.testing``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

from wwiseflowd.testing import write_wav as write_wav_file

Signal = Callable[[float, int], float]  # (time in s, channel) -> sample in -1..1 (may exceed)


def tone(freq: float = 440.0, level_db: float = -6.0) -> Signal:
    """A sine at ``level_db`` dBFS on every channel."""
    amp = 10 ** (level_db / 20)
    return lambda t, _c: amp * math.sin(2 * math.pi * freq * t)


def silence(_t: float, _c: int) -> float:
    """Digital silence."""
    return 0.0


def write_wav(
    path: Path,
    signal: Signal | None = None,
    *,
    seconds: float = 0.25,
    rate: int = 48000,
    bits: int = 24,
    channels: int = 2,
    kind: str = "int",
    extensible: bool = False,
    segments: Sequence[tuple[float, Signal]] | None = None,
) -> Path:
    """Write a WAV file of ``segments`` = [(seconds, signal), ...] one after the other (else one
    ``signal``), with an odd-sized ``LIST`` chunk before the audio (readers must skip its pad byte)."""
    parts = list(segments) if segments else [(seconds, signal or tone())]
    samples: list[float] = []
    offset = 0.0
    for duration, sig in parts:
        for i in range(round(duration * rate)):
            t = offset + i / rate
            samples.extend(sig(t, c) for c in range(channels))
        offset += duration
    return write_wav_file(
        path, sample_rate=rate, channels=channels, samples=samples, bits=bits, kind=kind,
        extensible=extensible, chunks=[(b"LIST", b"INFO!")],
    )
