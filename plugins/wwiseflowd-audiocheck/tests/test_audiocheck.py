"""audioCheck on real WAV files: each delivery-spec check, both decoders, the node's gate."""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from wavfiles import silence, tone
from wwiseflowd_audiocheck import levels
from wwiseflowd_audiocheck.check import AudioCheckInput, check_file, run_audio_check
from wwiseflowd_audiocheck.levels import measure
from wwiseflowd_audiocheck.wav import read_info

from wwiseflowd import ErrorCode, NodeContext
from wwiseflowd.config import settings_for_tests
from wwiseflowd.plugins import Plugins

MakeWav = Callable[..., Path]
DECODERS = [pytest.param(True, id="numpy"), pytest.param(False, id="stdlib")]


def spec(**overrides: Any) -> AudioCheckInput:
    return AudioCheckInput.model_validate({"filePath": "unused", **overrides})


def checks(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["check"]: f for f in report["findings"]}


def clipped(t: float, _c: int) -> float:
    """A sine driven 6 dB into the rails, so every crest is flat at full scale."""
    return 2.0 * math.sin(2 * math.pi * 100 * t)


@pytest.mark.parametrize("use_numpy", DECODERS)
def test_good_file_passes_with_no_findings_and_a_true_summary(wav: MakeWav, use_numpy: bool) -> None:
    path = wav("good.wav", tone(level_db=-6.0), bits=24, rate=48000, channels=2)
    report = check_file(str(path), spec(), use_numpy=use_numpy)
    assert report["ok"] is True
    assert report["findings"] == []
    info = report["info"]
    assert (info["sampleRate"], info["bitDepth"], info["channels"], info["float"]) == (48000, 24, 2, False)
    assert info["durationS"] == pytest.approx(0.25)
    assert info["peakDbfs"] == pytest.approx(-6.0, abs=0.05)
    assert info["leadingSilenceMs"] == 0.0


@pytest.mark.parametrize("use_numpy", DECODERS)
def test_clipped_file_is_an_error_naming_the_longest_run(wav: MakeWav, use_numpy: bool) -> None:
    path = wav("clipped.wav", clipped, bits=16, channels=1)
    report = check_file(str(path), spec(), use_numpy=use_numpy)
    assert report["ok"] is False
    finding = checks(report)["clipping"]
    assert finding["severity"] == "error"
    assert finding["value"] > 3 and finding["limit"] == 3
    assert "clipped.wav" in finding["message"] and "headroom" in finding["message"]
    assert report["info"]["peakDbfs"] == pytest.approx(0.0, abs=0.01)


def test_full_scale_samples_shorter_than_the_clip_run_are_not_clipping(wav: MakeWav) -> None:
    # two isolated full-scale samples: a hot master, not a clip
    path = wav("hot.wav", lambda t, _c: 1.0 if round(t * 48000) in (100, 200) else 0.5, bits=16,
               channels=1)
    report = check_file(str(path), spec())
    assert "clipping" not in checks(report)
    assert report["ok"] is True


def test_wrong_sample_rate_names_the_rate_and_what_is_allowed(wav: MakeWav) -> None:
    path = wav("lofi.wav", rate=22050, bits=16)
    report = check_file(str(path), spec(sampleRates=[48000]))
    finding = checks(report)["sampleRate"]
    assert report["ok"] is False
    assert (finding["value"], finding["limit"]) == (22050, [48000])
    assert "22050 Hz is not allowed (allowed: 48000 Hz)" in finding["message"]


@pytest.mark.parametrize(
    ("bits", "kind", "extensible", "expected_format"),
    [
        (8, "int", False, "PCM 8-bit"),
        (16, "int", False, "PCM 16-bit"),
        (24, "int", False, "PCM 24-bit"),
        (32, "int", False, "PCM 32-bit"),
        (32, "float", False, "float 32-bit"),
        (24, "int", True, "PCM 24-bit"),
        (32, "float", True, "float 32-bit"),
    ],
)
@pytest.mark.parametrize("use_numpy", DECODERS)
def test_every_sample_format_decodes_to_the_same_peak(
    wav: MakeWav, bits: int, kind: str, extensible: bool, expected_format: str, use_numpy: bool
) -> None:
    path = wav(f"f{bits}{kind}{extensible}.wav", tone(level_db=-12.0), bits=bits, kind=kind,
               extensible=extensible, seconds=0.05)
    report = check_file(str(path), spec(bitDepths=None), use_numpy=use_numpy)
    assert report["info"]["format"] == expected_format
    assert report["info"]["extensible"] is extensible
    # 8-bit quantisation costs up to ~0.1 dB at this level
    assert report["info"]["peakDbfs"] == pytest.approx(-12.0, abs=0.15 if bits == 8 else 0.01)
    assert report["ok"] is True


def test_bit_depth_and_float_limits(wav: MakeWav) -> None:
    pcm24 = wav("deep.wav", bits=24)
    report = check_file(str(pcm24), spec(bitDepths=[16]))
    assert checks(report)["bitDepth"]["value"] == 24
    floaty = wav("float.wav", bits=32, kind="float")
    report = check_file(str(floaty), spec(allowFloat=False))
    assert "float 32-bit is not allowed" in checks(report)["bitDepth"]["message"]


def test_channels_and_duration_limits(wav: MakeWav) -> None:
    path = wav("long.wav", channels=2, seconds=0.5)
    report = check_file(str(path), spec(channels=[1], maxDurationS=0.25))
    found = checks(report)
    assert found["channels"]["value"] == 2
    assert found["duration"]["value"] == pytest.approx(0.5)
    assert "longer than the 0.25 s allowed" in found["duration"]["message"]


def test_peak_above_the_limit_is_an_error(wav: MakeWav) -> None:
    path = wav("loud.wav", tone(level_db=-0.5), bits=24)
    report = check_file(str(path), spec(maxPeakDbfs=-1.0))
    finding = checks(report)["peak"]
    assert finding["value"] == pytest.approx(-0.5, abs=0.01)
    assert "above the -1 dBFS allowed" in finding["message"]


@pytest.mark.parametrize("use_numpy", DECODERS)
def test_silent_tail_is_a_warning_by_default_and_an_error_on_request(
    wav: MakeWav, use_numpy: bool
) -> None:
    path = wav("tail.wav", segments=[(0.2, tone()), (2.5, silence)], bits=16, channels=1, rate=8000)
    report = check_file(str(path), spec(sampleRates=None), use_numpy=use_numpy)
    finding = checks(report)["trailingSilence"]
    assert finding["severity"] == "warning"
    assert finding["value"] == pytest.approx(2500, abs=1)
    assert report["ok"] is True  # warnings do not fail a file
    strict = spec(sampleRates=None, severity={"trailingSilence": "error"})
    assert check_file(str(path), strict, use_numpy=use_numpy)["ok"] is False
    off = spec(sampleRates=None, maxTrailingSilenceMs=None)
    assert "trailingSilence" not in checks(check_file(str(path), off, use_numpy=use_numpy))


def test_leading_silence_and_an_all_silent_file(wav: MakeWav) -> None:
    late = wav("late.wav", segments=[(0.3, silence), (0.1, tone())], channels=1)
    finding = checks(check_file(str(late), spec()))["leadingSilence"]
    assert finding["value"] == pytest.approx(300, abs=1)
    empty = wav("silent.wav", silence, channels=1)
    finding = checks(check_file(str(empty), spec()))["leadingSilence"]
    assert "silent" in finding["message"]
    assert check_file(str(empty), spec())["info"]["peakDbfs"] is None


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"OggS" + b"\x00" * 40, "not a WAV file"),
        (b"RIFF\x04\x00\x00\x00WAVE", "no fmt chunk"),
        (b"RIFF\x20\x00\x00\x00WAVEfmt \x10\x00\x00\x00" + struct.pack("<HHIIHH", 1, 1, 48000, 96000, 2, 16),
         "no data chunk"),
        (b"RIFF\x20\x00\x00\x00WAVEfmt \x10\x00\x00\x00" + struct.pack("<HHIIHH", 2, 1, 48000, 96000, 2, 16)
         + b"data\x00\x00\x00\x00", "unsupported sample format (format 0x0002"),
        (b"RIFF\x00\x00\x00\x00RF64", "not a WAV file"),
    ],
)
def test_corrupt_file_is_a_finding_not_a_crash(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "broken.wav"
    path.write_bytes(content)
    report = check_file(str(path), spec())
    assert report["ok"] is False
    assert expected in checks(report)["file"]["message"]
    assert report["info"] is None


def test_truncated_data_chunk_is_reported_and_the_rest_still_checked(wav: MakeWav) -> None:
    path = wav("cut.wav", bits=16, channels=1)
    path.write_bytes(path.read_bytes()[:-1000])
    report = check_file(str(path), spec())
    assert "cut short" in checks(report)["file"]["message"]
    assert report["info"]["sampleRate"] == 48000


def test_missing_file_is_a_finding(tmp_path: Path) -> None:
    report = check_file(str(tmp_path / "nope.wav"), spec())
    assert "file not found" in checks(report)["file"]["message"]


@pytest.mark.parametrize("use_numpy", DECODERS)
def test_clip_runs_across_block_boundaries_count_once(wav: MakeWav, use_numpy: bool) -> None:
    path = wav("edge.wav", clipped, bits=16, channels=2, seconds=0.1)
    info = read_info(path)
    whole = measure(info, silence_threshold=0.001, clip_run=3, use_numpy=use_numpy)
    tiny_blocks = measure(info, silence_threshold=0.001, clip_run=3, use_numpy=use_numpy,
                          frames_per_block=7)
    assert whole == tiny_blocks
    assert whole.clipped_runs == 2 * 20  # per channel: 100 Hz * 0.1 s = 10 cycles, 2 crests each


def test_numpy_and_stdlib_decoders_agree_on_every_measurement(wav: MakeWav) -> None:
    path = wav("mix.wav", segments=[(0.05, silence), (0.1, clipped), (0.2, tone(level_db=-20)),
                                     (0.1, silence)], bits=24, channels=2)
    info = read_info(path)
    fast = measure(info, silence_threshold=0.001, clip_run=3, use_numpy=True)
    slow = measure(info, silence_threshold=0.001, clip_run=3, use_numpy=False)
    assert fast == slow


def test_without_numpy_the_node_still_checks_everything(
    wav: MakeWav, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(levels, "numpy", None)
    assert levels.numpy_available() is False
    path = wav("clipped.wav", clipped, bits=16, channels=1)
    report = check_file(str(path), spec())
    assert "clipping" in checks(report)


def context(tmp_path: Path) -> NodeContext:
    def no_commands(name: str, payload: Any) -> Any:
        raise AssertionError(f"audioCheck must not call bus command {name}")

    return NodeContext(execution_id="exec_test", workflow_id="wf", node_id="n1",
                       settings=settings_for_tests(tmp_path), command=no_commands)


def test_node_fails_with_invalid_audio_naming_the_bad_files(wav: MakeWav, tmp_path: Path) -> None:
    good = wav("good.wav")
    bad = wav("lofi.wav", rate=22050)
    result = run_audio_check(spec(filePath=None, files=[str(good), str(bad)]), context(tmp_path))
    assert result.ok is False
    assert result.code == ErrorCode.INVALID_AUDIO
    assert "1 of 2 file(s)" in (result.error or "") and "lofi.wav" in (result.error or "")
    assert result.data["failed"] == [str(bad)]


def test_node_without_fail_on_error_passes_only_good_entries_on(wav: MakeWav, tmp_path: Path) -> None:
    good = {"path": str(wav("good.wav")), "relativeDir": "sfx", "sha256": "abc"}
    bad = {"path": str(wav("lofi.wav", rate=22050)), "relativeDir": "", "sha256": "def"}
    result = run_audio_check(spec(filePath=None, files=[good, bad], failOnError=False), context(tmp_path))
    assert result.ok is True
    assert result.data["ok"] is False
    assert result.data["files"] == [good]  # same shape as given, so audioImport can take it
    assert [r["ok"] for r in result.data["report"]] == [True, False]


def test_inputs_need_a_file_and_reject_unknown_keys() -> None:
    with pytest.raises(ValueError, match="give 'filePath'"):
        AudioCheckInput.model_validate({})
    with pytest.raises(ValueError, match="sampleRate"):
        AudioCheckInput.model_validate({"filePath": "a.wav", "sampleRate": [48000]})


def test_audiocheck_is_found_through_its_installed_entry_point(wav: MakeWav, tmp_path: Path) -> None:
    plugins = Plugins().load(builtins=False)
    registry = plugins.registry()
    assert registry.plugin_of("node type", "audioCheck") == "audiocheck"
    spec_ = registry.node_types["audioCheck"]
    assert spec_.read_only is True and spec_.resource is None
    result = spec_.run(spec_.inputs.model_validate({"filePath": str(wav("good.wav"))}), context(tmp_path))
    assert result.ok is True
