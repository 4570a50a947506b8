"""One daemon per state dir: an OS file lock held for the daemon's whole life, and ``runtime.json``.

The lock is ``filelock``'s OS-level lock (``flock`` / ``LockFileEx``), so the kernel frees it when
the process dies, even on ``kill -9``; there is no stale PID file to clean up. ``runtime.json``
(pid, REST address, version, start time) tells ``wwiseflowd status`` and the MCP proxy where the
running daemon is; it is written atomically and removed on a clean stop. A copy naming the state
dir also goes to the user's runtime dir (:func:`machine_pointer_path`), so a command run without
a config file (``wwiseflowd status`` next to ``make demo``) finds the machine's daemon too.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import platformdirs
from filelock import FileLock, Timeout

from wwiseflowd.files import write_text_atomic
from wwiseflowd.pids import pid_alive

LOCK_FILENAME = "wwiseflowd.lock"
RUNTIME_FILENAME = "runtime.json"
MACHINE_POINTER_FILENAME = "daemon.json"

__all__ = ["AlreadyRunning", "is_locked", "machine_pointer_path", "pid_alive", "read_machine_pointer",
           "read_runtime"]


def machine_pointer_path() -> Path:
    """Where the last started daemon of this user says where it is (``stateDir`` + runtime facts)."""
    with warnings.catch_warnings():  # no XDG_RUNTIME_DIR (root in a container): its /tmp fallback is fine,
        warnings.simplefilter("ignore")  # and the warning would leak to the terminal outside the log
        return Path(platformdirs.user_runtime_dir("wwiseflowd")) / MACHINE_POINTER_FILENAME


def read_machine_pointer() -> dict[str, Any] | None:
    """The machine's running daemon (its runtime facts plus ``stateDir``), or None when none runs."""
    try:
        data = json.loads(machine_pointer_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("pid"), int) or not pid_alive(data["pid"]):
        return None
    return data


class AlreadyRunning(Exception):
    """Another daemon holds the state dir; ``runtime`` is what it wrote about itself (may be None)."""

    def __init__(self, state_dir: Path, runtime: dict[str, Any] | None) -> None:
        self.state_dir = state_dir
        self.runtime = runtime
        who = f" (pid {runtime.get('pid')}, {runtime.get('apiUrl') or 'no REST'})" if runtime else ""
        super().__init__(
            f"Another wwiseflowd daemon is already running on state dir {state_dir}{who}. "
            f"Stop it first, or give this one its own [paths] state_dir."
        )


def read_runtime(state_dir: Path) -> dict[str, Any] | None:
    """The running daemon's ``runtime.json``, or None when absent or unreadable."""
    try:
        data = json.loads((state_dir / RUNTIME_FILENAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_locked(state_dir: Path) -> bool:
    """True when some daemon currently holds the state dir's lock."""
    lock = FileLock(str(state_dir / LOCK_FILENAME))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    except OSError:
        return False
    lock.release()
    return False


class Instance:
    """Holds the state dir's lock and its ``runtime.json`` (a context manager)."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self._lock = FileLock(str(state_dir / LOCK_FILENAME))
        self.runtime: dict[str, Any] = {}

    def acquire(self) -> Instance:
        """Take the lock or raise :class:`AlreadyRunning` at once (never waits)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise AlreadyRunning(self.state_dir, read_runtime(self.state_dir)) from None
        return self

    def write_runtime(self, **facts: Any) -> None:
        """Merge ``facts`` into ``runtime.json`` (atomic replace)."""
        self.runtime.update(facts)
        path = self.state_dir / RUNTIME_FILENAME
        try:  # first: whoever sees runtime.json finds the pointer too
            pointer = machine_pointer_path()
            pointer.parent.mkdir(parents=True, exist_ok=True)
            facts = {**self.runtime, "stateDir": str(self.state_dir)}
            write_text_atomic(pointer, json.dumps(facts, default=str))
        except OSError:
            pass  # no runtime dir: commands without a config file will not find this daemon
        write_text_atomic(path, json.dumps(self.runtime, indent=2, default=str))

    def release(self) -> None:
        """Remove ``runtime.json`` and free the lock."""
        if self._lock.is_locked:
            try:
                (self.state_dir / RUNTIME_FILENAME).unlink(missing_ok=True)
                pointer = read_machine_pointer()
                if pointer is not None and pointer.get("pid") == os.getpid():
                    machine_pointer_path().unlink(missing_ok=True)
            except OSError:
                pass
            self._lock.release()

    def __enter__(self) -> Instance:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
