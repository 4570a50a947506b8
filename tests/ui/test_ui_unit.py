"""The editor's UI logic (ui/src/*.test.ts) under vitest, so `make test` runs it with the rest."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parents[2] / "ui"
NPX = shutil.which("npx")


@pytest.mark.skipif(NPX is None, reason="no Node.js (npx): the editor's unit tests need it")
@pytest.mark.skipif(
    not (UI / "node_modules").is_dir(), reason="ui/node_modules missing: `make ui` installs it"
)
def test_editor_unit_tests_pass_under_vitest() -> None:
    done = subprocess.run(
        [str(NPX), "vitest", "run", "--reporter=verbose"],
        cwd=UI,
        capture_output=True,
        text=True,
        timeout=180,
    )
    print(done.stdout[-8000:])
    assert done.returncode == 0, f"vitest failed:\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
    assert " passed" in done.stdout
