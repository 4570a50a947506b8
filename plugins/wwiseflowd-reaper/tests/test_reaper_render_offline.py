"""Offline rendering through the stand-in executable (a real subprocess), and what is checked after."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from wwiseflowd_reaper.backend import ReaperBackend
from wwiseflowd_reaper.errors import ReaperFailure
from wwiseflowd_reaper.project import read_project
from wwiseflowd_reaper.rewrite import rewrite
from wwiseflowd_reaper.settings import ReaperConfig
from wwiseflowd_reaper.sim.projects import RegionSpec

from wwiseflowd.results import ErrorCode
from wwiseflowd.wav import read_wav

MakeProject = Callable[..., Path]


def backend(tmp_path: Path, exe: Path | None) -> ReaperBackend:
    return ReaperBackend(ReaperConfig(executable=exe, render_timeout_s=60), tmp_path / "state")


def test_render_writes_one_checked_wav_per_region(tmp_path: Path, sim_exe: Path, make_project: MakeProject,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "argv.jsonl"
    monkeypatch.setenv("WWISEFLOWD_REAPER_SIM_LOG", str(log))
    path = make_project([RegionSpec("Step_01", 0, 0.5), RegionSpec("Door Open", 1, 1.75)],
                        sample_rate=44100, channels=1, bit_depth=16, pattern="SFX/$region")
    out = tmp_path / "out"
    targets = backend(tmp_path, sim_exe).render(read_project(path), None, out)
    assert [t.as_output() for t in targets] == [
        {"file": str(out / "SFX/Step_01.wav"), "path": str(out / "SFX/Step_01.wav"), "region": "Step_01",
         "start": 0.0, "end": 0.5, "relativeDir": "SFX"},
        {"file": str(out / "SFX/Door Open.wav"), "path": str(out / "SFX/Door Open.wav"),
         "region": "Door Open", "start": 1.0, "end": 1.75, "relativeDir": "SFX"},
    ]
    info = read_wav(out / "SFX/Door Open.wav", require_complete=True)
    assert (info.sample_rate, info.channels, info.bit_depth, info.frames) == (44100, 1, 16, 33075)
    argv = [json.loads(line) for line in log.read_text().splitlines()]
    assert argv[0][:3] == ["-nosplash", "-ignoreerrors", "-renderproject"]
    assert not Path(argv[0][3]).exists(), "the temporary copy of the project is removed"
    assert Path(argv[0][3]).parent == path.parent, "the copy sits beside the project (relative media)"


def test_named_regions_only_are_rendered(tmp_path: Path, sim_exe: Path, make_project: MakeProject) -> None:
    path = make_project(["A_01", "B", "C"])
    targets = backend(tmp_path, sim_exe).render(read_project(path), ["C", "A_01"], tmp_path / "out")
    assert sorted(t.region.name for t in targets) == ["A_01", "C"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["A_01.wav", "C.wav"]


def test_an_unknown_region_name_lists_the_regions(
    tmp_path: Path, sim_exe: Path, make_project: MakeProject
) -> None:
    path = make_project(["A", "B"])
    with pytest.raises(ReaperFailure) as excinfo:
        backend(tmp_path, sim_exe).render(read_project(path), ["Z"], tmp_path / "out")
    assert excinfo.value.code == ErrorCode.INVALID_INPUT
    assert excinfo.value.message == "no region named 'Z' in Game.rpp; its regions are: A, B"


def test_a_truncated_render_fails_naming_the_region(tmp_path: Path, sim_exe: Path, make_project: MakeProject,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WWISEFLOWD_REAPER_SIM_TRUNCATE", "Door_Close")
    path = make_project()
    with pytest.raises(ReaperFailure) as excinfo:
        backend(tmp_path, sim_exe).render(read_project(path), None, tmp_path / "out")
    assert excinfo.value.code == ErrorCode.RENDER_FAILED
    assert excinfo.value.message.startswith("region 'Door_Close': ")
    assert "damaged or truncated" in excinfo.value.message


def test_no_reaper_is_reaper_unavailable_saying_how_to_configure(
    tmp_path: Path, make_project: MakeProject
) -> None:
    missing = tmp_path / "REAPER" / "reaper"
    with pytest.raises(ReaperFailure) as excinfo:
        backend(tmp_path, missing).render(read_project(make_project(["A"])), None, tmp_path / "out")
    assert excinfo.value.code == ErrorCode.REAPER_UNAVAILABLE
    assert f"REAPER was not found at {missing} ([reaper] executable)" in excinfo.value.message


def test_an_executable_that_exits_without_rendering_is_render_failed(
    tmp_path: Path, make_project: MakeProject
) -> None:
    fake = tmp_path / "fake-reaper"
    fake.write_text("#!/bin/sh\necho 'could not open project' >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(ReaperFailure) as excinfo:
        backend(tmp_path, fake).render(read_project(make_project(["A"])), None, tmp_path / "out")
    assert excinfo.value.code == ErrorCode.RENDER_FAILED
    assert excinfo.value.message.endswith("REAPER exited with code 3: could not open project")
    assert "region 'A'" in excinfo.value.message and "was not rendered" in excinfo.value.message


def test_a_render_that_hangs_is_stopped_at_the_timeout(tmp_path: Path, make_project: MakeProject) -> None:
    fake = tmp_path / "slow-reaper"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(0o755)
    slow = ReaperBackend(ReaperConfig(executable=fake, render_timeout_s=0.5), tmp_path / "state")
    with pytest.raises(ReaperFailure, match=r"did not finish rendering .* within 0 s|within 1 s"):
        slow.render(read_project(make_project(["A"])), None, tmp_path / "out")


def test_the_copy_changes_only_render_settings_and_dropped_regions(
    make_project: MakeProject, tmp_path: Path
) -> None:
    path = make_project(["Keep", "Drop"], syntax="6", crlf=True, pattern="$project/$region", bit_depth=None)
    project = read_project(path)
    text = rewrite(project, tmp_path / "out", 24, keep_regions=[1])
    original = path.read_bytes().decode().split("\r\n")
    copied = text.split("\r\n")
    assert [ln for ln in original if "Drop" in ln or "MARKER 2" in ln]
    assert not [ln for ln in copied if "Drop" in ln or "MARKER 2" in ln]
    assert '  RENDER_PATTERN "Game/$region"' in copied
    assert f'  RENDER_FILE "{tmp_path / "out"}"' in copied
    assert "  RENDER_RANGE 3 0 0 0 1000" in copied and "    ZXZhdxgAAQ==" in copied
    edited = ("RENDER_", "MARKER 2", "<RENDER_CFG", ">")
    unchanged = [ln for ln in original if not ln.strip().startswith(edited)]
    assert all(line in copied for line in unchanged)
