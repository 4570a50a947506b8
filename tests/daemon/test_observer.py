"""Real watchdog observers on temp dirs: handlers only enqueue, dead observers are rebuilt."""

from __future__ import annotations

import queue
import time
from pathlib import Path

from tests.daemon.wavs import write_wav
from wwiseflowd.watch.observer import EnqueueHandler, ObserverSupervisor, WatchSpec


def _wait_for(q: queue.Queue[tuple[str, Path, bool]], path: Path, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _key, got, _is_dir = q.get(timeout=0.1)
        except queue.Empty:
            continue
        if got == path:
            return True
    return False


def test_created_and_moved_in_files_reach_the_sink(tmp_path: Path) -> None:
    q: queue.Queue[tuple[str, Path, bool]] = queue.Queue()
    root = tmp_path / "drop"
    sup = ObserverSupervisor(lambda k, p, d: q.put((k, p, d)))
    sup.add(WatchSpec("sfx", root))
    sup.start()
    try:
        write_wav(root / "b.wav")
        assert _wait_for(q, root / "b.wav")
        outside = write_wav(tmp_path / "elsewhere" / "c.wav")
        outside.rename(root / "c.wav")
        assert _wait_for(q, root / "c.wav")
    finally:
        sup.stop()


def test_a_dead_observer_is_restarted_and_reported(tmp_path: Path) -> None:
    q: queue.Queue[tuple[str, Path, bool]] = queue.Queue()
    root = tmp_path / "drop"
    started: list[str] = []
    sup = ObserverSupervisor(lambda k, p, d: q.put((k, p, d)))
    sup.on_started = started.append
    sup.add(WatchSpec("sfx", root))
    sup.start()
    try:
        observer = sup.observer("sfx")
        assert observer is not None
        observer.stop()  # what an emitter crash looks like from outside: the threads are gone
        observer.join(5)
        assert sup.status()[0]["alive"] is False
        assert sup.check() == ["sfx"]
        assert sup.status()[0]["alive"] is True and sup.status()[0]["restarts"] == 1
        assert started == ["sfx", "sfx"]
        write_wav(root / "after.wav")
        assert _wait_for(q, root / "after.wav")
    finally:
        sup.stop()


def test_polling_mode_sees_new_files(tmp_path: Path) -> None:
    q: queue.Queue[tuple[str, Path, bool]] = queue.Queue()
    root = tmp_path / "share"
    sup = ObserverSupervisor(lambda k, p, d: q.put((k, p, d)))
    sup.add(WatchSpec("net", root, polling=True, poll_interval_s=0.2))
    sup.start()
    try:
        assert sup.status()[0]["mode"] == "polling"
        write_wav(root / "sub" / "x.wav")
        assert _wait_for(q, root / "sub" / "x.wav")
    finally:
        sup.stop()


def test_a_raising_sink_does_not_kill_the_handler() -> None:
    calls: list[Path] = []

    def sink(key: str, path: Path, is_dir: bool) -> None:
        calls.append(path)
        raise RuntimeError("boom")

    from watchdog.events import FileCreatedEvent

    handler = EnqueueHandler("sfx", sink)
    handler.dispatch(FileCreatedEvent("/x/a.wav"))
    handler.dispatch(FileCreatedEvent("/x/b.wav"))
    assert calls == [Path("/x/a.wav"), Path("/x/b.wav")]


def test_a_check_after_stop_starts_no_observer_so_a_restarted_daemon_leaks_no_threads(tmp_path: Path) -> None:
    """The pump may still run its housekeeping check while the daemon stops (found by the soak:
    three watchdog threads left behind per daemon restart)."""
    import threading

    before = threading.active_count()
    sup = ObserverSupervisor(lambda k, p, d: None)
    sup.add(WatchSpec("sfx", tmp_path / "drop"))
    sup.start()
    assert sup.status()[0]["alive"]
    sup.stop()
    assert sup.check() == [] and sup.observer("sfx") is None
    sup.start()
    assert sup.observer("sfx") is None
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() <= before
