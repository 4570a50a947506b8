"""One run's view of the idempotency memo (docs/architecture.md, "Idempotency").

A step that changes something is not run again when the memo holds an entry for its idemKey
(sha256 over its node type, its resolved inputs and the backend's identity). :class:`RunMemo`
answers those lookups for one run: the entries of the steps whose inputs are known before the run
starts (no ``$from`` reference) are read in one store call before the first step
(:meth:`RunMemo.read_ahead`), the others when their step runs; the entries the run makes are kept
(a later step of the same run with the same key sees them) and saved in one transaction at its end
(:meth:`RunMemo.save`). :meth:`RunMemo.known` answers without the store (the run's own entry, else
the one read ahead): the runner records such hits without a worker.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from loguru import logger

from wwiseflowd.jsontext import canonical_json
from wwiseflowd.store import MemoEntry, Store, wait_for_store

#: seconds a finished run's memo entries and result wait for a store that stopped answering (a
#: fleet's Redis restarting), rather than being lost to a blip
RESULT_PATIENCE_S = 60.0


def idem_key(node_type: str, inputs: Any, identity: str) -> str:
    """sha256 over the node type, the canonical JSON of the resolved inputs and the backend identity."""
    text = canonical_json([node_type, inputs, identity])
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(slots=True)
class _Made:
    """An entry this run made, and the backend whose undo group its change belongs to."""

    entry: MemoEntry
    backend: str | None


class RunMemo:
    """The memo as one run sees it; thread-safe (the run's workers share it)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        #: entries read ahead, by idemKey (None: the store had none); filled before the workers start
        self._read: dict[str, MemoEntry | None] = {}
        self._made: dict[str, _Made] = {}
        #: the store had an entry for some of the keys read ahead
        self.found_ahead = False

    def read_ahead(self, keys: Sequence[str]) -> None:
        """Read the entries of ``keys`` in one store call. When the store fails, each step reads its
        own entry when it runs, and meets (and reports) the problem there."""
        if not keys:
            return
        try:
            found = self.store.memo_get_many(keys)
        except Exception as exc:
            logger.warning("Could not read the idempotency memo ahead: {}", exc)
            return
        self._read = {key: found.get(key) for key in keys}
        self.found_ahead = bool(found)

    def get(
        self, key: str, *, patience_s: float, stop: Callable[[], threading.Event]
    ) -> MemoEntry | None:
        """This run's own entry for ``key``, else the store's (read ahead, or read now: a store that
        does not answer is waited for up to ``patience_s`` or until the event ``stop()`` gives, made
        only then, is set; then StoreUnavailable)."""
        with self._lock:
            made = self._made.get(key)
        if made is not None:
            return made.entry
        if key in self._read:
            return self._read[key]
        return wait_for_store(partial(self.store.memo_get, key), "a memo lookup", patience_s=patience_s,
                              stop=stop())

    def known(self, key: str) -> MemoEntry | None:
        """``key``'s entry when it is known without asking the store: this run's own, else the one
        read ahead; None when there is none or the store would have to be asked."""
        with self._lock:
            made = self._made.get(key)
        return made.entry if made is not None else self._read.get(key)

    def add(self, key: str, node_type: str, data: Any, backend: str | None) -> None:
        """Keep the output of a step that changed something on ``backend``, to save at the end."""
        with self._lock:
            self._made[key] = _Made(MemoEntry(key, node_type, data), backend)

    def save(self, unkept: frozenset[str]) -> None:
        """Save the entries made, except those of the backends ``unkept`` (a rollback undid their
        changes, or their undo group could not be ended); a store that fails is logged, the run's
        result stands."""
        entries = [made.entry for made in self._made.values() if made.backend not in unkept]
        if not entries:
            return
        try:
            wait_for_store(partial(self.store.memo_put_many, entries), "the idempotency memo",
                           patience_s=RESULT_PATIENCE_S)
        except Exception as exc:
            logger.error("Could not save the idempotency memo: {}", exc)


@dataclass(frozen=True, slots=True)
class AheadKeys:
    """What a run learnt about its plan before its first step: each step's idemKey when its inputs
    were known (None: not known before the run, or no backend identity), and whether its hit is
    decided before it comes up (``quick``)."""

    keys: tuple[str | None, ...]
    quick: tuple[bool, ...]


class KeysSeen:
    """The :class:`AheadKeys` of earlier runs of the same plan, so that a re-run of an unchanged
    plan does not validate, dump and hash every step's inputs again (a quarter of a memo hit's
    bookkeeping on 10,000 steps; docs/benchmarks.md). Thread-safe; one per runner (whose registry,
    and so whose input models, never change).

    Only *sealed* plans take part: the engine seals the plans its plan cache compiled and keeps
    (the same object runs for every run of a document; the engine hands it to nothing but the
    runners it runs it with, which must not change it: ``PlanRunner``). A plan object a caller
    built or passed in makes its keys afresh every run, as does a plan dict. An entry is keyed by
    the plan object, then by a variant (the run's inputs and the backends' identities, which the
    keys are made from); it goes with the plan; a plan keeps at most :attr:`VARIANTS`, and the keys
    of at most :attr:`MAX_KEYS` steps are kept in all (the least recently run plans' go first). It
    relies on input models being pure functions of their data (docs/plugins.md)."""

    VARIANTS = 2
    #: steps whose keys are kept, in all (about 120 bytes each)
    MAX_KEYS = 200_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: sealed plans by id, least recently run first: their weak reference and variants
        self._plans: OrderedDict[int, tuple[weakref.ref[Any], OrderedDict[str, AheadKeys]]] = OrderedDict()
        #: ids of sealed plans that died, dropped under the lock by the next caller
        self._dead: list[tuple[int, weakref.ref[Any]]] = []

    def seal(self, plan: object) -> None:
        """Let the runs of ``plan`` reuse each other's keys: its owner never changes it."""
        with self._lock:
            self._drop_dead()
            held = self._plans.get(id(plan))
            if held is None or held[0]() is not plan:
                ref = weakref.ref(plan, partial(self._died, id(plan)))
                self._plans[id(plan)] = (ref, OrderedDict())

    def get(self, plan: object, variant: str) -> AheadKeys | None:
        """The keys an earlier run of sealed ``plan`` made for ``variant``, or None."""
        with self._lock:
            self._drop_dead()
            variants = self._variants(plan)
            found = variants.get(variant) if variants is not None else None
            if variants is not None and found is not None:
                variants.move_to_end(variant)
                self._plans.move_to_end(id(plan))
            return found

    def put(self, plan: object, variant: str, keys: AheadKeys) -> None:
        """Remember ``keys`` for sealed ``plan`` and ``variant`` (nothing for a plan not sealed)."""
        if len(keys.keys) > self.MAX_KEYS:
            return
        with self._lock:
            self._drop_dead()
            variants = self._variants(plan)
            if variants is None:
                return
            variants[variant] = keys
            variants.move_to_end(variant)
            while len(variants) > self.VARIANTS:
                variants.popitem(last=False)
            self._plans.move_to_end(id(plan))
            held = sum(len(k.keys) for _ref, kept in self._plans.values() for k in kept.values())
            for _ref, kept in list(self._plans.values()):  # least recently run first
                while held > self.MAX_KEYS and kept:
                    held -= len(kept.popitem(last=False)[1].keys)

    def _variants(self, plan: object) -> OrderedDict[str, AheadKeys] | None:
        held = self._plans.get(id(plan))
        return held[1] if held is not None and held[0]() is plan else None

    def _died(self, plan_id: int, ref: weakref.ref[Any]) -> None:
        # the plan's finaliser: it may run inside a collection on a thread that holds the lock or
        # walks the plans, so it only notes the death (list.append is atomic)
        self._dead.append((plan_id, ref))

    def _drop_dead(self) -> None:
        while self._dead:
            plan_id, ref = self._dead.pop()
            held = self._plans.get(plan_id)
            if held is not None and held[0] is ref:
                del self._plans[plan_id]

    def __len__(self) -> int:
        with self._lock:
            self._drop_dead()
            return len(self._plans)


__all__ = ["RESULT_PATIENCE_S", "AheadKeys", "KeysSeen", "RunMemo", "idem_key"]
