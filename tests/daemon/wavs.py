"""Writing small WAV files for the daemon tests (real RIFF/WAVE bytes, written the way tools do)."""

from __future__ import annotations

import struct
import time
from pathlib import Path

RATE = 8000


def wav_bytes(frames: int = 800, *, seed: int = 0) -> bytes:
    """A mono 16-bit PCM WAV; ``seed`` changes the samples (and so the content hash)."""
    data = b"".join(struct.pack("<h", ((i * 97 + seed * 31) % 2000) - 1000) for i in range(frames))
    fmt = struct.pack("<HHIIHH", 1, 1, RATE, RATE * 2, 2, 16)
    body = (
        b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


def write_wav(path: Path, frames: int = 800, *, seed: int = 0) -> Path:
    """Write a complete WAV at ``path`` (parents created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(wav_bytes(frames, seed=seed))
    return path


def write_slowly(path: Path, content: bytes, *, chunks: int, seconds: float) -> None:
    """Write ``content`` in ``chunks`` pieces spread over ``seconds`` (a render in progress)."""
    step = max(1, len(content) // chunks)
    pause = seconds / chunks
    with path.open("wb") as fh:
        for start in range(0, len(content), step):
            fh.write(content[start : start + step])
            fh.flush()
            time.sleep(pause)
