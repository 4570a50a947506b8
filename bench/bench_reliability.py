"""Fault injection: nothing dropped is lost, imported twice or left behind, whatever breaks.

``python -m bench.bench_reliability [crash|wwise|fuzz|soak ...]`` (all four: ``make reliability``)
prints the figures recorded in docs/reliability.md. The test suite runs the same functions with small sizes
(tests/daemon/test_reliability.py); the figures come from the sizes below.

* **crash**: 1,000 WAVs in groups of 10 with identical bytes (silence placeholders, copied takes);
  the daemon (its own process) is killed with SIGKILL at 20 random moments while it works through
  them, then started once more to finish. Wwise (the emulator) stays up.
* **wwise**: the daemon runs; the emulator (its own process, as Wwise would be) is killed with
  SIGKILL at random moments and restarted on the same port from its saved project.
* **fuzz**: 10,000 generated workflow documents (hypothesis) against ``Engine.compile`` and against
  ``POST /workflows/validate`` and ``/workflows/execute``: uncaught exceptions, 5xx answers, and
  answers that are not a documented Result.
* **soak**: a compressed soak: bursts of drops, daemon restarts and Wwise (the emulator, its own
  process) killed and restarted while 20 REST clients poll and validate; the daemon's process is
  sampled all along (threads, resident memory, progress), and the soak fails (``problems``, exit 1)
  on a deadlock (nothing moved for ``--stall-s``), threads or memory still growing after the
  warm-up, a backlog left, or a file lost, duplicated or left behind.
"""

from __future__ import annotations

import faulthandler
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from wwiseflowd.results import ErrorCode
from wwiseflowd.sim import Emulator
from wwiseflowd.store.journal import Journal
from wwiseflowd.wav import wav_bytes

TARGET = "\\Actor-Mixer Hierarchy\\Default Work Unit\\Reliability"


# -- files and verdicts ------------------------------------------------------------------------------


def drop_identical_groups(drop: Path, files: int, group: int = 10, prefix: str = "G") -> list[str]:
    """``files`` WAVs named ``G003_07.wav``..., each group of ``group`` with identical bytes."""
    drop.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(files):
        name = f"{prefix}{i // group:03d}_{i % group:02d}"
        (drop / f"{name}.wav").write_bytes(wav_bytes(200, seed=i // group))
        names.append(name)
    return names


def verdict(expected: list[str], sound_names: list[str], drop: Path) -> dict[str, int]:
    """lost / duplicated / left behind, from the project's Sound names and the drop folder."""
    counts = Counter(sound_names)
    wanted = set(expected)
    return {
        "files": len(expected),
        "sounds": sum(counts[n] for n in wanted),
        "lost": sum(1 for n in wanted if counts[n] == 0),
        "duplicated": sum(c - 1 for n, c in counts.items() if n in wanted and c > 1)
        + sum(c for n, c in counts.items() if n not in wanted and n.rsplit("_", 1)[0] in wanted),
        "left_behind": sum(1 for p in drop.rglob("*.wav") if p.stem in wanted and not _disposed(drop, p)),
    }


def _disposed(drop: Path, path: Path) -> bool:
    """``path`` lies in a ``processed/`` or ``failed/`` folder of ``drop`` (or of a sub-folder)."""
    return bool({"processed", "failed"} & set(path.relative_to(drop).parts))


def project_sound_names(sim: Emulator) -> list[str]:
    """Names of every Sound in the emulator's project."""
    with sim.lock:
        return [o.name for o in sim.project.objects_of_type("Sound")]


def saved_sound_names(project_dir: Path) -> list[str]:
    """Names of every Sound in the saved project (reloaded the way Wwise reopens it)."""
    return project_sound_names(Emulator(port=0, project_dir=project_dir))


def done_count(state: Path, rule: str = "drop") -> int:
    """Files the journal has finished (done or failed)."""
    if not (state / "drops.sqlite3").exists():
        return 0
    journal = Journal(state / "drops.sqlite3")
    try:
        counts = journal.counts_by_rule().get(rule, {})
    finally:
        journal.close()
    return counts.get("done", 0) + counts.get("failed", 0)


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    """Poll ``predicate`` until true or ``timeout``; returns whether it became true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def settle_moves(drop: Path, expected: list[str], timeout: float = 30.0) -> None:
    """Give the moves to ``processed/`` time to follow the journal's done marks (a loaded machine
    took more than a second for 85 files): until none of ``expected`` lies in ``drop`` any more,
    or ``timeout``, after which the verdict counts what is left behind."""
    wanted = set(expected)
    wait_for(lambda: not any(p.stem in wanted and not _disposed(drop, p) for p in drop.rglob("*.wav")),
             timeout)


def write_config(root: Path, url: str, *, chunk: int = 50, fixed_chunks: bool = False) -> Path:
    """A config for a daemon process in ``root`` watching ``root/drop``, REST off; with
    ``fixed_chunks`` every ``audio.import`` call carries ``chunk`` files (no sizing by time)."""
    lines = [
        "[paths]",
        f'state_dir = "{root / "state"}"',
        f'logs_dir = "{root / "logs"}"',
        f'workflows_dir = "{root / "workflows"}"',
        f'plugins_dir = "{root / "plugins"}"',
        "[server]",
        "enabled = false",
        "[wwise]",
        f'url = "{url}"',
        f"import_chunk_size = {chunk}",
        *(["import_call_budget_s = 0"] if fixed_chunks else []),
        "connect_timeout = 2.0",
        "reconnect_max_delay = 0.5",
        "[[watch]]",
        f'folder = "{root / "drop"}"',
        'name = "drop"',
        f"target = '{TARGET}'",
        "settle_ms = 300",
        "batch_window_ms = 300",
    ]
    path = root / "wwiseflowd.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def spawn(args: list[str]) -> subprocess.Popen[bytes]:
    """``python -m wwiseflowd ARGS`` with its output discarded."""
    return subprocess.Popen(
        [sys.executable, "-m", "wwiseflowd", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 60) -> None:
    """Signal ``proc`` and reap it (SIGKILL if it does not end in time)."""
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# -- crash: kill -9 of the daemon -------------------------------------------------------------------


#: the phases a kill can land in, in pipeline order (see :func:`kill_phase`)
PHASES = ("start-up", "recovery", "batch (undo group open)", "between batches")


def kill_phase(calls: list[dict[str, Any]]) -> str:
    """Which phase the daemon was in when killed, from the WAAPI calls its process made.

    ``start-up``: not connected to Wwise yet; ``recovery``: connected, reconciling and reading
    (no undo group yet); ``batch (undo group open)``: inside a batch's import (begun, not ended:
    Wwise holds uncommitted changes); ``between batches``: the last batch's group was closed
    (journal marks, moves to processed/, settling the next files).
    """
    uris = [str(c.get("uri", "")) for c in calls]
    opened = sum(1 for u in uris if u == "ak.wwise.core.undo.beginGroup")
    if not uris:
        return PHASES[0]
    if not opened:
        return PHASES[1]
    closed = sum(1 for u in uris if u in ("ak.wwise.core.undo.endGroup", "ak.wwise.core.undo.cancelGroup"))
    return PHASES[2] if opened > closed else PHASES[3]


def in_flight(state: Path, rule: str = "drop") -> list[str]:
    """Names (stems) of the files the journal had importing (their batch had started): what a kill
    interrupts."""
    if not (state / "drops.sqlite3").exists():
        return []
    journal = Journal(state / "drops.sqlite3")
    try:
        records = journal.active(rule)
    finally:
        journal.close()
    return [Path(r.rel_path).stem for r in records if r.state == "importing"]


def _reached_wwise(sim: Emulator, since: str) -> bool:
    return bool(_calls_since(sim, since))


def _calls_since(sim: Emulator, since: str) -> list[dict[str, Any]]:
    time.sleep(0.05)  # the emulator logs a call just after answering it
    return [c for c in list(sim.calls) if str(c.get("time", "")) >= since]


def per_phase(kill_points: list[dict[str, Any]], sounds: list[str], drop: Path) -> dict[str, Any]:
    """For each phase: kills that landed in it, files they interrupted, and those files' outcome."""
    counts = Counter(sounds)
    left = {p.stem for p in drop.glob("*.wav")}
    table: dict[str, Any] = {}
    for phase in PHASES:
        points = [k for k in kill_points if k["phase"] == phase]
        names = {n for k in points for n in k["inFlight"]}
        table[phase] = {
            "kills": len(points),
            "filesInFlight": len(names),
            "lost": sum(1 for n in names if counts[n] == 0),
            "duplicated": sum(max(0, counts[n] - 1) for n in names),
            "leftBehind": sum(1 for n in names if n in left),
        }
    return table


def crash_burst(
    files: int = 1000, kills: int = 20, seed: int = 9, max_delay_s: float = 2.5, latency_ms: float = 60.0
) -> dict[str, Any]:
    """Kill the daemon ``kills`` times at random moments during a burst; then let it finish.

    One kill in four comes at a random moment after the start (mostly start-up on a loaded machine),
    the others at a random moment after the process made its first WAAPI call, so kills land in
    every phase. Each kill point is classified (:func:`kill_phase`) with the files it interrupted;
    ``phases`` gives the outcome of those files per phase once the daemon finished.
    """
    from datetime import UTC, datetime

    rng = random.Random(seed)
    with TemporaryDirectory() as tmp:
        root = Path(tmp)
        project = root / "project" / "WwiseProject"
        with Emulator(port=0, project_dir=project, latency_ms=latency_ms) as sim:
            # many calls of 4 files (calls sized by time would take a batch in a handful on a fast
            # machine, and the burst would be over before most kills): kills land inside the batch
            config = write_config(root, sim.url, chunk=4, fixed_chunks=True)
            expected = drop_identical_groups(root / "drop", files)
            kill_points: list[dict[str, Any]] = []
            for _ in range(kills):
                if done_count(root / "state") >= files:
                    break
                started = datetime.now(UTC).isoformat(timespec="milliseconds")
                proc = spawn(["--config", str(config), "run"])
                if len(kill_points) % 4:  # three in four: a random moment after it reached Wwise
                    wait_for(partial(_reached_wwise, sim, started), timeout=20, interval=0.05)
                delay = rng.uniform(0.05 if len(kill_points) % 4 else 0.3, max_delay_s)
                time.sleep(delay)
                stop(proc, signal.SIGKILL)
                phase, interrupted = kill_phase(_calls_since(sim, started)), in_flight(root / "state")
                kill_points.append({"delayS": round(delay, 2), "phase": phase, "inFlight": interrupted})
            final = spawn(["--config", str(config), "run"])
            finished = wait_for(lambda: done_count(root / "state") >= files, timeout=60 + files * 0.3)
            settle_moves(root / "drop", expected)
            stop(final)
            sounds = project_sound_names(sim)
            result = verdict(expected, sounds, root / "drop")
            phases = per_phase(kill_points, sounds, root / "drop")
    points = [{k: v for k, v in p.items() if k != "inFlight"} | {"inFlight": len(p["inFlight"])}
              for p in kill_points]
    problems = files_problems(result)
    problems += [] if finished else ["the burst did not finish after the last restart"]
    if len(kill_points) < kills:  # a machine fast enough to finish the burst first: kill fewer points
        problems.append(f"only {len(kill_points)} of {kills} kills landed before the burst was done")
    return {"kills": len(kill_points), "killPoints": points, "phases": phases, "finished": finished,
            **result, "problems": problems}


# -- wwise: the emulator killed and restarted ---------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SimProcess:
    """The emulator in its own process, as Wwise is: killed with SIGKILL and started again on the same
    port from its saved project (unsaved changes are lost, as with a real crash). Out of the daemon's
    process, its project (tens of thousands of Sounds in a long soak) is not counted in the daemon's
    memory and threads."""

    def __init__(self, project: Path, latency_ms: float = 0.0) -> None:
        self.port = _free_port()
        self.url = f"ws://127.0.0.1:{self.port}/waapi"
        self.args = ["sim", "--port", str(self.port), "--project", str(project),
                     "--latency-ms", f"{latency_ms:g}"]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, wait_s: float = 60.0) -> SimProcess:
        """Start it; wait up to ``wait_s`` until it accepts connections (0: do not wait)."""
        self.proc = spawn(self.args)
        if wait_s:
            wait_for(self.listening, wait_s, interval=0.1)
        return self

    def listening(self) -> bool:
        """True once the port accepts a connection."""
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
        except OSError:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL, as a crash."""
        if self.proc is not None:
            stop(self.proc, signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM (unsaved changes are lost too)."""
        if self.proc is not None:
            stop(self.proc)


def wwise_flaps(files: int = 300, flaps: int = 8, seed: int = 9) -> dict[str, Any]:
    """Kill the emulator process (SIGKILL) at random moments while the daemon imports; restart it."""
    rng = random.Random(seed)
    with TemporaryDirectory() as tmp:
        root = Path(tmp)
        project = root / "project" / "WwiseProject"
        wwise = SimProcess(project, latency_ms=5).start()
        daemon = spawn(["--config", str(write_config(root, wwise.url, chunk=20)), "run"])
        expected = drop_identical_groups(root / "drop", files, prefix="W")
        downs = 0
        for _ in range(flaps):
            time.sleep(rng.uniform(0.5, 3.0))
            wwise.kill()
            downs += 1
            time.sleep(rng.uniform(0.2, 1.5))
            wwise.start(wait_s=0)
        finished = wait_for(lambda: done_count(root / "state") >= files, timeout=60 + files * 0.5)
        settle_moves(root / "drop", expected)
        stop(daemon)
        wwise.stop()
        result = verdict(expected, saved_sound_names(project), root / "drop")
    return {"wwiseKills": downs, "finished": finished, **result}


# -- fuzz: generated workflow documents ----------------------------------------------------------------


def fuzz_documents(examples: int = 10_000, seed: int = 9) -> dict[str, Any]:
    """Generated documents against the compiler and the REST API; count what breaks the contract."""
    from fastapi.testclient import TestClient
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hyp_seed
    from hypothesis import strategies as st

    from wwiseflowd.api import create_app
    from wwiseflowd.config import settings_for_tests
    from wwiseflowd.engine import Engine

    codes = {c.value for c in ErrorCode}
    tally: Counter[str] = Counter()
    with TemporaryDirectory() as tmp:
        app_settings = settings_for_tests(
            Path(tmp),
            wwise={"url": "ws://127.0.0.1:9/waapi", "connect_timeout": 0.2},
            server={"allowed_roots": [tmp]},
        )
        with Engine(app_settings) as engine:
            node_types = sorted(engine.registry.node_types) + ["noSuchType"]
            documents = _document_strategy(st, node_types)
            client = TestClient(create_app(engine=engine, settings=app_settings), base_url="http://127.0.0.1")

            @hyp_seed(seed)
            @settings(
                max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
            )
            @given(doc=documents, path=st.sampled_from(["/workflows/validate", "/workflows/execute"]))
            def one(doc: Any, path: str) -> None:
                tally["documents"] += 1
                try:
                    result = engine.compile(doc)
                    tally["compileDocumented"] += int(
                        result.ok or (result.code in codes and bool(result.error))
                    )
                except Exception:
                    tally["compileExceptions"] += 1
                response = client.post(path, json=doc)
                tally["rest5xx"] += int(response.status_code >= 500)
                body = response.json()
                documented = (
                    isinstance(body, dict)
                    and isinstance(body.get("ok"), bool)
                    and (body["ok"] or (body.get("code") in codes and bool(body.get("error"))))
                )
                tally["restDocumented"] += int(documented)
                if response.status_code == 422:
                    tally["rest422WithErrors"] += int(
                        isinstance((body.get("data") or {}).get("errors"), list)
                    )
                    tally["rest422"] += 1

            one()
    return dict(tally)


def _document_strategy(st: Any, node_types: list[str]) -> Any:
    """Workflow-shaped documents with hostile parts: odd types, deep nesting, control characters,
    references that go nowhere, cycles, duplicate ids, wrong JSON types."""
    scalar = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
        st.sampled_from(
            ["$from:n0:$output:objectId", "$input:files", "\x00Evil", "\\Actor-Mixer Hierarchy", "../../x"]
        ),
    )
    value = st.recursive(
        scalar,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=20,
    )
    deep = st.integers(min_value=0, max_value=200).map(_nested)
    node_id = st.sampled_from(["n0", "n1", "n2", "n3", ""]) | st.text(max_size=6)
    node = st.fixed_dictionaries(
        {"id": node_id, "type": st.sampled_from(node_types) | st.text(max_size=10)},
        optional={"data": st.one_of(st.dictionaries(st.text(max_size=12), value | deep, max_size=5), value)},
    )
    edge = st.fixed_dictionaries(
        {"source": node_id, "target": node_id},
        optional={
            "id": st.text(max_size=4),
            "sourceHandle": st.text(max_size=8),
            "targetHandle": st.text(max_size=8),
        },
    )
    document = st.fixed_dictionaries(
        {"nodes": st.lists(node, max_size=6) | value, "edges": st.lists(edge, max_size=6) | value},
        optional={"id": st.text(max_size=10) | value, "inputs": value, "name": value},
    )
    return document | value


def _nested(levels: int) -> Any:
    value: Any = "leaf"
    for i in range(levels):
        value = [value] if i % 2 else {"k": value}
    return value


# -- soak ------------------------------------------------------------------------------------------------


def _thread_kinds() -> Counter[str]:
    """Live threads by name with numbers dropped (``run-exec_..._0`` and ``Thread-12`` group)."""
    import re

    def kind(thread: threading.Thread) -> str:
        name = re.sub(r"[0-9a-f]{8,}|\d+", "#", thread.name)
        target = getattr(thread, "_target", None)  # unnamed threads: say what they run
        what = getattr(target, "__qualname__", None) or type(thread).__qualname__
        return f"{name} ({what})" if name.startswith("Thread-") else name

    return Counter(kind(t) for t in threading.enumerate())


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _os_threads() -> int:
    """This process's threads as the OS counts them (also those Python did not start)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


@dataclass(frozen=True)
class Sample:
    """One look at the soak's process: seconds since the first look, OS threads, resident memory,
    files the journal finished, REST answers so far."""

    t: float
    threads: int
    rss_kb: int
    done: int
    requests: int


def _quiet_for(samples: list[Sample], field: str) -> float:
    """Seconds the last samples have shown the same ``field`` value."""
    last = first = samples[-1]
    for sample in reversed(samples):
        if getattr(sample, field) != getattr(last, field):
            break
        first = sample
    return last.t - first.t


def stall(samples: list[Sample], waiting: int, stall_s: float) -> str | None:
    """Why the soak looks deadlocked, or None: no file finished for ``stall_s`` while ``waiting``
    dropped files were not finished, or no REST answer for ``stall_s``."""
    if not samples:
        return None
    quiet = _quiet_for(samples, "done")
    if waiting > 0 and quiet >= stall_s:
        return f"no file finished for {quiet:.0f} s while {waiting} were waiting"
    quiet = _quiet_for(samples, "requests")
    if quiet >= stall_s:
        return f"no REST answer for {quiet:.0f} s"
    return None


def trend(points: list[tuple[float, float]], warmup_s: float, slack: float, share: float) -> dict[str, Any]:
    """``start``, ``plateau`` and ``late`` (the medians of the first and second half of the points
    after ``warmup_s``), ``max`` of a series of ``(t, value)``; ``growing`` when ``late`` exceeds
    ``plateau`` by more than ``slack`` or ``share`` of it (a leak grows between the halves, a pool that
    warmed up does not)."""
    from statistics import median

    values = [v for t, v in points if t >= warmup_s] or [v for _, v in points]
    half = len(values) // 2
    plateau, late = median(values[:half] or values), median(values[half:])
    return {
        "start": points[0][1], "plateau": round(plateau, 1), "late": round(late, 1),
        "max": max(v for _, v in points), "growing": late - plateau > max(slack, share * plateau),
    }


class SoakMonitor:
    """Samples the soak's process every ``every_s`` on its own thread (:class:`Sample`), remembers the
    threads by kind at the start, at the most threads and at the end, and trips when :func:`stall`
    says nothing moved for ``stall_s``: ``problem`` is set and every thread's stack is printed to
    stderr (and summarised in ``stacks``)."""

    def __init__(
        self, state: Path, requests: Callable[[], int], dropped: Callable[[], int], every_s: float,
        stall_s: float,
    ) -> None:
        self.state, self.requests, self.dropped = state, requests, dropped
        self.every_s, self.stall_s = every_s, stall_s
        self.samples: list[Sample] = []
        self.kinds: dict[str, Counter[str]] = {}
        self.problem: str | None = None
        self.stacks: list[str] = []
        self._t0 = time.monotonic()
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._run, name="soak-monitor", daemon=True)

    def elapsed(self) -> float:
        """Seconds since the monitor started."""
        return round(time.monotonic() - self._t0, 1)

    def sample(self) -> Sample:
        """Take (and keep) one sample now."""
        most = max((s.threads for s in self.samples), default=0)
        sample = Sample(self.elapsed(), _os_threads(), _rss_kb(), done_count(self.state), self.requests())
        self.samples.append(sample)
        if sample.threads > most:
            self.kinds["max"] = _thread_kinds()
        return sample

    def start(self) -> SoakMonitor:
        """First sample, then sampling in the background."""
        self.sample()
        self.kinds["start"] = _thread_kinds()
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop sampling; take the last sample."""
        self._halt.set()
        self._thread.join(60)
        self.sample()
        self.kinds["end"] = _thread_kinds()

    def _run(self) -> None:
        while not self._halt.wait(self.every_s):
            sample = self.sample()
            print(f"soak t={sample.t:.0f}s threads={sample.threads} rss={sample.rss_kb / 1024:.1f}MiB "
                  f"done={sample.done}/{self.dropped()} requests={sample.requests} "
                  f"load={os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
            problem = stall(self.samples, self.dropped() - sample.done, self.stall_s)
            if problem is not None:
                self.problem, self.stacks = problem, _stacks()
                print(f"SOAK DEADLOCK after {sample.t:.0f} s: {problem}; every thread's stack follows",
                      file=sys.stderr, flush=True)
                faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
                return


def _stacks() -> list[str]:
    """``thread name: file:line function`` of where each thread is now, innermost frame."""
    import traceback

    names = {t.ident: t.name for t in threading.enumerate()}
    lines = []
    for ident, frame in sys._current_frames().items():
        where = traceback.extract_stack(frame)[-1]
        lines.append(f"{names.get(ident, ident)}: {Path(where.filename).name}:{where.lineno} {where.name}")
    return sorted(lines)


class RestLoad:
    """``clients`` threads each asking ``GET /health`` and ``POST /workflows/validate`` in a loop;
    ``stats`` counts the answers (``requests``, ``5xx``, ``503WwiseAway``) and the requests that got
    none (``noAnswer``: a timeout or a reset)."""

    def __init__(self, url: str, clients: int) -> None:
        self.stats: Counter[str] = Counter()
        self._halt = threading.Event()
        self._threads = [
            threading.Thread(target=_client, args=(url, self._halt, self.stats), name=f"soak-client-{i}",
                             daemon=True)
            for i in range(clients)
        ]

    def start(self) -> RestLoad:
        """Start the clients."""
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop the clients (each finishes its request)."""
        self._halt.set()
        for thread in self._threads:
            thread.join(30)


#: the soak's bursts go to this many sub-folders in turn (mirrored as Virtual Folders under the
#: target), as a studio's drops do: every import reads back what is under its files' common parent
#: first (rollback by compensation), so one flat folder of 70,000 Sounds made each batch slower
SOAK_FOLDERS = 20
#: every this many bursts, Wwise (its process) is killed and started again ...
SOAK_FLAP_EVERY = 6
#: ... and the daemon is stopped and a new one started
SOAK_RESTART_EVERY = 8


def soak(
    duration_s: float = 180.0, clients: int = 20, burst: int = 50, seed: int = 9, stall_s: float = 180.0
) -> dict[str, Any]:
    """Bursts, daemon restarts and Wwise flaps under REST load, the process sampled all along
    (:class:`SoakMonitor`); ``problems`` names a deadlock, threads or memory still growing after the
    warm-up, a backlog that did not drain, and files lost, duplicated or left behind.

    A burst of ``burst`` files every 0.5-2 s (and the time the daemon takes to restart), a Wwise
    flap every :data:`SOAK_FLAP_EVERY` bursts and a daemon restart every :data:`SOAK_RESTART_EVERY`:
    39,700 files, 133 flaps and 99 restarts in the 30 minutes of 2026-12-02, a studio's month of
    interruptions in half an hour."""
    from wwiseflowd.api.server import ApiServer
    from wwiseflowd.config import settings_for_tests
    from wwiseflowd.daemon import Daemon, DaemonTiming
    from wwiseflowd.engine import Engine
    from wwiseflowd.logs import configure

    configure("WARNING")
    rng = random.Random(seed)
    timing = DaemonTiming(housekeeping_s=0.5, retry_base_s=0.2, retry_max_s=1.0, stop_grace_s=10)
    with TemporaryDirectory() as tmp:
        root = Path(tmp)
        project = root / "project" / "WwiseProject"
        wwise = SimProcess(project).start()
        settings = settings_for_tests(
            root,
            wwise={"url": wwise.url, "connect_timeout": 2.0, "reconnect_max_delay": 0.5},
            server={"port": 0, "allowed_roots": [str(root)]},
            watch=[{"folder": str(root / "drop"), "name": "drop", "target": TARGET, "settle_ms": 300,
                    "batch_window_ms": 300}],
        )
        engine = Engine(settings).start()
        holder = {"daemon": Daemon(settings, engine, timing=timing).start()}
        server = ApiServer(engine, settings, status=lambda: holder["daemon"].status())
        load = RestLoad(server.start(), clients).start()
        time.sleep(2.0)
        expected: list[str] = []
        every_s = min(30.0, max(2.0, duration_s / 60))
        monitor = SoakMonitor(root / "state", lambda: load.stats["requests"], lambda: len(expected), every_s,
                              stall_s).start()
        cycle, flaps, restarts, deadline = 0, 0, 0, time.monotonic() + duration_s
        while time.monotonic() < deadline and monitor.problem is None:
            folder = root / "drop" / f"Set{cycle % SOAK_FOLDERS:02d}"
            expected += drop_identical_groups(folder, burst, prefix=f"S{cycle:03d}_")
            time.sleep(rng.uniform(0.5, 2.0))
            if cycle % SOAK_FLAP_EVERY == 1:  # Wwise flaps
                wwise.kill()
                wwise.start()
                flaps += 1
            if cycle % SOAK_RESTART_EVERY == 2:
                restarts += 1
                holder["daemon"].stop()
                holder["daemon"] = Daemon(settings, engine, timing=timing).start()
            cycle += 1
        bursts_s = monitor.elapsed()
        drain: dict[str, Any] = {"finished": False, "verdict": "deadlock"}
        if monitor.problem is None:
            drain = drain_report(root / "state", len(expected), window_s=drain_window_s(len(expected)),
                                 give_up=lambda: monitor.problem is not None)
        settle_moves(root / "drop", expected)
        monitor.stop()
        load.stop()
        server.stop()
        holder["daemon"].stop()
        engine.close()
        wwise.stop()
        sounds = saved_sound_names(project)
        result: dict[str, Any] = {**verdict(expected, sounds, root / "drop")}
        if result["lost"]:
            result["lostFiles"] = journal_rows(root / "state", sorted(set(expected) - set(sounds))[:3])
    figures = {"durationS": duration_s, "cycles": cycle, "wwiseFlaps": flaps, "daemonRestarts": restarts,
               "finished": bool(drain["finished"]), **result,
               "drain": drain, **soak_figures(monitor, bursts_s, warmup_s=min(60.0, duration_s * 0.2)),
               **dict(load.stats)}
    figures["problems"] = soak_problems(figures)
    return figures


def soak_figures(monitor: SoakMonitor, bursts_s: float, warmup_s: float) -> dict[str, Any]:
    """Threads and memory over the soak: start, plateau, late, max (while the bursts ran), end (after
    the drain); what kinds of threads there were more of at the most and at the end than at the start;
    a timeline of at most 30 samples; the deadlock, if any, with every thread's stack."""
    during = [s for s in monitor.samples if s.t <= bursts_s] or monitor.samples
    threads = trend([(s.t, s.threads) for s in during], warmup_s, slack=4, share=0.1)
    rss = trend([(s.t, round(s.rss_kb / 1024, 1)) for s in during], warmup_s, slack=10, share=0.2)
    last = monitor.samples[-1]
    step = max(1, len(monitor.samples) // 30)
    start = monitor.kinds.get("start", Counter())

    def grown(kinds: Counter[str]) -> dict[str, int]:
        return {k: n - start[k] for k, n in kinds.items() if n > start[k]}

    return {
        "threads": threads | {"end": last.threads},
        "rssMiB": rss | {"end": round(last.rss_kb / 1024, 1)},
        "threadsGrownAtMax": grown(monitor.kinds.get("max", start)),
        "threadsGrownAtEnd": grown(monitor.kinds.get("end", start)),
        "timeline": [[s.t, s.threads, round(s.rss_kb / 1024, 1), s.done, s.requests] for s in
                     monitor.samples[::step] + ([last] if (len(monitor.samples) - 1) % step else [])],
        "deadlock": monitor.problem,
        "stacks": monitor.stacks,
    }


def files_problems(figures: dict[str, Any]) -> list[str]:
    """The verdict's counts that are not zero, as problems ("3 lost", "1 left behind")."""
    return [f"{figures[k]} {k.replace('_', ' ')}" for k in ("lost", "duplicated", "left_behind")
            if figures[k]]


def soak_problems(figures: dict[str, Any]) -> list[str]:
    """What makes a soak fail: a deadlock, growth after the warm-up, a backlog left, files lost,
    duplicated or left behind, 5xx answers, requests with no answer."""
    problems = [f"deadlock: {figures['deadlock']}"] if figures["deadlock"] else []
    for name in ("threads", "rssMiB"):
        if figures[name]["growing"]:
            problems.append(f"{name} still growing after the warm-up: {figures[name]['plateau']} -> "
                            f"{figures[name]['late']} (medians of the two halves)")
    if not figures["finished"] and not figures["deadlock"]:
        problems.append(f"the backlog did not drain ({figures['drain'].get('verdict')})")
    problems += files_problems(figures)
    if figures.get("5xx"):
        problems.append(f"{figures['5xx']} 5xx answers")
    if figures.get("noAnswer"):
        problems.append(f"{figures['noAnswer']} REST requests got no answer (timeout or reset)")
    return problems


def drain_window_s(files: int) -> float:
    """How long the soak waits for its last files: 120 s, or 0.1 s a file when there are more
    (a 30-minute soak drops ~70,000 files; a fixed window would call slowness a hang)."""
    return max(120.0, files * 0.1)


def drain_report(
    state: Path, total: int, window_s: float, stall_s: float = 30.0, give_up: Callable[[], bool] | None = None
) -> dict[str, Any]:
    """Wait for ``total`` files to finish; say how long it took, or what was left and whether it
    was still moving (slow) or had not moved for ``stall_s`` (stuck). ``give_up()`` true (the
    soak's watchdog tripped) ends the wait at once."""
    started = time.monotonic()
    last_done, last_progress, trace = -1, started, []
    while True:
        done, now = done_count(state), time.monotonic()
        if done != last_done:
            last_done, last_progress = done, now
            trace.append((round(now - started, 1), done))
        if done >= total:
            return {"finished": True, "drainS": round(now - started, 1), "windowS": window_s}
        if now - started > window_s or now - last_progress > max(stall_s, window_s / 4) \
                or (give_up is not None and give_up()):
            break
        time.sleep(0.5)
    return {
        "finished": False, "windowS": window_s, "done": last_done, "total": total,
        "verdict": "stuck" if now - last_progress > stall_s else "slow (still moving at the cut-off)",
        "sinceLastProgressS": round(now - last_progress, 1), "progress": trace[-5:], **leftover(state),
    }


def journal_rows(state: Path, stems: list[str], rule: str = "drop") -> list[dict[str, Any]]:
    """What the journal says about the files named ``stems`` (for a loss: how it was counted done)."""
    journal = Journal(state / "drops.sqlite3")
    try:
        rows = journal.latest_by_rel(rule)
    finally:
        journal.close()
    keep = ("relPath", "state", "executionId", "objectPath", "note", "attempts", "code", "error")
    return [{k: v for k, v in r.as_dict().items() if k in keep} for rel, r in sorted(rows.items())
            if Path(rel).stem in stems]


def leftover(state: Path, rule: str = "drop") -> dict[str, Any]:
    """What the journal still holds: files by state, unfinished batches by state and code."""
    journal = Journal(state / "drops.sqlite3")
    try:
        files = Counter(str(r.state) for r in journal.active(rule))
        batches = Counter(f"{b.state}:{b.code or '-'}" for b in journal.waiting_batches())
    finally:
        journal.close()
    return {"activeFiles": dict(files), "unfinishedBatches": dict(batches)}


def _client(url: str, stop_load: threading.Event, stats: Counter[str]) -> None:
    import httpx

    doc = {"id": "soak", "nodes": [{"id": "n1", "type": "createSound", "data": {"name": "X"}}], "edges": []}
    asks: list[tuple[str, str, Any]] = [("GET", "/health", None), ("POST", "/workflows/validate", doc)]
    with httpx.Client(base_url=url, timeout=30) as http:
        while not stop_load.is_set():
            for method, path, body in asks:
                try:
                    response = http.request(method, path, json=body)
                except httpx.HTTPError:  # no answer (timeout, reset): counted, and the client goes on
                    stats["noAnswer"] += 1
                    continue
                stats["requests"] += 1
                if _wwise_away(response):  # the soak kills Wwise on purpose: a documented retry-later
                    stats["503WwiseAway"] += 1
                else:
                    stats["5xx"] += int(response.status_code >= 500)


def _wwise_away(response: Any) -> bool:
    """A 503 carrying WAAPI_UNAVAILABLE / WAAPI_TIMEOUT: the documented answer while Wwise is down."""
    if response.status_code != 503:
        return False
    try:
        code = response.json().get("code")
    except ValueError:
        return False
    return code in ("WAAPI_UNAVAILABLE", "WAAPI_TIMEOUT", "BACKEND_UNAVAILABLE")


PARTS: dict[str, Callable[..., dict[str, Any]]] = {
    "crash": crash_burst,
    "wwise": wwise_flaps,
    "fuzz": fuzz_documents,
    "soak": soak,
}


def main(argv: list[str] | None = None) -> int:
    """Run the parts named in ``argv`` (default: all, or ``RELIABILITY_PARTS``) and print JSON lines.

    ``--soak-s N`` sets the soak's duration (default 180; 1800 is the 30-minute soak),
    ``--clients N`` its REST clients (default 20), ``--stall-s N`` how long nothing may move before
    the soak calls it a deadlock (default 180). Exits 1 when a part reports ``problems``.
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.bench_reliability")
    parser.add_argument("parts", nargs="*", choices=[*PARTS, []], metavar="PART", help=" ".join(PARTS))
    parser.add_argument("--soak-s", type=float, default=float(os.environ.get("RELIABILITY_SOAK_S", 180)))
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--stall-s", type=float, default=180.0)
    args = parser.parse_args(argv)
    names = args.parts or os.environ.get("RELIABILITY_PARTS", "").split() or list(PARTS)
    options: dict[str, dict[str, Any]] = {
        "soak": {"duration_s": args.soak_s, "clients": args.clients, "stall_s": args.stall_s}
    }
    failed = 0
    for name in names:
        started = time.monotonic()
        figures = PARTS[name](**options.get(name, {}))
        figures["seconds"] = round(time.monotonic() - started, 1)
        print(json.dumps({"part": name, "loadAverage": list(os.getloadavg()), **figures}), flush=True)
        for problem in figures.get("problems") or []:
            print(f"FAILED {name}: {problem}", file=sys.stderr, flush=True)
            failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
