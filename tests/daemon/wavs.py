"""Small WAV files for the daemon tests (the one writer, wwiseflowd.testing, at 8 kHz with a pattern),
and writing one slowly, the way a render does."""

from __future__ import annotations

import time
from pathlib import Path

from wwiseflowd import testing

RATE = 8000


def wav_bytes(frames: int = 800, *, seed: int = 0) -> bytes:
    """A mono 16-bit PCM WAV at 8 kHz; ``seed`` changes the samples (and so the content hash)."""
    return testing.wav_bytes(frames, sample_rate=RATE, seed=seed)


def write_wav(path: Path, frames: int = 800, *, seed: int = 0) -> Path:
    """Write a complete WAV at ``path`` (parents created)."""
    return testing.write_wav(path, frames, sample_rate=RATE, seed=seed)


def write_slowly(path: Path, content: bytes, *, chunks: int, seconds: float) -> None:
    """Write ``content`` in ``chunks`` pieces spread over ``seconds`` (a render in progress)."""
    step = max(1, len(content) // chunks)
    pause = seconds / chunks
    with path.open("wb") as fh:
        for start in range(0, len(content), step):
            fh.write(content[start : start + step])
            fh.flush()
            time.sleep(pause)
