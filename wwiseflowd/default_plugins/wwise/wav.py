"""The RIFF/WAVE pre-flight check: is this file a complete WAV that Wwise can import?

Wwise's import does not fail loudly on a bad file (it logs and moves on), so every file is checked
here before any WAAPI call: it exists, it can be read, it is a RIFF/WAVE file in a format Wwise
imports, and its ``data`` chunk is all on disk (a half-copied file is not). The reading is
:mod:`wwiseflowd.wav`'s; this module holds only the import's policy.
"""

from __future__ import annotations

import os
from pathlib import Path

from wwiseflowd.results import ErrorCode, Result
from wwiseflowd.wav import WavError, WavInfo, read_wav, write_wav  # write_wav: the one WAV writer

__all__ = ["WavError", "WavInfo", "check_wav", "inspect_wav", "write_wav"]


def inspect_wav(path: str | os.PathLike[str]) -> WavInfo:
    """Read the chunk headers of ``path`` and return its format; raise :class:`WavError` if unusable."""
    file = Path(path)
    if not file.is_absolute():
        raise WavError(
            ErrorCode.INVALID_INPUT,
            f"Audio file path {str(file)!r} is relative; give an absolute path so Wwise can find it.",
        )
    info = read_wav(file, require_complete=True)
    if info.form != "RIFF":
        raise WavError(
            ErrorCode.INVALID_AUDIO,
            f"{file} is an {info.form} WAV file (the over-4 GB variant), which wwiseflowd does not "
            f"import; export it as a standard RIFF WAV (split it if it is over 4 GB).",
        )
    if info.kind is None:
        raise WavError(
            ErrorCode.INVALID_AUDIO,
            f"{file} holds {info.format_name} audio (WAVE format tag {info.format_tag:#06x}), which "
            f"Wwise cannot import; export it as PCM or 32-bit float.",
        )
    return info


def check_wav(path: str | os.PathLike[str]) -> Result:
    """Pre-flight one file: ok with its format, or a failure naming the file."""
    try:
        info = inspect_wav(path)
    except WavError as exc:
        return Result.failure(exc.code, exc.message, data={"file": str(path)})
    return Result.success(
        {
            "path": str(info.path),
            "format": info.format_name,
            "channels": info.channels,
            "sample_rate": info.sample_rate,
            "bits_per_sample": info.bits_per_sample,
            "data_bytes": info.data_bytes,
            "duration_s": info.duration_s,
        }
    )
