"""The render settings of a project as typed values, read from (and written back to) RENDER_* lines.

What each field means, and where it comes from (see docs/reaper.md for the verified/unverified list):

- ``RENDER_FILE "dir"``: the output folder (relative to the project folder when not absolute).
- ``RENDER_PATTERN "..."``: the file name pattern with ``$wildcards`` (empty: the project name).
- ``RENDER_FMT a channels samplerate``: channels and sample rate (0 = the project's ``SAMPLERATE``).
- ``RENDER_RANGE bounds start end [tailflag tailms]``: what is rendered; REAPER 4 writes 3 fields.
- ``RENDER_STEMS n``: the source (0 = master mix; other values render tracks/items/matrix).
- ``<RENDER_CFG`` base64 ``>``: the sink; its first four bytes are the format's fourcc reversed
  (``evaw`` = WAV) and for WAV the fifth byte is the bit depth.
"""

from __future__ import annotations

import base64
import binascii
from typing import Literal

from pydantic import BaseModel, Field

from wwiseflowd_reaper.rppfile import Block, Line

#: RENDER_RANGE's first field, as REAPER's render dialog lists the bounds (ReaScript RENDER_BOUNDSFLAG)
BOUNDS: dict[int, str] = {
    0: "custom",
    1: "project",
    2: "time selection",
    3: "all regions",
    4: "selected items",
    5: "selected regions",
}
#: RENDER_STEMS's low bits: what is rendered (0 = master mix)
SOURCES: dict[int, str] = {
    0: "master mix",
    1: "stems (selected tracks)",
    2: "multichannel tracks",
    3: "selected media items",
    8: "region render matrix",
    32: "selected media items via master",
    128: "selected tracks via master",
}
#: fourcc (as stored, reversed) -> format name
FORMATS: dict[bytes, str] = {
    b"evaw": "wav",
    b"l3pm": "mp3",
    b"calf": "flac",
    b"vggo": "ogg",
    b"SggO": "opus",
    b"ffia": "aiff",
    b"pdd ": "ddp",
    b"FFMP": "video (ffmpeg)",
}
#: WAV's bit-depth byte -> (bits, sample kind)
WAV_DEPTHS: dict[int, tuple[int, Literal["int", "float"]]] = {
    8: (8, "int"), 16: (16, "int"), 24: (24, "int"), 32: (32, "float"), 64: (64, "float"),
}


class RenderFormat(BaseModel):
    """The sink of ``<RENDER_CFG``: WAV with its bit depth, or another format by name."""

    format: str = Field(description="wav, mp3, flac, ogg, ..., 'unknown' (fourcc not known) or 'none'.")
    isWav: bool
    bitDepth: int | None = Field(None, description="WAV only: 8, 16, 24, 32 (float) or 64 (float).")
    sampleKind: Literal["int", "float"] | None = None
    raw: str = Field("", description="The base64 text of <RENDER_CFG, as saved.")


class RenderSettings(BaseModel):
    """The render settings of a project, typed."""

    file: str = Field("", description="RENDER_FILE: output folder (relative to the project folder).")
    pattern: str = Field("", description="RENDER_PATTERN: file name pattern with $wildcards.")
    channels: int = Field(2, description="RENDER_FMT channels.")
    sampleRate: int = Field(0, description="RENDER_FMT sample rate; 0 means the project's sample rate.")
    effectiveSampleRate: int = Field(44100, description="The rate files are rendered at.")
    bounds: str = Field("project", description="custom, project, time selection, all regions, ...")
    boundsCode: int = 1
    start: float = 0.0
    end: float = 0.0
    tail: bool = Field(False, description="Whether a tail is rendered for these bounds.")
    tailMs: int = 0
    stems: int = Field(0, description="RENDER_STEMS as saved.")
    source: str = "master mix"
    format: RenderFormat = Field(default_factory=lambda: RenderFormat(format="none", isWav=False))


def _int(value: str, default: int = 0) -> int:
    try:
        return int(float(value))
    except ValueError:
        return default


def _float(value: str, default: float = 0.0) -> float:
    try:
        return float(value)
    except ValueError:
        return default


def decode_cfg(text: str) -> RenderFormat:
    """The format stored in a ``<RENDER_CFG`` block's base64 text."""
    if not text:
        return RenderFormat(format="none", isWav=False, raw=text)
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return RenderFormat(format="unknown", isWav=False, raw=text)
    name = FORMATS.get(data[:4], "unknown")
    if name != "wav":
        return RenderFormat(format=name, isWav=False, raw=text)
    bits, kind = WAV_DEPTHS.get(data[4] if len(data) > 4 else 0, (None, None))
    return RenderFormat(format="wav", isWav=True, bitDepth=bits, sampleKind=kind, raw=text)


def encode_wav_cfg(bit_depth: int = 24) -> str:
    """``<RENDER_CFG`` text for WAV at ``bit_depth`` (the bytes REAPER's own WAV 24-bit preset has)."""
    if bit_depth not in WAV_DEPTHS:
        raise ValueError(f"WAV bit depth {bit_depth} is not one of {sorted(WAV_DEPTHS)}")
    return base64.b64encode(b"evaw" + bytes([bit_depth, 0, 1])).decode("ascii")


def read_settings(root: Block, project_rate: int) -> RenderSettings:
    """The typed render settings of the ``<REAPER_PROJECT`` block ``root``."""
    fmt = root.line("RENDER_FMT") or Line(["RENDER_FMT", "0", "2", "0"], 0)
    rng = root.line("RENDER_RANGE") or Line(["RENDER_RANGE", "1", "0", "0"], 0)
    stems = _int((root.line("RENDER_STEMS") or Line([], 0)).arg(0, "0"))
    cfg_block = root.block("RENDER_CFG")
    cfg_text = "".join(line.tokens[0] for line in cfg_block.lines()) if cfg_block else ""
    sample_rate = _int(fmt.arg(2, "0"))
    code = _int(rng.arg(0, "1"), 1)
    return RenderSettings(
        file=(root.line("RENDER_FILE") or Line([], 0)).arg(0),
        pattern=(root.line("RENDER_PATTERN") or Line([], 0)).arg(0),
        channels=_int(fmt.arg(1, "2"), 2),
        sampleRate=sample_rate,
        effectiveSampleRate=sample_rate or project_rate,
        bounds=BOUNDS.get(code, f"other ({code})"),
        boundsCode=code,
        start=_float(rng.arg(1, "0")),
        end=_float(rng.arg(2, "0")),
        # the tail flag is a bit mask, one bit per bounds value (ReaScript RENDER_TAILFLAG)
        tail=bool(_int(rng.arg(3, "0")) & (1 << code)) if 0 <= code < 31 else False,
        tailMs=_int(rng.arg(4, "0")),
        stems=stems,
        source=SOURCES.get(stems & 0xFF, f"other ({stems})"),
        format=decode_cfg(cfg_text),
    )
