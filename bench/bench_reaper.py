"""The REAPER backend: reading a big project, and 100 regions from render to Wwise Sounds.

Run with ``.venv/bin/python -m bench reaper``. Figures printed:

- parsing a 2.4 MB project (100 regions, one MIDI item with ~109k event lines, the shape that
  makes real projects big): median of 5 runs of our reader (rpp's lexer + our tree); for
  comparison ``rpp.loads`` (rpp's own yacc parser) on 0.15 and 0.3 MB cuts of the same shape
  (it grows with the square of a block's lines; ``--rpp-loads-full`` times it on the 2.4 MB file,
  which takes minutes);
- ``reaper-to-wwise`` end to end for 100 regions (1 s each, 48 kHz 24-bit stereo): the stand-in
  renders (a real subprocess), the WAAPI emulator imports over a real socket; total and per step,
  then a second run served from the memo.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import rpp
import wwiseflowd_reaper
from wwiseflowd_reaper.project import read_project
from wwiseflowd_reaper.sim.projects import ProjectSpec, game_audio_regions, write_project

from wwiseflowd.config import settings_for_tests
from wwiseflowd.engine import Engine
from wwiseflowd.plugins import Plugins
from wwiseflowd.sim import Emulator

TARGET_BYTES = int(2.4 * 1024 * 1024)


def big_project(folder: Path) -> Path:
    """A project of about 2.4 MB: 100 regions and a long MIDI item."""
    names = [f"Sound_{i:03d}" for i in range(100)]
    path = folder / "Big.rpp"
    lines = 1000
    while True:
        write_project(path, ProjectSpec(regions=game_audio_regions(names), padding_lines=lines))
        size = path.stat().st_size
        if size >= TARGET_BYTES:
            return path
        lines = int(lines * TARGET_BYTES / size) + 10


def bench_parse(folder: Path) -> None:
    path = big_project(folder)
    ours, theirs = [], []
    for _ in range(5):
        started = time.perf_counter()
        project = read_project(path)
        ours.append(time.perf_counter() - started)
    text = path.read_text(encoding="utf-8")
    size_mb = path.stat().st_size / 1024 / 1024
    print(f"parse {size_mb:.2f} MB, {len(project.regions)} regions, {text.count(chr(10))} lines: "
          f"read_project median {statistics.median(ours) * 1000:.0f} ms (min {min(ours) * 1000:.0f})")
    sizes = [0.15, 0.3] + ([2.4] if "--rpp-loads-full" in sys.argv else [])
    for mb in sizes:
        cut = folder / f"cut-{mb}.rpp"
        lines = int(109_000 * mb / 2.4)
        write_project(cut, ProjectSpec(regions=game_audio_regions(["A"]), padding_lines=lines))
        started = time.perf_counter()
        rpp.loads(cut.read_text(encoding="utf-8"))
        theirs.append(time.perf_counter() - started)
        started = time.perf_counter()
        read_project(cut)
        mine = time.perf_counter() - started
        print(f"  {cut.stat().st_size / 1024 / 1024:.2f} MB: rpp.loads {theirs[-1] * 1000:.0f} ms, "
              f"read_project {mine * 1000:.0f} ms")


def bench_end_to_end(folder: Path) -> None:
    names = [f"Impact_{i // 4:02d}_{i % 4 + 1:02d}" if i < 40 else f"Sfx_{i:03d}" for i in range(100)]
    project = write_project(folder / "session" / "Hundred.rpp",
                            ProjectSpec(regions=game_audio_regions(names, length=1.0)))
    exe = Path(sys.executable).parent / "wwiseflowd-reaper-sim"
    document = json.loads(wwiseflowd_reaper.workflow_path().read_text(encoding="utf-8"))
    with Emulator(port=0, project_dir=folder / "wwise").start() as sim:
        settings = settings_for_tests(folder, wwise={"url": sim.url}, reaper={"executable": str(exe)})
        plugins = Plugins().load(entry_points=False)
        plugins.register(wwiseflowd_reaper, "reaper")
        with Engine(settings, plugins) as engine:
            for label in ("first run", "second run (memo)"):
                started = time.perf_counter()
                result = engine.execute(document, {"project": str(project)})
                total = time.perf_counter() - started
                assert result.ok, result.model_dump()
                steps = ", ".join(f"{r.node} {r.durationMs:.0f} ms{' (cached)' if r.cached else ''}"
                                  for r in result.results)
                print(f"reaper-to-wwise, 100 regions x 1 s, {label}: {total:.2f} s ({steps})")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench_parse(Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        bench_end_to_end(Path(tmp))


if __name__ == "__main__":
    main()
