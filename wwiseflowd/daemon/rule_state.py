"""What changes while a watch rule runs, apart from its configuration (:class:`DropRule`).

One :class:`RuleState` per rule, owned by the daemon's pump thread: nothing else writes it. The
worker thread tells the pump that a file was settled through the pump's event queue.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger

from wwiseflowd.daemon.rules import DropRule
from wwiseflowd.watch.fileio import DEFAULT_READ_TIMEOUT_S, ReadTimeout, TimedReader
from wwiseflowd.watch.stability import StabilityTracker
from wwiseflowd.watch.wavecheck import WaveProbe, WaveVerdict, probe_file

#: a file still settling after this long is named in the log (with its reason) once
LONG_WAIT_S = 10.0


@dataclass
class RuleState:
    """A rule's settling files, files in flight and rescan time; also its timed reader."""

    tracker: StabilityTracker
    reader: TimedReader
    #: relative paths currently queued or importing (their events are ignored meanwhile)
    inflight: set[str] = field(default_factory=set)
    #: relative path -> journal id of files being tracked
    seen_ids: dict[str, int] = field(default_factory=dict)
    next_rescan: float = 0.0
    #: monotonic time the rule's queue last moved (a file became ready, a batch was queued or settled)
    last_progress: float = field(default_factory=time.monotonic)
    #: files the last periodic rescan found that the watcher never reported (a stuck watcher)
    missed: list[str] = field(default_factory=list)
    #: shared folders: relative path -> (path, size, mtime_ns) of files left to another daemon
    elsewhere: dict[str, tuple[Path, int | None, int | None]] = field(default_factory=dict)
    _announced: set[Path] = field(default_factory=set)

    @classmethod
    def for_rule(
        cls, rule: DropRule, *, read_timeout_s: float = DEFAULT_READ_TIMEOUT_S,
        checks: Mapping[str, Callable[[Path], WaveProbe]] | None = None,
    ) -> RuleState:
        """A fresh state for ``rule``: its probe and hash reads give up after ``read_timeout_s``;
        ``checks`` are the plugins' completeness checks by file suffix (WAV check otherwise)."""
        reader = TimedReader(read_timeout_s, name=f"wwiseflowd-read-{rule.id}")
        tracker = StabilityTracker(
            rule.config.settle_ms / 1000,
            incomplete_timeout_s=rule.config.incomplete_timeout_s,
            probe=lambda paths: timed_probes(reader, paths, checks),
        )
        return cls(tracker=tracker, reader=reader)

    def waiting(self, folder: Path, limit: int | None = None) -> list[dict[str, Any]]:
        """Files still settling (the ``limit`` longest waiting), with why they wait and for how
        long (for status and /health)."""
        return [
            {"file": _rel(path, folder), "reason": reason, "waitingS": round(waited, 1)}
            for path, reason, waited in self.tracker.waiting(limit)
        ]

    def note_rescan(self, found: set[Path], *, missed_after_s: float) -> None:
        """Remember which files a periodic rescan found that are too old to be news to the watcher."""
        now = time.time()
        missed = []
        for path in found:
            try:
                age = now - path.stat().st_mtime
            except OSError:
                continue
            if age > missed_after_s:
                missed.append(path.name)
        self.missed = sorted(missed)

    def log_long_waits(self, folder: Path, after_s: float = LONG_WAIT_S) -> None:
        """Say once, per file, that a file has been waiting a while, and why."""
        waiting = self.tracker.waiting()
        self._announced &= {path for path, _reason, _waited in waiting}
        for path, reason, waited in waiting:
            if waited >= after_s and path not in self._announced:
                self._announced.add(path)
                logger.info("{} has waited {:.0f} s: {}", _rel(path, folder), waited, reason)


def timed_probes(
    reader: TimedReader,
    paths: Sequence[Path],
    checks: Mapping[str, Callable[[Path], WaveProbe]] | None = None,
) -> list[WaveProbe]:
    """:func:`probe_file` of each path through ``reader``: a read that hangs makes its file wait,
    not the rule."""
    found = reader.call_each(lambda path: probe_file(path, checks), paths, lambda path: path.name)
    return [_timed_out(probe) if isinstance(probe, BaseException) else probe for probe in found]


def _timed_out(exc: BaseException) -> WaveProbe:
    if not isinstance(exc, ReadTimeout):
        raise exc  # probe_file answers every file problem with a verdict: this is a bug, not a file
    return WaveProbe(
        WaveVerdict.INCOMPLETE,
        f"{exc} (a network share that stopped answering?); it waits and is read again later",
    )


def _rel(path: Path, folder: Path) -> str:
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return str(path)
