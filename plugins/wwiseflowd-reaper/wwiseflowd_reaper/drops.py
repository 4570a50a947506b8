"""Drop folders that watch ``*.rpp``: when is a saved project complete (hook ``register_file_checks``).

A project file is complete when it parses to its closing ``>``: one that ends inside a block is
still being written (looked at again after the settle time); one that is not a REAPER project at
all is invalid. The temporary copies wwiseflowd renders from are hidden (``.wwiseflowd-render-*``),
so drop folders never pick them up.
"""

from __future__ import annotations

from pathlib import Path

from wwiseflowd.watch.wavecheck import WaveProbe, WaveVerdict
from wwiseflowd_reaper.rppfile import ProjectReadError, read_tree

SUFFIX = ".rpp"
#: the shipped workflow a ``[[watch]]`` rule names for dropped projects
DROP_WORKFLOW_ID = "reaper-drop"


def check_project_file(path: Path) -> WaveProbe:
    """COMPLETE when the project parses, INCOMPLETE when it is cut short, INVALID otherwise."""
    try:
        read_tree(path)
    except ProjectReadError as exc:
        still_writing = "never closed" in exc.problem or "does not exist" in exc.problem
        return WaveProbe(WaveVerdict.INCOMPLETE if still_writing else WaveVerdict.INVALID, str(exc))
    return WaveProbe(WaveVerdict.COMPLETE)
