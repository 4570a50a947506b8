"""Writing real WAV files byte by byte, independent of the code under test."""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Sequence
from pathlib import Path

Signal = Callable[[float, int], float]  # (time in s, channel) -> sample in -1..1 (may exceed)

KSDATAFORMAT_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"


def tone(freq: float = 440.0, level_db: float = -6.0) -> Signal:
    """A sine at ``level_db`` dBFS on every channel."""
    amp = 10 ** (level_db / 20)
    return lambda t, _c: amp * math.sin(2 * math.pi * freq * t)


def encode(x: float, bits: int, kind: str) -> bytes:
    """One sample as the bytes a WAV file stores."""
    if kind == "float":
        return struct.pack("<f" if bits == 32 else "<d", x)
    if bits == 8:
        return bytes([max(0, min(255, round(x * 128) + 128))])
    full = 2 ** (bits - 1)
    value = max(-full, min(full - 1, round(x * full)))
    return value.to_bytes(bits // 8, "little", signed=True)


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
    """Write a WAV file; ``segments`` = [(seconds, signal), ...] concatenated, else one signal."""
    parts = list(segments) if segments else [(seconds, signal or tone())]
    frames = bytearray()
    offset = 0.0
    for duration, sig in parts:
        for i in range(round(duration * rate)):
            t = offset + i / rate
            for c in range(channels):
                frames += encode(sig(t, c), bits, kind)
        offset += duration
    block_align = channels * bits // 8
    code = 3 if kind == "float" else 1
    if extensible:
        fmt = struct.pack("<HHIIHHHHI", 0xFFFE, channels, rate, rate * block_align, block_align,
                          bits, 22, bits, 0) + struct.pack("<H", code) + KSDATAFORMAT_TAIL
    else:
        fmt = struct.pack("<HHIIHH", code, channels, rate, rate * block_align, block_align, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"LIST" + struct.pack("<I", 5) + b"INFO!" + b"\x00"  # odd-sized chunk, padded
    body += b"data" + struct.pack("<I", len(frames)) + bytes(frames)
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def silence(_t: float, _c: int) -> float:
    """Digital silence."""
    return 0.0
