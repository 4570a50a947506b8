"""Store benchmarks: the idempotency memo and the run ledger on SQLite vs a real Redis (issue 15).

Run with ``.venv/bin/python -m bench store``. Starts its own ``redis-server`` on a free loopback port
(Debian's package). Figures printed, each for both backends in the same run:

- memo lookups/s (``memo_get`` of an existing idemKey), one thread and 4 threads;
- memo writes/s (``memo_put_many`` of 1 entry: the runner's per-step commit);
- ledger records/s (``ledger_record``: the runner records each execution twice).
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from wwiseflowd.store import MemoEntry, Store
from wwiseflowd.store.redis_store import RedisStore, connect
from wwiseflowd.store.sqlite import SQLiteStore
from wwiseflowd.testing import RedisServer

KEYS = 2_000
SECONDS = 2.0


def rate(work: Callable[[int], None], threads: int = 1) -> float:
    """Calls of ``work(i)`` per second over SECONDS, summed over ``threads`` threads."""
    counts = [0] * threads
    stop = time.perf_counter() + SECONDS

    def loop(slot: int) -> None:
        i = 0
        while time.perf_counter() < stop:
            work(i)
            i += 1
        counts[slot] = i

    pool = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(counts) / SECONDS


def figures(store: Store) -> dict[str, float]:
    store.memo_put_many(MemoEntry(f"key-{i}", "wwise.create", {"id": f"{{{i}}}", "name": f"S_{i}"})
                        for i in range(KEYS))

    def lookup(i: int) -> None:
        assert store.memo_get(f"key-{i % KEYS}") is not None

    def write(i: int) -> None:
        store.memo_put_many([MemoEntry(f"w-{i}", "wwise.create", {"id": i})])

    def record(i: int) -> None:
        store.ledger_record({"executionId": f"e{i}", "workflowId": "wf", "startedAt": "2026-12-02T00:00:00Z",
                             "ok": True, "results": [{"nodeId": "a", "ok": True}]}, "succeeded")

    return {"memo lookups/s, 1 thread": rate(lookup), "memo lookups/s, 4 threads": rate(lookup, 4),
            "memo writes/s": rate(write), "ledger records/s": rate(record)}


def main() -> None:
    server = RedisServer().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sqlite = SQLiteStore(Path(tmp) / "bench.sqlite3")
            redis = RedisStore(connect(server.url), prefix="bench")
            on_sqlite, on_redis = figures(sqlite), figures(redis)
            sqlite.close()
            redis.close()
    finally:
        server.stop()
    print(f"{'figure':<28} {'sqlite':>10} {'redis':>10} {'redis/sqlite':>13}")
    for name, value in on_sqlite.items():
        print(f"{name:<28} {value:>10,.0f} {on_redis[name]:>10,.0f} {on_redis[name] / value:>13.2f}")


if __name__ == "__main__":
    main()
