"""Observers that only enqueue, and a supervisor that notices dead ones and rebuilds them.

watchdog runs handlers on its dispatcher thread with no try/except, and an OSError in an emitter
(e.g. a polled SMB share going offline, watchdog #1065) ends that thread silently. So the handler
here catches everything and only hands ``(key, path, is_dir)`` to a sink, and
:meth:`ObserverSupervisor.check` rebuilds any observer whose threads died, with backoff.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger
from watchdog.events import (
    DirCreatedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

#: ``sink(key, path, is_dir)``; must be cheap and thread-safe (e.g. ``queue.put``)
Sink = Callable[[str, Path, bool], None]

_EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileClosedEvent,
    DirCreatedEvent,
    DirMovedEvent,
]


class EnqueueHandler(FileSystemEventHandler):
    """Hands each interesting event's path to the sink. Never raises (a raise kills the observer)."""

    def __init__(self, key: str, sink: Sink) -> None:
        super().__init__()
        self.key = key
        self.sink = sink

    def dispatch(self, event: FileSystemEvent) -> None:
        """watchdog's entry point: enqueue the path the event leaves behind."""
        try:
            raw = event.dest_path if event.event_type == "moved" else event.src_path
            if not raw:
                return
            path = Path(raw.decode() if isinstance(raw, bytes) else raw)
            self.sink(self.key, path, event.is_directory)
        except Exception:
            logger.opt(exception=True).warning("Watch handler for {} dropped an event", self.key)


@dataclass
class WatchSpec:
    """One watched root."""

    key: str
    root: Path
    recursive: bool = True
    polling: bool = False
    poll_interval_s: float = 5.0


@dataclass
class _Watched:
    spec: WatchSpec
    observer: BaseObserver | None = None
    mode: str = "stopped"
    restarts: int = 0
    error: str | None = None
    retry_at: float = 0.0
    backoff_s: float = 1.0
    started_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _observer_alive(observer: BaseObserver) -> bool:
    return observer.is_alive() and all(e.is_alive() for e in observer.emitters)


class ObserverSupervisor:
    """Starts one observer per root, rebuilds dead ones, falls back to polling on watch limits."""

    def __init__(
        self,
        sink: Sink,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_backoff_s: float = 60.0,
    ) -> None:
        self.sink = sink
        self.clock = clock
        self.max_backoff_s = max_backoff_s
        self._watched: dict[str, _Watched] = {}
        #: set by :meth:`stop`: a check still running on another thread must not start a new observer
        self._stopped = False
        #: called with the key after an observer was (re)started, so the owner can rescan the root
        self.on_started: Callable[[str], None] | None = None

    def add(self, spec: WatchSpec) -> None:
        """Register a root; it starts with :meth:`start` or the next :meth:`check`."""
        self._watched[spec.key] = _Watched(spec)

    def start(self) -> None:
        """Start every registered root that is not running."""
        for watched in self._watched.values():
            if watched.observer is None:
                self._start(watched)

    def _build(self, spec: WatchSpec, polling: bool) -> BaseObserver:
        observer: BaseObserver = PollingObserver(timeout=spec.poll_interval_s) if polling else Observer()
        observer.daemon = True
        observer.schedule(
            EnqueueHandler(spec.key, self.sink),
            str(spec.root),
            recursive=spec.recursive,
            event_filter=_EVENTS,
        )
        observer.start()
        return observer

    def _start(self, watched: _Watched) -> None:
        if self._stopped:
            return
        spec = watched.spec
        try:
            spec.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._failed(watched, f"cannot reach {spec.root}: {exc.strerror or exc}")
            return
        polling = spec.polling
        try:
            observer = self._build(spec, polling)
        except OSError as exc:
            if polling or exc.errno not in (errno.ENOSPC, errno.EMFILE):
                self._failed(watched, f"cannot watch {spec.root}: {exc.strerror or exc}")
                return
            logger.warning(
                "Native watching of {} failed ({}); falling back to polling every {} s. On Linux, "
                "raise fs.inotify.max_user_watches / max_user_instances with sysctl.",
                spec.root,
                exc.strerror,
                spec.poll_interval_s,
            )
            polling = True
            try:
                observer = self._build(spec, polling)
            except OSError as exc2:
                self._failed(watched, f"cannot watch {spec.root}: {exc2.strerror or exc2}")
                return
        if self._stopped:  # stop() ran while this one was being built
            _stop_quietly(observer)
            return
        watched.observer = observer
        watched.mode = "polling" if polling else type(observer).__name__
        watched.error = None
        watched.backoff_s = 1.0
        watched.started_at = self.clock()
        logger.info("Watching {} ({}, recursive={})", spec.root, watched.mode, spec.recursive)
        if self.on_started is not None:
            self.on_started(spec.key)

    def _failed(self, watched: _Watched, message: str) -> None:
        watched.observer = None
        watched.mode = "stopped"
        if watched.error != message:
            logger.warning("{}; retrying in {:g} s", message, watched.backoff_s)
        watched.error = message
        watched.retry_at = self.clock() + watched.backoff_s
        watched.backoff_s = min(watched.backoff_s * 2, self.max_backoff_s)

    def check(self) -> list[str]:
        """Rebuild dead observers (and retry failed roots whose backoff elapsed); return their keys."""
        restarted = []
        now = self.clock()
        for key, watched in self._watched.items():
            observer = watched.observer
            if observer is not None and _observer_alive(observer) and watched.spec.root.is_dir():
                continue
            if observer is not None:
                logger.warning("Observer for {} died; restarting it", watched.spec.root)
                _stop_quietly(observer)
                watched.observer = None
                watched.restarts += 1
                watched.retry_at = now
            if now < watched.retry_at:
                continue
            self._start(watched)
            if watched.observer is not None:
                restarted.append(key)
        return restarted

    def observer(self, key: str) -> BaseObserver | None:
        """The live observer of ``key`` (tests use it to simulate a crash)."""
        watched = self._watched.get(key)
        return watched.observer if watched else None

    def status(self) -> list[dict[str, Any]]:
        """One dict per root: key, root, mode, alive, restarts, error."""
        return [
            {
                "key": key,
                "root": str(w.spec.root),
                "mode": w.mode,
                "alive": w.observer is not None and _observer_alive(w.observer),
                "restarts": w.restarts,
                "error": w.error,
            }
            for key, w in self._watched.items()
        ]

    def stop(self) -> None:
        """Stop every observer (for good: a later :meth:`check` or :meth:`start` starts none)."""
        self._stopped = True
        for watched in self._watched.values():
            if watched.observer is not None:
                _stop_quietly(watched.observer)
                watched.observer = None
                watched.mode = "stopped"


def _stop_quietly(observer: BaseObserver) -> None:
    try:
        observer.stop()
        if observer.is_alive():
            observer.join(timeout=5)
    except Exception:
        logger.opt(exception=True).debug("Stopping an observer failed")
