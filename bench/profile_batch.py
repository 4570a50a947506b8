"""Where one batch's time goes: ``python -m bench.profile_batch`` (needs py-spy: the dev extra).

The 1,000-file burst of ``bench daemon`` (emulator as its own process, 50 ms per call), with
py-spy sampling this process (the daemon runs in it) from the moment the last file is stable
until the batch's run finished. Prints the wall time split into the WAAPI round trips (calls x
latency), the emulator's own time (its call log) and the rest, then the daemon's CPU samples by
what they were doing. ``--raw FILE`` keeps py-spy's collapsed stacks (for a flame graph).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from tempfile import TemporaryDirectory

from bench.bench_daemon import BURST, Finished, in_process_daemon, logged_calls, sim_process, wav_bytes
from wwiseflowd.logs import configure

LATENCY_MS = 50.0
RATE_HZ = 500
#: (category, substrings of a frame "function (file:line)"); the first category found walking a
#: stack from its leaf towards its root wins, so the specific ones come first
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("encode WAAPI calls (JSON, frame masking)", ("Serializer.serialize", "xormasker", "sendMessage")),
    ("decode WAAPI replies (JSON, UTF-8 check)", ("unserialize", "utf8validator", "_wamp_json_loads")),
    ("waapi-client / autobahn / asyncio plumbing", ("waapi/", "autobahn/", "asyncio/", "txaio/")),
    ("journal writes and reads (SQLite)", ("store/journal",)),
    ("read-back verification", ("_verify_import",)),
    ("WAV header checks before the import", ("inspect_wav",)),
    ("planning the import (names, folders, notes)", ("plan_batch", "_plan_batch", "_import_entry")),
    ("pre-write record for rollback", ("compensation.py",)),
    ("run result: memo, ledger, events", ("_save_memo", "ledger_record", "finished (wwiseflowd/runner",
                                          "model_dump")),
    ("audit log", ("wwiseflowd/audit/",)),
    ("settling files (processed/ or left)", ("settle", "after_success")),
    ("logging", ("loguru/",)),
    ("pump: stability checks, hashing, batching", ("daemon/pump.py", "stability.py", "watch/fileio.py")),
    ("file watcher (watchdog)", ("watchdog/",)),
)


#: leaf frames of a thread that waits (py-spy does not always tell them apart from running ones)
IDLE = ("Condition.wait", "Event.wait", "EpollSelector.select", "_check_inotify_fd", "Connection._recv",
        "SimpleQueue.get", "_serve (")


def categorize(stack: str) -> str | None:
    """The category of one collapsed stack (``thread;frame;frame...``); None for a waiting thread."""
    frames = stack.split(";")
    if len(frames) < 2 or any(idle in frames[-1] for idle in IDLE):
        return None  # waiting (or in native code py-spy cannot name)
    if any("bench_daemon.py" in f or "profile_batch.py" in f or "tempfile.py" in f for f in frames):
        return None  # this harness: writing the burst, waiting for it, cleaning up
    for frame in reversed(frames[1:]):
        for name, needles in CATEGORIES:
            if any(needle in frame for needle in needles):
                return name
    return "other daemon code"


def summarize(raw: Path) -> Counter[str]:
    """Samples per category from py-spy's ``--format raw`` output."""
    counts: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        name = categorize(stack) if stack and n.isdigit() else None
        if name is not None:
            counts[name] += int(n)
    return counts


def profile(tmp: Path, raw: Path) -> None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        sys.exit("py-spy is not installed: pip install py-spy (it is in the dev extra)")
    with sim_process(tmp, LATENCY_MS) as (url, call_log):
        daemon, engine = in_process_daemon(tmp, url)
        settle = daemon.rules["bench"].config.settle_ms / 1000
        finished = Finished(engine)
        time.sleep(0.5)
        try:
            before = len(logged_calls(call_log))
            for i in range(BURST):
                (tmp / "drop" / f"Burst_{i:04d}.wav").write_bytes(wav_bytes(4_800, i))
            stable = time.perf_counter() + settle
            time.sleep(max(0.0, stable - time.perf_counter() - 0.3))  # py-spy needs a moment to attach
            sampler = subprocess.Popen(
                [spy, "record", "--pid", str(os.getpid()), "--threads", "--rate", str(RATE_HZ),
                 "--format", "raw", "--output", str(raw), "--nonblocking"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            finished.wait_for(BURST, timeout=120)
            run_s = max(finished.runs) - stable
            sampler.send_signal(signal.SIGINT)
            sampler.wait(60)
            time.sleep(0.3)
            calls = logged_calls(call_log)[before:]
        finally:
            finished.close()
            daemon.stop()
            engine.close()
    emulator_s = sum(c["durationMs"] for c in calls) / 1000
    trips_s = len(calls) * LATENCY_MS / 1000
    print(f"one batch of {BURST} files, {len(calls)} WAAPI calls at {LATENCY_MS:g} ms "
          f"(load average {os.getloadavg()[0]:.1f}):")
    print(f"  last file stable -> run finished: {run_s:.2f} s = round trips {trips_s:.2f} s "
          f"+ emulator {emulator_s:.2f} s + the rest {run_s - trips_s - emulator_s:.2f} s")
    counts = summarize(raw)
    total = sum(counts.values())
    print(f"  daemon CPU while it ran: {total / RATE_HZ:.2f} s in {total} samples (all threads, "
          "including the pump and py-spy's own interruptions):")
    for name, n in counts.most_common():
        print(f"    {n / RATE_HZ * 1000:7.0f} ms  {n / total:5.1%}  {name}")


def main(argv: list[str]) -> None:
    """``--raw FILE`` keeps the collapsed stacks."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile_batch")
    parser.add_argument("--raw", type=Path, help="keep py-spy's collapsed stacks in this file")
    args = parser.parse_args(argv)
    configure("WARNING")
    with TemporaryDirectory(prefix="wwiseflowd-profile-") as tmp:
        profile(Path(tmp), args.raw or Path(tmp) / "batch.raw")


if __name__ == "__main__":
    main(sys.argv[1:])
