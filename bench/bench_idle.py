"""First start on a full tree, and the idle daemon: ``python -m bench idle``.

The daemon runs as its own process (``wwiseflowd run``), as a service would, against the emulator
as its own process (``wwiseflowd sim``), as Wwise would be.

* **first start**: 10,000 WAVs already lie in 100 folders of the drop folder when the daemon
  starts with an empty journal: from starting the process to every file imported and saved (the
  journal says ``done``), with the emulator at 0 ms and at 50 ms per call.
* **idle**: fresh daemons on the same tree, every file already imported (``on_success = "leave"``
  keeps them in place): resident memory and CPU over a window, with the defaults (REST on, every
  installed plugin) and three variants.

One figure alone: ``python -m bench.bench_idle firststart|idle`` (idle includes the 0 ms first
start that fills the journal).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from tempfile import TemporaryDirectory

from bench.bench_daemon import TARGET, logged_calls, sim_process, wav_bytes
from wwiseflowd.logs import configure

FILES = 10_000
FOLDERS = 100
IDLE_WINDOW_S = 20.0  # schedstat counts nanoseconds: 20 s resolve 0.01 %
#: after start-up, before the window: the first full scan of the tree and imports settle down
IDLE_WARMUP_S = 8.0
#: ... and then until a whole second passes with under 1 % CPU (a loaded machine starts slower),
#: at most this long
IDLE_SETTLE_MAX_S = 60.0


def make_tree(drop: Path) -> None:
    """FILES small WAVs in FOLDERS sub-folders of ``drop``."""
    per = FILES // FOLDERS
    for d in range(FOLDERS):
        folder = drop / f"Folder_{d:03d}"
        folder.mkdir(parents=True)
        for f in range(per):
            (folder / f"Sound_{d:03d}_{f:03d}.wav").write_bytes(wav_bytes(100, d * 1000 + f))


def proc_stats(pid: int) -> tuple[float, float]:
    """(resident MB, CPU seconds) of a process: the sum of its threads' run time (ns, schedstat)."""
    with open(f"/proc/{pid}/status") as fh:
        rss_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
    cpu_ns = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as fh:
                cpu_ns += int(fh.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue  # the thread ended meanwhile
    return rss_kb / 1024, cpu_ns / 1e9


def start_daemon(config: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``wwiseflowd run`` on ``config``, output discarded (as under a service manager: not a terminal)."""
    return subprocess.Popen(
        [sys.executable, "-m", "wwiseflowd", "--log-level", "WARNING", "--config", str(config), "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **env},
    )


def done_count(state: Path) -> int:
    """Files the journal records as done (read-only: the daemon owns the journal)."""
    path = state / "drops.sqlite3"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT COUNT(*) FROM drop_files WHERE state = 'done'").fetchone()[0])
    except sqlite3.Error:
        return 0  # being created


def settle(pid: int) -> float:
    """Wait out start-up: IDLE_WARMUP_S, then until one second has less than 1 % CPU; the seconds waited."""
    started = time.monotonic()
    time.sleep(IDLE_WARMUP_S)
    _rss, cpu = proc_stats(pid)
    while time.monotonic() - started < IDLE_SETTLE_MAX_S:
        time.sleep(1.0)
        _rss, now = proc_stats(pid)
        if now - cpu < 0.01:
            break
        cpu = now
    return time.monotonic() - started


def daemon_config(tmp: Path, url: str, state: str, *, rest: bool, rescan_s: float) -> Path:
    """A config with one ``[[watch]]`` rule on ``tmp/drop`` that leaves imported files in place."""
    config = tmp / f"wwiseflowd-{state}-{int(rest)}-{rescan_s:g}.toml"
    lines = [
        "[paths]",
        f"state_dir = {json.dumps(str(tmp / state))}",
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
    config.write_text("\n".join(lines))
    return config


def first_start(tmp: Path, latency_ms: float, state: str) -> None:
    """Time a daemon's first start on the tree (empty journal ``state``) until all files are done."""
    (tmp / f"sim-{state}").mkdir()
    with sim_process(tmp / f"sim-{state}", latency_ms) as (url, call_log):
        proc = start_daemon(daemon_config(tmp, url, state, rest=True, rescan_s=120.0), {})
        started = time.perf_counter()
        try:
            while done_count(tmp / state) < FILES:
                if proc.poll() is not None:
                    raise RuntimeError("the daemon exited while importing the tree")
                time.sleep(0.1)
            took = time.perf_counter() - started
            cpu_s = proc_stats(proc.pid)[1] if Path("/proc/self/status").exists() else float("nan")
        finally:
            proc.terminate()
            proc.wait(60)
        calls = logged_calls(call_log)
    uris = Counter(c["uri"].removeprefix("ak.wwise.core.") for c in calls)
    emulator_s = sum(c["durationMs"] for c in calls) / 1000
    target = "target <= 8 s: " + ("met" if took <= 8 else "NOT met") if latency_ms == 0 else "reported"
    most = ", ".join(f"{u} {n}" for u, n in uris.most_common(4))
    print(f"  emulator at {latency_ms:g} ms/call: {took:.1f} s ({target}); {len(calls)} WAAPI calls "
          f"({most}), {emulator_s:.1f} s inside the emulator; the daemon's CPU {cpu_s:.1f} s (all its "
          "threads: a figure the machine's load does not inflate much)")


def bench_firststart(tmp: Path, *, at_50ms: bool = True) -> None:
    make_tree(tmp / "drop")
    print(f"first start with {FILES} WAVs already in {FOLDERS} folders, process start -> all imported and "
          f"saved (load average {os.getloadavg()[0]:.1f}):")
    first_start(tmp, 0, "state")
    if at_50ms:
        first_start(tmp, 50, "state-50ms")


#: (label, REST on, rescan interval, extra environment)
IDLE_CASES: tuple[tuple[str, bool, float, dict[str, str]], ...] = (
    ("defaults, every installed plugin", True, 120.0, {}),
    ("defaults, built-in plugins only", True, 120.0, {"WWISEFLOWD_LOAD_PLUGINS": ""}),
    ("rescan every 10 s (3 full rescans in the window)", True, 10.0, {"WWISEFLOWD_LOAD_PLUGINS": ""}),
    ("REST off, built-in plugins only", False, 120.0, {"WWISEFLOWD_LOAD_PLUGINS": ""}),
)


def bench_idle(tmp: Path) -> None:
    if not Path("/proc/self/status").exists():
        print("idle: needs /proc (Linux); skipped")
        return
    if not (tmp / "state").exists():  # the first start fills the journal
        bench_firststart(tmp, at_50ms=False)
    rows = []
    (tmp / "sim-idle").mkdir()
    with sim_process(tmp / "sim-idle", 0) as (url, _log):
        for label, rest, rescan_s, env in IDLE_CASES:
            proc = start_daemon(daemon_config(tmp, url, "state", rest=rest, rescan_s=rescan_s), env)
            try:
                waited = settle(proc.pid)  # start-up and the first full scan of the tree
                rss0, cpu0 = proc_stats(proc.pid)
                time.sleep(IDLE_WINDOW_S)
                rss1, cpu1 = proc_stats(proc.pid)
                rows.append((label, max(rss0, rss1), (cpu1 - cpu0) / IDLE_WINDOW_S * 100, waited))
            finally:
                proc.terminate()
                proc.wait(60)
    print(f"idle, watching {FILES} WAVs in {FOLDERS} folders, all already imported (CPU over "
          f"{IDLE_WINDOW_S:g} s once start-up is over: at least {IDLE_WARMUP_S:g} s, then until a second "
          f"with < 1 % CPU; load average {os.getloadavg()[0]:.1f}):")
    for label, rss, cpu, waited in rows:
        print(f"  {label:<50} RSS {rss:5.1f} MB  CPU {cpu:6.3f} %  (start-up {waited:.0f} s)")
    rss, cpu = rows[0][1], rows[0][2]
    print(f"  target with the defaults: RSS <= 60 MB ({'met' if rss <= 60 else 'NOT met'}), "
          f"CPU <= 0.1 % ({'met' if cpu <= 0.1 else 'NOT met'})")


BENCHES = {"firststart": bench_firststart, "idle": bench_idle}


def main(argv: list[str]) -> None:
    """Run the named figures; all of them on one tree when none is named."""
    configure("WARNING")
    with TemporaryDirectory(prefix="wwiseflowd-bench-") as tmp:
        for name in argv or list(BENCHES):
            BENCHES[name](Path(tmp))  # idle reuses the journal the first start filled


if __name__ == "__main__":
    main(sys.argv[1:])
