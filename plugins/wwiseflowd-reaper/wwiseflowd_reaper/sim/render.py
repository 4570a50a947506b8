"""The stand-in's ``-renderproject``: WAV files for the regions in a project's render bounds (NOT REAPER).

Each file has the region's length at the render sample rate, channels and bit depth (``RENDER_FMT``,
``<RENDER_CFG``), is named by ``RENDER_PATTERN`` and goes into ``RENDER_FILE``. The samples are a
quiet 480 Hz tone: enough for a level meter to move, never real audio.

Fault injection for tests: ``WWISEFLOWD_REAPER_SIM_TRUNCATE=<region name>`` cuts that region's file
in half (its header still claims the full length), as a crashed or killed render would leave it;
``WWISEFLOWD_REAPER_SIM_LOG=<file>`` appends each command line, one JSON list per line.
"""

from __future__ import annotations

import json
import math
import os
import struct
import sys
from pathlib import Path

from wwiseflowd.wav import wav_bytes as write_wav_bytes
from wwiseflowd_reaper.plan import plan_render
from wwiseflowd_reaper.project import ReaperProject, read_project

ENV_TRUNCATE = "WWISEFLOWD_REAPER_SIM_TRUNCATE"
ENV_LOG = "WWISEFLOWD_REAPER_SIM_LOG"
TONE_HZ = 480
LEVEL = 0.05


class SimRenderError(Exception):
    """The stand-in cannot render this project (REAPER would show a dialog or render something else)."""


def _sample(x: float, bits: int) -> bytes:
    if bits == 32:
        return struct.pack("<f", x)
    if bits == 64:
        return struct.pack("<d", x)
    if bits == 8:
        return bytes([round(x * 127) + 128])
    full = 2 ** (bits - 1) - 1
    return round(x * full).to_bytes(bits // 8, "little", signed=True)


def _period(rate: int, channels: int, bits: int) -> bytes:
    """One or more whole periods of the tone, interleaved, as a block to repeat."""
    frames = rate // math.gcd(rate, TONE_HZ)
    out = bytearray()
    for i in range(frames):
        sample = _sample(LEVEL * math.sin(2 * math.pi * TONE_HZ * i / rate), bits)
        out += sample * channels
    return bytes(out)


def wav_bytes(frames: int, rate: int, channels: int, bits: int) -> bytes:
    """A complete RIFF/WAVE file: PCM (8/16/24 bits) or IEEE float (32/64 bits)."""
    block = channels * bits // 8
    period = _period(rate, channels, bits)
    data_len = frames * block
    data = (period * (data_len // len(period) + 1))[:data_len]
    # the layout is wwiseflowd's one WAV writer's; the samples (a repeated period) are rendered here
    return write_wav_bytes(sample_rate=rate, channels=channels, bits=bits,
                           kind="float" if bits in (32, 64) else "int", data=data)


def render_project(project: ReaperProject) -> list[Path]:
    """Write the files of the project's region render; return their paths."""
    settings = project.render
    if settings.boundsCode not in (3, 5):
        raise SimRenderError(f"render bounds are {settings.bounds!r}; the stand-in renders only region "
                             "bounds (all regions, selected regions)")
    if settings.format.format not in ("wav", "none"):
        raise SimRenderError(f"render format is {settings.format.format}; the stand-in writes WAV only")
    bits = settings.format.bitDepth or 24
    truncate = os.environ.get(ENV_TRUNCATE, "")
    written = []
    for target in plan_render(project):
        data = wav_bytes(target.frames, settings.effectiveSampleRate, settings.channels, bits)
        if truncate and target.region.name == truncate:
            data = data[: max(44, len(data) // 2)]
        target.path.parent.mkdir(parents=True, exist_ok=True)
        target.path.write_bytes(data)
        written.append(target.path)
    return written


def log_invocation(argv: list[str]) -> None:
    """Append ``argv`` to the file named by ``WWISEFLOWD_REAPER_SIM_LOG`` (tests check the flags)."""
    log = os.environ.get(ENV_LOG)
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(argv) + "\n")


def render_file(path: Path) -> int:
    """``-renderproject path``: 0 when rendered, 1 with a message on stderr otherwise."""
    try:
        files = render_project(read_project(path))
    except Exception as exc:  # the stand-in reports, like REAPER's console, and exits non-zero
        sys.stderr.write(f"wwiseflowd-reaper-sim: cannot render {path}: {exc}\n")
        return 1
    sys.stdout.write(f"wwiseflowd-reaper-sim (not REAPER): rendered {len(files)} file(s)\n")
    return 0
