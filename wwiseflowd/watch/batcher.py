"""Group ready files into batches: one batch per rule per burst (one run, one undo group).

A rule's open batch closes as soon as nothing else of the rule is settling, or when no file was
added for ``window_s`` (while stalled files keep settling), when it holds ``max_files``, or when it
has been open for ``max_wait_s`` (so a steady trickle still gets imported).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Open(Generic[T]):
    opened: float
    last_add: float
    items: list[T] = field(default_factory=list)


class Batcher(Generic[T]):
    """Collects items per key and releases them as batches. Not thread-safe: one pump owns it."""

    def __init__(
        self,
        window_s: float,
        *,
        max_files: int = 2000,
        max_wait_s: float = 30.0,
        windows: Mapping[str, float] | None = None,
        limits: Mapping[str, int] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window_s = window_s
        #: per-key quiet windows (a rule's ``batch_window_ms``); others use ``window_s``
        self.windows = dict(windows or {})
        #: per-key ``max_files`` (a rule's ``batch_max_files``); others use ``max_files``
        self.limits = dict(limits or {})
        self.max_files = max_files
        self.max_wait_s = max(max_wait_s, window_s)
        self.clock = clock
        self._open: dict[str, _Open[T]] = {}

    def _window(self, key: str) -> float:
        return self.windows.get(key, self.window_s)

    def add(self, key: str, item: T) -> None:
        """Add ``item`` to ``key``'s open batch (opening one if needed)."""
        now = self.clock()
        batch = self._open.get(key)
        if batch is None:
            batch = self._open[key] = _Open(opened=now, last_add=now)
        batch.items.append(item)
        batch.last_add = now

    def pending(self, key: str) -> int:
        """Items waiting in ``key``'s open batch."""
        batch = self._open.get(key)
        return len(batch.items) if batch else 0

    def next_deadline(self) -> float | None:
        """Clock time when the earliest open batch closes, or None."""
        if not self._open:
            return None
        return min(
            min(b.last_add + self._window(k), b.opened + self.max_wait_s) for k, b in self._open.items()
        )

    def due(
        self,
        *,
        flush: bool = False,
        hold: Callable[[str], bool] | None = None,
        release: Callable[[str], bool] | None = None,
    ) -> list[tuple[str, list[T]]]:
        """Close and return the batches that are due (all of them with ``flush``).

        ``release(key)`` closes a batch at once (e.g. nothing else of that rule is settling, so no
        more files of this burst are coming); ``hold(key)`` keeps a quiet batch open a little longer
        (e.g. files of the same burst still had events very recently). ``max_wait_s`` closes a batch
        regardless. Every ``max_files`` items go at once as a batch of their own; what is left over
        stays open for the files still coming, under the same rules (it keeps its opening time, so
        ``max_wait_s`` still bounds its wait), rather than going as a small batch of its own.
        """
        now = self.clock()
        out: list[tuple[str, list[T]]] = []
        for key, batch in list(self._open.items()):
            limit = self.limits.get(key, self.max_files)
            while len(batch.items) >= limit:
                out.append((key, batch.items[:limit]))
                del batch.items[:limit]
            quiet = now - batch.last_add >= self._window(key)
            old = now - batch.opened >= self.max_wait_s
            if not batch.items or flush or old or (release is not None and release(key)) or (
                quiet and not (hold and hold(key))
            ):
                del self._open[key]
                if batch.items:
                    out.append((key, batch.items))
        return out
