"""Objects looked up by path a moment ago, so one step does not ask Wwise the same thing twice.

An import into a new folder looked its Work Unit up three times within a few milliseconds: in
pre-flight, when resolving the target, and in the pre-write record for rollback (at 50 ms per
round trip, a tenth of a 1,000-file burst). :class:`RecentLookups` answers a repeated look-up of one
object by path (``$ "<path>"``) from the answer Wwise gave, on these conditions:

* the answer is at most :data:`FRESH_S` old (a sound designer's own edit in Wwise is seen after
  that; a look-up is a snapshot in any case: the write that follows it fails if the object went);
* nothing was sent through this link since that could change the project: every call but a read
  and the opening of an undo group forgets every answer, before it is sent;
* the answer was "found" (a missing object is always asked again) and held every field asked for;
* only what identifies an object is kept (id, name, path, type): a property's value is always
  asked again, so the pre-write record for rollback never records a value Wwise did not just give.

Only the link's lock holder uses it, so it needs no lock of its own.
"""

from __future__ import annotations

import copy
import re
import time
from typing import Any

from wwiseflowd.default_plugins.wwise.uris import OBJECT_FIELDS
from wwiseflowd.results import Result

#: seconds an answer is reused
FRESH_S = 1.0
#: the look-up of one object by path or id, and nothing else (a listing or a filter is not kept)
_ONE_OBJECT = re.compile(r'^\$ "[^"]+"$')


class RecentLookups:
    """Answers of ``object.get`` for one object, kept :data:`FRESH_S` seconds (module docstring)."""

    def __init__(self, fresh_s: float = FRESH_S) -> None:
        self.fresh_s = fresh_s
        #: WAQL text -> (monotonic time of the answer, the rows Wwise returned)
        self._answers: dict[str, tuple[float, list[dict[str, Any]]]] = {}
        #: look-ups answered from here (for tests and the link's statistics)
        self.hits = 0

    def answer(self, args: dict[str, Any], options: dict[str, Any] | None) -> Result | None:
        """The kept answer to this ``object.get``, or None when Wwise has to be asked."""
        asked = _key(args, options)
        kept = self._answers.get(asked[0]) if asked is not None else None
        if asked is None or kept is None:
            return None
        fields = asked[1]
        at, rows = kept
        if time.monotonic() - at > self.fresh_s or not all(f in row for row in rows for f in fields):
            return None
        self.hits += 1
        return Result.success({"return": [{f: copy.deepcopy(row[f]) for f in fields} for row in rows]})

    def keep(self, args: dict[str, Any], options: dict[str, Any] | None, result: Result) -> None:
        """Keep a successful ``object.get``'s answer when it found one object by path or id."""
        asked = _key(args, options)
        rows = (result.data or {}).get("return") if result.ok and isinstance(result.data, dict) else None
        if asked is None or not isinstance(rows, list) or len(rows) != 1 or not isinstance(rows[0], dict):
            return
        self._answers[asked[0]] = (time.monotonic(), [copy.deepcopy(rows[0])])

    def forget(self) -> None:
        """Something that may change the project is about to be sent (or the session changed)."""
        self._answers.clear()


def _key(args: dict[str, Any], options: dict[str, Any] | None) -> tuple[str, tuple[str, ...]] | None:
    """(the WAQL text, the fields asked for) of a one-object look-up; None for anything else."""
    waql = args.get("waql") if len(args) == 1 else None
    if not isinstance(waql, str) or not _ONE_OBJECT.match(waql):
        return None
    if not options or set(options) != {"return"} or not isinstance(options["return"], list):
        return None
    fields = options["return"]
    if not fields or not all(isinstance(f, str) and f in OBJECT_FIELDS for f in fields):
        return None
    return waql, tuple(fields)
