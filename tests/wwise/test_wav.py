"""The RIFF/WAVE pre-flight check on real files in a temp dir."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from wwiseflowd.default_plugins.wwise.wav import check_wav, inspect_wav, write_wav
from wwiseflowd.results import ErrorCode


def test_a_generated_wav_passes_with_its_format(tmp_path: Path) -> None:
    info = inspect_wav(write_wav(tmp_path / "ok.wav", frames=4800, channels=2))
    assert (info.format_name, info.channels, info.sample_rate) == ("PCM 16-bit", 2, 48_000)
    assert info.duration_s == pytest.approx(0.1)


def test_a_missing_file_is_file_not_found_naming_it(tmp_path: Path) -> None:
    result = check_wav(tmp_path / "nope.wav")
    assert (result.ok, result.code) == (False, ErrorCode.FILE_NOT_FOUND)
    assert "nope.wav" in (result.error or "")


def test_a_relative_path_is_refused_before_anything_else() -> None:
    result = check_wav("relative/x.wav")
    assert result.code == ErrorCode.INVALID_INPUT and "absolute" in (result.error or "")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"ID3\x03\x00\x00\x00\x00\x00\x00 this is an mp3", "not a WAV file"),
        (b"RIFF\x10\x00\x00\x00AVI LIST", "not a WAV file"),
    ],
)
def test_non_wav_content_is_invalid_audio(tmp_path: Path, content: bytes, words: str) -> None:
    file = tmp_path / "bad.wav"
    file.write_bytes(content)
    result = check_wav(file)
    assert result.code == ErrorCode.INVALID_AUDIO
    assert words in (result.error or "") and "bad.wav" in (result.error or "")


def test_a_truncated_file_with_half_its_data_chunk_is_incomplete(tmp_path: Path) -> None:
    whole = write_wav(tmp_path / "whole.wav", frames=48_000).read_bytes()
    half = tmp_path / "half.wav"
    half.write_bytes(whole[: len(whole) // 2])
    result = check_wav(half)
    assert result.code == ErrorCode.INVALID_AUDIO
    assert "incomplete" in (result.error or "") and "half.wav" in (result.error or "")


def test_a_file_cut_inside_the_header_has_no_data_chunk(tmp_path: Path) -> None:
    whole = write_wav(tmp_path / "whole.wav").read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[:30])  # RIFF header + part of fmt
    result = check_wav(cut)
    assert result.code == ErrorCode.INVALID_AUDIO


def test_data_before_fmt_is_refused(tmp_path: Path) -> None:
    data = struct.pack("<4sI", b"data", 4) + b"\x00" * 4
    file = tmp_path / "nofmt.wav"
    file.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(data)) + b"WAVE" + data)
    result = check_wav(file)
    assert result.code == ErrorCode.INVALID_AUDIO and "fmt" in (result.error or "")


def test_unknown_chunks_before_data_are_skipped_with_word_alignment(tmp_path: Path) -> None:
    fmt = struct.pack("<HHIIHH", 1, 1, 44_100, 88_200, 2, 16)
    chunks = (
        struct.pack("<4sI", b"fmt ", 16)
        + fmt
        + struct.pack("<4sI", b"LIST", 3)
        + b"abc\x00"
        + struct.pack("<4sI", b"data", 8)
        + b"\x00" * 8
    )
    file = tmp_path / "list.wav"
    file.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks)
    assert inspect_wav(file).sample_rate == 44_100


def test_a_compressed_format_is_refused(tmp_path: Path) -> None:
    fmt = struct.pack("<HHIIHH", 0x55, 1, 44_100, 16_000, 1, 0)  # MPEG layer 3 in a WAV
    chunks = struct.pack("<4sI", b"fmt ", 16) + fmt + struct.pack("<4sI", b"data", 2) + b"\x00\x00"
    file = tmp_path / "mp3.wav"
    file.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks)
    result = check_wav(file)
    assert result.code == ErrorCode.INVALID_AUDIO and "PCM" in (result.error or "")


def test_a_folder_is_not_audio(tmp_path: Path) -> None:
    (tmp_path / "dir.wav").mkdir()
    assert check_wav(tmp_path / "dir.wav").code == ErrorCode.INVALID_AUDIO
