"""Reading RIFF/WAVE files: the format chunk and the sample data, block by block.

Handles integer PCM (8, 16, 24 and 32 bit), IEEE float (32 and 64 bit) and
WAVE_FORMAT_EXTENSIBLE wrapping either. Anything else raises :class:`WavError` with a sentence
a sound designer can act on; nothing here decodes samples (see ``levels.py``).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

WAVE_FORMAT_PCM = 0x0001
WAVE_FORMAT_IEEE_FLOAT = 0x0003
WAVE_FORMAT_EXTENSIBLE = 0xFFFE

SampleKind = Literal["int", "float"]


class WavError(Exception):
    """The file is not a WAV file this checker can read. The message is for the user."""


@dataclass(frozen=True)
class WavInfo:
    """What the ``fmt `` and ``data`` chunks say about a file."""

    path: Path
    kind: SampleKind
    channels: int
    sample_rate: int
    #: bits that carry signal (``wValidBitsPerSample`` for extensible files)
    bit_depth: int
    #: bytes one sample occupies in the file (24-bit audio may sit in 4-byte containers)
    container_bytes: int
    extensible: bool
    data_offset: int
    data_bytes: int
    #: the data chunk claims more bytes than the file holds
    truncated: bool

    @property
    def frame_bytes(self) -> int:
        """Bytes per frame (one sample of every channel)."""
        return self.container_bytes * self.channels

    @property
    def frames(self) -> int:
        """Number of complete frames in the data chunk."""
        return self.data_bytes // self.frame_bytes

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.frames / self.sample_rate

    @property
    def format_name(self) -> str:
        """Short human name: ``PCM 24-bit``, ``float 32-bit``."""
        return f"{'PCM' if self.kind == 'int' else 'float'} {self.bit_depth}-bit"


def read_info(path: Path) -> WavInfo:
    """Parse the chunks of ``path``; raise :class:`WavError` when it is not a readable WAV file."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            return _parse(fh, path, size)
    except OSError as exc:
        raise WavError(f"cannot read the file ({exc.strerror or exc}); check that it exists "
                       f"and is not open in another program") from None


def _parse(fh: BinaryIO, path: Path, file_size: int) -> WavInfo:
    header = fh.read(12)
    if len(header) < 12:
        raise WavError("the file is too short to be a WAV file (under 12 bytes); re-export it")
    riff, _, wave = struct.unpack("<4sI4s", header)
    if riff in (b"RF64", b"BW64"):
        raise WavError("RF64/BW64 (over 4 GB) WAV files are not supported; export a standard WAV")
    if riff != b"RIFF" or wave != b"WAVE":
        raise WavError("not a RIFF/WAVE file (wrong header); re-export it as WAV")
    fmt: tuple[int, int, int, int, int, int, bool] | None = None
    while True:
        chunk = fh.read(8)
        if len(chunk) < 8:
            break
        chunk_id, chunk_size = struct.unpack("<4sI", chunk)
        start = fh.tell()
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(fh.read(chunk_size))
        elif chunk_id == b"data":
            if fmt is None:
                raise WavError("the data chunk comes before the fmt chunk; re-export the file")
            kind_code, channels, rate, block_align, bits, valid_bits, extensible = fmt
            available = file_size - start
            container = block_align // channels
            kind: SampleKind = "float" if kind_code == WAVE_FORMAT_IEEE_FLOAT else "int"
            return WavInfo(
                path=path,
                kind=kind,
                channels=channels,
                sample_rate=rate,
                bit_depth=valid_bits or bits,
                container_bytes=container,
                extensible=extensible,
                data_offset=start,
                data_bytes=min(chunk_size, available),
                truncated=chunk_size > available,
            )
        fh.seek(start + chunk_size + (chunk_size & 1))  # chunks are word-aligned
    if fmt is None:
        raise WavError("no fmt chunk: the file is damaged or not a WAV file; re-export it")
    raise WavError("no data chunk: the file holds no audio (damaged or cut short); re-export it")


def _parse_fmt(body: bytes) -> tuple[int, int, int, int, int, int, bool]:
    if len(body) < 16:
        raise WavError("the fmt chunk is too short; the file is damaged, re-export it")
    code, channels, rate, _byte_rate, block_align, bits = struct.unpack("<HHIIHH", body[:16])
    valid_bits = 0
    extensible = code == WAVE_FORMAT_EXTENSIBLE
    if extensible:
        if len(body) < 40:
            raise WavError("WAVE_FORMAT_EXTENSIBLE fmt chunk is too short; the file is damaged")
        valid_bits = struct.unpack("<H", body[18:20])[0]
        code = struct.unpack("<H", body[24:26])[0]  # first two bytes of the SubFormat GUID
    if channels == 0 or rate == 0 or block_align == 0:
        raise WavError("the fmt chunk says 0 channels, 0 Hz or 0-byte frames; the file is damaged")
    container = block_align // channels
    if block_align % channels or container * 8 < bits:
        raise WavError(f"inconsistent fmt chunk ({channels} channels, {bits}-bit, block align "
                       f"{block_align}); the file is damaged, re-export it")
    if code == WAVE_FORMAT_PCM and container in (1, 2, 3, 4):
        return code, channels, rate, block_align, bits, valid_bits, extensible
    if code == WAVE_FORMAT_IEEE_FLOAT and container in (4, 8):
        return code, channels, rate, block_align, bits, valid_bits, extensible
    name = {WAVE_FORMAT_PCM: "PCM", WAVE_FORMAT_IEEE_FLOAT: "float"}.get(code, f"format 0x{code:04X}")
    raise WavError(f"unsupported sample format ({name}, {bits}-bit); export PCM 16/24/32-bit or "
                   f"float 32-bit")


def iter_blocks(info: WavInfo, frames_per_block: int = 1 << 16) -> Iterator[bytes]:
    """Yield the data chunk in blocks of whole frames (bounded memory for long files)."""
    block_bytes = frames_per_block * info.frame_bytes
    remaining = info.frames * info.frame_bytes
    with info.path.open("rb") as fh:
        fh.seek(info.data_offset)
        while remaining > 0:
            block = fh.read(min(block_bytes, remaining))
            if not block:
                return
            usable = len(block) - len(block) % info.frame_bytes
            remaining -= len(block)
            yield block[:usable]
