"""Offline rendering: ``reaper -nosplash -ignoreerrors -renderproject COPY.rpp``, then check every file.

The steps, each able to stop the render with a reason a sound designer can act on:

1. choose the regions (all, or the named ones; an unknown name lists the project's regions),
2. predict the files (pattern, folder) and remove stale ones at those paths,
3. write a copy of the project with the render settings set (:mod:`.rewrite`),
4. run REAPER with a timeout,
5. verify each predicted file: present, a complete WAV, the region's length (to 1 ms).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from wwiseflowd.results import ErrorCode
from wwiseflowd.wav import WavError, read_wav
from wwiseflowd_reaper.errors import ReaperFailure
from wwiseflowd_reaper.patterns import PatternError
from wwiseflowd_reaper.plan import RenderTarget, plan_render
from wwiseflowd_reaper.project import ReaperProject, Region
from wwiseflowd_reaper.rewrite import write_copy

FLAGS = ("-nosplash", "-ignoreerrors", "-renderproject")
LENGTH_TOLERANCE_S = 0.001


def choose_regions(project: ReaperProject, names: Sequence[str] | None) -> list[Region]:
    """All regions, or those named (each name must exist)."""
    if not project.regions:
        raise ReaperFailure(ErrorCode.INVALID_INPUT, f"{project.path} has no regions; add one named region "
                            "per sound in REAPER (Shift+R on a time selection) and save the project")
    if not names:
        return list(project.regions)
    by_name: dict[str, list[Region]] = {}
    for region in project.regions:
        by_name.setdefault(region.name, []).append(region)
    missing = [n for n in names if n not in by_name]
    if missing:
        known = ", ".join(sorted(by_name)[:20])
        raise ReaperFailure(ErrorCode.INVALID_INPUT, f"no region named {', '.join(map(repr, missing))} in "
                            f"{Path(project.path).name}; its regions are: {known}")
    return [region for name in dict.fromkeys(names) for region in by_name[name]]


def plan(project: ReaperProject, regions: list[Region], folder: Path) -> list[RenderTarget]:
    """The predicted files; a pattern we cannot predict is INVALID_INPUT."""
    try:
        return plan_render(project, regions, folder)
    except PatternError as exc:
        raise ReaperFailure(ErrorCode.INVALID_INPUT, str(exc)) from None


def bit_depth_of(project: ReaperProject) -> int:
    """The WAV bit depth to render at: the project's when it renders WAV, else 24."""
    fmt = project.render.format
    return fmt.bitDepth if fmt.isWav and fmt.bitDepth else 24


def run_reaper(executable: Path, copy: Path, timeout_s: float) -> subprocess.CompletedProcess[str]:
    """Run the render; REAPER_UNAVAILABLE when it cannot start, RENDER_FAILED on timeout."""
    try:
        return subprocess.run([str(executable), *FLAGS, str(copy)], capture_output=True, text=True,
                              timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise ReaperFailure(ErrorCode.RENDER_FAILED, f"REAPER did not finish rendering {copy.name} within "
                            f"{timeout_s:.0f} s ([reaper] render_timeout_s); a dialog may be waiting in "
                            "REAPER, or the project is very long") from None
    except OSError as exc:
        raise ReaperFailure(ErrorCode.REAPER_UNAVAILABLE, f"cannot start REAPER ({executable}): "
                            f"{exc.strerror}; check [reaper] executable") from None


def verify(targets: list[RenderTarget], rate: int, channels: int, note: str = "") -> None:
    """Every predicted file exists, is a complete WAV with the region's length; else RENDER_FAILED."""
    for target in targets:
        name = target.region.name or f"#{target.region.id}"
        try:
            info = read_wav(target.path, require_complete=True)
        except WavError as exc:
            what = "was not rendered" if exc.code == ErrorCode.FILE_NOT_FOUND else "is damaged or truncated"
            raise ReaperFailure(ErrorCode.RENDER_FAILED, f"region {name!r}: {target.path} {what} "
                                f"({exc.message}){note}") from None
        if info.sample_rate != rate or info.channels != channels:
            raise ReaperFailure(ErrorCode.RENDER_FAILED, f"region {name!r}: {target.path} has "
                                f"{info.channels} ch at {info.sample_rate} Hz, expected {channels} ch at "
                                f"{rate} Hz")
        expected = target.frames / rate
        if abs(info.duration_s - expected) > LENGTH_TOLERANCE_S:
            raise ReaperFailure(ErrorCode.RENDER_FAILED, f"region {name!r}: {target.path} lasts "
                                f"{info.duration_s:.3f} s, the region {expected:.3f} s; the render was cut "
                                "short or the file was overwritten meanwhile")


def render_offline(project: ReaperProject, names: Sequence[str] | None, folder: Path, executable: Path,
                   timeout_s: float) -> tuple[list[RenderTarget], float]:
    """Render the chosen regions of ``project`` into ``folder``; (files, seconds REAPER took)."""
    regions = choose_regions(project, names)
    targets = plan(project, regions, folder)
    for target in targets:
        target.path.unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    keep = None if not names else [r.id for r in regions]
    copy = write_copy(project, folder, bit_depth_of(project), keep)
    started = time.perf_counter()
    try:
        done = run_reaper(executable, copy, timeout_s)
    finally:
        copy.unlink(missing_ok=True)
    took = time.perf_counter() - started
    note = ""
    if done.returncode != 0:
        tail = (done.stderr or done.stdout or "").strip().splitlines()[-1:] or [""]
        note = f"; REAPER exited with code {done.returncode}: {tail[0]}"
    verify(targets, project.render.effectiveSampleRate, project.render.channels, note)
    return targets, took
