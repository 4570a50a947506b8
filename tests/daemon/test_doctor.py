"""A state database that is not a database: a sentence instead of a traceback, and ``doctor``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from wwiseflowd.store.doctor import StateFileCorrupt
from wwiseflowd.store.journal import Journal

pytestmark = pytest.mark.integration


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "wwiseflowd.toml"
    path.write_text(
        "\n".join(
            [
                "[paths]",
                f'state_dir = "{tmp_path / "state"}"',
                f'logs_dir = "{tmp_path / "logs"}"',
                f'workflows_dir = "{tmp_path / "workflows"}"',
                f'plugins_dir = "{tmp_path / "plugins"}"',
                "[server]",
                "enabled = false",
            ]
        )
        + "\n"
    )
    return path


def _cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wwiseflowd", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_corrupt_journal_names_the_file_and_the_way_out(tmp_path: Path) -> None:
    broken = tmp_path / "state" / "drops.sqlite3"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"this is not a database, it is a text file that got this name" * 100)
    with pytest.raises(StateFileCorrupt, match="doctor --repair") as caught:
        Journal(broken)
    assert str(broken) in str(caught.value)


@pytest.mark.slow
def test_start_up_says_what_happened_and_doctor_repairs_it(tmp_path: Path) -> None:
    config = _config(tmp_path)
    state = tmp_path / "state"
    state.mkdir()
    (state / "drops.sqlite3").write_bytes(b"garbage" * 1000)

    run = _cli(config, "run", "--simulate")
    assert run.returncode != 0
    assert "drops.sqlite3" in run.stderr and "doctor --repair" in run.stderr
    assert "Traceback" not in run.stderr

    check = _cli(config, "doctor")
    assert check.returncode == 1 and "DAMAGED drops.sqlite3" in check.stdout

    repaired = _cli(config, "doctor", "--repair")
    assert repaired.returncode == 0, repaired.stderr
    assert not (state / "drops.sqlite3").exists()
    assert list(state.glob("drops.sqlite3.corrupt-*"))
    Journal(state / "drops.sqlite3").close()  # a fresh journal opens
    assert _cli(config, "doctor").returncode == 0
