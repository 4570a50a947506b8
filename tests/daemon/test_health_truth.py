"""The daemon's status tells the truth: waiting files with their reason, stalled queues, a watcher
that stopped reporting files. Real observers, real files, the emulator over a socket."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from tests.daemon.conftest import DaemonHarness, daemon_settings, sounds, wait_until
from tests.daemon.wavs import wav_bytes, write_wav
from wwiseflowd.daemon.health import PROGRESS_FILES
from wwiseflowd.engine import Engine
from wwiseflowd.sim import Emulator

pytestmark = pytest.mark.integration


def test_an_incomplete_file_is_named_in_status_with_its_reason_and_how_long_it_waited(
    harness: DaemonHarness,
) -> None:
    daemon = harness.start()
    harness.drop.mkdir(parents=True, exist_ok=True)
    full = wav_bytes(4000, seed=1)
    (harness.drop / "Render.wav").write_bytes(full[: len(full) // 2])  # a render still in progress

    def waiting() -> list[dict[str, object]]:
        return [w for w in daemon.status()["rules"][0]["waiting"] if float(w["waitingS"]) > 0.5]  # type: ignore[arg-type]

    [entry] = wait_until(waiting)
    assert entry["file"] == "Render.wav" and str(entry["reason"]).startswith("incomplete")
    assert daemon.status()["problems"] == []  # an unfinished render is not a problem


def test_a_batch_waiting_for_a_missing_workflow_is_a_health_problem(harness: DaemonHarness) -> None:
    daemon = harness.start(workflow="no-such-workflow")
    write_wav(harness.drop / "Hit.wav")

    def problems() -> list[str]:
        return [p for p in daemon.status()["problems"] if "no-such-workflow" in p]

    [problem] = wait_until(problems)
    assert "CONFIG_ERROR" in problem and "1 file(s)" in problem


def test_the_progress_snapshot_names_the_same_waiting_files_and_batches_as_the_status(
    harness: DaemonHarness,
) -> None:
    daemon = harness.start(workflow="no-such-workflow")
    full = wav_bytes(4000, seed=2)
    (harness.drop / "Render.wav").write_bytes(full[: len(full) // 2])  # still being rendered
    write_wav(harness.drop / "Hit.wav")  # complete: its batch waits for the missing workflow
    light = daemon.progress_status
    waits = lambda: [b for b in light()["batches"] if b["state"] == "waiting"]  # noqa: E731
    wait_until(lambda: waits() and light()["rules"][0]["waiting"])
    snapshot, status = light(), daemon.status()
    assert [w["file"] for w in snapshot["rules"][0]["waiting"]] == ["Render.wav"]
    assert (snapshot["rules"][0]["settling"], snapshot["rules"][0]["incomplete"]) == (1, 1)
    assert snapshot["rules"][0]["folder"] == status["rules"][0]["folder"]
    [batch] = snapshot["batches"]
    assert batch["state"] == "waiting" and batch["code"] == "CONFIG_ERROR"
    assert [b["id"] for b in status["waitingBatches"]] == [batch["id"]]


def test_the_progress_snapshot_counts_every_settling_file_but_lists_only_the_longest_waiting(
    harness: DaemonHarness,
) -> None:
    daemon = harness.start(settle_ms=60_000)  # nothing settles during the test
    harness.drop.mkdir(parents=True, exist_ok=True)
    write_wav(harness.drop / "First.wav")
    wait_until(lambda: daemon.progress_status()["rules"][0]["settling"] == 1)
    for i in range(PROGRESS_FILES + 10):
        write_wav(harness.drop / f"Later_{i:03d}.wav", seed=i)
    wait_until(lambda: daemon.progress_status()["rules"][0]["settling"] == PROGRESS_FILES + 11)
    rule = daemon.progress_status()["rules"][0]
    assert len(rule["waiting"]) == PROGRESS_FILES and rule["waiting"][0]["file"] == "First.wav"
    assert rule["incomplete"] == 0
    assert len(daemon.status()["rules"][0]["waiting"]) == PROGRESS_FILES + 11  # /health lists them all


@pytest.mark.slow
def test_a_watcher_that_stops_reporting_files_is_named_and_the_rescan_imports_them(
    harness: DaemonHarness,
) -> None:
    # a polling watcher that polls once an hour is alive but reports nothing: a stuck watcher
    daemon = harness.start(polling=True, poll_interval_s=3600, rescan_interval_s=1)
    harness.drop.mkdir(parents=True, exist_ok=True)
    time.sleep(0.5)  # the start-up scan is over
    path = write_wav(harness.drop / "Missed.wav", seed=3)
    old = time.time() - 3600
    os.utime(path, (old, old))  # copied with its original date: not news by the time a rescan sees it

    def problem() -> list[str]:
        return [p for p in daemon.status()["problems"] if "did not report" in p]

    [text] = wait_until(problem, timeout=20)
    assert "Missed.wav" in text
    wait_until(lambda: [n for n, _ in sounds(harness.sim)] == ["Missed"], timeout=20)


def test_wwise_coming_back_is_seen_by_the_next_health_probe(tmp_path: Path, sim: Emulator) -> None:
    with Engine(daemon_settings(tmp_path, sim.url, [])) as engine:

        def wwise() -> dict[str, Any]:
            return dict(engine.health(probe=True)["backends"]["wwise"])

        wait_until(lambda: wwise().get("connected"))
        sim.stop()
        wait_until(lambda: not wwise().get("connected") and wwise().get("lastError"))  # tried, failed
        sim.restart()
        wait_until(lambda: wwise().get("connected"), timeout=10)  # not a stale "unreachable"
