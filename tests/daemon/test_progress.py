"""The terminal progress display: the presenter's bookkeeping (no threads), then the real daemon."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.daemon.wavs import write_wav
from wwiseflowd.progress import Presenter, render_json, render_text


def snapshot(*waiting: tuple[str, str, float], batches: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    files = [{"file": f, "reason": r, "waitingS": s} for f, r, s in waiting]
    return {"rules": [{"rule": "sfx", "waiting": files}], "batches": batches or []}


def kinds(notices: list[Any]) -> list[tuple[str, str | None]]:
    return [(n.kind, n.file) for n in notices]


def test_a_file_is_seen_settles_then_its_import_is_reported_once() -> None:
    files = {1: [{"relPath": "Hit.wav", "state": "done", "objectPath": "\\A\\Hit"},
                 {"relPath": "Bad.wav", "state": "failed", "code": "INVALID_AUDIO", "error": "not a WAV"}]}
    presenter = Presenter(files.__getitem__)
    first = presenter.on_status(snapshot(("Hit.wav", "settling: still being written", 0.1)))
    assert kinds(first) == [("seen", "Hit.wav"), ("settling", "Hit.wav")]
    assert presenter.on_status(snapshot(("Hit.wav", "settling: still being written", 0.6))) == []
    queued = presenter.on_event({"type": "batch.queued", "rule": "sfx", "batchId": 1, "files": 2})
    assert [render_text(n)[10:] for n in queued] == ["importing 2 file(s) (batch 1)"]
    done = presenter.on_event({"type": "batch.finished", "rule": "sfx", "batchId": 1, "imported": 1,
                               "failed": 1, "skipped": 0, "executionId": "exec_1"})
    assert kinds(done) == [("done", "Hit.wav"), ("failed", "Bad.wav"), ("batch", None)]
    assert render_text(done[1]).endswith("failed    Bad.wav INVALID_AUDIO: not a WAV")
    assert "1 imported, 1 failed, 0 already there (exec_1)" in done[2].detail


def test_an_incomplete_file_says_how_long_it_waited_and_again_every_ten_seconds() -> None:
    presenter = Presenter(lambda _id: [])
    reason = "incomplete: Cut.wav is incomplete (truncated): ..."
    first = presenter.on_status(snapshot(("Cut.wav", reason, 1.0)))
    assert kinds(first) == [("seen", "Cut.wav"), ("waiting", "Cut.wav")]
    assert first[1].detail.startswith("incomplete for 1 s: Cut.wav is incomplete")
    assert presenter.on_status(snapshot(("Cut.wav", reason, 6.0))) == []
    again = presenter.on_status(snapshot(("Cut.wav", reason, 11.5)))
    assert [n.detail[:19] for n in again] == ["incomplete for 12 s"]


def test_a_burst_is_one_progress_line_and_a_short_list_of_what_was_imported() -> None:
    records = [{"relPath": f"B_{i:03d}.wav", "state": "done", "objectPath": f"\\B_{i:03d}"}
               for i in range(40)]
    presenter = Presenter(lambda _id: records)
    many = [(f"B_{i:03d}.wav", "settling: still being written", 0.1) for i in range(40)]
    notices = presenter.on_status(snapshot(*many))
    assert kinds(notices) == [("burst", None)] and notices[0].detail == "40 file(s) settling"
    assert kinds(presenter.on_status(snapshot(*many[:5]))) == [("burst", None)]  # still that burst
    presenter.on_event({"type": "batch.queued", "rule": "sfx", "batchId": 7, "files": 40})
    finished = presenter.on_event({"type": "batch.finished", "rule": "sfx", "batchId": 7, "imported": 40})
    assert [n.kind for n in finished].count("done") == 13  # 12 by name, then "... and 28 more imported"
    assert finished[-2].detail == "... and 28 more imported"


def test_a_burst_line_counts_every_settling_file_when_the_snapshot_lists_only_some() -> None:
    presenter = Presenter(lambda _id: [])
    status = snapshot(("A.wav", "incomplete: data chunk short", 3.0), ("B.wav", "settling: written", 1.0))
    status["rules"][0] |= {"settling": 9_000, "incomplete": 3}
    [line] = presenter.on_status(status)
    assert (line.kind, line.detail) == ("burst", "9000 file(s) settling, 3 incomplete")


def test_a_batch_waiting_for_wwise_is_said_once() -> None:
    presenter = Presenter(lambda _id: [])
    waiting = {"id": 3, "rule": "sfx", "state": "waiting", "code": "WAAPI_UNAVAILABLE",
               "error": "Wwise is not reachable"}
    assert kinds(presenter.on_status(snapshot(batches=[waiting]))) == [("paused", None)]
    assert presenter.on_status(snapshot(batches=[waiting])) == []


def test_json_lines_carry_the_event_name_and_the_data() -> None:
    presenter = Presenter(lambda _id: [])
    [seen, settling] = presenter.on_status(snapshot(("Hit.wav", "settling: still being written", 0.2)))
    line = json.loads(render_json(settling))
    assert line["event"] == "file.settling" and line["file"] == "Hit.wav" and line["rule"] == "sfx"
    assert json.loads(render_json(seen))["event"] == "file.seen"


@pytest.mark.integration
def test_wwiseflowd_run_writes_json_progress_lines_when_stdout_is_not_a_terminal(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    config = tmp_path / "wwiseflowd.toml"
    config.write_text(
        f'[paths]\nstate_dir = "{(tmp_path / "state").as_posix()}"\n'
        f'workflows_dir = "{(tmp_path / "wf").as_posix()}"\n'
        f'[server]\nenabled = false\n'
        f'[[watch]]\nfolder = "{drop.as_posix()}"\nname = "sfx"\nsettle_ms = 300\n'
    )
    out = tmp_path / "progress.jsonl"
    with out.open("w") as sink:
        command = [sys.executable, "-m", "wwiseflowd", "--config", str(config), "run", "--simulate"]
        proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while not (tmp_path / "state" / "runtime.json").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            write_wav(drop / "Hit.wav", seed=1)
            (drop / "Bad.wav").write_bytes(b"not a wave" * 80)
            while time.monotonic() < deadline:
                events = [json.loads(x)["event"] for x in out.read_text().splitlines() if x.strip()]
                if "rule.batch" in events:
                    break
                time.sleep(0.2)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    lines = [json.loads(x) for x in out.read_text().splitlines() if x.strip()]
    by_event = {(x["event"], x.get("file")) for x in lines}
    assert {("file.seen", "Hit.wav"), ("rule.importing", None), ("file.done", "Hit.wav"),
            ("file.failed", "Bad.wav")} <= by_event, lines
    [failed] = [x for x in lines if x["event"] == "file.failed"]
    assert failed["code"] == "INVALID_AUDIO" and "Bad.wav" in failed["error"]


def test_text_mode_rewrites_the_burst_line_in_place() -> None:
    from wwiseflowd.events import EventHub
    from wwiseflowd.progress import ProgressFeed

    many = [{"file": f"B_{i}.wav", "reason": "settling: still being written", "waitingS": 0.1}
            for i in range(30)]
    out = io.StringIO()
    feed = ProgressFeed(lambda: {"rules": [{"rule": "sfx", "waiting": many}]}, lambda _id: [], EventHub(),
                        out, "text", interval_s=0.05).start()
    time.sleep(0.3)
    feed.stop()
    text = out.getvalue()
    assert "\r\x1b[2K" in text and "30 file(s) settling" in text and text.endswith("\n")


def test_an_idle_feed_reads_no_status_until_files_arrive() -> None:
    # nothing settling and no batch: the display waits for activity() instead of polling
    from wwiseflowd.events import EventHub
    from wwiseflowd.progress import ProgressFeed

    snapshot: dict[str, Any] = {"rules": [{"rule": "sfx", "waiting": []}], "batches": []}
    reads: list[float] = []

    def status() -> dict[str, Any]:
        reads.append(time.monotonic())
        return snapshot

    out = io.StringIO()
    feed = ProgressFeed(status, lambda _id: [], EventHub(), out, "json", interval_s=0.05).start()
    try:
        time.sleep(0.5)
        assert len(reads) == 1, reads
        snapshot["rules"][0]["waiting"] = [{"file": "Hit.wav", "reason": "settling: still being written",
                                            "waitingS": 0.1}]
        feed.activity()
        deadline = time.monotonic() + 5
        while len(reads) < 4 and time.monotonic() < deadline:  # settling: polled again and again
            time.sleep(0.02)
        assert len(reads) >= 4, reads
        assert '"file": "Hit.wav"' in out.getvalue()
    finally:
        started = time.monotonic()
        feed.stop()
    assert time.monotonic() - started < 2  # stop() wakes a waiting feed
