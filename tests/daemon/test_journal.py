"""The drop journal: states survive a reopen, batches count their outcomes."""

from __future__ import annotations

from pathlib import Path

from wwiseflowd.store.journal import BatchState, FileState, Journal


def _seen(journal: Journal, rels: list[str]) -> dict[str, int]:
    return journal.record_seen("sfx", [(f"/drop/{r}", r, "\\T") for r in rels])


def test_a_file_walks_seen_stable_queued_importing_done_and_survives_reopen(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    ids = _seen(journal, ["a.wav"])
    journal.mark_stable(ids["a.wav"], size=10, mtime_ns=5, sha256="ab" * 32, valid=True)
    batch = journal.create_batch("sfx", [ids["a.wav"]])
    journal.start_batch(batch, "exec_1")
    journal.mark_importing([ids["a.wav"]], "exec_1")
    journal.close()

    reopened = Journal(tmp_path / "j.sqlite3")
    record = reopened.file(ids["a.wav"])
    assert record is not None
    assert (record.state, record.execution_id, record.attempts) == (FileState.IMPORTING, "exec_1", 1)
    assert reopened.next_batch() is not None and reopened.next_batch().id == batch  # type: ignore[union-attr]
    reopened.mark_done(ids["a.wav"], object_ids=["{X}"], object_path="\\T\\a")
    finished = reopened.finish_batch(batch)
    assert (finished.state, finished.imported, finished.failed) == (BatchState.DONE, 1, 0)
    assert reopened.find_done("sfx", "a.wav", "\\T").object_ids == ["{X}"]  # type: ignore[union-attr]
    assert reopened.next_batch() is None


def test_record_seen_does_not_duplicate_an_active_file(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    first = _seen(journal, ["a.wav"])
    again = _seen(journal, ["a.wav"])
    assert first == again
    assert journal.counts_by_rule() == {"sfx": {"seen": 1}}


def test_a_waiting_batch_is_not_due_before_its_retry_time(tmp_path: Path) -> None:
    now = [100.0]
    journal = Journal(tmp_path / "j.sqlite3", clock=lambda: now[0])
    ids = _seen(journal, ["a.wav"])
    batch = journal.create_batch("sfx", list(ids.values()))
    journal.wait_batch(batch, retry_at=105.0, code="WAAPI_UNAVAILABLE", error="Wwise is closed")
    assert journal.next_batch() is None
    assert journal.next_retry_at() == 105.0
    now[0] = 105.0
    assert journal.next_batch() is not None


def test_finish_batch_counts_failed_and_already_imported_files(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    ids = _seen(journal, ["a.wav", "b.wav", "c.wav"])
    batch = journal.create_batch("sfx", list(ids.values()))
    journal.mark_done(ids["a.wav"])
    journal.mark_done(ids["b.wav"], note="already imported (same content)")
    journal.mark_failed(ids["c.wav"], code="INVALID_AUDIO", error="c.wav is not a WAV file")
    record = journal.finish_batch(batch)
    assert (record.imported, record.skipped, record.failed) == (1, 1, 1)
    assert [f.rel_path for f in journal.recent_failures()] == ["c.wav"]
