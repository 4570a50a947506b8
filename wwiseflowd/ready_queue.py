"""The ready queue: which steps may start now, in ``graphlib.TopologicalSorter``'s shape.

``prepare()``, then ``get_ready()`` / ``done()`` until ``is_active()`` is false (graphlib's
protocol), over integer positions: position is document order and the lowest ready position is
handed out first, so the order is deterministic. A step may name a *resource*: while a step
holding a resource is out (handed out, not yet done), no other step on that resource is handed
out. No threads, no I/O: the compiler orders a plan with it (Kahn's algorithm, ties by document
position) and the runner schedules a run with it.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence


class ReadyQueue:
    """Steps ``0..n-1``; ``deps[k]`` are the positions step ``k`` waits for."""

    def __init__(self, deps: Sequence[Sequence[int]], resources: Sequence[str | None] | None = None) -> None:
        self._deps = deps
        self._resources: Sequence[str | None] = resources if resources is not None else [None] * len(deps)
        self._any_resource = any(r is not None for r in self._resources)
        self._succs: list[list[int]] = [[] for _ in deps]
        for k, mine in enumerate(deps):
            for d in mine:
                self._succs[d].append(k)
        self._remaining: list[int] = []
        self._free: list[int] = []
        self._waiting: dict[str, list[int]] = {}
        self._held: set[str] = set()
        self._out = 0
        self._ready_count = 0
        self._prepared = False

    def prepare(self) -> None:
        """Make the steps without dependencies ready; call once, before :meth:`get_ready`."""
        if self._prepared:
            raise ValueError("prepare() may only be called once")
        self._prepared = True
        self._remaining = [len(d) for d in self._deps]
        for k, count in enumerate(self._remaining):
            if count == 0:
                self._push(k)

    def _push(self, k: int) -> None:
        resource = self._resources[k]
        heapq.heappush(self._free if resource is None else self._waiting.setdefault(resource, []), k)
        self._ready_count += 1

    def get_ready(self, limit: int | None = None) -> list[int]:
        """Up to ``limit`` ready steps (lowest position first) that may start now; they are out
        until :meth:`done`. A step whose resource is held by a step that is out stays ready."""
        if not self._prepared:
            raise ValueError("prepare() must be called first")
        taken: list[int] = []
        while limit is None or len(taken) < limit:
            k = self.take()
            if k is None:
                break
            taken.append(k)
        return taken

    def take(self) -> int | None:
        """The one lowest ready step that may start now (it is out until :meth:`done`), or None:
        ``get_ready(1)`` without the list, for callers that take steps one by one."""
        if not self._waiting:  # no resources (the compiler): the lowest free step
            if not self._free:
                return None
            self._ready_count -= 1
            self._out += 1
            return heapq.heappop(self._free)
        best = self._free[0] if self._free else None
        best_resource: str | None = None
        for resource, heap in self._waiting.items():
            if heap and resource not in self._held and (best is None or heap[0] < best):
                best, best_resource = heap[0], resource
        if best is None:
            return None
        if best_resource is None:
            heapq.heappop(self._free)
        else:
            heapq.heappop(self._waiting[best_resource])
            self._held.add(best_resource)
        self._ready_count -= 1
        self._out += 1
        return best

    def done(self, *nodes: int) -> None:
        """Mark steps that were handed out as finished: free their resource, ready their dependents."""
        remaining, succs = self._remaining, self._succs
        for k in nodes:
            self._out -= 1
            if self._any_resource:
                resource = self._resources[k]
                if resource is not None:
                    self._held.discard(resource)
            for nxt in succs[k]:
                remaining[nxt] -= 1
                if remaining[nxt] == 0:
                    if self._any_resource:
                        self._push(nxt)
                    else:  # the compiler's hot path: one heap, no resources
                        heapq.heappush(self._free, nxt)
                        self._ready_count += 1

    def is_active(self) -> bool:
        """True while a step is ready or out (graphlib's ``is_active``)."""
        return self._out > 0 or self._ready_count > 0

    def successors(self, k: int) -> list[int]:
        """The steps that wait for step ``k``."""
        return self._succs[k]

    def never_ready(self) -> list[int]:
        """Steps still waiting for a dependency (after the queue ran dry: the cycles and what waits
        for them)."""
        return [k for k, count in enumerate(self._remaining) if count > 0]





def cycles(stuck: list[str], succs: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """The cycles among ``stuck`` nodes: each strongly connected component of more than one node
    (Tarjan's algorithm, iterative), in discovery order."""
    stuck_set = set(stuck)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in stuck:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node_id, i = work.pop()
            if i == 0:
                index[node_id] = low[node_id] = len(index)
                stack.append(node_id)
                on_stack.add(node_id)
            children = [c for c in succs[node_id] if c in stuck_set]
            if i < len(children):
                work.append((node_id, i + 1))
                child = children[i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node_id] = min(low[node_id], index[child])
                continue
            if low[node_id] == index[node_id]:
                component = _pop_component(stack, on_stack, node_id)
                if len(component) > 1:
                    found.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node_id])
    return found


def _pop_component(stack: list[str], on_stack: set[str], root: str) -> list[str]:
    component = []
    while True:
        member = stack.pop()
        on_stack.discard(member)
        component.append(member)
        if member == root:
            return component

__all__ = ["ReadyQueue", "cycles"]
