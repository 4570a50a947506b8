"""Reading dropped files without letting one file stop a rule.

Two hazards: a named pipe, socket or device file named ``*.wav`` blocks whoever opens it for
reading, and a read on a network share that stopped answering can block for minutes. So dropped
files are opened with :func:`open_regular` (non-blocking open, then refused unless ``fstat`` says it
is a regular file), and the pump's reads (the WAV probe, the hash) go through a
:class:`TimedReader`, which gives up on a read after a timeout instead of waiting with it.
"""

from __future__ import annotations

import errno
import os
import queue
import stat
import threading
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, BinaryIO, TypeVar

T = TypeVar("T")
A = TypeVar("A")

#: how long the pump waits for one read of a dropped file before it looks at it again later
DEFAULT_READ_TIMEOUT_S = 20.0
#: reads still hanging after their timeout; beyond this many, new reads are refused at once
MAX_HANGING_READS = 4

_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


class NotRegularFile(OSError):
    """The path is a pipe, socket, device or folder: never read it as audio."""


class ReadTimeout(OSError):
    """A read did not finish within its timeout (it may still be hanging on its helper thread)."""


def file_kind(mode: int) -> str:
    """``'a named pipe (FIFO)'``, ``'a socket'``... for a non-regular ``st_mode``."""
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """Open ``path`` for reading only if it is a regular file; :class:`NotRegularFile` otherwise.

    The open itself is non-blocking (opening a FIFO for reading would wait for a writer) and the
    type is checked on the opened descriptor, so a file swapped for a pipe in between is caught too.
    """
    _refuse_irregular(os.stat(path).st_mode, path)  # a socket cannot even be opened: say what it is
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        _refuse_irregular(os.fstat(fd).st_mode, path)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _refuse_irregular(mode: int, path: str | os.PathLike[str]) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder", os.fspath(path))
    if not stat.S_ISREG(mode):
        raise NotRegularFile(
            f"{os.fspath(path)} is {file_kind(mode)}, not a regular file; only real WAV files are read"
        )


class TimedReader:
    """Runs blocking reads on a helper thread and stops waiting for one after ``timeout_s``.

    A read that times out keeps its helper thread (Python cannot interrupt it); the next read gets a
    fresh helper. At most :data:`MAX_HANGING_READS` helpers may hang at once, so a dead share cannot
    pile up threads: past that, reads are refused at once until one comes back.
    """

    def __init__(self, timeout_s: float = DEFAULT_READ_TIMEOUT_S, name: str = "wwiseflowd-read") -> None:
        self.timeout_s = timeout_s
        self.name = name
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue[_Job | _Each] | None = None
        self._hanging: list[threading.Thread] = []
        self._worker: threading.Thread | None = None

    def call(self, fn: Callable[[], T], what: str) -> T:
        """``fn()`` on the helper thread; :class:`ReadTimeout` naming ``what`` when it takes too long."""
        job = _Job(fn)
        with self._lock:
            self._hanging = [t for t in self._hanging if t.is_alive()]
            if len(self._hanging) >= MAX_HANGING_READS:
                raise ReadTimeout(
                    f"{len(self._hanging)} earlier reads are still hanging; not reading {what} now"
                )
            jobs = self._ensure_worker()
        jobs.put(job)
        if not job.done.wait(self.timeout_s):
            with self._lock:
                if self._worker is not None:
                    self._hanging.append(self._worker)
                self._worker, self._jobs = None, None  # leave the stuck helper; the next read gets a new one
                jobs.put(_STOP)  # it exits if its read ever returns
            raise ReadTimeout(f"reading {what} took longer than {self.timeout_s:g} s")
        if job.error is not None:
            raise job.error
        return job.value  # type: ignore[return-value]

    def call_each(
        self, fn: Callable[[A], T], items: Sequence[A], what: Callable[[A], str]
    ) -> list[T | BaseException]:
        """``fn(item)`` for each of ``items``, in order, on the helper thread, handed over once for
        them all: a hand-off between threads costs about 0.1 ms, several times the probe or hash of a
        small WAV. Each item still gets ``timeout_s``: the one that hangs gets a :class:`ReadTimeout`
        naming ``what(item)``, its helper is left to it as :meth:`call` leaves one, and the items
        after it go to a fresh helper. What ``fn`` raised, or the timeout, takes the item's place in
        the list."""
        out: list[T | BaseException] = []
        while len(out) < len(items):
            rest = items[len(out):]
            job = _Each(fn, rest)
            with self._lock:
                self._hanging = [t for t in self._hanging if t.is_alive()]
                if len(self._hanging) >= MAX_HANGING_READS:
                    refused = f"{len(self._hanging)} earlier reads are still hanging; not reading"
                    return out + [ReadTimeout(f"{refused} {what(item)} now") for item in rest]
                jobs = self._ensure_worker()
            jobs.put(job)
            finished = job.wait(self.timeout_s)
            out.extend(finished)
            if len(finished) == len(rest):
                break
            with self._lock:  # rest[len(finished)] hangs: leave its helper, as call() does
                if self._worker is not None:
                    self._hanging.append(self._worker)
                self._worker, self._jobs = None, None
                jobs.put(_STOP)
            hung = what(rest[len(finished)])
            out.append(ReadTimeout(f"reading {hung} took longer than {self.timeout_s:g} s"))
        return out

    def close(self) -> None:
        """Let the helper thread end (a hanging one ends when its read returns)."""
        with self._lock:
            if self._jobs is not None:
                self._jobs.put(_STOP)
            self._worker, self._jobs = None, None

    def hanging(self) -> int:
        """How many helper threads are stuck in a read right now."""
        with self._lock:
            return sum(1 for t in self._hanging if t.is_alive())

    def _ensure_worker(self) -> queue.SimpleQueue[_Job | _Each]:
        if self._jobs is None or self._worker is None or not self._worker.is_alive():
            self._jobs = queue.SimpleQueue()
            self._worker = threading.Thread(target=_serve, args=(self._jobs,), name=self.name, daemon=True)
            self._worker.start()
        return self._jobs


class _Job:
    def __init__(self, fn: Callable[[], object]) -> None:
        self.fn = fn
        self.done = threading.Event()
        self.value: object = None
        self.error: BaseException | None = None


class _Each:
    """:meth:`TimedReader.call_each`'s job: ``fn`` over ``items``, the results kept as they come."""

    def __init__(self, fn: Callable[[A], object], items: Sequence[A]) -> None:
        self.fn, self.items = fn, items
        self.results: list[Any] = []
        self.given_up = False
        self.progress = threading.Condition()

    def run(self) -> None:
        for item in self.items:
            try:
                value: Any = self.fn(item)
            except BaseException as exc:  # handed to the caller in the item's place
                value = exc
            with self.progress:
                if self.given_up:
                    return  # the caller stopped waiting: the items left go to a fresh helper
                self.results.append(value)
                self.progress.notify()

    def _past(self, done: int) -> bool:
        return len(self.results) > done

    def wait(self, timeout_s: float) -> list[Any]:
        """The results, once all are in or one item took longer than ``timeout_s`` (then the results
        before it, and the job is given up)."""
        with self.progress:
            while len(self.results) < len(self.items):
                done = len(self.results)
                if not self.progress.wait_for(partial(self._past, done), timeout_s):
                    self.given_up = True
                    break
            return list(self.results)


_STOP = _Job(lambda: None)


def _serve(jobs: queue.SimpleQueue[_Job | _Each]) -> None:
    while True:
        job = jobs.get()
        if job is _STOP:
            return
        if isinstance(job, _Each):
            job.run()
            continue
        try:
            job.value = job.fn()
        except BaseException as exc:  # handed to the caller, who raises it on its own thread
            job.error = exc
        job.done.set()
