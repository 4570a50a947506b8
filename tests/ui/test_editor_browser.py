"""The web editor in a real browser: Debian's chromium, driven by playwright-core (ui/e2e/), against a
real daemon (emulator over a socket, engine, drop folder, REST server serving the built editor)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.ui.editor_support import CHROMIUM, TARGET, editor_daemon
from wwiseflowd.api.editor import editor_built
from wwiseflowd.config import DEFAULT_BUS
from wwiseflowd.default_plugins.wwise.wav import write_wav

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "ui"
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.integration,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium: `make test` installs Debian's (as root)"),
    pytest.mark.skipif(NODE is None, reason="no Node.js to run playwright-core"),
    pytest.mark.skipif(not editor_built(), reason="the editor is not built: `make ui`"),
]


def run_node_tests(script: str, env: dict[str, str]) -> None:
    """Run one node:test file; its report is printed (pytest -s or on failure) and must pass."""
    done = subprocess.run(
        [str(NODE), "--test", "--test-reporter=spec", script],
        cwd=UI,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    print(done.stdout[-20000:], done.stderr[-5000:])
    assert done.returncode == 0, f"browser tests failed:\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"


def test_editor_builds_runs_saves_and_shows_history_and_drops_in_chromium(tmp_path: Path) -> None:
    with editor_daemon(tmp_path) as daemon:
        wav = write_wav(daemon.audio / "Footstep_01.wav").resolve()
        run_node_tests(
            "e2e/editor.test.mjs",
            {
                "WF_URL": daemon.url,
                "WF_CHROMIUM": str(CHROMIUM),
                "WF_WAV": str(wav),
                "WF_TARGET": TARGET,
                "WF_BUS": DEFAULT_BUS,
                "WF_DROP": str(daemon.drop),
                "WF_WORKFLOWS": str(daemon.workflows),
                # `make screenshots` refreshes docs/editor-*.png; otherwise they stay in the test's folder
                "WF_SCREENSHOTS": os.environ.get("EDITOR_SCREENSHOTS_DIR") or str(tmp_path),
            },
        )


def test_editor_signs_in_with_the_one_time_token_and_a_strict_httponly_cookie(tmp_path: Path) -> None:
    with editor_daemon(tmp_path, token="browser-test-token") as daemon:
        run_node_tests(
            "e2e/auth.test.mjs",
            {"WF_URL": daemon.url, "WF_LOGIN_URL": daemon.editor_url(), "WF_CHROMIUM": str(CHROMIUM)},
        )
