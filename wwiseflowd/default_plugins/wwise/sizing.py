"""How many files go into one ``audio.import`` call: sized by time, within a budget.

Wwise Authoring runs a WAAPI call on its UI thread: while an ``audio.import`` runs, the sound
designer's Wwise does not respond, and a call longer than ``[wwise] call_timeout`` is abandoned. A
fixed count per call is wrong both ways: on a slow Wwise (large files, a big project) 100 files
can freeze it for many seconds; on a fast one a burst pays one round trip per 100 files for
nothing. So the calls of one import are sized by time: the first has ``[wwise] import_chunk_size``
files; after each call the next one aims at half of ``[wwise] import_call_budget_s``.

Its time is predicted two ways from the call just made, and the larger prediction counts: by its
file count at the per-file time measured, and by its audio bytes at the per-byte time measured
(an import costs some work per file and some per byte; each rate charges all of the call's time
to one of them, so each prediction errs long for the other's share). The next call takes the
files in order while both predictions fit. So files longer than the ones just measured make the
call shorter in files: a first call of short sounds says what the long ones after them will cost.
The measured time is the whole round trip (what Wwise spends is less), another margin. A call
grows at most tenfold from one call to the next (no more than ``MAX_GROWTH`` times what was
measured: Wwise's time per file may grow with the size of a call) and drops at once after a call
that ran over the budget. A budget of 0, or a pinned size (the node's ``chunkSize``), keeps every
call the same size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: the next call aims at this share of the budget (room for files slower than the last ones)
FILL = 0.5
#: a call grows to at most this many times the size of the one before
MAX_GROWTH = 10
#: the most files one call may carry (the bound of ``[wwise] import_chunk_size``)
MAX_SIZE = 10_000


@dataclass
class ImportSizer:
    """The size of the next ``audio.import`` call of one import (see the module docstring)."""

    size: int
    #: seconds one call may take; 0 keeps :attr:`size` fixed
    budget_s: float = 0.0
    #: seconds per audio byte the last call took (None: not measured)
    per_byte_s: float | None = None

    def took(self, files: int, seconds: float, data_bytes: int = 0) -> None:
        """A call of ``files`` files holding ``data_bytes`` bytes of audio took ``seconds`` (round
        trip): size the next one by its file count (:attr:`size`; :meth:`next_count` also weighs
        the bytes)."""
        if self.budget_s <= 0 or files <= 0:
            return
        seconds = max(seconds, 1e-6)
        per_file = seconds / files
        self.per_byte_s = seconds / data_bytes if data_bytes > 0 else None
        fits = int(self.budget_s * FILL / per_file)
        # grow from the call just made, also when its bytes made it shorter than :attr:`size`
        ceiling = MAX_GROWTH * files if seconds <= self.budget_s else MAX_SIZE
        self.size = max(1, min(fits, ceiling, MAX_SIZE))

    def next_count(self, data_bytes: Sequence[int]) -> int:
        """How many of the files still to import (their audio bytes, in import order) the next call
        carries: :attr:`size` of them at most, fewer when their bytes would take longer than half
        the budget at the per-byte time last measured; at least one."""
        count = min(self.size, len(data_bytes))
        if self.budget_s <= 0 or self.per_byte_s is None:
            return max(1, count)
        allowed = self.budget_s * FILL / self.per_byte_s
        total = 0
        for taken, size in enumerate(data_bytes[:count]):
            total += size
            if total > allowed:
                return max(1, taken)
        return max(1, count)
