"""WAQL ``orderby``: a stable sort by one accessor's value; objects without the value go last.

Numbers come first, then strings (case-insensitive), then objects by name. When a ``take``
follows (``orderby name take 10``), only the first objects of that order are needed:
``heapq.nsmallest`` / ``nlargest`` find them without sorting everything, and the standard library
documents them as equal to ``sorted(...)[:n]`` (stable, ``reverse`` included), so the answer is
the same objects in the same order as the full sort.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from itertools import count
from operator import itemgetter
from typing import Any

from wwiseflowd.sim.objects import MISSING, WwiseObject

Objects = list[WwiseObject]
Getter = Callable[[WwiseObject], Any]

_first = itemgetter(0)


def order(objects: Objects, get: Getter, reverse: bool, limit: int | None = None,
          text_only: bool = False) -> Objects:
    """``objects`` ordered by ``get``'s value; with ``limit``, only the first ``limit`` of that order.

    ``text_only``: ``get`` always returns a string (``name``, ``type``, ``path``...), so the
    case-folded value alone is the sort key (the same order as the general key, built faster).
    """
    if text_only:
        folded = list(map(str.casefold, map(get, objects)))
        return _pick(objects, folded, range(len(objects)), reverse, limit)
    keys: list[tuple[int, Any]] = []
    present: list[int] = []
    absent: Objects = []
    for index, obj in enumerate(objects):
        value = get(obj)
        if value is MISSING or value is None:
            absent.append(obj)
        else:
            keys.append(sort_key(value))
            present.append(index)
    if limit is not None and any(k[0] == 0 and math.isnan(k[1]) for k in keys):
        limit = None  # NaN has no order: leave it to the full sort, exactly as before
    ordered = _pick(objects, keys, present, reverse, limit)
    return ordered + absent  # objects without the value go last either way


def _pick(objects: Objects, keys: list[Any], indexes: range | list[int], reverse: bool,
          limit: int | None) -> Objects:
    """``objects[indexes[i]]`` ordered by ``keys[i]`` (stable), cut to ``limit`` when given."""
    if limit is None:
        ranked = sorted(zip(keys, indexes, strict=True), key=_first, reverse=reverse)
        return [objects[index] for _, index in ranked]
    # (key, tie-breaker) pairs compare in C; the tie-breaker keeps equal keys in their first order
    if reverse:
        top = heapq.nlargest(limit, zip(keys, count(0, -1), indexes))
    else:
        top = heapq.nsmallest(limit, zip(keys, count(), indexes))
    return [objects[index] for _, _, index in top]


def sort_key(value: Any) -> tuple[int, Any]:
    """Numbers, then strings (case-insensitive), then objects by name (``orderby parent``)."""
    if isinstance(value, bool | int | float):
        return (0, float(value))
    if isinstance(value, str):
        return (1, value.casefold())
    return (2, str(getattr(value, "name", value)).casefold())


__all__ = ["order", "sort_key"]
