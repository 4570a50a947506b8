"""The stage that decides a dropped file is complete (paperless-ngx's FileStabilityTracker, extended).

Watch handlers and scans only :meth:`StabilityTracker.touch` a path. :meth:`~StabilityTracker.poll`
later re-stats it: a file is ready when no event arrived and its size and mtime stayed the same for
the settle time, and the probe (the RIFF/WAVE check) says it is complete. A file whose header says
it is still incomplete keeps waiting; only if it stays incomplete and unchanged for
``incomplete_timeout_s`` is it given up as invalid (a truncated copy that will never finish). A
file a scan finds on a file system whose change times the kernel keeps may have been quiet for the
settle time already: see :meth:`StabilityTracker.touch`.
"""

from __future__ import annotations

import heapq
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from wwiseflowd.watch.wavecheck import WaveProbe, WaveVerdict, probe_wave
from wwiseflowd.wav import gave_up_reason

Clock = Callable[[], float]
#: seconds until a file a scan found, unchanged for the settle time already, is looked at again
RECHECK_S = 0.25
#: how far the wall clock may have been stepped (against the monotonic one) since the tracker was
#: made before change times are no longer trusted (seconds)
CLOCK_STEP_S = 1.0
#: checks many paths at once (one hand-off to a reading thread for them all), a verdict each in order
ProbeMany = Callable[[Sequence[Path]], list[WaveProbe]]


def probe_each(paths: Sequence[Path]) -> list[WaveProbe]:
    """The WAV check of each path, on this thread."""
    return [probe_wave(path) for path in paths]


@dataclass(frozen=True)
class ReadyFile:
    """A file the tracker has finished deciding about: complete (import it) or invalid (fail it)."""

    path: Path
    size: int
    mtime_ns: int
    verdict: WaveVerdict
    reason: str = ""

    @property
    def valid(self) -> bool:
        """True when the file is a complete WAV."""
        return self.verdict is WaveVerdict.COMPLETE


@dataclass
class _Pending:
    size: int
    mtime_ns: int
    quiet_since: float  # last event or last observed change
    last_event: float
    incomplete_since: float | None = None
    first_seen: float = 0.0
    reason: str = "settling: waiting for writes to stop"
    #: the change time of a file found by a scan (``found_on``) when it was found (None otherwise):
    #: at the second look it too must be unchanged
    ctime_ns: int | None = None


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def _quiet_for(st: os.stat_result, now: float) -> float:
    """Seconds since the file last changed (data or metadata), by its change time, counted low:
    a file system that keeps whole seconds (ext4 with small inodes, ext3) may have cut up to a
    second off, and the kernel's clock for file times is a few milliseconds coarse."""
    changed_ns = max(st.st_mtime_ns, st.st_ctime_ns)
    coarse = 1.0 if changed_ns % 1_000_000_000 == 0 else 0.0
    return now - changed_ns / 1e9 - coarse - 0.05


class StabilityTracker:
    """Per-path quiet time + stable stat + format probe. Not thread-safe: one pump thread owns it."""

    def __init__(
        self,
        settle_s: float,
        *,
        incomplete_timeout_s: float = 60.0,
        probe: ProbeMany = probe_each,
        clock: Clock = time.monotonic,
        wall: Clock = time.time,
    ) -> None:
        self.settle_s = settle_s
        self.incomplete_timeout_s = incomplete_timeout_s
        self.probe = probe
        self.clock = clock
        #: the clock files' change times are on (``found_on`` touches compare against it)
        self.wall = wall
        self._wall_offset = wall() - clock()  # moves when the wall clock is stepped
        self._pending: dict[Path, _Pending] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def __contains__(self, path: object) -> bool:
        return path in self._pending

    def touch(self, path: Path, *, found_on: int | None = None) -> None:
        """Something happened to ``path`` (an event, a scan): restart its quiet time.

        ``found_on``: a scan found the file, no event named it, and the caller knows the device
        (``st_dev``) of its folder is a local file system whose change times the kernel keeps
        (:mod:`wwiseflowd.watch.localfs`). When the file is on that very device and its last
        change (``st_ctime``: any write or metadata change, set by the kernel from this machine's
        clock, never set back by a program) lies at least the settle time in the past, it has been
        quiet that long already: it is due after :data:`RECHECK_S` instead of a whole settle time,
        if its size, mtime and ctime are the same then (a first start on a folder of old files
        does not wait for nothing). Not once the wall clock was stepped by more than
        :data:`CLOCK_STEP_S` since the tracker was made. An event for the file, or a change at that
        second look, restarts the whole quiet time."""
        st = _stat(path)
        if st is None:
            self._pending.pop(path, None)
            return
        now = self.clock()
        entry = self._pending.get(path)
        if entry is None:
            entry = self._pending[path] = _Pending(st.st_size, st.st_mtime_ns, now, now, first_seen=now)
            if found_on is not None and st.st_dev == found_on:
                wall = self.wall()
                quiet_s = _quiet_for(st, wall)
                steady = abs(wall - now - self._wall_offset) <= CLOCK_STEP_S
                if steady and quiet_s >= self.settle_s:
                    entry.last_event = now - quiet_s  # no burst is going on in it
                    entry.quiet_since = now - self.settle_s + min(RECHECK_S, self.settle_s)
                    entry.ctime_ns = st.st_ctime_ns
            return
        entry.quiet_since = entry.last_event = now
        entry.ctime_ns = None
        if (entry.size, entry.mtime_ns) != (st.st_size, st.st_mtime_ns):
            entry.size, entry.mtime_ns = st.st_size, st.st_mtime_ns
            entry.incomplete_since = None

    def forget(self, path: Path) -> None:
        """Stop tracking ``path``."""
        self._pending.pop(path, None)

    def recently_active(self, within_s: float) -> bool:
        """True when some pending path had an event less than ``within_s`` ago (a burst in progress)."""
        now = self.clock()
        return any(now - e.last_event < within_s for e in self._pending.values())

    def next_deadline(self) -> float | None:
        """Clock time of the earliest path due for a check, or None when nothing is pending."""
        if not self._pending:
            return None
        return min(e.quiet_since for e in self._pending.values()) + self.settle_s

    def waiting(self, limit: int | None = None) -> list[tuple[Path, str, float]]:
        """``(path, why it waits, seconds since first seen)`` of every pending path (of the ``limit``
        longest waiting), longest first."""
        now = self.clock()
        pending = list(self._pending.items())  # a copy: the progress display reads from its own thread
        if limit is not None and len(pending) > limit:
            pending = heapq.nsmallest(limit, pending, key=lambda item: item[1].first_seen)
        rows = [(path, e.reason, now - e.first_seen) for path, e in pending]
        return sorted(rows, key=lambda row: -row[2])

    def incomplete(self) -> int:
        """How many pending paths wait because their header says they are still incomplete."""
        return sum(1 for e in list(self._pending.values()) if e.reason.startswith("incomplete"))

    def poll(self, limit: int | None = None) -> tuple[list[ReadyFile], list[Path]]:
        """Check every path whose quiet time elapsed; return (decided files, vanished paths). With
        ``limit``, at most that many paths are probed: the rest stay due, for the next poll (so a
        caller can hand the first files on while the others are still to be read)."""
        now = self.clock()
        vanished: list[Path] = []
        due: list[tuple[Path, _Pending]] = []
        for path, entry in list(self._pending.items()):
            if limit is not None and len(due) >= limit:
                break
            if now - entry.quiet_since < self.settle_s:
                continue
            st = _stat(path)
            if st is None:
                vanished.append(path)
                del self._pending[path]
                continue
            size, mtime_ns = st.st_size, st.st_mtime_ns
            recheck_failed = entry.ctime_ns not in (None, st.st_ctime_ns)  # a found file changed
            if (entry.size, entry.mtime_ns) != (size, mtime_ns) or recheck_failed:
                entry.size, entry.mtime_ns, entry.ctime_ns = size, mtime_ns, None
                entry.quiet_since = now
                entry.incomplete_since = None
                entry.reason = "settling: still being written"
                continue
            due.append((path, entry))  # its size and mtime are the ones just seen
        ready: list[ReadyFile] = []
        probes = self.probe([path for path, _entry in due]) if due else []
        for (path, entry), probe in zip(due, probes, strict=True):
            if probe.verdict is WaveVerdict.INCOMPLETE:
                if entry.incomplete_since is None:
                    entry.incomplete_since = now
                if now - entry.incomplete_since < self.incomplete_timeout_s:
                    entry.quiet_since = now  # look again after another settle period
                    entry.reason = f"incomplete: {probe.reason}"
                    continue
                probe = WaveProbe(
                    WaveVerdict.INVALID, gave_up_reason(probe.reason, path, self.incomplete_timeout_s)
                )
            del self._pending[path]
            ready.append(ReadyFile(path, entry.size, entry.mtime_ns, probe.verdict, probe.reason))
        return ready, vanished
