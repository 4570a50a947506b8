"""A pipe, socket or device named ``*.wav`` never blocks a rule; a read that hangs costs a timeout."""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.daemon.conftest import DaemonHarness, sounds, wait_until
from tests.daemon.wavs import write_wav
from wwiseflowd.watch.fileio import NotRegularFile, ReadTimeout, TimedReader, open_regular
from wwiseflowd.watch.wavecheck import WaveVerdict, probe_wave

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and unix sockets")


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "Stuck.wav"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(NotRegularFile, match="named pipe"):
        open_regular(fifo)
    probe = probe_wave(fifo)
    assert probe.verdict is WaveVerdict.INVALID and "named pipe (FIFO)" in probe.reason
    assert time.monotonic() - started < 1


def test_a_read_that_hangs_times_out_and_the_next_read_still_works() -> None:
    reader = TimedReader(0.2)
    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(ReadTimeout, match="Slow.wav"):
        reader.call(release.wait, "Slow.wav")
    assert time.monotonic() - started < 2
    assert reader.call(lambda: 42, "Fast.wav") == 42
    assert reader.hanging() == 1
    release.set()
    wait_until(lambda: reader.hanging() == 0, timeout=5)


def test_hanging_reads_are_bounded() -> None:
    reader = TimedReader(0.05)
    release = threading.Event()
    for _ in range(4):
        with pytest.raises(ReadTimeout):
            reader.call(release.wait, "x")
    with pytest.raises(ReadTimeout, match="still hanging"):
        reader.call(lambda: 1, "y")
    release.set()


def test_reads_handed_over_together_come_back_in_order_with_failures_in_their_place() -> None:
    reader = TimedReader(5.0)
    threads: set[str] = set()

    def read(n: int) -> int:
        threads.add(threading.current_thread().name)
        if n == 2:
            raise OSError(5, "Input/output error")
        return n * 10

    found = reader.call_each(read, [0, 1, 2, 3], str)
    assert found[:2] == [0, 10] and isinstance(found[2], OSError) and found[3] == 30
    assert len(threads) == 1 and threading.current_thread().name not in threads


def test_one_read_that_hangs_among_many_times_out_alone_and_the_others_are_read() -> None:
    reader = TimedReader(0.2)
    release = threading.Event()

    def read(name: str) -> str:
        if name == "Slow.wav":
            release.wait()
        return name.upper()

    started = time.monotonic()
    found = reader.call_each(read, ["a.wav", "Slow.wav", "b.wav", "c.wav"], lambda name: name)
    assert time.monotonic() - started < 2
    assert found[0] == "A.WAV" and found[2:] == ["B.WAV", "C.WAV"]
    assert isinstance(found[1], ReadTimeout) and "Slow.wav" in str(found[1])
    assert reader.hanging() == 1
    release.set()
    wait_until(lambda: reader.hanging() == 0, timeout=5)


def test_reads_handed_over_together_are_refused_while_too_many_hang() -> None:
    reader = TimedReader(0.05)
    release = threading.Event()
    for _ in range(4):
        with pytest.raises(ReadTimeout):
            reader.call(release.wait, "x")
    found = reader.call_each(lambda n: n, [1, 2], lambda n: f"file {n}")
    assert all(isinstance(f, ReadTimeout) and "still hanging" in str(f) for f in found)
    release.set()


@pytest.mark.integration
def test_a_fifo_and_a_socket_named_wav_go_to_failed_and_the_rest_of_the_folder_is_imported(
    harness: DaemonHarness,
) -> None:
    harness.drop.mkdir(parents=True)
    os.mkfifo(harness.drop / "Stuck.wav")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(harness.drop / "Sock.wav"))
    try:
        write_wav(harness.drop / "Good.wav", seed=1)
        harness.start()
        write_wav(harness.drop / "Later.wav", seed=2)
        failed = harness.drop / "failed"
        wait_until(lambda: sorted(n for n, _ in sounds(harness.sim)) == ["Good", "Later"], timeout=20)
        wait_until(lambda: (failed / "Stuck.wav.error.json").exists(), timeout=20)
        report = json.loads((failed / "Stuck.wav.error.json").read_text())
        assert report["code"] == "INVALID_AUDIO" and "named pipe" in report["reason"]
        wait_until(lambda: (failed / "Sock.wav.error.json").exists(), timeout=20)
        assert "socket" in json.loads((failed / "Sock.wav.error.json").read_text())["reason"]
    finally:
        server.close()
