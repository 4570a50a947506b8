"""Blocking work of the REST routes (a bus command's WAAPI call, a large compile), off the event loop.

One hand-off to a worker thread and one back, through asyncio's ``run_in_executor``. FastAPI's
``def`` routes and ``run_in_threadpool`` go through anyio's ``to_thread``, which on every call also
enters a capacity limiter and a cancel scope (one more turn of the event loop), looks its workers
up in a context variable and copies the context: 0.12 M of the 2.4 M instructions a
``POST /wwise/query_waql`` spends outside the command (docs/benchmarks.md). As with anyio's, a
call whose client went away still finishes in its thread (nothing can stop a thread), and the
request stops waiting for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

#: anyio's default: blocking calls queue behind the WAAPI connection's lock, not behind this pool
MAX_WORKERS = 40
_POOL = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="wwiseflowd-rest")


async def in_worker(func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``func(*args, **kwargs)`` on a worker thread; the event loop serves other requests meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(_POOL, partial(func, *args, **kwargs))
