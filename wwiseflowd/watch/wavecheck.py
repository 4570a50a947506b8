"""Is a WAV file complete? Parse the RIFF/WAVE chunk list and compare the data chunk with the file size.

A writer that is still rendering or copying leaves a file whose ``data`` chunk is shorter than
declared (or declared as a 0 / 0xFFFFFFFF placeholder); such a file is *incomplete* and must wait.
A file that is not RIFF/WAVE at all is *invalid* and fails with a reason.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO


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


_PLACEHOLDERS = (0, 0xFFFFFFFF)
_MAX_CHUNKS = 4096  # a real WAV has a handful; a garbage file must not make us walk forever


def probe_wave(path: Path) -> WaveProbe:
    """Classify ``path`` as a complete, still-incomplete or invalid RIFF/WAVE (or RF64) file."""
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, 2)
            fh.seek(0)
            return _probe(fh, size, path.name)
    except FileNotFoundError:
        return WaveProbe(WaveVerdict.INCOMPLETE, f"{path.name} disappeared while being checked")
    except OSError as exc:
        # Windows: a writer still holding the file gives a sharing violation; try again later
        return WaveProbe(WaveVerdict.INCOMPLETE, f"{path.name} cannot be opened yet ({exc.strerror})")


def _probe(fh: BinaryIO, size: int, name: str) -> WaveProbe:
    read, seek = fh.read, fh.seek
    head = read(12)
    if len(head) < 12:
        if size == 0 or b"RIFF".startswith(head[:4]) or b"RF64".startswith(head[:4]):
            return WaveProbe(WaveVerdict.INCOMPLETE, f"{name} has only {size} bytes so far")
        return WaveProbe(WaveVerdict.INVALID, f"{name} is not a WAV file (no RIFF header)")
    magic, _riff_size, form = struct.unpack("<4sI4s", head)
    if magic not in (b"RIFF", b"RF64") or form != b"WAVE":
        return WaveProbe(
            WaveVerdict.INVALID,
            f"{name} is not a WAV file (starts with {head[:4]!r}, expected RIFF....WAVE); "
            f"re-export it as WAV",
        )
    rf64_data_size: int | None = None
    seen_fmt = False
    pos = 12
    for _ in range(_MAX_CHUNKS):
        seek(pos)
        header = read(8)
        if len(header) < 8:
            return WaveProbe(WaveVerdict.INCOMPLETE, f"{name} has no data chunk yet ({size} bytes)")
        chunk_id, chunk_size = struct.unpack("<4sI", header)
        body = pos + 8
        if chunk_id == b"ds64" and magic == b"RF64":
            ds64 = read(min(chunk_size, 28))
            if len(ds64) >= 16:
                rf64_data_size = struct.unpack("<Q", ds64[8:16])[0]
        elif chunk_id == b"fmt ":
            if chunk_size < 16:
                return WaveProbe(
                    WaveVerdict.INVALID, f"{name} has a malformed fmt chunk ({chunk_size} bytes)"
                )
            if body + 16 > size:
                return WaveProbe(WaveVerdict.INCOMPLETE, f"{name} has a partial fmt chunk so far")
            seen_fmt = True
        elif chunk_id == b"data":
            if not seen_fmt:
                return WaveProbe(WaveVerdict.INVALID, f"{name} has a data chunk before its fmt chunk")
            declared = rf64_data_size if (magic == b"RF64" and chunk_size == 0xFFFFFFFF) else chunk_size
            available = size - body
            if declared is None or declared in _PLACEHOLDERS:
                return WaveProbe(
                    WaveVerdict.INCOMPLETE,
                    f"{name} declares no audio data yet ({available} bytes written after the header)",
                )
            if available < declared:
                return WaveProbe(
                    WaveVerdict.INCOMPLETE,
                    f"{name} is truncated: its data chunk declares {declared} bytes but only "
                    f"{available} are present; re-export or copy it again",
                    data_bytes=available,
                )
            return WaveProbe(WaveVerdict.COMPLETE, data_bytes=declared)
        elif not chunk_id.isascii():
            return WaveProbe(WaveVerdict.INVALID, f"{name} has a corrupt chunk list at byte {pos}")
        pos = body + chunk_size + (chunk_size & 1)  # chunks are word-aligned
        if pos > size:
            return WaveProbe(WaveVerdict.INCOMPLETE, f"{name} ends inside its {chunk_id!r} chunk")
    return WaveProbe(WaveVerdict.INVALID, f"{name} has too many chunks to be a WAV file")
