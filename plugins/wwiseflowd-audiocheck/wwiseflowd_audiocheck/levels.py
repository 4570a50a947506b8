"""Sample-level measurements: peak, clipping runs and where the sound starts and ends.

Two interchangeable decoders: numpy when it is importable (fast), else the stdlib ``array``
module (no dependency; whole-block max/min run in C, Python loops only where a block clips or
where sound starts/ends). Both feed the same :class:`_Scan`, so they agree to the sample.
"""

from __future__ import annotations

import importlib.util
import sys
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from wwiseflowd.wav import WavInfo, iter_blocks

_UNLOADED: Any = object()
#: numpy, imported by the first scan that uses it: a daemon that never checks audio does not carry
#: its ~11 MB. None when it is not installed: the stdlib path is complete on its own.
numpy: Any = _UNLOADED

#: maps an unsigned 8-bit sample to the byte of the same value as a signed 8-bit sample
_U8_TO_S8 = bytes(((u - 128) & 0xFF) for u in range(256))


@dataclass(frozen=True)
class Levels:
    """What the scan found. Frame indexes count from 0; levels are linear (1.0 = full scale)."""

    frames: int
    peak: float
    #: runs of at least ``clip_run`` consecutive full-scale samples in one channel
    clipped_runs: int
    longest_clip_run: int
    first_sound: int | None
    last_sound: int | None


def numpy_available() -> bool:
    """True when the fast numpy path can be used (imports numpy the first time)."""
    global numpy
    if numpy is _UNLOADED:
        if importlib.util.find_spec("numpy") is None:
            numpy = None
        else:
            import numpy as loaded

            numpy = loaded
    return numpy is not None


def measure(
    info: WavInfo,
    *,
    silence_threshold: float,
    clip_run: int,
    use_numpy: bool | None = None,
    frames_per_block: int = 1 << 16,
) -> Levels:
    """Scan every sample of ``info``'s data chunk block by block.

    :param silence_threshold: linear level below which a frame counts as silence.
    :param clip_run: consecutive full-scale samples (in one channel) that count as clipping.
    :param use_numpy: force a decoder (tests); None picks numpy when available.
    """
    if use_numpy is None:
        use_numpy = numpy_available()
    if use_numpy and not numpy_available():
        raise RuntimeError("numpy is not installed")
    scan = _Scan(info, silence_threshold, clip_run)
    for block in iter_blocks(info, frames_per_block):
        if use_numpy:
            scan.feed_numpy(block)
        else:
            scan.feed_stdlib(block)
    return scan.result()


def _full_scale(info: WavInfo) -> tuple[float, float]:
    """(divisor that maps raw values to -1..1, normalised level that counts as full scale)."""
    if info.kind == "float":
        return 1.0, 1.0
    container_bits = 8 * (4 if info.container_bytes == 3 else info.container_bytes)
    valid = min(info.bit_depth, 8 * info.container_bytes)
    # the largest positive code of the valid bits, shifted into the container
    return float(2 ** (container_bits - 1)), (2 ** (valid - 1) - 1) / 2 ** (valid - 1)


class _Scan:
    def __init__(self, info: WavInfo, silence_threshold: float, clip_run: int) -> None:
        self.info = info
        self.channels = info.channels
        self.divisor, self.clip_level = _full_scale(info)
        self.silence = silence_threshold
        self.clip_run = clip_run
        self.frames = 0
        self.peak = 0.0
        self.clipped_runs = 0
        self.longest = 0
        self.open_runs = [0] * info.channels
        self.first: int | None = None
        self.last: int | None = None

    # -- decoders ---------------------------------------------------------------------------

    def feed_stdlib(self, block: bytes) -> None:
        samples = _decode_stdlib(block, self.info)
        n = len(samples) // self.channels
        if n == 0:
            return
        raw_peak = max(max(samples), -min(samples))
        peak = raw_peak / self.divisor
        clip_raw = self.clip_level * self.divisor
        silence_raw = self.silence * self.divisor
        runs: list[list[tuple[int, int]]] = [[] for _ in range(self.channels)]
        if raw_peak >= clip_raw:
            for c in range(self.channels):
                runs[c] = _runs_stdlib(samples[c :: self.channels], clip_raw)
        first = last = None
        if raw_peak >= silence_raw:
            if self.first is None:
                first = next(i for i, s in enumerate(samples) if abs(s) >= silence_raw) // self.channels
            last = next(
                i for i in range(len(samples) - 1, -1, -1) if abs(samples[i]) >= silence_raw
            ) // self.channels
        self._account(n, peak, runs, first, last)

    def feed_numpy(self, block: bytes) -> None:
        assert numpy is not None
        frames = _decode_numpy(block, self.info).reshape(-1, self.channels)
        n = frames.shape[0]
        if n == 0:
            return
        magnitude = numpy.abs(frames.astype(numpy.float64)) / self.divisor
        per_frame = magnitude.max(axis=1)
        peak = float(per_frame.max())
        runs: list[list[tuple[int, int]]] = [[] for _ in range(self.channels)]
        if peak >= self.clip_level:
            for c in range(self.channels):
                runs[c] = _runs_numpy(magnitude[:, c] >= self.clip_level)
        first = last = None
        loud = numpy.flatnonzero(per_frame >= self.silence)
        if loud.size:
            first, last = int(loud[0]), int(loud[-1])
        self._account(n, peak, runs, first, last)

    # -- shared bookkeeping ---------------------------------------------------------------------

    def _account(
        self,
        n: int,
        peak: float,
        runs: list[list[tuple[int, int]]],
        first: int | None,
        last: int | None,
    ) -> None:
        self.peak = max(self.peak, peak)
        if first is not None and self.first is None:
            self.first = self.frames + first
        if last is not None:
            self.last = self.frames + last
        for c, channel_runs in enumerate(runs):
            carry = self.open_runs[c]
            if carry and (not channel_runs or channel_runs[0][0] != 0):
                self._close(carry)  # the run carried over from the last block ended at its edge
                carry = 0
            still_open = 0
            for start, length in channel_runs:
                ends_at = start + length
                if start == 0:
                    length, carry = length + carry, 0
                if ends_at >= n:
                    still_open = length  # touches the block's end: may go on in the next block
                else:
                    self._close(length)
            self.open_runs[c] = still_open
        self.frames += n

    def _close(self, length: int) -> None:
        self.longest = max(self.longest, length)
        if length >= self.clip_run:
            self.clipped_runs += 1

    def result(self) -> Levels:
        for open_run in self.open_runs:
            if open_run:
                self._close(open_run)
        self.open_runs = [0] * self.channels
        return Levels(
            frames=self.frames,
            peak=self.peak,
            clipped_runs=self.clipped_runs,
            longest_clip_run=self.longest,
            first_sound=self.first,
            last_sound=self.last,
        )


def _runs_stdlib(channel: Sequence[float], level: float) -> list[tuple[int, int]]:
    """(start, length) of every run of samples at or above ``level`` in magnitude."""
    runs: list[tuple[int, int]] = []
    start = -1
    for i, sample in enumerate(channel):
        if abs(sample) >= level:
            if start < 0:
                start = i
        elif start >= 0:
            runs.append((start, i - start))
            start = -1
    if start >= 0:
        runs.append((start, len(channel) - start))
    return runs


def _runs_numpy(mask: Any) -> list[tuple[int, int]]:
    assert numpy is not None
    edges = numpy.diff(numpy.concatenate(([0], mask.astype(numpy.int8), [0])))
    starts = numpy.flatnonzero(edges == 1)
    ends = numpy.flatnonzero(edges == -1)
    return [(int(s), int(e - s)) for s, e in zip(starts, ends, strict=True)]


def _decode_stdlib(block: bytes, info: WavInfo) -> array[Any]:
    width = info.container_bytes
    if info.kind == "float":
        samples: array[Any] = array("f" if width == 4 else "d", block)
    elif width == 1:
        samples = array("b", block.translate(_U8_TO_S8))
    elif width == 2:
        samples = array("h", block)
    elif width == 3:
        # 24-bit little endian -> the top three bytes of an int32 (value << 8): sign comes free
        padded = bytearray(len(block) // 3 * 4)
        padded[1::4], padded[2::4], padded[3::4] = block[0::3], block[1::3], block[2::3]
        samples = array("i", bytes(padded))
    else:
        samples = array("i", block)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def _decode_numpy(block: bytes, info: WavInfo) -> Any:
    assert numpy is not None
    width = info.container_bytes
    if info.kind == "float":
        return numpy.frombuffer(block, dtype="<f4" if width == 4 else "<f8")
    if width == 1:
        return numpy.frombuffer(block, dtype=numpy.uint8).astype(numpy.int16) - 128
    if width == 2:
        return numpy.frombuffer(block, dtype="<i2")
    if width == 3:
        raw = numpy.frombuffer(block, dtype=numpy.uint8).reshape(-1, 3).astype(numpy.uint32)
        return ((raw[:, 0] << 8) | (raw[:, 1] << 16) | (raw[:, 2] << 24)).view(numpy.int32)
    return numpy.frombuffer(block, dtype="<i4")
