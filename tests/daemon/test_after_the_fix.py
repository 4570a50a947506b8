"""What a designer sees after fixing a failed file: no stale error report, no empty folders left."""

from __future__ import annotations

import pytest

from tests.daemon.conftest import DaemonHarness, wait_until
from tests.daemon.wavs import write_wav

pytestmark = pytest.mark.integration

def test_a_fixed_file_clears_its_error_report_and_its_recent_failure(harness: DaemonHarness) -> None:
    daemon = harness.start()
    broken = harness.drop / "Foley" / "Door.wav"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"not a wave at all" * 50)
    report = harness.drop / "failed" / "Foley" / "Door.wav.error.json"
    wait_until(report.exists)
    assert [f.rel_path for f in daemon.journal.recent_failures()] == ["Foley/Door.wav"]
    wait_until(lambda: not (harness.drop / "Foley").exists())  # emptied by the move to failed/

    write_wav(broken, seed=4)  # the designer exports it again, fixed
    wait_until((harness.drop / "processed" / "Foley" / "Door.wav").exists)
    wait_until(lambda: not report.exists())
    assert daemon.journal.recent_failures() == []
    wait_until(lambda: not (harness.drop / "Foley").exists())
    assert sorted(p.name for p in harness.drop.iterdir()) == ["failed", "processed"]
