"""The one RIFF/WAVE reader: chunk walk, ``fmt `` parsing, the data chunk, and whether it is all on disk.

Every part that looks inside a WAV file uses this module: the pre-flight check before an import
(``default_plugins/wwise/wav.py``), the daemon's "is this file completely written" probe
(``watch/wavecheck.py``) and the audioCheck plugin. Only chunk headers are read here (a few small
reads per file); :func:`iter_blocks` streams the samples for those who decode them.

Handles RIFF, RF64 and BW64 (the over-4 GB variants, sizes in the ``ds64`` chunk), integer PCM,
IEEE float and WAVE_FORMAT_EXTENSIBLE wrapping either. What a caller accepts (a format, RF64, a
file still being written) is the caller's decision; this module only reports what the file is.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

from wwiseflowd.results import ErrorCode
from wwiseflowd.watch.fileio import NotRegularFile, open_regular

WAVE_FORMAT_PCM = 0x0001
WAVE_FORMAT_IEEE_FLOAT = 0x0003
WAVE_FORMAT_EXTENSIBLE = 0xFFFE

SampleKind = Literal["int", "float"]

_CHUNK_HEADER = struct.Struct("<4sI")
_FMT = struct.Struct("<HHIIHH")
_LARGE_FORMS = (b"RF64", b"BW64")  # sizes of 0xFFFFFFFF are looked up in the ds64 chunk
_PLACEHOLDERS = (0, 0xFFFFFFFF)  # what streaming writers put in the data size until they finish
#: the rest of the SubFormat GUID of WAVE_FORMAT_EXTENSIBLE files, after the format tag
_KSDATAFORMAT_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
_MAX_CHUNKS = 4096  # a real WAV has a handful; a garbage file must not make us walk forever
#: the advice closing every "still being written" message (see :func:`gave_up_reason`)
AGAIN = "wait for the copy to finish, or export it again"


class WavError(Exception):
    """A file is not a usable WAV file.

    ``code`` is an :class:`~wwiseflowd.results.ErrorCode` (FILE_NOT_FOUND, INVALID_AUDIO, or what a
    caller adds); ``message`` names the file and says what to do. ``incomplete`` is True when the
    file only ends too early, so a writer that is still copying or rendering it may yet finish.
    """

    def __init__(self, code: ErrorCode, message: str, *, incomplete: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.incomplete = incomplete


@dataclass(frozen=True)
class WavInfo:
    """What the chunk headers of a WAV file say."""

    path: Path
    #: ``RIFF``, or ``RF64`` / ``BW64`` for the over-4 GB variants
    form: str
    #: the ``fmt `` chunk's format tag (0xFFFE for extensible files)
    format_tag: int
    #: the sample format: the tag, or for extensible files the SubFormat GUID's first two bytes
    sample_format: int
    channels: int
    sample_rate: int
    byte_rate: int
    block_align: int
    bits_per_sample: int
    #: ``wValidBitsPerSample`` of extensible files, else 0
    valid_bits: int
    data_offset: int
    #: the data chunk's declared size; None while it is a writer's placeholder (0 or 0xFFFFFFFF)
    data_declared: int | None
    #: bytes of the data chunk present in the file (never more than declared)
    data_bytes: int

    @property
    def extensible(self) -> bool:
        """True for WAVE_FORMAT_EXTENSIBLE files."""
        return self.format_tag == WAVE_FORMAT_EXTENSIBLE

    @property
    def container_bytes(self) -> int:
        """Bytes one sample occupies in the file (24-bit audio may sit in 4-byte containers)."""
        return self.block_align // self.channels

    @property
    def bit_depth(self) -> int:
        """Bits that carry signal (``valid_bits`` when the file says so)."""
        return self.valid_bits or self.bits_per_sample

    @property
    def kind(self) -> SampleKind | None:
        """``int`` (PCM 8-32 bit), ``float`` (32/64 bit), or None for any other format."""
        if self.bits_per_sample == 0:
            return None
        if self.sample_format == WAVE_FORMAT_PCM and self.container_bytes in (1, 2, 3, 4):
            return "int"
        if self.sample_format == WAVE_FORMAT_IEEE_FLOAT and self.container_bytes in (4, 8):
            return "float"
        return None

    @property
    def format_name(self) -> str:
        """Short human name: ``PCM 24-bit``, ``float 32-bit``, ``format 0x0055 0-bit``."""
        names = {WAVE_FORMAT_PCM: "PCM", WAVE_FORMAT_IEEE_FLOAT: "float"}
        name = names.get(self.sample_format, f"format 0x{self.sample_format:04X}")
        return f"{name} {self.bit_depth}-bit"

    @property
    def frame_bytes(self) -> int:
        """Bytes per frame (one sample of every channel)."""
        return self.block_align

    @property
    def frames(self) -> int:
        """Number of complete frames of the data chunk present in the file."""
        return self.data_bytes // self.frame_bytes

    @property
    def duration_s(self) -> float:
        """Length in seconds of the audio present in the file."""
        return self.frames / self.sample_rate

    @property
    def truncated(self) -> bool:
        """The data chunk claims more bytes than the file holds."""
        return self.data_declared is not None and self.data_declared > self.data_bytes

    @property
    def complete(self) -> bool:
        """The data chunk has a real size and all of it is on disk."""
        return self.data_declared is not None and not self.truncated


def read_wav(path: str | os.PathLike[str], *, require_complete: bool = False) -> WavInfo:
    """Read the chunk headers of ``path``; raise :class:`WavError` when it is not a usable WAV file.

    With ``require_complete`` a data chunk that is not all on disk (or still a writer's placeholder
    size) raises too, with ``incomplete=True``; without it the returned info says ``truncated``.
    """
    file = Path(path)
    try:
        size = file.stat().st_size
        handle = open_regular(file)
    except NotRegularFile as exc:
        raise WavError(ErrorCode.INVALID_AUDIO, f"{exc}.") from None
    except FileNotFoundError:
        raise WavError(
            ErrorCode.FILE_NOT_FOUND,
            f"Audio file {file} does not exist; check the path or whether it was moved.",
        ) from None
    except IsADirectoryError:
        raise WavError(ErrorCode.INVALID_AUDIO, f"{file} is a folder, not a WAV file.") from None
    except OSError as exc:
        # on Windows a writer still holding the file gives a sharing violation: it may clear
        raise WavError(
            ErrorCode.INVALID_AUDIO,
            f"Audio file {file} cannot be read ({exc.strerror or exc}); check its permissions "
            f"and that no other program holds it open.",
            incomplete=True,
        ) from None
    with handle:
        info = _parse(file, handle, size)
    if require_complete and not info.complete:
        raise _incomplete_data(info)
    return info


def gave_up_reason(reason: str, path: Path, waited_s: float) -> str:
    """An "incomplete" ``reason`` restated once waiting is over: the file's name (it is about to move
    to ``failed/``) and what to do now, instead of the old path and advice to wait."""
    detail = reason.replace(str(path), path.name).removesuffix(f"; {AGAIN}.")
    return (
        f"{detail}; it stayed like that for {waited_s:g} s, so it is treated as broken: "
        "export or copy it again."
    )


def _invalid(message: str) -> WavError:
    return WavError(ErrorCode.INVALID_AUDIO, message)


def _cut_short(message: str) -> WavError:
    return WavError(ErrorCode.INVALID_AUDIO, message, incomplete=True)


def _incomplete_data(info: WavInfo) -> WavError:
    if info.data_declared is None:
        return _cut_short(
            f"{info.path} declares no audio data yet ({info.data_bytes} bytes written after the "
            f"header; still being written?); {AGAIN}."
        )
    return _cut_short(
        f"{info.path} is incomplete (truncated): its data chunk declares {info.data_declared} bytes "
        f"but only {info.data_bytes} are on disk (still being copied?); {AGAIN}."
    )


def _parse(file: Path, fh: BinaryIO, size: int) -> WavInfo:
    """Walk the chunks of an open file: the RIFF form, ``ds64`` (RF64/BW64), ``fmt `` and ``data``."""
    form = _read_form(file, fh, size)
    ds64_data: int | None = None
    fmt: tuple[int, ...] | None = None
    pos = 12
    for _ in range(_MAX_CHUNKS):
        fh.seek(pos)
        header = fh.read(_CHUNK_HEADER.size)
        if len(header) < _CHUNK_HEADER.size:
            missing = "fmt" if fmt is None else "data"
            raise _cut_short(
                f"{file} has no {missing} chunk (it ends after {size} bytes: cut short or still "
                f"being copied?); {AGAIN}."
            )
        chunk_id, chunk_size = _CHUNK_HEADER.unpack(header)
        body = pos + _CHUNK_HEADER.size
        if chunk_id == b"ds64" and form in _LARGE_FORMS:
            ds64 = fh.read(min(chunk_size, 28))
            if len(ds64) >= 16:
                ds64_data = struct.unpack("<Q", ds64[8:16])[0]
        elif chunk_id == b"fmt ":
            fmt = _read_fmt_chunk(file, fh, chunk_size, body, size)
        elif chunk_id == b"data":
            if fmt is None:
                raise _invalid(
                    f"{file} has no fmt chunk before its audio data; the file is damaged, "
                    f"export it again."
                )
            declared = ds64_data if form in _LARGE_FORMS and chunk_size == 0xFFFFFFFF else chunk_size
            return _info(file, form, fmt, body, declared, size - body)
        elif not chunk_id.isascii():
            raise _invalid(
                f"{file} has a corrupt chunk list at byte {pos}; the file is damaged, export it again."
            )
        pos = body + chunk_size + (chunk_size & 1)  # chunks are word-aligned
    raise _invalid(f"{file} has too many chunks to be a WAV file; export it again.")


def _read_form(file: Path, fh: BinaryIO, size: int) -> bytes:
    """The RIFF form (``RIFF``, ``RF64``, ``BW64``) of a file that starts as a WAVE file, or why not."""
    head = fh.read(12)
    if len(head) < 12:
        if size == 0:
            raise _cut_short(f"{file} is empty (0 bytes); {AGAIN}.")
        if any(magic.startswith(head[:4]) for magic in (b"RIFF", *_LARGE_FORMS)):
            raise _cut_short(f"{file} is too short to be a WAV file ({size} bytes); {AGAIN}.")
    form, _riff_size, wave = struct.unpack("<4sI4s", head.ljust(12, b"\0"))
    if form not in (b"RIFF", *_LARGE_FORMS) or wave != b"WAVE":
        raise _invalid(
            f"{file} is not a WAV file (no RIFF/WAVE header: it starts with {head[:4]!r}); "
            f"export it again as a .wav file."
        )
    return bytes(form)


def _read_fmt_chunk(file: Path, fh: BinaryIO, chunk_size: int, body: int, size: int) -> tuple[int, ...]:
    """The ``fmt `` chunk whose body starts at ``body`` (the file is positioned there)."""
    if chunk_size < _FMT.size:
        raise _invalid(
            f"{file} has a malformed fmt chunk ({chunk_size} bytes, at least 16 expected); "
            f"the file is damaged, export it again."
        )
    if body + chunk_size > size:
        raise _cut_short(f"{file} ends inside its fmt chunk (cut short?); {AGAIN}.")
    return _parse_fmt(file, fh.read(chunk_size))


def _info(
    file: Path, form: bytes, fmt: tuple[int, ...], body: int, declared: int | None, available: int
) -> WavInfo:
    """The WavInfo of a data chunk at ``body`` declaring ``declared`` bytes, ``available`` on disk."""
    if declared in _PLACEHOLDERS:
        declared = None
    tag, channels, rate, byte_rate, block_align, bits, valid_bits, sub = fmt
    return WavInfo(
        path=file,
        form=form.decode("ascii"),
        format_tag=tag,
        sample_format=sub,
        channels=channels,
        sample_rate=rate,
        byte_rate=byte_rate,
        block_align=block_align,
        bits_per_sample=bits,
        valid_bits=valid_bits,
        data_offset=body,
        data_declared=declared,
        data_bytes=available if declared is None else min(declared, available),
    )


def _parse_fmt(file: Path, body: bytes) -> tuple[int, int, int, int, int, int, int, int]:
    tag, channels, rate, byte_rate, block_align, bits = _FMT.unpack(body[: _FMT.size])
    valid_bits, sub = 0, tag
    if tag == WAVE_FORMAT_EXTENSIBLE:
        if len(body) < 40:
            raise _invalid(
                f"{file} has a WAVE_FORMAT_EXTENSIBLE fmt chunk that is too short; the file is "
                f"damaged, export it again."
            )
        valid_bits = struct.unpack("<H", body[18:20])[0]
        sub = struct.unpack("<H", body[24:26])[0]  # first two bytes of the SubFormat GUID
    if channels == 0 or rate == 0 or block_align == 0:
        raise _invalid(
            f"{file} declares {channels} channels at {rate} Hz with {block_align}-byte frames; "
            f"the header is damaged, export it again."
        )
    if block_align % channels or block_align // channels * 8 < bits:
        raise _invalid(
            f"{file} has an inconsistent fmt chunk ({channels} channels, {bits}-bit, block align "
            f"{block_align}); the header is damaged, export it again."
        )
    return tag, channels, rate, byte_rate, block_align, bits, valid_bits, sub


def wav_bytes(
    frames: int = 480,
    *,
    sample_rate: int = 48_000,
    channels: int = 1,
    seed: int | None = None,
    samples: Sequence[float] | None = None,
    data: bytes | None = None,
    bits: int = 16,
    kind: SampleKind = "int",
    extensible: bool = False,
    chunks: Sequence[tuple[bytes, bytes]] = (),
) -> bytes:
    """A complete WAV file: the one WAV writer of the tests, the benches and the demo
    (``wwiseflowd.testing`` re-exports it with a ``wav_file`` fixture).

    The audio is the first given of: ``data`` (frames already encoded, e.g. by numpy), ``samples``
    (interleaved, -1..1, clipped; encoded as ``bits``-bit ``kind``), ``seed`` (a deterministic
    non-silent 16-bit pattern: another seed, other samples and another content hash), else
    ``frames`` frames of silence. ``extensible`` writes a WAVE_FORMAT_EXTENSIBLE ``fmt `` chunk;
    ``chunks`` (``(id, body)``, e.g. ``(b"LIST", b"INFO")``) go between ``fmt `` and ``data``, padded
    to even sizes as RIFF wants.
    """
    if data is None:
        data = _audio(frames * channels, seed, samples, bits, kind)
    fmt = _fmt_body(channels, sample_rate, bits, kind, extensible)
    body = b"".join(_chunk(cid, payload) for cid, payload in [(b"fmt ", fmt), *chunks, (b"data", data)])
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body


def _audio(count: int, seed: int | None, samples: Sequence[float] | None, bits: int, kind: str) -> bytes:
    """``count`` encoded samples: ``samples``, the 16-bit pattern of ``seed``, or silence."""
    if samples is not None:
        return _encode(samples, bits, kind)
    if seed is not None:
        if (bits, kind) != (16, "int"):
            raise ValueError("a seeded WAV is 16-bit PCM")
        pattern = (((i * 97 + seed * 31) % 2000) - 1000 for i in range(count))
        return struct.pack(f"<{count}h", *pattern)
    return (b"\x80" if (bits, kind) == (8, "int") else bytes(bits // 8)) * count


def _encode(samples: Sequence[float], bits: int, kind: str) -> bytes:
    """Samples in -1..1 as a WAV file stores them (8-bit unsigned, 16-32-bit signed, float 32/64)."""
    if kind == "float":
        return struct.pack(f"<{len(samples)}{'f' if bits == 32 else 'd'}", *samples)
    if bits == 8:
        return bytes(max(0, min(255, round(x * 128) + 128)) for x in samples)
    full = 2 ** (bits - 1)
    clipped = [max(-full, min(full - 1, round(x * full))) for x in samples]
    if bits in (16, 32):
        return struct.pack(f"<{len(clipped)}{'h' if bits == 16 else 'i'}", *clipped)
    return b"".join(value.to_bytes(bits // 8, "little", signed=True) for value in clipped)


def _fmt_body(channels: int, rate: int, bits: int, kind: str, extensible: bool) -> bytes:
    """The ``fmt `` chunk's body: PCM or IEEE float, plain or WAVE_FORMAT_EXTENSIBLE."""
    block = channels * bits // 8
    tag = WAVE_FORMAT_IEEE_FLOAT if kind == "float" else WAVE_FORMAT_PCM
    if not extensible:
        return struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    # cbSize 22, every bit valid, no channel mask, then the SubFormat GUID (the tag first)
    head = struct.pack("<HHIIHH", WAVE_FORMAT_EXTENSIBLE, channels, rate, rate * block, block, bits)
    return head + struct.pack("<HHIH", 22, bits, 0, tag) + _KSDATAFORMAT_TAIL


def _chunk(chunk_id: bytes, payload: bytes) -> bytes:
    """One RIFF chunk, padded to an even size."""
    return chunk_id + struct.pack("<I", len(payload)) + payload + b"\0" * (len(payload) & 1)


def write_wav(path: str | os.PathLike[str], frames: int = 480, **options: Any) -> Path:
    """Write :func:`wav_bytes` (same ``options``) to ``path`` (parent folders created); the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(wav_bytes(frames, **options))
    return out


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
