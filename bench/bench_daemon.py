"""Drop-folder daemon figures: one file's latency, a 1,000-file burst vs a naive watcher, idle cost.

``python -m bench daemon``. All against the built-in WAAPI emulator over a real socket.

* **one file**: from the moment a WAV is completely written (the earliest it can be "stable") to
  its batch finished (imported and saved), with the default settle time of 1.5 s. Target: within
  settle + 300 ms.
The emulator runs as its own process (``wwiseflowd sim``), as Wwise would.

* **burst**: 1,000 WAVs dropped at once, emulator at ``--latency-ms 50``: from the last file
  stable (last write + settle) to all imported and saved. Compared, in the same run and against the
  same emulator, with a naive per-file watcher (one run per file, one call per operation: one
  ``audio.import`` and one ``project.save`` per file). The naive side is measured on a sample and
  extrapolated to 1,000 files (it would take minutes); the output says so.
* **idle**: the daemon as its own process (REST on) watching a tree of 10,000 existing WAVs that
  are already imported (``on_success = "leave"``, so they stay in the tree): resident memory and
  CPU over a window that includes a periodic rescan of the whole tree.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from wwiseflowd.config import settings_for_tests
from wwiseflowd.daemon import Daemon
from wwiseflowd.engine import Engine
from wwiseflowd.logs import configure
from wwiseflowd.sim import Emulator
from wwiseflowd.store.journal import Journal

TARGET = "\\Actor-Mixer Hierarchy\\Default Work Unit\\Bench"
BURST = 1_000
NAIVE_SAMPLE = 40
IDLE_FILES = 10_000
IDLE_WINDOW_S = 20.0
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


def bench_burst(tmp: Path) -> None:
    with sim_process(tmp, 50) as (url, call_log):
        daemon, engine = in_process_daemon(tmp, url)
        settle = daemon.rules["bench"].config.settle_ms / 1000
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
        daemon_s = max(t for t in finished.runs if t <= done) - stable
        settled_s = done - stable
        naive_dir = tmp / "naive"
        naive_dir.mkdir()
        sample = []
        for i in range(NAIVE_SAMPLE):
            path = naive_dir / f"Naive_{i:04d}.wav"
            path.write_bytes(wav_bytes(4_800, i))
            sample.append(path)
        per_file = naive_per_file(url, sample)
        per_run = naive_runs_per_file(tmp, url, sample)
    naive_s = per_file * BURST
    imports = sum(1 for c in calls if c["uri"] == "ak.wwise.core.audio.import")
    print(f"burst of {BURST} WAVs, emulator latency 50 ms, settle {settle * 1000:.0f} ms:")
    print(
        f"  daemon: last file stable -> all imported and saved (run finished): {daemon_s:.2f} s "
        f"({len(finished.events)} batch(es), {imports} audio.import calls, {len(calls)} WAAPI calls, "
        f"{sum(c['durationMs'] for c in calls) / 1000:.2f} s of it inside the emulator; "
        f"target < 5 s: {'met' if daemon_s < 5 else 'NOT met'})"
    )
    print(f"  daemon: ... and every file moved to processed/ (batch finished): {settled_s:.2f} s")
    print(
        f"  naive per-file watcher (1 import + 1 save per file): {per_file * 1000:.0f} ms per file, "
        f"measured on {NAIVE_SAMPLE} files and EXTRAPOLATED to {BURST}: {naive_s:.1f} s"
    )
    print(f"  ratio naive / daemon: {naive_s / daemon_s:.0f}x (target > 50x)")
    print(
        f"  naive variant, one run of the auto-import workflow per file: {per_run * 1000:.0f} ms per file, "
        f"measured on {NAIVE_SAMPLE} files and EXTRAPOLATED to {BURST}: {per_run * BURST:.1f} s, "
        f"ratio {per_run * BURST / daemon_s:.0f}x"
    )


def _proc_stats(pid: int) -> tuple[float, float]:
    """(resident MB, CPU seconds) of a process, from /proc."""
    with open(f"/proc/{pid}/status") as fh:
        rss_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return rss_kb / 1024, (int(fields[11]) + int(fields[12])) / ticks


def _start_daemon_process(config: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "wwiseflowd", "--log-level", "WARNING", "--config", str(config), "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **env},
    )


def _done_count(state: Path) -> int:
    journal = Journal(state / "drops.sqlite3")
    try:
        return journal.counts_by_rule().get("idle", {}).get("done", 0)
    finally:
        journal.close()


def _measure_idle(pid: int) -> tuple[float, float]:
    rss0, cpu0 = _proc_stats(pid)
    time.sleep(IDLE_WINDOW_S)
    rss1, cpu1 = _proc_stats(pid)
    return max(rss0, rss1), (cpu1 - cpu0) / IDLE_WINDOW_S * 100


def _idle_config(tmp: Path, url: str, *, rest: bool, rescan_s: float) -> Path:
    config = tmp / f"wwiseflowd-{int(rest)}-{rescan_s:g}.toml"
    config.write_text(
        "\n".join(
            [
                "[paths]",
                f"state_dir = {json.dumps(str(tmp / 'state'))}",
                f"logs_dir = {json.dumps(str(tmp / 'logs'))}",
                f"workflows_dir = {json.dumps(str(tmp / 'workflows'))}",
                f"plugins_dir = {json.dumps(str(tmp / 'plugins'))}",
                "[wwise]",
                f'url = "{url}"',
                "[server]",
                f"enabled = {'true' if rest else 'false'}",
                "port = 0",
                "[[watch]]",
                f"folder = {json.dumps(str(tmp / 'drop'))}",
                'name = "idle"',
                f"target = {json.dumps(TARGET)}",
                'on_success = "leave"',
                f"rescan_interval_s = {rescan_s}",
                "",
            ]
        )
    )
    return config


#: (label, REST on, rescan interval, extra environment)
IDLE_CASES: tuple[tuple[str, bool, float, dict[str, str]], ...] = (
    ("defaults, every installed plugin", True, 120.0, {}),
    ("defaults, built-in plugins only", True, 120.0, {"WWISEFLOWD_LOAD_PLUGINS": ""}),
    ("rescan every 10 s (2 full rescans in the window)", True, 10.0, {"WWISEFLOWD_LOAD_PLUGINS": ""}),
    ("REST off, built-in plugins only", False, 120.0, {"WWISEFLOWD_LOAD_PLUGINS": ""}),
)


def bench_idle(tmp: Path) -> None:
    if not Path("/proc/self/status").exists():
        print("idle: needs /proc (Linux); skipped")
        return
    for d in range(100):
        folder = tmp / "drop" / f"Folder_{d:03d}"
        folder.mkdir(parents=True)
        for f in range(IDLE_FILES // 100):
            (folder / f"Sound_{d:03d}_{f:03d}.wav").write_bytes(wav_bytes(100, d * 1000 + f))
    rows = []
    with Emulator(port=0, project_dir=tmp / "project") as sim:
        proc = _start_daemon_process(_idle_config(tmp, sim.url, rest=True, rescan_s=120.0), {})
        try:
            started = time.perf_counter()
            while _done_count(tmp / "state") < IDLE_FILES:
                if proc.poll() is not None:
                    raise RuntimeError("the daemon exited while importing the tree")
                time.sleep(0.5)
            import_s = time.perf_counter() - started
        finally:
            proc.terminate()
            proc.wait(60)
        # fresh daemons on the same tree: the journal knows every file, there is nothing to import
        for label, rest, rescan_s, env in IDLE_CASES:
            proc = _start_daemon_process(_idle_config(tmp, sim.url, rest=rest, rescan_s=rescan_s), env)
            try:
                time.sleep(8)  # start-up and the first full scan of the tree
                rows.append((label, *_measure_idle(proc.pid)))
            finally:
                proc.terminate()
                proc.wait(60)
    print(
        f"idle, watching {IDLE_FILES} WAVs in 100 folders, all already imported "
        f"(CPU over {IDLE_WINDOW_S:g} s):"
    )
    print(f"  (the first start imported the whole tree in {import_s:.1f} s; files left in place)")
    for label, rss, cpu in rows:
        print(f"  {label:<50} RSS {rss:5.0f} MB  CPU {cpu:5.2f} %")
    print("  target: RSS < 80 MB, CPU near zero")


def main() -> None:
    configure("WARNING")
    for bench in (bench_single_file, bench_burst, bench_idle):
        with TemporaryDirectory(prefix="wwiseflowd-bench-") as tmp:
            bench(Path(tmp))


if __name__ == "__main__":
    main()
