"""Drop folders end to end: real observers on temp dirs, the engine, the emulator over a socket."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import pytest

from tests.daemon.conftest import TARGET, DaemonHarness, import_calls, sounds, wait_until
from tests.daemon.wavs import wav_bytes, write_slowly, write_wav
from wwiseflowd.sim import Emulator
from wwiseflowd.store.journal import BatchState, FileState
from wwiseflowd.watch.localfs import trusted_device
from wwiseflowd.watch.stability import StabilityTracker

pytestmark = pytest.mark.integration


def _done(daemon: object, n: int) -> bool:
    counts = daemon.journal.counts_by_rule().get("sfx", {})  # type: ignore[attr-defined]
    return counts.get("done", 0) + counts.get("failed", 0) >= n


@pytest.mark.slow
def test_a_file_written_slowly_in_chunks_is_imported_once_and_complete(harness: DaemonHarness) -> None:
    daemon = harness.start(settle_ms=500)
    content = wav_bytes(40_000, seed=3)  # header first, then the samples trickle in
    path = harness.drop / "Render_Slow.wav"
    harness.drop.mkdir(parents=True, exist_ok=True)
    writer = threading.Thread(
        target=write_slowly, args=(path, content), kwargs={"chunks": 12, "seconds": 3.0}
    )
    writer.start()
    writer.join()
    wait_until(lambda: _done(daemon, 1))
    assert import_calls(harness.sim) == 1
    with harness.sim.lock:
        [sound] = harness.sim.project.objects_of_type("Sound")
        original = harness.sim.project.original_file(sound)
    assert sound.name == "Render_Slow"
    assert original is not None and original.read_bytes() == content
    moved = harness.drop / "processed" / "Render_Slow.wav"
    wait_until(moved.exists)  # files are moved just after the journal marks them done
    assert moved.read_bytes() == content


@pytest.mark.slow
def test_a_burst_of_300_files_takes_at_most_4_import_calls(harness: DaemonHarness) -> None:
    daemon = harness.start()
    for i in range(300):
        write_wav(harness.drop / f"Burst_{i:03d}.wav", frames=200, seed=i)
    wait_until(lambda: _done(daemon, 300), timeout=60)
    assert import_calls(harness.sim) <= 4
    assert len(sounds(harness.sim)) == 300
    assert daemon.journal.counts_by_rule()["sfx"] == {"done": 300}


def test_a_corrupt_wav_fails_alone_with_its_reason_while_its_batch_is_imported(
    harness: DaemonHarness,
) -> None:
    daemon = harness.start()
    for name in ("Good_A.wav", "Good_B.wav"):
        write_wav(harness.drop / name, seed=len(name))
    (harness.drop / "Corrupt.wav").write_bytes(b"MP3 data, not a wave" * 40)
    wait_until(lambda: _done(daemon, 3))
    # files are moved (and the batch closed) just after the journal marks them done or failed
    wait_until((harness.drop / "failed" / "Corrupt.wav.error.json").exists)
    wait_until(lambda: len(list((harness.drop / "processed").glob("*.wav"))) >= 2)
    wait_until(lambda: daemon.journal.recent_batches()[0].state is BatchState.DONE)
    assert sorted(name for name, _ in sounds(harness.sim)) == ["Good_A", "Good_B"]
    assert (harness.drop / "failed" / "Corrupt.wav").exists()
    report = json.loads((harness.drop / "failed" / "Corrupt.wav.error.json").read_text())
    assert report["code"] == "INVALID_AUDIO"
    assert "not a WAV file" in report["reason"]
    assert report["reason"].startswith("Corrupt.wav ")  # by name: the drop-folder path is stale once moved
    [batch] = daemon.journal.recent_batches()
    assert (batch.imported, batch.failed) == (2, 1)
    assert report["executionId"] == batch.execution_id and report["time"]
    assert sorted(p.name for p in (harness.drop / "processed").iterdir()) == ["Good_A.wav", "Good_B.wav"]


def test_files_already_in_the_folder_at_startup_are_imported(harness: DaemonHarness) -> None:
    write_wav(harness.drop / "Before" / "Early.wav")
    daemon = harness.start()
    wait_until(lambda: _done(daemon, 1))
    wait_until((harness.drop / "processed" / "Before" / "Early.wav").exists)
    assert [name for name, _ in sounds(harness.sim)] == ["Early"]


def test_only_the_scan_vouches_for_a_trusted_device_and_an_event_never_does(
    harness: DaemonHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the pump tells the tracker: files a scan finds come with the drop folder's device when
    its file system keeps change times (here: the test's temp folder on Linux), files an event
    names never do."""
    touched: list[tuple[str, int | None]] = []
    touch = StabilityTracker.touch

    def recording(self: StabilityTracker, path: Path, *, found_on: int | None = None) -> None:
        touched.append((path.name, found_on))
        touch(self, path, found_on=found_on)

    monkeypatch.setattr(StabilityTracker, "touch", recording)
    write_wav(harness.drop / "Early.wav")
    daemon = harness.start()
    wait_until(lambda: _done(daemon, 1))
    write_wav(harness.drop / "Late.wav", seed=2)
    wait_until(lambda: _done(daemon, 2))
    expected = trusted_device(harness.drop)
    assert ("Early.wav", expected) in touched
    assert {found for name, found in touched if name == "Late.wav"} == {None}
    if sys.platform.startswith("linux"):
        assert expected == harness.drop.stat().st_dev  # the fast path is on where it can be


def test_the_same_file_dropped_twice_is_imported_once_and_changed_content_replaces_it(
    harness: DaemonHarness,
) -> None:
    daemon = harness.start()
    write_wav(harness.drop / "Hit.wav", seed=1)
    wait_until(lambda: _done(daemon, 1))
    write_wav(harness.drop / "Hit.wav", seed=1)  # same content again
    wait_until(lambda: _done(daemon, 2))
    assert import_calls(harness.sim) == 1
    second = daemon.journal.latest_by_rel("sfx")["Hit.wav"]
    assert second.state is FileState.DONE and "already imported" in (second.note or "")
    # moved away first (a render over a file being moved is test_batches.py's case)
    wait_until(lambda: not (harness.drop / "Hit.wav").exists())
    write_wav(harness.drop / "Hit.wav", seed=2)  # new content: replaces the audio in place
    wait_until(lambda: _done(daemon, 3))
    assert import_calls(harness.sim) == 2
    [(name, notes)] = sounds(harness.sim)
    assert name == "Hit" and daemon.journal.latest_by_rel("sfx")["Hit.wav"].sha256 in notes


def test_variations_become_one_random_container(harness: DaemonHarness) -> None:
    daemon = harness.start()
    for i in (1, 2, 3):
        write_wav(harness.drop / "Foley" / f"Footstep_Concrete_{i:02d}.wav", seed=i)
    wait_until(lambda: _done(daemon, 3))
    with harness.sim.lock:
        project = harness.sim.project
        [container] = project.objects_of_type("RandomSequenceContainer")
        children = sorted(c.name for c in container.children)
        path = container.path
    assert path == TARGET + "\\Foley\\Footstep_Concrete"
    assert children == ["Footstep_Concrete_01", "Footstep_Concrete_02", "Footstep_Concrete_03"]


def test_files_wait_while_wwise_is_closed_and_are_imported_when_it_is_back(
    harness: DaemonHarness, sim: Emulator
) -> None:
    daemon = harness.start()
    write_wav(harness.drop / "First.wav", seed=1)
    wait_until(lambda: _done(daemon, 1))
    sim.stop()  # "Wwise was closed"
    for name in ("Late_A.wav", "Late_B.wav"):
        write_wav(harness.drop / name, seed=len(name))
    waiting = wait_until(
        lambda: [b for b in daemon.journal.waiting_batches() if b.state is BatchState.WAITING]
    )
    assert waiting[0].code in ("WAAPI_UNAVAILABLE", "WAAPI_TIMEOUT")
    assert (harness.drop / "Late_A.wav").exists() and not (harness.drop / "failed").exists()
    sim.start()  # same port, project reloaded from disk (First was saved by the first batch)
    wait_until(lambda: _done(daemon, 3), timeout=30)
    assert sorted(name for name, _ in sounds(sim)) == ["First", "Late_A", "Late_B"]
    assert not (harness.drop / "failed").exists()


def test_an_invalid_workflow_file_edit_keeps_the_previous_version_running(harness: DaemonHarness) -> None:
    builtin = json.loads((Path(__file__).parents[2] / "config/workflows/auto-import.json").read_text())
    custom = {**builtin, "id": "my-import"}
    workflows = harness.tmp_path / "workflows"
    workflows.mkdir(parents=True, exist_ok=True)
    flow_file = workflows / "my-import.json"
    flow_file.write_text(json.dumps(custom))
    daemon = harness.start(workflow="my-import")
    sub = daemon.engine.events.subscribe()
    try:
        broken = {**custom, "nodes": [*custom["nodes"], {"id": "x", "type": "noSuchNode", "data": {}}]}
        flow_file.write_text(json.dumps(broken))
        # an editor's save may be seen half-written first: wait for the report of the saved file
        event = wait_until(lambda: _next_compiled(sub, code="UNKNOWN_NODE_TYPE"), timeout=10)
    finally:
        sub.close()
    assert event["ok"] is False and event["workflowId"] == "my-import"
    assert any(e["code"] == "UNKNOWN_NODE_TYPE" for e in event["errors"])
    [entry] = [w for w in daemon.status()["workflows"] if w["id"] == "my-import"]
    assert entry["ok"] is False and entry["running"] is True and entry["errors"]
    write_wav(harness.drop / "StillWorks.wav")
    wait_until(lambda: _done(daemon, 1))
    assert [name for name, _ in sounds(harness.sim)] == ["StillWorks"]


def _next_compiled(sub: object, code: str) -> dict | None:
    while True:
        event = sub.get(timeout=0.1)  # type: ignore[attr-defined]
        if event is None:
            return None
        if event.get("type") == "workflow.compiled" and any(e["code"] == code for e in event["errors"]):
            return event


def test_batch_events_are_published(harness: DaemonHarness) -> None:
    daemon = harness.start()
    sub = daemon.engine.events.subscribe()
    try:
        write_wav(harness.drop / "Evented.wav")
        seen: list[dict] = []

        def finished() -> bool:
            while (event := sub.get(timeout=0.05)) is not None:
                seen.append(event)
            return any(e["type"] == "batch.finished" for e in seen)

        wait_until(finished)
    finally:
        sub.close()
    queued = next(e for e in seen if e["type"] == "batch.queued")
    done = next(e for e in seen if e["type"] == "batch.finished")
    assert (queued["rule"], queued["files"]) == ("sfx", 1)
    assert (done["imported"], done["failed"], done["rule"]) == (1, 0, "sfx") and done["executionId"]


def test_hidden_and_temporary_files_are_never_imported(harness: DaemonHarness) -> None:
    daemon = harness.start()
    for name in (".Hidden.wav", "Take.wav.part", "~Lock.wav", "Render.tmp"):
        write_wav(harness.drop / name)
    write_wav(harness.drop / "Real.wav")
    wait_until(lambda: _done(daemon, 1))
    assert [name for name, _ in sounds(harness.sim)] == ["Real"]
    assert daemon.journal.counts_by_rule()["sfx"] == {"done": 1}


def test_a_nested_drop_folder_belongs_to_its_own_rule_only(harness: DaemonHarness) -> None:
    voice_target = TARGET + "\\Voice"
    daemon = harness.start(
        rules=[
            {"folder": str(harness.drop), "name": "sfx", "target": TARGET, "settle_ms": 300},
            {
                "folder": str(harness.drop / "voice"),
                "name": "voice",
                "target": voice_target,
                "settle_ms": 300,
            },
        ]
    )
    write_wav(harness.drop / "voice" / "Line_001.wav")
    write_wav(harness.drop / "Sfx_001.wav", seed=5)
    wait_until(lambda: _done(daemon, 1) and daemon.journal.counts_by_rule().get("voice", {}).get("done") == 1)
    with harness.sim.lock:
        paths = sorted(o.path for o in harness.sim.project.objects_of_type("Sound"))
    assert paths == [TARGET + "\\Sfx_001", voice_target + "\\Line_001"]


def test_a_stop_during_a_long_batch_leaves_it_queued_and_the_next_start_imports_each_file_once(
    harness: DaemonHarness, sim: Emulator
) -> None:
    from tests.daemon.conftest import FAST

    sim.latency_ms = 100
    impatient = FAST.__class__(**{**FAST.__dict__, "stop_grace_s": 0.2})
    # every call 5 files (not sized by time): the stop lands while most of the batch is still to do
    daemon = harness.start(timing=impatient, wwise={"import_chunk_size": 5, "import_call_budget_s": 0})
    for i in range(40):
        write_wav(harness.drop / f"Long_{i:02d}.wav", frames=100, seed=i)
    wait_until(lambda: import_calls(sim) >= 2)
    daemon.stop()  # the batch is cancelled after the grace period: undone, not failed
    assert not (harness.drop / "failed").exists()
    assert len(list(harness.drop.glob("Long_*.wav"))) == 40
    sim.latency_ms = 0
    again = harness.start()
    wait_until(lambda: _done(again, 40), timeout=30)
    assert sorted(name for name, _ in sounds(sim)) == [f"Long_{i:02d}" for i in range(40)]
    assert again.journal.counts_by_rule()["sfx"] == {"done": 40}


def test_a_polling_rule_imports_and_can_delete_after_success(harness: DaemonHarness) -> None:
    daemon = harness.start(polling=True, poll_interval_s=0.2, on_success="delete")
    assert daemon.status()["rules"][0]["watcher"]["mode"] == "polling"
    write_wav(harness.drop / "Share" / "Polled.wav")
    wait_until(lambda: _done(daemon, 1))
    assert [name for name, _ in sounds(harness.sim)] == ["Polled"]
    assert not (harness.drop / "Share" / "Polled.wav").exists()
    assert not (harness.drop / "processed").exists()


def test_a_file_dropped_while_the_observer_was_dead_is_found_when_it_is_rebuilt(
    harness: DaemonHarness,
) -> None:
    daemon = harness.start()
    observer = daemon.supervisor.observer("sfx")
    assert observer is not None
    observer.stop()  # what a crashed emitter looks like: no more events
    observer.join(5)
    write_wav(harness.drop / "Unseen.wav")
    wait_until(lambda: _done(daemon, 1))
    assert [name for name, _ in sounds(harness.sim)] == ["Unseen"]
    assert daemon.status()["rules"][0]["watcher"]["restarts"] == 1


def test_a_journal_write_that_fails_once_leaves_the_burst_tracked_and_it_is_imported(
    harness: DaemonHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One failing write of a burst's stable states must not leave the burst 'seen' until a rescan."""
    daemon = harness.start()
    real, failed = daemon.journal.mark_stable_many, []

    def fails_once(stables: object) -> object:
        if not failed:
            failed.append(True)
            raise OSError("disk I/O error")
        return real(stables)

    monkeypatch.setattr(daemon.journal, "mark_stable_many", fails_once)
    for name in ("A.wav", "B.wav"):
        write_wav(harness.drop / name, seed=len(name) + ord(name[0]))
    wait_until(lambda: _done(daemon, 2))  # the rescan is minutes away: the pump tracked them again
    assert failed and import_calls(harness.sim) >= 1
