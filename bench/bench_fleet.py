"""Fleet benchmarks (issue 15): real ``wwiseflowd run --simulate`` daemon processes on one real
``redis-server``, each daemon with its own emulator answering every WAAPI call after 50 ms.

Run with ``.venv/bin/python -m bench fleet``. Figures:

- queue overhead per execution: submit (``XADD``) -> the run started on a daemon (its ledger
  ``startedAt``), p50/p99 over runs submitted one after the other to an idle daemon;
- throughput of a burst of queued runs with 1, 2 and 4 daemons serving the project (runs/s, and
  the ratio to one daemon);
- a 1,000-file burst into one shared drop folder (``shared = true``) with one daemon, then two:
  seconds until every file is imported, and the ratio. Each file imported exactly once is checked.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wwiseflowd.fleet.queue import WorkQueue
from wwiseflowd.runner import new_execution_id
from wwiseflowd.store.redis_store import RedisStore, connect, iso_ms
from wwiseflowd.testing import RedisServer, write_wav

LATENCY_MS = 50
#: the daemons' log level (their logs are in the temp dir while the benchmark runs)
LOG_LEVEL = os.environ.get("BENCH_FLEET_LOG", "WARNING")
OVERHEAD_RUNS = 30
BURST_RUNS = 40
DROP_FILES = 1000
WORKFLOW = {
    "id": "fleet-sound",
    "inputs": {"name": {"type": "string"}},
    "nodes": [{"id": "create", "type": "createSound",
               "data": {"name": "$input:name", "parentPath": "\\Actor-Mixer Hierarchy\\Default Work Unit"}}],
}


def wait_until(predicate: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(f"not met within {timeout} s")


class Daemon:
    """One ``wwiseflowd run --simulate`` process with its own state dir."""

    def __init__(self, root: Path, redis_url: str, prefix: str, name: str, rule: list[str]) -> None:
        self.root = root / name
        self.root.mkdir(parents=True)
        config = self.root / "wwiseflowd.toml"
        config.write_text("\n".join([
            "[paths]", *(f'{key} = "{self.root / key}"' for key in ("state_dir", "logs_dir", "workflows_dir",
                                                                    "plugins_dir")),
            "[server]", "port = 0", "[logging]", f'level = "{LOG_LEVEL}"',
            "[store]", 'backend = "redis"', f'url = "{redis_url}"', f'key_prefix = "{prefix}"',
            "[fleet]", 'serves = ["GameA"]', f'daemon_id = "{name}"', "lease_s = 5.0", *rule,
        ]) + "\n")
        self.log = (self.root / "daemon.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wwiseflowd", "--config", str(config), "run", "--simulate",
             "--sim-latency-ms", str(LATENCY_MS), "--progress", "off"],
            stdout=self.log, stderr=subprocess.STDOUT)

    def ready(self) -> bool:
        try:
            return json.loads((self.root / "state_dir" / "runtime.json").read_text())["pid"] == self.proc.pid
        except (OSError, ValueError, KeyError):
            return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def start(daemons: list[Daemon]) -> None:
    for daemon in daemons:
        wait_until(daemon.ready, timeout=120)


def submit(queue: WorkQueue, name: str) -> str:
    execution_id = new_execution_id()
    queue.submit("GameA", execution_id, {"document": WORKFLOW, "inputs": {"name": name}, "force": False,
                                         "rollback": None, "source": "bench"})
    return execution_id


def queue_overhead(queue: WorkQueue, store: RedisStore) -> list[float]:
    """Submit -> started (ms) of runs submitted one at a time to an idle daemon."""
    delays = []
    for i in range(OVERHEAD_RUNS):
        submitted_ms = time.time() * 1000
        execution_id = submit(queue, f"Overhead_{i:03d}")
        assert queue.wait_done(execution_id, 60), execution_id
        started = iso_ms((store.ledger_get(execution_id) or {}).get("startedAt"))
        delays.append(started - submitted_ms)
    return delays


def burst(queue: WorkQueue, label: str) -> float:
    """Runs/s of BURST_RUNS submitted at once."""
    t0 = time.perf_counter()
    ids = [submit(queue, f"{label}_{i:03d}") for i in range(BURST_RUNS)]
    for execution_id in ids:
        assert queue.wait_done(execution_id, 300), execution_id
    return BURST_RUNS / (time.perf_counter() - t0)


def queue_figures(root: Path, server: RedisServer) -> None:
    prefix = server.prefix()
    client = connect(server.url)
    queue, store = WorkQueue(client, prefix), RedisStore(client, prefix)
    daemons = [Daemon(root, server.url, prefix, "agent-1", [])]
    try:
        start(daemons)
        delays = sorted(queue_overhead(queue, store))
        p50, p99 = statistics.median(delays), delays[min(len(delays) - 1, round(0.99 * len(delays)))]
        print(f"queue overhead, submit -> started ({OVERHEAD_RUNS} runs, idle daemon): "
              f"p50 {p50:.1f} ms, p99 {p99:.1f} ms")
        rates = {1: burst(queue, "One")}
        daemons.append(Daemon(root, server.url, prefix, "agent-2", []))
        start(daemons)
        rates[2] = burst(queue, "Two")
        daemons += [Daemon(root, server.url, prefix, f"agent-{n}", []) for n in (3, 4)]
        start(daemons)
        rates[4] = burst(queue, "Four")
        for count, value in rates.items():
            print(f"throughput, {BURST_RUNS} queued runs, {count} daemon(s) at {LATENCY_MS} ms WAAPI "
                  f"latency: {value:.1f} runs/s (x{value / rates[1]:.2f} of one daemon)")
    finally:
        for daemon in daemons:
            daemon.stop()


def drop_burst(root: Path, server: RedisServer, count: int) -> float:
    """Seconds until DROP_FILES files dropped into one shared folder are imported by ``count`` daemons."""
    prefix = server.prefix()
    folder = root / f"share-{count}"
    folder.mkdir()
    rule = ["[[watch]]", f'folder = "{folder}"', 'name = "shared-sfx"', "shared = true", "settle_ms = 300",
            "batch_window_ms = 300", "batch_max_files = 100"]
    daemons = [Daemon(root / f"drops-{count}", server.url, prefix, f"drop-{n}", rule) for n in range(count)]
    try:
        start(daemons)
        names = [f"Drop{i:04d}x" for i in range(DROP_FILES)]
        t0 = time.perf_counter()
        for i, name in enumerate(names):
            write_wav(folder / f"{name}.wav", 400, sample_rate=8000, seed=i)
        processed = folder / "processed"
        wait_until(lambda: processed.is_dir() and len(os.listdir(processed)) >= DROP_FILES
                   and not list(folder.glob("*.wav")), timeout=600)
        seconds = time.perf_counter() - t0
        moved = sorted(p.stem for p in processed.glob("*.wav"))
        assert moved == names, "a file was lost or imported twice"
        return seconds
    finally:
        for daemon in daemons:
            daemon.stop()


def main() -> None:
    if shutil.which("redis-server") is None:
        print("redis-server is not installed (make redis-server): skipped")
        return
    server = RedisServer().start()
    root = Path(tempfile.mkdtemp(prefix="wwiseflowd-bench-fleet-"))
    try:
        queue_figures(root, server)
        one, two = drop_burst(root, server, 1), drop_burst(root, server, 2)
        print(f"shared drop folder, {DROP_FILES}-file burst at {LATENCY_MS} ms WAAPI latency: 1 daemon "
              f"{one:.1f} s, 2 daemons {two:.1f} s (x{one / two:.2f} faster)")
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
