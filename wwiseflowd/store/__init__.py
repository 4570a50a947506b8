"""The embedded store: the idempotency memo and the run ledger (the drop journal is ``journal.py``).

:class:`Store` is the small interface the engine uses; :class:`~wwiseflowd.store.sqlite.SQLiteStore`
implements it in one SQLite file under the state dir; :class:`~wwiseflowd.store.redis_store.RedisStore`
implements the same methods in Redis for a fleet of daemons (``[store] backend = "redis"``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

from loguru import logger

#: status of an execution in the ledger
ExecutionStatus = Literal["running", "succeeded", "failed", "cancelled"]


class StoreUnavailable(RuntimeError):
    """The store does not answer (a fleet's Redis that is down); the message says where and what to check."""


T = TypeVar("T")
#: the longest pause between two tries of :func:`wait_for_store` (seconds)
STORE_RETRY_MAX_S = 2.0


def wait_for_store(call: Callable[[], T], what: str, *, patience_s: float,
                   stop: threading.Event | None = None) -> T:
    """``call()``, tried again (backoff 0.1 s doubling to 2 s) while it raises :class:`StoreUnavailable`,
    for up to ``patience_s`` or until ``stop`` is set; then the last StoreUnavailable is raised.

    For what a run must not lose to a blip of a fleet's Redis (a restart, a fail-over): its result,
    its memo lookups. The client already retries each command a few times within a second.
    """
    stop = stop if stop is not None else threading.Event()
    until = time.monotonic() + patience_s
    delay = 0.1
    warned = False
    while True:
        try:
            return call()
        except StoreUnavailable as exc:
            pause = min(delay, until - time.monotonic())
            if pause <= 0 or stop.is_set():
                raise
            if not warned:
                logger.warning("The store does not answer ({}); waiting for it to keep {}", exc, what)
                warned = True
            if stop.wait(pause):
                raise
            delay = min(delay * 2, STORE_RETRY_MAX_S)


@dataclass(slots=True)
class MemoEntry:
    """One memoised node run: the output ``data`` of a successful, non-read-only step."""

    key: str
    node_type: str
    data: Any
    created_at: str = ""


class Store(Protocol):
    """What the engine needs from a store. Implementations must be thread-safe."""

    def memo_get(self, key: str) -> MemoEntry | None:
        """The memo entry for an idemKey, or None."""
        ...

    def memo_get_many(self, keys: Iterable[str]) -> dict[str, MemoEntry]:
        """The memo entries of ``keys`` that exist, by key, in one round trip (a run reads the
        entries of all its steps whose inputs are known before it starts at once)."""
        ...

    def memo_put_many(self, entries: Iterable[MemoEntry]) -> None:
        """Insert or replace memo entries, all or none."""
        ...

    def memo_delete(self, keys: Iterable[str]) -> int:
        """Forget memo entries; returns how many existed."""
        ...

    def ledger_record(self, execution: dict[str, Any], status: ExecutionStatus) -> None:
        """Insert or update one execution (the execution result as a JSON-able dict)."""
        ...

    def ledger_get(self, execution_id: str) -> dict[str, Any] | None:
        """The stored execution result dict (with ``status``), or None."""
        ...

    def ledger_list(
        self, limit: int = 50, offset: int = 0, status: ExecutionStatus | None = None,
        *, source: str | None = None, workflow: str | None = None,
    ) -> list[dict[str, Any]]:
        """Execution summaries, newest first (no per-node results); only those with ``status`` and
        ``source`` when given, and whose workflow id contains ``workflow`` (ignoring case)."""
        ...

    def document_put(self, key: str, document: dict[str, Any]) -> None:
        """Keep a workflow document under its content address ``key`` (and note it was used now)."""
        ...

    def document_get(self, key: str) -> dict[str, Any] | None:
        """The workflow document stored under ``key``, or None."""
        ...

    def prune(self, before: str, *, memo: bool, ledger: bool, dry_run: bool = False) -> dict[str, int]:
        """Forget memo entries created and finished executions started before ``before`` (ISO
        time), and with the ledger the documents last used before then; ``{"memo", "ledger",
        "documents"}`` counts. Running executions are never forgotten."""
        ...

    def ledger_settle_orphans(self, alive: Callable[[int], bool]) -> list[str]:
        """Mark ``running`` executions whose process is no longer ``alive(pid)`` as failed
        (code INTERRUPTED); returns their ids."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


def summary_matches(summary: dict[str, Any], source: str | None, workflow: str | None) -> bool:
    """True when a ledger summary passes the ``source`` and ``workflow`` filters of ledger_list."""
    if source and summary.get("source") != source:
        return False
    return not workflow or workflow.lower() in str(summary.get("workflowId") or "").lower()


def open_store(settings: Any) -> Store:
    """The store configured in ``settings.store`` (a :class:`~wwiseflowd.config.Settings`).

    Redis: raises :class:`StoreUnavailable` when it does not answer.
    """
    config = settings.store
    if config.backend == "redis":
        from wwiseflowd.store.redis_store import RedisStore, connect

        ca_file = str(config.ca_file) if config.ca_file else None
        return RedisStore(connect(config.url, config.password, ca_file), prefix=config.key_prefix,
                          memo_scope=config.memo_scope)
    from wwiseflowd.store.sqlite import SQLiteStore

    return SQLiteStore(settings.store_path)


__all__ = ["ExecutionStatus", "MemoEntry", "Store", "StoreUnavailable", "open_store", "summary_matches",
           "wait_for_store"]
