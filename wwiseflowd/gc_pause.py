"""Garbage collection paused over a burst of small allocations, safely across threads.

A full collection passing over tens of thousands of fresh, acyclic objects (a compile's steps, a
run's results, an emulated project's objects) costs more than the work itself. ``gc.disable()`` is
process-wide, so a plain disable/enable pair breaks when two threads overlap: the inner one sees
collection already off and never turns it back on, or the outer one turns it on while the other is
still in its burst. Here the pauses are counted under a lock: the first one in turns collection off,
the last one out turns it back on, and only if it was on when the first began.
"""

from __future__ import annotations

import gc
import sysconfig
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False
#: a Python built without the GIL (3.13t and later)
_FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def _enter() -> None:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1


def _leave() -> None:
    global _depth
    with _lock:
        _depth -= 1
        if _depth == 0 and _was_enabled:
            gc.enable()


@contextmanager
def gc_paused() -> Iterator[None]:
    """No garbage collection while any thread is inside a ``gc_paused()`` block. Keep the blocks
    short, and never wait in one on another thread or the network: collection stays off for
    everyone until the last one ends."""
    _enter()
    try:
        yield
    finally:
        _leave()


class GcPause:
    """A pause a loop turns on over its stretches of pure work and lifts around calls that may wait
    (``with pause.lifted():``, a plugin's check asking Wwise); ``with GcPause() as pause:`` makes
    sure it ends. One never turned on pauses nothing, and lifting it does nothing."""

    def __init__(self) -> None:
        self._held = False

    def on(self) -> None:
        if not self._held:
            _enter()
            self._held = True

    def off(self) -> None:
        if self._held:
            _leave()
            self._held = False

    @contextmanager
    def lifted(self) -> Iterator[None]:
        """Collection back on for this block (a call that may wait), paused again after if it was."""
        held = self._held
        self.off()
        try:
            yield
        finally:
            if held:
                self.on()

    def __enter__(self) -> GcPause:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.off()


@contextmanager
def older_set_aside() -> Iterator[None]:
    """Collections inside this block pass over only what was made inside it: everything that
    exists when it starts (the plan being run, the registry, the daemon's state) is moved out of
    their way (``gc.freeze``) and back into the oldest generation when it ends (``gc.unfreeze``).

    Unlike a pause, collection goes on, so code that waits (a node on Wwise, for minutes) still has
    its garbage collected; what is set aside is only looked at again after the block, so garbage
    cycles that already existed are freed then instead of at the next full collection. A full
    collection over a 10,000-step run's plan and results cost 25-55 ms, a third of the run's
    bookkeeping. Blocks may overlap between threads: the first to end puts everything back (each
    ``unfreeze`` returns all that any ``freeze`` set aside), which costs the others the saving,
    never a collection."""
    if _FREE_THREADED:  # there freeze and unfreeze walk the whole heap: nothing to gain
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
