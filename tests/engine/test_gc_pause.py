"""gc_paused across threads: collection comes back on when the last pause ends, never before."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator

import pytest

from wwiseflowd.gc_pause import gc_paused


@pytest.fixture(autouse=True)
def _collection_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_overlapping_pauses_in_two_threads_turn_collection_back_on_only_at_the_end() -> None:
    inside, release = threading.Event(), threading.Event()
    seen_after_main_left: list[bool] = []

    def other() -> None:
        with gc_paused():
            inside.set()
            release.wait(5)
            seen_after_main_left.append(gc.isenabled())

    with gc_paused():  # main pauses first ...
        thread = threading.Thread(target=other)
        thread.start()
        assert inside.wait(5)
    # ... and leaves first, while the other thread is still in its pause
    assert not gc.isenabled()
    release.set()
    thread.join(5)
    assert seen_after_main_left == [False]
    assert gc.isenabled()


def test_many_threads_pausing_at_once_leave_collection_on() -> None:
    """A thread switch between reading ``gc.isenabled()`` and ``gc.disable()`` (forced often here)
    used to leave collection off for good."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:

        def churn() -> None:
            for _ in range(20_000):
                with gc_paused():
                    pass

        threads = [threading.Thread(target=churn) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        sys.setswitchinterval(previous)
    assert gc.isenabled()


def test_a_pause_begun_with_collection_off_leaves_it_off() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()
