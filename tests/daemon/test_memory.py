"""Memory a burst freed goes back to the operating system, and an idle daemon does not keep asking."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.daemon.conftest import DaemonHarness, wait_until
from tests.daemon.wavs import write_wav
from wwiseflowd.daemon import memory
from wwiseflowd.daemon.memory import MemoryTrimmer


def _rss_kib() -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))


@pytest.mark.skipif(memory._malloc_trim() is None, reason="glibc's malloc_trim is Linux/glibc only")
def test_a_trim_gives_back_what_freed_blocks_between_live_ones_held() -> None:
    blocks = [bytes(4096) + i.to_bytes(4, "little") for i in range(40_000)]  # ~160 MB from malloc
    keep = blocks[::200]  # a few live blocks all through the heap keep glibc from shrinking it
    del blocks
    before = _rss_kib()
    assert memory.trim()
    after = _rss_kib()
    assert before - after > 100_000, (before, after)
    assert len(keep) == 200


def test_the_trimmer_trims_when_work_pauses_or_once_a_period_while_it_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trims: list[float] = []
    now = [100.0]
    monkeypatch.setattr(memory, "trim", lambda: trims.append(now[0]) or True)
    trimmer = MemoryTrimmer(every_s=60.0, quiet_s=1.0, clock=lambda: now[0])
    assert not trimmer.housekeeping(), "no work since start: nothing to give back"
    trimmer.busy()
    assert not trimmer.housekeeping(), "the work goes on and the first trim is not due"
    now[0] = 101.5
    assert trimmer.housekeeping() and trims == [101.5], "the work paused"
    assert not trimmer.housekeeping(), "no work since"
    for second in range(102, 170):  # busy every second: a trim once a minute
        now[0] = float(second)
        trimmer.busy()
        trimmer.housekeeping()
    assert trims == [101.5, 162.0]
    now[0] = 500.0
    assert trimmer.housekeeping() and trims[-1] == 500.0, "the work paused"
    now[0] = 900.0
    assert not trimmer.housekeeping(), "idle: nothing more"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="trims only where glibc can")
def test_a_daemon_trims_after_a_burst_and_not_while_idle(
    harness: DaemonHarness, monkeypatch: pytest.MonkeyPatch,
) -> None:
    trims: list[float] = []
    monkeypatch.setattr(memory, "trim", lambda: trims.append(time.monotonic()) or True)
    daemon = harness.start()
    for i in range(5):
        write_wav(harness.drop / f"Trim_{i}.wav", frames=200, seed=i)
    wait_until(lambda: daemon.journal.counts_by_rule().get("sfx", {}).get("done") == 5)
    # the moves to processed/ are events too: wait for the trim after the last of them
    wait_until(lambda: trims and time.monotonic() - trims[-1] > 2.0)
    idle_from = len(trims)
    time.sleep(3.0)
    assert len(trims) == idle_from, "an idle daemon trimmed again"


@pytest.mark.skipif(memory._malloc_trim() is None, reason="glibc's mallopt is Linux/glibc only")
def test_threads_that_allocate_after_the_cap_share_its_arenas() -> None:
    script = (
        "import ctypes, threading\n"
        "from wwiseflowd.daemon import memory\n"
        "assert memory.limit_arenas()\n"
        "def work():\n"
        "    kept = [bytearray(2000 + i) for i in range(3000)]\n"
        "    done.wait()\n"
        "done = threading.Event()\n"
        "threads = [threading.Thread(target=work) for _ in range(16)]\n"
        "[t.start() for t in threads]\n"
        "import time; time.sleep(1)\n"
        "ctypes.CDLL(None).malloc_stats()\n"
        "done.set(); [t.join() for t in threads]\n"
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    arenas = [line for line in ran.stderr.splitlines() if line.startswith("Arena ")]
    assert 1 <= len(arenas) <= memory.ARENAS, ran.stderr  # glibc's default: up to 8 per core
