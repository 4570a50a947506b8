"""Is a dropped WAV file complete? :mod:`wwiseflowd.wav` reads it; this module turns that into a verdict.

A writer that is still rendering or copying leaves a file that ends too early (inside its headers,
or with a ``data`` chunk shorter than declared or declared as a 0 / 0xFFFFFFFF placeholder); such a
file is *incomplete* and must wait. A file that is not a RIFF/WAVE (or RF64) file at all, or whose
header is damaged, is *invalid* and fails with a reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from wwiseflowd.results import ErrorCode
from wwiseflowd.wav import WavError, read_wav


class WaveVerdict(StrEnum):
    """Outcome of :func:`probe_wave`."""

    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    INVALID = "invalid"


@dataclass(frozen=True)
class WaveProbe:
    """What :func:`probe_wave` found; ``reason`` is a sentence for logs and ``*.error.json``."""

    verdict: WaveVerdict
    reason: str = ""
    data_bytes: int = 0


def probe_file(path: Path, checks: Mapping[str, Callable[[Path], WaveProbe]] | None = None) -> WaveProbe:
    """The check a plugin registered for ``path``'s suffix (hook ``register_file_checks``), else
    :func:`probe_wave`."""
    check = (checks or {}).get(path.suffix.lower())
    return check(path) if check is not None else probe_wave(path)


def probe_wave(path: Path) -> WaveProbe:
    """Classify ``path`` as a complete, still-incomplete or invalid RIFF/WAVE (or RF64) file."""
    try:
        info = read_wav(path, require_complete=True)
    except WavError as exc:
        if exc.code == ErrorCode.FILE_NOT_FOUND:
            return WaveProbe(WaveVerdict.INCOMPLETE, f"{path.name} disappeared while being checked")
        return WaveProbe(WaveVerdict.INCOMPLETE if exc.incomplete else WaveVerdict.INVALID, exc.message)
    return WaveProbe(WaveVerdict.COMPLETE, data_bytes=info.data_bytes)
