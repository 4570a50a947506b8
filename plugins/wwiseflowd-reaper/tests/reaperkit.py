"""Shared helpers of the REAPER plugin tests (a module with a unique name, imported as ``reaperkit``)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
#: ten named regions, three of them variations of one sound
TEN = ["Footstep_Concrete_01", "Footstep_Concrete_02", "Footstep_Concrete_03", "Door_Open", "Door_Close",
       "UI_Click", "UI_Hover", "Explosion_Big", "Wind_Loop", "Sword_Swing"]


def sim_executable() -> Path:
    """The installed ``wwiseflowd-reaper-sim`` console script (next to this Python)."""
    beside = Path(sys.executable).parent / "wwiseflowd-reaper-sim"
    found = beside if beside.exists() else shutil.which("wwiseflowd-reaper-sim")
    if found is None:
        pytest.fail("wwiseflowd-reaper-sim is not installed: pip install -e plugins/wwiseflowd-reaper")
    return Path(found)
