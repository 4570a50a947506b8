"""How many files go into one ``audio.import`` call: sized by time, within a budget.

Wwise Authoring runs a WAAPI call on its UI thread: while an ``audio.import`` runs, the sound
designer's Wwise does not respond, and a call longer than ``[wwise] call_timeout`` is abandoned. A
fixed count per call is wrong both ways: on a slow Wwise (large files, a big project) 100 files
can freeze it for many seconds; on a fast one a burst pays one round trip per 100 files for
nothing. So the calls of one import are sized by time: the first has ``[wwise] import_chunk_size``
files; after each call the next size aims at half of ``[wwise] import_call_budget_s`` at the
per-file time just measured. The measured time is the whole round trip (what Wwise spends is less),
so the estimate errs on the short side; a size at most quadruples from one call to the next (a
first small call says little about a large one) and drops at once after a call that ran over the
budget. A budget of 0, or a pinned size (the node's ``chunkSize``), keeps every call the same size.
"""

from __future__ import annotations

from dataclasses import dataclass

#: the next call aims at this share of the budget (room for files slower than the last ones)
FILL = 0.5
#: a call grows to at most this many times the size of the one before
MAX_GROWTH = 4
#: the most files one call may carry (the bound of ``[wwise] import_chunk_size``)
MAX_SIZE = 10_000


@dataclass
class ImportSizer:
    """The size of the next ``audio.import`` call of one import (see the module docstring)."""

    size: int
    #: seconds one call may take; 0 keeps :attr:`size` fixed
    budget_s: float = 0.0

    def took(self, files: int, seconds: float) -> None:
        """A call of ``files`` files took ``seconds`` (round trip): size the next one."""
        if self.budget_s <= 0 or files <= 0:
            return
        per_file = max(seconds, 1e-6) / files
        fits = int(self.budget_s * FILL / per_file)
        # grow from the call just made (a short last chunk says nothing about the size allowed)
        ceiling = MAX_GROWTH * max(files, self.size) if seconds <= self.budget_s else MAX_SIZE
        self.size = max(1, min(fits, ceiling, MAX_SIZE))
