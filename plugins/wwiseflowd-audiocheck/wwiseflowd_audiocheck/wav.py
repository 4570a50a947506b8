"""Which WAV files the audioCheck decoder reads; the reading itself is :mod:`wwiseflowd.wav`'s.

Integer PCM (8, 16, 24 and 32 bit) and IEEE float (32 and 64 bit), plain or inside
WAVE_FORMAT_EXTENSIBLE, in RIFF or RF64/BW64 files. Anything else raises :class:`WavError`
with a sentence a sound designer can act on; nothing here decodes samples (see ``levels.py``).
"""

from __future__ import annotations

from pathlib import Path

from wwiseflowd.results import ErrorCode
from wwiseflowd.wav import WavError, WavInfo, read_wav


def read_info(path: Path) -> WavInfo:
    """Parse the chunks of ``path``; raise :class:`WavError` when it is not a WAV file we decode."""
    info = read_wav(path)
    if info.kind is None:
        raise WavError(
            ErrorCode.INVALID_AUDIO,
            f"{path} has an unsupported sample format ({info.format_name}); export PCM 16/24/32-bit "
            f"or float 32-bit.",
        )
    return info
