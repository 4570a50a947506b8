"""The drop journal: states survive a reopen, batches count their outcomes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from wwiseflowd.store.journal import BatchState, FileState, Journal, StableFile


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


def test_a_burst_is_journalled_stable_at_once_and_its_earlier_imports_found_newest_first(
    tmp_path: Path,
) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    rels = [f"f{i:04d}.wav" for i in range(1_200)]  # more paths than one IN (...) takes
    for content in ("old", "new"):  # each path imported twice: the newest import counts
        ids = _seen(journal, rels)
        journal.mark_stable_many(StableFile(ids[r], 10, 5, content, valid=True) for r in rels)
        assert {journal.file(ids[r]).state for r in rels[::300]} == {FileState.STABLE}  # type: ignore[union-attr]
        finished = [r for r in rels if r != "f0007.wav" or content == "old"]
        journal.mark_done_many([(ids[r], [content], f"\\T\\{r}") for r in finished])
    found = journal.find_done_many("sfx", [*rels, "never.wav"], "\\T")
    assert len(found) == 1_200 and found["f1199.wav"].sha256 == "new"
    assert found["f0007.wav"].sha256 == "old"  # its second import never finished
    assert journal.find_done_many("sfx", rels, "\\Elsewhere") == {}


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


def test_listing_failures_looks_each_one_up_by_path_not_through_every_done_file(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    rows = [("r", f"/d/{i}.wav", f"{i}.wav", "T", "done" if i % 100 else "failed", 1.0, float(i), 1)
            for i in range(4_000)]
    with journal._tx() as db:
        db.executemany("INSERT INTO drop_files (rule, path, rel_path, target, state, created_at, updated_at, "
                       "settled) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    journal._db.set_progress_handler(count, 1000)  # SQLite VM instructions, in thousands: no clock
    failures = journal.recent_failures()
    journal._db.set_progress_handler(None, 1000)
    assert [f.rel_path for f in failures][:2] == ["3900.wav", "3800.wav"] and len(failures) == 20
    # by path: ~2,000 instructions in all; through every done file (40 x 3,960 rows): ~1.4 million
    assert steps[0] < 50, steps[0]


def _steps(journal: Journal, ask: Callable[[], object]) -> int:
    """SQLite virtual-machine steps (in hundreds) one question to the journal takes."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    journal._db.set_progress_handler(count, 100)
    try:
        ask()
    finally:
        journal._db.set_progress_handler(None, 100)
    return steps[0]


def _filled(path: Path, done: int) -> Journal:
    journal = Journal(path)
    rels = [f"f{i:05d}.wav" for i in range(done)]
    ids = _seen(journal, rels)
    journal.mark_stable_many(StableFile(ids[r], 10, 5, r, valid=True) for r in rels)
    journal.mark_done_many([(ids[r], ["{X}"], f"\\T\\{r}") for r in rels])
    journal.mark_settled(ids.values())
    late = _seen(journal, ["late.wav", "broken.wav"])
    journal.mark_failed(late["broken.wav"], code="INVALID_WAV", error="not a WAV")
    return journal


def test_what_health_asks_the_journal_costs_the_same_with_ten_times_the_files(tmp_path: Path) -> None:
    # /health asks these on every request under the journal's lock: at 16,600 files a sort of the
    # whole table made each status 200 ms and starved the pump in the 30-minute soak
    small, big = _filled(tmp_path / "s.sqlite3", 1_000), _filled(tmp_path / "b.sqlite3", 10_000)
    for name in ("recent_files", "recent_failures", "recent_batches", "waiting_batches"):
        cost_small = _steps(small, getattr(small, name))
        cost_big = _steps(big, getattr(big, name))
        assert cost_big <= 2 * cost_small + 5, (name, cost_small, cost_big)
    assert _steps(big, lambda: big.unsettled("sfx")) <= 2 * _steps(small, lambda: small.unsettled("sfx")) + 5
    assert [f.rel_path for f in big.recent_failures()] == ["broken.wav"]
    assert [f.rel_path for f in big.recent_files(2)] == ["broken.wav", "late.wav"]
    assert [f.rel_path for f in big.unsettled("sfx")] == ["broken.wav"]
    # the counts read every file, but from the (rule, state) index only: ~8 instructions per file
    assert _steps(big, big.counts_by_rule) < 10_000 * 12 / 100
