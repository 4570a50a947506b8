"""The recorded ``make demo`` session in docs/demo-session.md can be made again by one command, and
that command's recording shows what the doc promises (a burst, an incomplete file, a failure)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
RECORDER = REPO / "demo" / "record_session.py"


def _recorder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("record_session", RECORDER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_doc_holds_a_recording_the_recorder_can_replace_and_that_shows_everything() -> None:
    recorder = _recorder()
    doc = (REPO / "docs" / "demo-session.md").read_text(encoding="utf-8")
    assert recorder.START in doc, "docs/demo-session.md lost the recording marker"
    recorded = doc.partition(recorder.START)[2].partition(recorder.END)[0]
    assert recorded.startswith("$ make demo\n")
    assert recorder.missing(recorded) == []


def test_progress_rewrites_become_marked_lines_and_paths_are_shortened(tmp_path: Path) -> None:
    recorder = _recorder()
    shown = f"\x1b[1mseen\x1b[0m {tmp_path}/demo/drop/a.wav\r\n burst 40\r\x1b[2K burst 12\r\n"
    expected = "$ make demo\nseen ~/wwiseflowd/demo/drop/a.wav\n↺  burst 40\n burst 12\n"
    assert recorder.clean(shown, tmp_path) == expected


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.timeout(300)
def test_the_recorder_records_make_demo_showing_a_burst_an_incomplete_file_and_a_failure() -> None:
    done = subprocess.run([sys.executable, str(RECORDER), "--check", "--stall-s", "4"], cwd=REPO,
                          capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "shows everything" in done.stdout
