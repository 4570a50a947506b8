"""Shared by every test directory. Kept minimal: isolation from the machine the tests run on."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from wwiseflowd import logs


@pytest.fixture(scope="session", autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test reads the developer's wwiseflowd config or WWISEFLOWD_* variables, or writes to
    their state dir: platformdirs' XDG locations point into a session temp dir."""
    home = tmp_path_factory.mktemp("xdg")
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("WWISEFLOWD_"):
                mp.delenv(name)
        xdg = ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR")
        for var in xdg:
            (home / var.lower()).mkdir(mode=0o700)  # platformdirs ignores a runtime dir open to others
            mp.setenv(var, str(home / var.lower()))
        mp.setenv("XDG_CONFIG_DIRS", str(home / "site-config"))
        yield


@pytest.fixture(scope="session", autouse=True)
def _logs_through_pytest_capture() -> None:
    """loguru's default sink is the stderr of import time, which pytest cannot capture, and it logs
    DEBUG: install the CLI's sinks instead (INFO, written to whatever sys.stderr is at the time), so
    websockets/loguru lines show only in a failing test's report."""
    logs.configure("INFO")
