"""The one RIFF/WAVE reader (wwiseflowd.wav) on real files written byte by byte in tmp_path."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest

from wwiseflowd.results import ErrorCode
from wwiseflowd.wav import WavError, iter_blocks, read_wav

# the KSDATAFORMAT_SUBTYPE GUID after its first two bytes (the format tag)
_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"


def chunk(chunk_id: bytes, body: bytes) -> bytes:
    """One RIFF chunk, padded to an even length."""
    return chunk_id + struct.pack("<I", len(body)) + body + b"\0" * (len(body) & 1)


def fmt_body(tag: int, channels: int, rate: int, container: int, bits: int) -> bytes:
    block = channels * container
    return struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)


def extensible_body(sub: int, channels: int, rate: int, container: int, valid: int) -> bytes:
    head = fmt_body(0xFFFE, channels, rate, container, container * 8)
    return head + struct.pack("<HHI", 22, valid, 0) + struct.pack("<H", sub) + _GUID_TAIL


def riff(*chunks: bytes, form: bytes = b"RIFF") -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return form + struct.pack("<I", len(body)) + body


def write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def pcm(frames: int, channels: int = 1, container: int = 2, *, tag: int = 1) -> bytes:
    fmt = fmt_body(tag, channels, 48_000, container, container * 8)
    return riff(chunk(b"fmt ", fmt), chunk(b"data", b"\x01" * frames * channels * container))


def test_pcm16_reports_format_data_offset_and_duration(tmp_path: Path) -> None:
    info = read_wav(write(tmp_path / "a.wav", pcm(4800, channels=2)))
    assert (info.form, info.kind, info.format_name, info.channels, info.sample_rate) == (
        "RIFF",
        "int",
        "PCM 16-bit",
        2,
        48_000,
    )
    assert (info.data_offset, info.data_bytes, info.frames) == (44, 4800 * 4, 4800)
    assert info.duration_s == pytest.approx(0.1)
    assert info.complete and not info.truncated and not info.extensible


def test_24_bit_pcm_uses_three_byte_containers(tmp_path: Path) -> None:
    info = read_wav(write(tmp_path / "a.wav", pcm(10, container=3)))
    assert (info.format_name, info.container_bytes, info.frame_bytes) == ("PCM 24-bit", 3, 3)


def test_float_32_is_a_float_kind(tmp_path: Path) -> None:
    info = read_wav(write(tmp_path / "a.wav", pcm(10, container=4, tag=3)))
    assert (info.kind, info.format_name) == ("float", "float 32-bit")


def test_extensible_reads_the_subformat_and_the_valid_bits(tmp_path: Path) -> None:
    fmt = extensible_body(1, 2, 96_000, 4, 24)  # 24-bit audio in 4-byte containers
    info = read_wav(write(tmp_path / "a.wav", riff(chunk(b"fmt ", fmt), chunk(b"data", bytes(80)))))
    assert info.extensible and (info.format_tag, info.sample_format) == (0xFFFE, 1)
    assert (info.kind, info.bit_depth, info.container_bytes, info.frames) == ("int", 24, 4, 10)
    assert info.format_name == "PCM 24-bit"


def test_a_compressed_format_is_read_but_has_no_sample_kind(tmp_path: Path) -> None:
    fmt = struct.pack("<HHIIHH", 0x55, 1, 44_100, 16_000, 1, 0)  # MP3 inside a WAV
    info = read_wav(write(tmp_path / "a.wav", riff(chunk(b"fmt ", fmt), chunk(b"data", b"\0\0"))))
    assert info.kind is None and info.format_name.startswith("format 0x0055")


def test_unknown_chunks_are_skipped_with_word_alignment(tmp_path: Path) -> None:
    content = riff(
        chunk(b"fmt ", fmt_body(1, 1, 44_100, 2, 16)), chunk(b"LIST", b"abc"), chunk(b"data", bytes(8))
    )
    info = read_wav(write(tmp_path / "a.wav", content))
    assert (info.sample_rate, info.data_offset, info.data_bytes) == (44_100, 56, 8)


def test_a_truncated_data_chunk_is_reported_or_refused_as_incomplete(tmp_path: Path) -> None:
    whole = pcm(1000)
    path = write(tmp_path / "cut.wav", whole[:-500])
    info = read_wav(path)
    assert info.truncated and not info.complete
    assert (info.data_declared, info.data_bytes) == (2000, 1500)
    with pytest.raises(WavError) as caught:
        read_wav(path, require_complete=True)
    assert caught.value.incomplete and caught.value.code == ErrorCode.INVALID_AUDIO
    assert "cut.wav" in caught.value.message and "2000 bytes but only 1500" in caught.value.message


def test_a_placeholder_data_size_is_not_complete(tmp_path: Path) -> None:
    content = bytearray(pcm(100))
    content[40:44] = b"\xff\xff\xff\xff"  # a streaming writer patches the real size in at the end
    info = read_wav(write(tmp_path / "a.wav", bytes(content)))
    assert info.data_declared is None and not info.complete and info.data_bytes == 200
    with pytest.raises(WavError, match="declares no audio data yet") as caught:
        read_wav(tmp_path / "a.wav", require_complete=True)
    assert caught.value.incomplete


@pytest.mark.parametrize("cut", [0, 3, 12, 20, 30])
def test_a_file_cut_inside_its_headers_is_incomplete_not_invalid(tmp_path: Path, cut: int) -> None:
    path = write(tmp_path / "a.wav", pcm(100)[:cut])
    with pytest.raises(WavError) as caught:
        read_wav(path)
    assert caught.value.incomplete and caught.value.code == ErrorCode.INVALID_AUDIO
    assert "a.wav" in caught.value.message


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"ID3\x03" + bytes(100), "not a WAV file"),
        (b"RIFF\x10\x00\x00\x00AVI LIST", "not a WAV file"),
        (b"OggS", "not a WAV file"),
        (riff(chunk(b"data", bytes(4))), "no fmt chunk before its audio"),
        (riff(chunk(b"fmt ", bytes(8))), "malformed fmt chunk"),
        (riff(chunk(b"fmt ", fmt_body(1, 0, 48_000, 2, 16)), chunk(b"data", bytes(4))), "damaged"),
        (
            riff(chunk(b"fmt ", struct.pack("<HHIIHH", 1, 2, 48_000, 0, 3, 16)), chunk(b"data", b"")),
            "inconsistent fmt chunk",
        ),
        (riff(chunk(b"\xff\xfe\x00\x01", bytes(4))), "corrupt chunk list"),
    ],
)
def test_a_damaged_or_foreign_file_is_invalid_with_a_reason(
    tmp_path: Path, content: bytes, words: str
) -> None:
    with pytest.raises(WavError) as caught:
        read_wav(write(tmp_path / "bad.wav", content))
    assert not caught.value.incomplete and caught.value.code == ErrorCode.INVALID_AUDIO
    assert words in caught.value.message and "bad.wav" in caught.value.message


def test_a_missing_file_is_file_not_found_naming_it(tmp_path: Path) -> None:
    with pytest.raises(WavError) as caught:
        read_wav(tmp_path / "nope.wav")
    assert caught.value.code == ErrorCode.FILE_NOT_FOUND and "nope.wav" in caught.value.message


def test_a_folder_is_invalid_audio(tmp_path: Path) -> None:
    (tmp_path / "dir.wav").mkdir()
    with pytest.raises(WavError, match="is a folder") as caught:
        read_wav(tmp_path / "dir.wav")
    assert caught.value.code == ErrorCode.INVALID_AUDIO


def rf64(data: bytes, *, data_size_in_ds64: int) -> bytes:
    ds64 = struct.pack("<QQQI", 0, data_size_in_ds64, len(data) // 2, 0)
    chunks = chunk(b"ds64", ds64) + chunk(b"fmt ", fmt_body(1, 1, 48_000, 2, 16))
    return b"RF64" + b"\xff\xff\xff\xff" + b"WAVE" + chunks + b"data\xff\xff\xff\xff" + data


def test_rf64_takes_the_data_size_from_the_ds64_chunk(tmp_path: Path) -> None:
    info = read_wav(write(tmp_path / "big.wav", rf64(bytes(600), data_size_in_ds64=600)))
    assert (info.form, info.data_declared, info.data_bytes, info.frames) == ("RF64", 600, 600, 300)
    assert info.complete


def test_rf64_with_more_declared_in_ds64_than_on_disk_is_truncated(tmp_path: Path) -> None:
    info = read_wav(write(tmp_path / "big.wav", rf64(bytes(600), data_size_in_ds64=6000)))
    assert info.truncated and (info.data_declared, info.data_bytes) == (6000, 600)


def test_iter_blocks_streams_whole_frames_of_the_data_chunk(tmp_path: Path) -> None:
    samples = struct.pack("<10h", *range(10))
    content = riff(
        chunk(b"fmt ", fmt_body(1, 2, 8_000, 2, 16)), chunk(b"data", samples), chunk(b"LIST", b"xy")
    )
    info = read_wav(write(tmp_path / "a.wav", content))
    blocks = list(iter_blocks(info, frames_per_block=2))
    assert [len(b) for b in blocks] == [8, 8, 4] and b"".join(blocks) == samples


def test_the_wav_file_fixture_writes_real_pcm_whose_content_follows_the_seed(wav_file: Any) -> None:
    from wwiseflowd.wav import read_wav

    silent = wav_file("a/Silent.wav", 4800, sample_rate=8000, channels=2)
    one, two = wav_file("One.wav", 100, seed=1), wav_file("Two.wav", 100, seed=2)

    info = read_wav(silent, require_complete=True)
    assert (info.sample_rate, info.channels, info.bits_per_sample) == (8000, 2, 16)
    assert set(silent.read_bytes()[44:]) == {0}
    assert one.read_bytes() != two.read_bytes() and len(one.read_bytes()) == len(two.read_bytes())


@pytest.mark.parametrize(
    ("bits", "kind", "extensible", "sample_format"),
    [(8, "int", False, 1), (24, "int", False, 1), (32, "float", False, 3), (24, "int", True, 1),
     (64, "float", True, 3)],
)
def test_the_writer_encodes_samples_the_reader_reads_back(
    tmp_path: Path, bits: int, kind: Any, extensible: bool, sample_format: int
) -> None:
    from wwiseflowd.wav import write_wav

    samples = [0.0, 0.5, -0.5, 1.5, -1.5]  # the last two are clipped (int) or kept (float)
    path = write_wav(tmp_path / "x.wav", samples=samples, channels=1, sample_rate=44_100, bits=bits,
                     kind=kind, extensible=extensible, chunks=[(b"LIST", b"INFO!")])
    info = read_wav(path, require_complete=True)
    assert (info.bits_per_sample, info.sample_format, info.extensible) == (bits, sample_format, extensible)
    assert (info.kind, info.frames, info.sample_rate) == (kind, 5, 44_100)
    data = b"".join(iter_blocks(info))
    if (bits, kind) == (24, "int"):
        top = 2**23
        assert [int.from_bytes(data[i:i + 3], "little", signed=True) for i in range(0, 15, 3)] == [
            0, top // 2, -top // 2, top - 1, -top]


def test_the_writer_pads_odd_chunks_and_keeps_silence_silent_for_8_bit(tmp_path: Path) -> None:
    from wwiseflowd.wav import wav_bytes

    content = wav_bytes(3, bits=8, chunks=[(b"LIST", b"odd")])
    assert len(content) % 2 == 0 and content.endswith(b"\x80\x80\x80\x00")
    info = read_wav(write(tmp_path / "s.wav", content), require_complete=True)
    assert (info.frames, info.kind) == (3, "int")
