"""The daemon as a process: readiness, SIGTERM, one instance per state dir, kill -9 recovery."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.daemon.conftest import TARGET, import_calls, sounds, wait_until
from tests.daemon.wavs import write_wav
from wwiseflowd.daemon.instance import AlreadyRunning, Instance
from wwiseflowd.sim import Emulator
from wwiseflowd.store.journal import FileState, Journal

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and unix sockets"),
]


def _config(
    tmp_path: Path, *, url: str | None = None, chunk: int = 100, budget_s: float = 2.0, rest: bool = False
) -> Path:
    lines = [
        "[paths]",
        f'state_dir = "{tmp_path / "state"}"',
        f'logs_dir = "{tmp_path / "logs"}"',
        f'workflows_dir = "{tmp_path / "workflows"}"',
        f'plugins_dir = "{tmp_path / "plugins"}"',
        "[server]",
        f"enabled = {'true' if rest else 'false'}",
        "port = 0",
        "[wwise]",
        f"import_chunk_size = {chunk}",
        f"import_call_budget_s = {budget_s}",
        "connect_timeout = 2.0",
        "reconnect_max_delay = 0.5",
    ]
    if url:
        lines.append(f'url = "{url}"')
    lines += [
        "[[watch]]",
        f'folder = "{tmp_path / "drop"}"',
        'name = "sfx"',
        f"target = '{TARGET}'",
        "settle_ms = 300",
        "batch_window_ms = 300",
    ]
    path = tmp_path / "wwiseflowd.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _spawn(config: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "wwiseflowd", "--config", str(config), "run", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )


def _runtime(tmp_path: Path) -> dict[str, Any] | None:
    try:
        return json.loads((tmp_path / "state" / "runtime.json").read_text())
    except (OSError, ValueError):
        return None


def _stop(proc: subprocess.Popen[str]) -> str:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


def test_ready_is_sent_to_systemd_and_sigterm_stops_cleanly(tmp_path: Path) -> None:
    sock_path = tmp_path / "notify.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(sock_path))
    server.settimeout(60)
    proc = _spawn(_config(tmp_path, rest=True), "--simulate", env={"NOTIFY_SOCKET": str(sock_path)})
    try:
        ready = server.recv(4096).decode()
        assert ready.startswith("READY=1") and "watching 1 folder" in ready
        runtime = _runtime(tmp_path)
        assert runtime is not None and runtime["pid"] == proc.pid and runtime["simulate"] is True
        assert runtime["apiUrl"].startswith("http://127.0.0.1:")
        proc.send_signal(signal.SIGTERM)
        assert server.recv(4096) == b"STOPPING=1"
        out = _stop(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
        server.close()
    assert proc.returncode == 0, out
    assert "Stopped cleanly" in out
    assert not (tmp_path / "state" / "runtime.json").exists()
    with Instance(tmp_path / "state"):  # the lock was released
        pass


def test_a_second_daemon_on_the_same_state_dir_is_refused(tmp_path: Path) -> None:
    config = _config(tmp_path)
    first = _spawn(config, "--simulate")
    try:
        wait_until(lambda: _runtime(tmp_path), timeout=60)
        second = subprocess.run(
            [sys.executable, "-m", "wwiseflowd", "--config", str(config), "run", "--simulate"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 3
        assert "already running" in second.stderr and str(first.pid) in second.stderr
        with pytest.raises(AlreadyRunning):
            Instance(tmp_path / "state").acquire()
    finally:
        _stop(first)


@pytest.mark.slow
def test_kill_9_during_a_batch_then_restart_imports_every_file_exactly_once(tmp_path: Path) -> None:
    n = 150
    sim = Emulator(port=0, project_dir=tmp_path / "project" / "WwiseProject", latency_ms=40).start()
    try:
        # every call 10 files (not sized by time): the kill lands with most of the batch still to do
        config = _config(tmp_path, url=sim.url, chunk=10, budget_s=0)
        for i in range(n):
            write_wav(tmp_path / "drop" / f"Crash_{i:03d}.wav", frames=100, seed=i)
        first = _spawn(config)
        wait_until(lambda: import_calls(sim) >= 3, timeout=60)
        first.kill()  # SIGKILL in the middle of the batch: no cleanup at all
        first.communicate(timeout=10)
        _settle_calls(sim)  # the emulator may still be finishing the call it received last
        journal = Journal(tmp_path / "state" / "drops.sqlite3")
        in_flight = [r for r in journal.active() if r.state is FileState.IMPORTING]
        journal.close()
        assert in_flight, "the kill should have interrupted the batch"
        killed_execution = in_flight[0].execution_id
        partially = {name for name, _ in sounds(sim)}
        assert 0 < len(partially) < n

        second = _spawn(config)
        try:

            def finished() -> bool:
                j = Journal(tmp_path / "state" / "drops.sqlite3")
                try:
                    return j.counts_by_rule().get("sfx", {}).get("done", 0) == n
                finally:
                    j.close()

            wait_until(finished, timeout=90)
        finally:
            out = _stop(second)
        assert second.returncode == 0, out
    finally:
        sim.stop()
    # every file is in the project once, and the ones that got in before the kill were not imported again
    by_name = dict(_project_sounds(tmp_path))
    assert sorted(by_name) == [f"Crash_{i:03d}" for i in range(n)]
    for name in partially:
        assert killed_execution in by_name[name], name
    assert all(killed_execution not in by_name[name] for name in set(by_name) - partially)
    assert len(list((tmp_path / "drop" / "processed").iterdir())) == n


def _project_sounds(tmp_path: Path) -> list[tuple[str, str]]:
    """The saved project, reloaded the way Wwise would reopen it."""
    return sounds(Emulator(port=0, project_dir=tmp_path / "project" / "WwiseProject"))


def _settle_calls(sim: Emulator, quiet_s: float = 0.5) -> None:
    """Wait until the emulator has served no new call for ``quiet_s``."""
    count, since = len(sim.calls), time.monotonic()
    while time.monotonic() - since < quiet_s:
        time.sleep(0.05)
        if len(sim.calls) != count:
            count, since = len(sim.calls), time.monotonic()


@pytest.mark.parametrize(("system", "check_in", "wait"), [
    ("posix", None, None), ("posix", 30.0, 30.0), ("nt", None, 1.0), ("nt", 30.0, 1.0), ("nt", 0.2, 0.2),
])
def test_the_main_loop_never_waits_untimed_on_windows(
    monkeypatch: pytest.MonkeyPatch, system: str, check_in: float | None, wait: float | None
) -> None:
    """An untimed wait on Windows' main thread would not let Ctrl+C or a service stop through."""
    from wwiseflowd.daemon import run

    monkeypatch.setattr(run.os, "name", system)
    assert run._main_wait(check_in) == wait
