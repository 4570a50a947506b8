"""Handing the memory a burst freed back to the operating system (glibc's ``malloc_trim``).

glibc keeps what a burst of imports or a full rescan freed in its arenas, so a daemon's resident
memory stayed at its busiest moment's: an idle daemon that had just scanned 10,000 files, and a
30-minute soak whose process gave 24 MB back on one ``malloc_trim(0)``. The pump asks for a trim in
its housekeeping after work: once the work pauses, or once a minute while it goes on; an idle daemon
does nothing. The heap is the process's, so there is one :data:`TRIMMER` per process (a daemon
restarted in-process, as on a configuration reload, keeps its clock).

glibc also gives each thread that allocates its own arena, up to eight per core: with fifty
threads a busy daemon's heap was spread over sixteen arenas holding 140 MB for 46 MB in use (the
soak). :func:`limit_arenas` caps them at :data:`ARENAS`: ``wwiseflowd run`` asks first thing, and
every daemon when it starts (glibc fixes the cap once a process has eight arenas, so it must come
before most threads have allocated).

Elsewhere (macOS, Windows, musl) both are no-ops.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from functools import cache
from typing import Any

#: malloc arenas a daemon's process may use (glibc's default is eight per core)
ARENAS = 4
_M_ARENA_MAX = -8  # glibc's mallopt parameter

#: a trim once the work has paused this long ...
QUIET_S = 1.0
#: ... or, while the work goes on, this often (each walks every arena: a few milliseconds)
TRIM_EVERY_S = 60.0


@cache
def _glibc() -> Any:
    """This process's C library when it is glibc (``ctypes.CDLL``), else None."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - glibc only: musl has no malloc_trim to speak of
        return libc
    except (OSError, AttributeError):
        return None


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    libc = _glibc()
    if libc is None:
        return None
    import ctypes

    function = libc.malloc_trim
    function.argtypes, function.restype = [ctypes.c_size_t], ctypes.c_int
    trim_to: Callable[[int], int] = function
    return trim_to


@cache
def _mallopt() -> Callable[[int, int], int] | None:
    libc = _glibc()
    if libc is None:
        return None
    import ctypes

    function = libc.mallopt
    function.argtypes, function.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    set_option: Callable[[int, int], int] = function
    return set_option


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas for the threads that allocate from now on; False where it cannot."""
    function = _mallopt()
    return function is not None and function(_M_ARENA_MAX, arenas) == 1


def trim() -> bool:
    """Give free heap memory back to the operating system; False where that cannot be done."""
    function = _malloc_trim()
    if function is None:
        return False
    function(0)
    return True


class MemoryTrimmer:
    """Trims after work (see the module docstring); the pump's thread calls both methods."""

    def __init__(
        self, every_s: float = TRIM_EVERY_S, quiet_s: float = QUIET_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.every_s, self.quiet_s, self.clock = every_s, quiet_s, clock
        self._busy_at: float | None = None
        self._trimmed_at = clock()

    def busy(self) -> None:
        """Work happened (files tracked, batches settled): memory may have been freed."""
        self._busy_at = self.clock()

    def housekeeping(self) -> bool:
        """Trim when there was work since the last trim and it paused (or a trim is due); True if it did."""
        now, busy_at = self.clock(), self._busy_at
        if busy_at is None or busy_at < self._trimmed_at:
            return False
        if now - busy_at < self.quiet_s and now - self._trimmed_at < self.every_s:
            return False
        self._trimmed_at = now
        return trim()


#: the process's trimmer (the pump of whichever daemon runs asks it)
TRIMMER = MemoryTrimmer()
