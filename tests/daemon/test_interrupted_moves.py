"""A stop between the hard link and the unlink of a move to ``processed/`` is finished on start-up."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from tests.daemon.conftest import DaemonHarness, import_calls, wait_until
from tests.daemon.wavs import write_wav
from wwiseflowd.store.journal import DropRecord, FileState

pytestmark = pytest.mark.integration


def _done(daemon: object, n: int) -> bool:
    return daemon.journal.counts_by_rule().get("sfx", {}).get("done", 0) >= n  # type: ignore[attr-defined]


def test_a_move_interrupted_after_its_link_is_finished_when_the_daemon_starts_again(
    harness: DaemonHarness,
) -> None:
    daemon = harness.start()
    write_wav(harness.drop / "Hit.wav", seed=1)
    write_wav(harness.drop / "Miss.wav", seed=2)
    processed = harness.drop / "processed"
    wait_until(lambda: _done(daemon, 2) and all((processed / n).exists() for n in ("Hit.wav", "Miss.wav")))
    harness.stop_all()
    calls = import_calls(harness.sim)
    # put the journal and the disk where a kill -9 between os.link and unlink would leave them
    os.link(processed / "Hit.wav", harness.drop / "Hit.wav")
    db = sqlite3.connect(harness.tmp_path / "state" / "drops.sqlite3")
    with db:
        db.execute("UPDATE drop_files SET settled = 0, note = NULL WHERE rel_path = 'Hit.wav'")
    db.close()

    daemon = harness.start()
    wait_until(lambda: not (harness.drop / "Hit.wav").exists())

    def settled_hit() -> list[DropRecord]:  # the journal records the move just after the unlink
        return [r for r in daemon.journal.latest_by_rel("sfx").values() if r.rel_path == "Hit.wav" and r.note]

    [record] = wait_until(settled_hit)
    assert (processed / "Hit.wav").exists() and not (processed / "Hit (2).wav").exists()
    assert import_calls(harness.sim) == calls  # finished, not imported again
    assert record.state is FileState.DONE and "moved to" in (record.note or "")


def test_a_same_file_link_left_by_an_interrupted_move_is_resolved_by_unlinking_the_source(
    tmp_path: Path,
) -> None:
    from wwiseflowd.daemon.rules import _move

    source = write_wav(tmp_path / "drop" / "A.wav")
    dest = tmp_path / "drop" / "processed" / "A.wav"
    dest.parent.mkdir(parents=True)
    os.link(source, dest)
    _move(source, dest)
    assert not source.exists() and dest.exists()
