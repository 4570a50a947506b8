"""Reading .RPP files: the real ones in tests/data, every REAPER syntax variant, and damaged files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from reaperkit import DATA
from wwiseflowd_reaper.project import read_project
from wwiseflowd_reaper.render_settings import decode_cfg, encode_wav_cfg
from wwiseflowd_reaper.rppfile import ProjectReadError
from wwiseflowd_reaper.sim.projects import ProjectSpec, RegionSpec, write_project

REAL = sorted(p for p in DATA.iterdir() if p.suffix.lower() == ".rpp")


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_every_real_project_in_the_test_data_parses(path: Path) -> None:
    project = read_project(path)
    assert project.version
    assert project.render.channels == 2
    assert project.sampleRate in (44100, 48000)


def test_real_reaper_5_project_keeps_marker_1_and_region_1_apart() -> None:
    # perlence/rpp vst.RPP (REAPER 5.50c): MARKER 1 at 2 s (a marker), MARKER 1 at 4 and 6 s (region 1)
    project = read_project(DATA / "perlence_rpp__vst.RPP")
    assert [(m.id, m.position) for m in project.markers] == [(1, 2.0)]
    assert [(r.id, r.start, r.end, r.name) for r in project.regions] == [(1, 4.0, 6.0, "")]
    assert project.render.bounds == "project" and project.render.tail is True


def test_real_reaper_4_project_with_three_field_render_range() -> None:
    project = read_project(DATA / "perlence_rpp__empty.RPP")
    assert project.version == "4.32"
    assert (project.render.bounds, project.render.start, project.render.end) == ("project", 0.0, 0.0)
    assert project.render.sampleRate == 44100 and project.render.effectiveSampleRate == 44100


def test_real_project_with_an_mp3_render_config_and_a_windows_render_path() -> None:
    project = read_project(DATA / "griffinsauce__with-external-files.rpp")
    assert project.render.format.format == "mp3" and not project.render.format.isWav
    assert project.render.file == "..\\..\\0. Nu\\Flurb 3.mp3"
    assert project.render.effectiveSampleRate == 48000  # RENDER_FMT 0 2 0: the project's rate
    assert len(project.tracks) == 19 and sum(len(t.items) for t in project.tracks) > 0


def test_real_project_pattern_with_a_wildcard_we_do_not_predict_is_still_read() -> None:
    project = read_project(DATA / "ultraschall__tempproject.RPP")
    assert project.render.pattern == "Tudelu $day"
    assert project.render.format.format == "flac"


@pytest.mark.parametrize("syntax", ["4", "5", "6", "7"])
@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
def test_regions_read_the_same_in_every_reaper_syntax(tmp_path: Path, syntax: str, crlf: bool) -> None:
    regions = [RegionSpec("Footstep_01", 0, 0.5), RegionSpec("Door Open", 1, 2.25), RegionSpec("x", 3, 3.5)]
    path = write_project(tmp_path / "p.rpp", ProjectSpec(regions=regions, syntax=syntax,  # type: ignore[arg-type]
                                                         crlf=crlf, markers=[("Hit", 0.25)]))
    project = read_project(path)
    assert [(r.id, r.name, r.start, r.end) for r in project.regions] == [
        (1, "Footstep_01", 0.0, 0.5), (2, "Door Open", 1.0, 2.25), (3, "x", 3.0, 3.5)]
    assert [(m.name, m.position) for m in project.markers] == [("Hit", 0.25)]
    assert project.render.pattern == "$region"


def test_overlapping_regions_are_paired_by_id_not_by_position(tmp_path: Path) -> None:
    # REAPER sorts marker lines by position: start A, start B, end A, end B
    path = write_project(tmp_path / "p.rpp", ProjectSpec(regions=[
        RegionSpec("Long", 0, 4, id=7), RegionSpec("Short", 1, 2, id=3)]))
    lines = [ln.split()[1:3] for ln in path.read_text().splitlines() if ln.strip().startswith("MARKER")]
    assert lines == [["7", "0"], ["3", "1"], ["3", "2"], ["7", "4"]]
    project = read_project(path)
    assert sorted((r.name, r.start, r.end) for r in project.regions) == [("Long", 0, 4), ("Short", 1, 2)]


def test_names_with_quotes_and_unquoted_names_are_read_as_reaper_wrote_them(tmp_path: Path) -> None:
    path = write_project(tmp_path / "p.rpp", ProjectSpec(regions=[
        RegionSpec('Say "hi"', 0, 1), RegionSpec("it's", 1, 2), RegionSpec("Plain_01", 2, 3)]))
    assert "MARKER 3 2 Plain_01 1" in path.read_text()
    assert [r.name for r in read_project(path).regions] == ['Say "hi"', "it's", "Plain_01"]


def test_render_settings_are_typed(make_project: Callable[..., Path]) -> None:
    path = make_project(["A"], sample_rate=96000, channels=1, bit_depth=16, pattern="SFX/$project_$region")
    render = read_project(path).render
    assert (render.sampleRate, render.channels, render.bounds, render.source) == (
        96000, 1, "all regions", "master mix")
    assert render.format.model_dump() == {"format": "wav", "isWav": True, "bitDepth": 16,
                                          "sampleKind": "int", "raw": encode_wav_cfg(16)}
    assert render.pattern == "SFX/$project_$region" and render.file == "Renders"


def test_reapers_own_wav_24_bit_render_config_decodes() -> None:
    # "ZXZhdxgAAQ==" is what REAPER saves for WAV 24-bit PCM (evaw, 0x18, 0, 1)
    assert decode_cfg("ZXZhdxgAAQ==").bitDepth == 24
    assert decode_cfg("ZXZhdyAAAQ==").sampleKind == "float"
    assert decode_cfg("not base64!").format == "unknown"


def test_a_file_with_bytes_that_are_not_utf8_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.rpp"
    path.write_bytes(b'<REAPER_PROJECT 0.1 "6.0" 1\n  MARKER 1 0 "Caf\xe9" 1\n  MARKER 1 1 "" 1\n>\n')
    with pytest.raises(ProjectReadError) as excinfo:
        read_project(path)
    assert excinfo.value.line == 2
    assert str(excinfo.value).startswith(f"{path}, line 2: byte 0xe9 is not UTF-8 text")


@pytest.mark.parametrize(("text", "line", "words"), [
    ('<REAPER_PROJECT 0.1 "6.0" 1\n  <TRACK\n    NAME x\n', 2, "never closed"),
    ('<REAPER_PROJECT 0.1 "6.0" 1\n  MARKER 1 0 "Name 1\n>\n', 2, "closing quote"),
    ('<REAPER_PROJECT 0.1 "6.0" 1\n  MARKER 4 0 "Lonely" 1\n>\n', 2, "no end line"),
    ('<REAPER_PROJECT 0.1 "6.0" 1\n  MARKER 4 zero "A" 1\n>\n', 2, "not a number"),
    ("<TRACK\n>\n", 1, "not a REAPER project"),
    ("hello\n", 1, "not a REAPER project"),
    ("", 1, "no <REAPER_PROJECT"),
])
def test_a_damaged_file_is_a_clear_error_with_its_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = tmp_path / "bad.rpp"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProjectReadError) as excinfo:
        read_project(path)
    assert excinfo.value.line == line and words in str(excinfo.value)


def test_a_missing_file_and_a_folder_are_errors_not_tracebacks(tmp_path: Path) -> None:
    for path, words in ((tmp_path / "nope.rpp", "does not exist"), (tmp_path, "is a folder")):
        with pytest.raises(ProjectReadError, match=words):
            read_project(path)


def test_items_and_their_media_are_read(make_project: Callable[..., Path], tmp_path: Path) -> None:
    path = make_project(["A"], media=["Audio/steps.wav", "/abs/wind.wav"])
    project = read_project(path)
    assert [i.sources for i in project.tracks[0].items] == [["Audio/steps.wav"], ["/abs/wind.wav"]]
    assert project.media_files() == [path.parent / "Audio/steps.wav", Path("/abs/wind.wav")]
