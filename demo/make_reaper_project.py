"""Write a REAPER project with named regions into demo/reaper/ (for ``make demo``).

    python demo/make_reaper_project.py [--change]

The demo daemon watches demo/reaper/*.rpp: the project's regions are rendered by the REAPER
stand-in (``wwiseflowd-reaper-sim``, NOT REAPER) and imported as Sounds, ``Impact_01..03`` in a
Random Container. ``--change`` lengthens one region and saves again: only that region is
rendered and imported again.
"""

from __future__ import annotations

import sys
from pathlib import Path

from wwiseflowd_reaper.sim.projects import ProjectSpec, RegionSpec, write_project

HERE = Path(__file__).resolve().parent
NAMES = ["Impact_01", "Impact_02", "Impact_03", "Door_Open", "Door_Close", "UI_Confirm"]


def main(argv: list[str]) -> int:
    regions = [RegionSpec(name, i * 1.5, i * 1.5 + 1.0) for i, name in enumerate(NAMES)]
    if "--change" in argv:
        regions[3] = RegionSpec("Door_Open", 4.5, 5.9)
    path = write_project(HERE / "reaper" / "DemoSfx.rpp", ProjectSpec(regions=regions, pattern="$region"))
    print(f"wrote {path} ({len(regions)} regions)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
