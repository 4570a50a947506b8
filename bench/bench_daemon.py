"""Drop-folder daemon figures: one file's latency, a 1,000-file burst vs a naive watcher, idle cost.

``python -m bench daemon``. All against the built-in WAAPI emulator over a real socket.

* **one file**: from the moment a WAV is completely written (the earliest it can be "stable") to
  its batch finished (imported and saved), with the default settle time of 1.5 s. Target: within
  settle + 300 ms.
The emulator runs as its own process (``wwiseflowd sim``), as Wwise would.

* **burst**: 1,000 WAVs dropped at once, emulator at ``--latency-ms 50``: from the last file
  stable (last write + settle) to all imported and saved, against the round-trip *floor* of the
  same run: the WAAPI calls the batch cannot avoid (:func:`floor_calls`) times the latency, plus the
  emulator's own time for the batch's calls (its call log). Compared, in the same run and against
  the same emulator, with a naive per-file watcher (one call per operation: one ``audio.import``
  and one ``project.save`` per file), measured on 200 files and extrapolated to 1,000 (it would
  take minutes); the output says so.

First start and the idle daemon: ``bench/bench_idle.py``. One figure alone:
``python -m bench.bench_daemon single|burst``.
"""

from __future__ import annotations

import json
import math
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from wwiseflowd.config import settings_for_tests
from wwiseflowd.daemon import Daemon
from wwiseflowd.engine import Engine
from wwiseflowd.logs import configure

TARGET = "\\Actor-Mixer Hierarchy\\Default Work Unit\\Bench"
BURST = 1_000
BURST_LATENCY_MS = 50.0
#: the naive per-file watcher is timed on this many files, then extrapolated to BURST
NAIVE_SAMPLE = 200
#: the naive variant running the whole auto-import workflow per file (slower still): fewer files
NAIVE_RUNS_SAMPLE = 40
SINGLE_RUNS = 5


def wav_bytes(frames: int, seed: int) -> bytes:
    """A mono 16-bit PCM WAV (48 kHz), samples set by ``seed`` (the one writer, wwiseflowd.wav)."""
    from wwiseflowd.wav import wav_bytes as write

    return write(frames, seed=seed)


class Finished:
    """Collects ``batch.finished`` events of an engine with their arrival time."""

    def __init__(self, engine: Engine) -> None:
        self.sub = engine.events.subscribe()
        self.events: list[tuple[float, dict[str, Any]]] = []
        #: when each workflow run ended (the import and the project save are done)
        self.runs: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            event = self.sub.get(timeout=0.05)
            if event is None:
                continue
            if event.get("type") == "batch.finished":
                self.events.append((time.perf_counter(), event))
            elif event.get("type") == "run.finished":
                self.runs.append(time.perf_counter())

    def imported(self) -> int:
        return sum(e["imported"] + e["failed"] for _, e in self.events)

    def wait_for(self, n: int, timeout: float) -> float:
        """perf_counter time when ``n`` files were settled in total."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.imported() >= n:
                return self.events[-1][0]
            time.sleep(0.005)
        raise TimeoutError(f"only {self.imported()} of {n} files imported within {timeout} s")

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sub.close()


def in_process_daemon(tmp: Path, url: str, **rule: Any) -> tuple[Daemon, Engine]:
    settings = settings_for_tests(
        tmp,
        wwise={"url": url},
        server={"enabled": False},
        watch=[{"folder": str(tmp / "drop"), "name": "bench", "target": TARGET, **rule}],
    )
    engine = Engine(settings).start()
    return Daemon(settings, engine).start(), engine


@contextmanager
def sim_process(tmp: Path, latency_ms: float) -> Iterator[tuple[str, Path]]:
    """``wwiseflowd sim`` as its own process (like Wwise, it does not share our GIL): (url, call log)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    call_log = tmp / "calls.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wwiseflowd",
            "--log-level",
            "WARNING",
            "sim",
            "--port",
            str(port),
            "--project",
            str(tmp / "project"),
            "--latency-ms",
            str(latency_ms),
            "--call-log",
            str(call_log),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("wwiseflowd sim did not start") from None
                time.sleep(0.1)
        yield f"ws://127.0.0.1:{port}/waapi", call_log
    finally:
        proc.terminate()
        proc.wait(30)


def logged_calls(call_log: Path) -> list[dict[str, Any]]:
    """The emulator's call log so far."""
    if not call_log.exists():
        return []
    return [json.loads(line) for line in call_log.read_text().splitlines() if line.strip()]


def bench_single_file(tmp: Path) -> None:
    with sim_process(tmp, 0) as (url, _log):
        daemon, engine = in_process_daemon(tmp, url)
        settle = daemon.rules["bench"].config.settle_ms / 1000
        finished = Finished(engine)
        time.sleep(0.5)
        latencies = []
        try:
            for i in range(SINGLE_RUNS):
                path = tmp / "drop" / f"Single_{i}.wav"
                path.write_bytes(wav_bytes(48_000, i))
                written = time.perf_counter()
                done = finished.wait_for(i + 1, timeout=30)
                latencies.append(done - written)
        finally:
            finished.close()
            daemon.stop()
            engine.close()
    over = [(lat - settle) * 1000 for lat in latencies]
    print(f"one file (settle {settle * 1000:.0f} ms, {SINGLE_RUNS} drops, 1 s WAV each):")
    print(
        f"  written -> imported and saved: median {statistics.median(latencies) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms ({', '.join(f'{lat * 1000:.0f}' for lat in latencies)})"
    )
    print(
        f"  beyond the settle time: median {statistics.median(over):.0f} ms, max {max(over):.0f} ms "
        f"(target <= 300 ms: {'met' if max(over) <= 300 else 'NOT met'})"
    )


def naive_per_file(url: str, files: list[Path]) -> float:
    """Seconds a naive watcher spends per file: its own import call and its own save, one file at a time."""
    from waapi import PerCallbackThreadExecutor, WaapiClient

    client = WaapiClient(url=url, callback_executor=PerCallbackThreadExecutor)
    try:
        start = time.perf_counter()
        for path in files:
            client.call(
                "ak.wwise.core.audio.import",
                {
                    "importOperation": "useExisting",
                    "imports": [
                        {
                            "audioFile": str(path),
                            "objectPath": f"{TARGET}Naive\\<Sound SFX>{path.stem}",
                            "importLanguage": "SFX",
                        }
                    ],
                },
            )
            client.call("ak.wwise.core.project.save", {})
        return (time.perf_counter() - start) / len(files)
    finally:
        client.disconnect()


def naive_runs_per_file(tmp: Path, url: str, files: list[Path]) -> float:
    """Seconds per file when each file gets its own run of the same auto-import workflow."""
    from wwiseflowd.watch.workflows import builtin_workflow_path

    document = json.loads(builtin_workflow_path().read_text(encoding="utf-8"))
    settings = settings_for_tests(tmp / "naive-engine", wwise={"url": url}, server={"enabled": False})
    with Engine(settings) as engine:
        engine.backend("wwise").connect()
        start = time.perf_counter()
        for path in files:
            entry = {"path": str(path), "relativeDir": "", "sha256": None}
            engine.execute(document, {"files": [entry], "targetPath": TARGET + "NaiveRuns"}, force=True)
        return (time.perf_counter() - start) / len(files)


def floor_calls(import_s: float, budget_s: float) -> dict[str, int]:
    """The WAAPI calls a batch into a new target cannot do without, by purpose, when Wwise spent
    ``import_s`` importing its files and one call may take ``budget_s`` (``[wwise]
    import_call_budget_s``): as few import calls as keep each within the budget.

    Each stands for a guarantee: no import call keeps Wwise busy longer than the budget; the target
    is looked up before anything changes; the undo group (open and close) makes the batch one
    undoable step; the pre-write record (what lies under the nearest existing parent) lets a run
    whose connection dropped be rolled back by compensation; the read-back verifies every file
    became a Sound with its source; the save makes it durable.
    """
    return {
        "audio.import within the budget": max(1, math.ceil(import_s / budget_s)),
        "target look-up": 1,
        "undo group open + close": 2,
        "pre-write record for rollback": 1,
        "read-back verification": 1,
        "project.save": 1,
    }


def _measure_burst(tmp: Path, url: str, call_log: Path) -> dict[str, Any]:
    """Drop BURST files into a running daemon; times from the last file stable, and its WAAPI calls."""
    daemon, engine = in_process_daemon(tmp, url)
    settle = daemon.rules["bench"].config.settle_ms / 1000
    budget_s = engine.settings.wwise.import_call_budget_s
    finished = Finished(engine)
    time.sleep(0.5)
    try:
        calls_before = len(logged_calls(call_log))
        for i in range(BURST):
            (tmp / "drop" / f"Burst_{i:04d}.wav").write_bytes(wav_bytes(4_800, i))
        last_written = time.perf_counter()
        done = finished.wait_for(BURST, timeout=120)
        time.sleep(0.3)  # the call log is written as calls finish
        calls = logged_calls(call_log)[calls_before:]
    finally:
        finished.close()
        daemon.stop()
        engine.close()
    stable = last_written + settle
    return {
        "settle": settle,
        "budget_s": budget_s,
        "daemon_s": max(t for t in finished.runs if t <= done) - stable,
        "settled_s": done - stable,
        "batches": len(finished.events),
        "calls": calls,
    }


def _naive_sample(tmp: Path, n: int) -> list[Path]:
    folder = tmp / "naive"
    folder.mkdir(exist_ok=True)
    sample = []
    for i in range(n):
        path = folder / f"Naive_{i:04d}.wav"
        if not path.exists():
            path.write_bytes(wav_bytes(4_800, i))
        sample.append(path)
    return sample


def bench_burst(tmp: Path) -> None:
    with sim_process(tmp, BURST_LATENCY_MS) as (url, call_log):
        burst = _measure_burst(tmp, url, call_log)
        per_file = naive_per_file(url, _naive_sample(tmp, NAIVE_SAMPLE))
        per_run = naive_runs_per_file(tmp, url, _naive_sample(tmp, NAIVE_RUNS_SAMPLE))
    daemon_s, calls = burst["daemon_s"], burst["calls"]
    emulator_s = sum(c["durationMs"] for c in calls) / 1000
    import_s = sum(c["durationMs"] for c in calls if c["uri"] == "ak.wwise.core.audio.import") / 1000
    floor = floor_calls(import_s, burst["budget_s"])
    floor_s = sum(floor.values()) * BURST_LATENCY_MS / 1000 + emulator_s
    imports = sum(1 for c in calls if c["uri"] == "ak.wwise.core.audio.import")
    naive_s = per_file * BURST
    print(f"burst of {BURST} WAVs, emulator latency {BURST_LATENCY_MS:g} ms, settle "
          f"{burst['settle'] * 1000:.0f} ms (load average {os.getloadavg()[0]:.1f}):")
    print(
        f"  daemon: last file stable -> all imported and saved (run finished): {daemon_s:.2f} s "
        f"({burst['batches']} batch(es), {imports} audio.import calls, {len(calls)} WAAPI calls)"
    )
    by_uri = Counter(c["uri"].removeprefix("ak.wwise.") for c in calls)
    print(f"  its WAAPI calls: {', '.join(f'{uri} {n}' for uri, n in by_uri.most_common())}")
    print(
        f"  round-trip floor: {sum(floor.values())} unavoidable calls x {BURST_LATENCY_MS:g} ms + "
        f"{emulator_s:.2f} s inside the emulator = {floor_s:.2f} s "
        f"({', '.join(f'{k} {v}' for k, v in floor.items())})"
    )
    ratio = daemon_s / floor_s
    print(f"  daemon / floor: {ratio:.2f} (target <= 1.5: {'met' if ratio <= 1.5 else 'NOT met'})")
    print(f"  daemon: ... and every file moved to processed/ (batch finished): {burst['settled_s']:.2f} s")
    print(
        f"  naive per-file watcher (1 import + 1 save per file): {per_file * 1000:.0f} ms per file, "
        f"measured on {NAIVE_SAMPLE} files and EXTRAPOLATED to {BURST}: {naive_s:.1f} s"
    )
    print(f"  ratio naive / daemon: {naive_s / daemon_s:.0f}x (target >= 100x: "
          f"{'met' if naive_s / daemon_s >= 100 else 'NOT met'})")
    print(
        f"  naive variant, one run of the auto-import workflow per file: {per_run * 1000:.0f} ms per file, "
        f"measured on {NAIVE_RUNS_SAMPLE} files and EXTRAPOLATED to {BURST}: {per_run * BURST:.1f} s, "
        f"ratio {per_run * BURST / daemon_s:.0f}x"
    )


BENCHES = {"single": bench_single_file, "burst": bench_burst}


def main(argv: list[str]) -> None:
    """Run the named figures (all when none is named)."""
    configure("WARNING")
    for name in argv or list(BENCHES):
        with TemporaryDirectory(prefix="wwiseflowd-bench-") as tmp:
            BENCHES[name](Path(tmp))


if __name__ == "__main__":
    main(sys.argv[1:])
