"""The thread that feeds a :class:`~wwiseflowd.progress.presenter.Presenter` and writes its lines.

It reads what the daemon already offers: the progress events on the engine's EventHub and the
``status()`` snapshot, polled twice a second while files settle or batches are unfinished. When a
snapshot shows neither, the feed waits without a timer for an event, :meth:`ProgressFeed.activity`
(the pump calls it when files arrive) or :meth:`ProgressFeed.stop`: an idle daemon's display
costs no wake-ups. Human text on a terminal, where a burst is one line rewritten in place; JSON
lines otherwise (a pipe, a service's journal, or ``--progress json``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Literal, TextIO

from loguru import logger

from wwiseflowd.events import EventHub
from wwiseflowd.progress.presenter import FilesOf, Notice, Presenter, render_json, render_text

Mode = Literal["auto", "text", "json", "off"]
#: the daemon events the presenter reads
EVENT_TYPES = frozenset({"batch.queued", "batch.finished"})


def resolve_mode(mode: Mode, stream: TextIO) -> Literal["text", "json", "off"]:
    """``auto``: text on a terminal, JSON lines when the stream is a pipe or a file."""
    if mode != "auto":
        return mode
    isatty = getattr(stream, "isatty", None)
    return "text" if callable(isatty) and isatty() else "json"


class ProgressFeed:
    """``start()`` a daemon thread that writes progress to ``out`` until ``stop()``."""

    def __init__(
        self,
        status: Callable[[], dict[str, Any]],
        files_of: FilesOf,
        events: EventHub,
        out: TextIO,
        mode: Literal["text", "json"],
        *,
        interval_s: float = 0.5,
    ) -> None:
        self._status = status
        self._events = events
        self._out = out
        self._text = mode == "text"
        self._interval = interval_s
        self._presenter = Presenter(files_of)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wwiseflowd-progress", daemon=True)
        self._open_line = False  # a burst line on the terminal that the next write replaces
        self._last_burst_json = 0.0
        #: armed before each poll; an idle feed waits until :meth:`activity` disarms it
        self._idle = False

    def start(self) -> ProgressFeed:
        """Subscribe and start writing."""
        self._subscription = self._events.subscribe(accept=lambda e: e.get("type") in EVENT_TYPES)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop writing (what is queued is written first); idempotent."""
        self._stop.set()
        if self._thread.is_alive():
            self._subscription.wake()
            self._thread.join(timeout=5)

    def activity(self) -> None:
        """Files arrived or are settling (any thread): an idle feed polls the status again. One
        wake-up per idle period, so a busy pump never fills the subscription's queue."""
        if self._idle:
            self._idle = False
            self._subscription.wake()

    def _run(self) -> None:
        next_poll = 0.0
        with self._subscription:
            while True:
                stopping, idle = self._stop.is_set(), self._idle
                wait = 0 if stopping else (None if idle else self._interval / 2)
                event = self._subscription.get(timeout=wait)
                if event is not None:
                    self._write(self._presenter.on_event(event))
                woken = idle and event is None  # by activity() or stop()
                if time.monotonic() >= next_poll or stopping or woken:
                    next_poll = time.monotonic() + self._interval
                    self._poll()
                if stopping and event is None:
                    break
        self._end_open_line()

    def _poll(self) -> None:
        # armed before reading: a file the snapshot misses arrives after this, and its activity() wakes us
        self._idle = True
        try:
            status = self._status()
        except Exception:  # a status hiccup must never stop the display, nor the daemon
            logger.opt(exception=True).debug("Progress: reading the daemon status failed")
            self._idle = False
            return
        self._write(self._presenter.on_status(status))
        settling = any(r.get("settling") or r.get("waiting") for r in status.get("rules") or [])
        if self._idle and (settling or status.get("batches")):
            self._idle = False  # something to follow: keep polling

    def _write(self, notices: list[Notice]) -> None:
        for notice in notices:
            try:
                if notice.kind == "burst":
                    self._burst(notice)
                    continue
                self._end_open_line()
                self._out.write((render_text(notice) if self._text else render_json(notice)) + "\n")
                self._out.flush()
            except (OSError, ValueError):  # the terminal went away: stop trying
                self._stop.set()
                return

    def _burst(self, notice: Notice) -> None:
        if self._text:
            self._out.write("\r\x1b[2K" + render_text(notice))  # rewrite the one progress line
            self._out.flush()
            self._open_line = True
        elif time.monotonic() - self._last_burst_json >= 1.0:  # JSON: at most one per second
            self._last_burst_json = time.monotonic()
            self._out.write(render_json(notice) + "\n")
            self._out.flush()

    def _end_open_line(self) -> None:
        if self._open_line:
            self._out.write("\n")
            self._open_line = False
