"""The RIFF/WAVE pre-flight check: is this file a complete WAV that Wwise can import?

Wwise's import does not fail loudly on a bad file (it logs and moves on), so every file is checked
here before any WAAPI call: it exists, it can be read, it is RIFF/WAVE, it has a usable ``fmt ``
chunk and a ``data`` chunk whose declared size is really on disk (a half-copied file is not).
Only the chunk headers are read, never the samples, so the check costs a few small reads per file.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import BinaryIO

from pydantic import BaseModel

from wwiseflowd.results import ErrorCode, Result

#: WAVE format tags Wwise imports: PCM, IEEE float, WAVE_FORMAT_EXTENSIBLE.
SUPPORTED_FORMAT_TAGS = {1: "PCM", 3: "IEEE float", 0xFFFE: "extensible"}

_CHUNK_HEADER = struct.Struct("<4sI")
_FMT_MIN = struct.Struct("<HHIIHH")


class WavInfo(BaseModel):
    """What the pre-flight check learnt about a valid WAV file."""

    path: str
    format: str
    channels: int
    sample_rate: int
    bits_per_sample: int
    data_bytes: int
    duration_s: float


class WavError(Exception):
    """A file failed the pre-flight check; ``code`` is FILE_NOT_FOUND or INVALID_AUDIO."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def inspect_wav(path: str | os.PathLike[str]) -> WavInfo:
    """Read the chunk headers of ``path`` and return its format; raise :class:`WavError` if unusable."""
    file = Path(path)
    if not file.is_absolute():
        raise WavError(
            ErrorCode.INVALID_INPUT,
            f"Audio file path {str(file)!r} is relative; give an absolute path so Wwise can find it.",
        )
    try:
        size = file.stat().st_size
        handle = file.open("rb")
    except FileNotFoundError:
        raise WavError(
            ErrorCode.FILE_NOT_FOUND,
            f"Audio file {file} does not exist; check the path or whether it was moved.",
        ) from None
    except IsADirectoryError:
        raise WavError(ErrorCode.INVALID_AUDIO, f"{file} is a folder, not a WAV file.") from None
    except OSError as exc:
        raise WavError(
            ErrorCode.INVALID_AUDIO,
            f"Audio file {file} cannot be read ({exc.strerror}); check its permissions.",
        ) from None
    with handle:
        return _parse(file, handle, size)


def _parse(file: Path, handle: BinaryIO, size: int) -> WavInfo:
    read, seek = handle.read, handle.seek
    header = read(12)
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        kind = "is empty" if size == 0 else "is not a RIFF/WAVE file"
        raise WavError(ErrorCode.INVALID_AUDIO, f"{file} {kind}; export it again as a .wav file.")
    fmt: tuple[int, int, int, int, int, int] | None = None
    offset = 12
    while offset + _CHUNK_HEADER.size <= size:
        seek(offset)
        chunk_id, chunk_size = _CHUNK_HEADER.unpack(read(_CHUNK_HEADER.size))
        body = offset + _CHUNK_HEADER.size
        if chunk_id == b"fmt ":
            if chunk_size < _FMT_MIN.size or body + chunk_size > size:
                raise WavError(ErrorCode.INVALID_AUDIO, f"{file} has a truncated 'fmt ' chunk.")
            fmt = _FMT_MIN.unpack(read(_FMT_MIN.size))
        elif chunk_id == b"data":
            if fmt is None:
                raise WavError(
                    ErrorCode.INVALID_AUDIO,
                    f"{file} has no 'fmt ' chunk before its audio data; export it again.",
                )
            if body + chunk_size > size:
                raise WavError(
                    ErrorCode.INVALID_AUDIO,
                    f"{file} is incomplete: its data chunk declares {chunk_size} bytes but only "
                    f"{size - body} are on disk (still being copied?); wait for the copy to finish.",
                )
            return _info(file, fmt, chunk_size)
        offset = body + chunk_size + (chunk_size & 1)  # chunks are word-aligned
    if fmt is None:
        raise WavError(
            ErrorCode.INVALID_AUDIO, f"{file} has no 'fmt ' chunk; export it again as a .wav file."
        )
    raise WavError(
        ErrorCode.INVALID_AUDIO,
        f"{file} has no data chunk (truncated or still being copied?); export or copy it again.",
    )


def _info(file: Path, fmt: tuple[int, int, int, int, int, int], data_bytes: int) -> WavInfo:
    tag, channels, rate, byte_rate, _block_align, bits = fmt
    if tag not in SUPPORTED_FORMAT_TAGS:
        raise WavError(
            ErrorCode.INVALID_AUDIO,
            f"{file} uses WAVE format tag {tag:#06x}, which Wwise cannot import; export it as PCM.",
        )
    if channels == 0 or rate == 0 or bits == 0:
        raise WavError(
            ErrorCode.INVALID_AUDIO,
            f"{file} declares {channels} channels at {rate} Hz, {bits} bits; the header is corrupt.",
        )
    return WavInfo(
        path=str(file),
        format=SUPPORTED_FORMAT_TAGS[tag],
        channels=channels,
        sample_rate=rate,
        bits_per_sample=bits,
        data_bytes=data_bytes,
        duration_s=data_bytes / byte_rate if byte_rate else 0.0,
    )


def check_wav(path: str | os.PathLike[str]) -> Result:
    """Pre-flight one file: ok with :class:`WavInfo` data, or a failure naming the file."""
    try:
        return Result.success(inspect_wav(path).model_dump())
    except WavError as exc:
        return Result.failure(exc.code, exc.message, data={"file": str(path)})


def write_wav(
    path: str | os.PathLike[str],
    frames: int = 480,
    *,
    sample_rate: int = 48_000,
    channels: int = 1,
) -> Path:
    """Write a small silent 16-bit PCM WAV (used by tests, the bench and the demo)."""
    data = bytes(frames * channels * 2)
    block = channels * 2
    fmt = _FMT_MIN.pack(1, channels, sample_rate, sample_rate * block, block, 16)
    chunks = _CHUNK_HEADER.pack(b"fmt ", len(fmt)) + fmt + _CHUNK_HEADER.pack(b"data", len(data)) + data
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks)
    return out
