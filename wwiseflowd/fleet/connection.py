"""One Redis client per (url, prefix) in a process, shared by the queue, the roster and submitters."""

from __future__ import annotations

import threading
from typing import Any

import redis

from wwiseflowd.fleet.queue import WorkQueue
from wwiseflowd.fleet.roster import Roster
from wwiseflowd.store.redis_store import connect

_lock = threading.Lock()
_clients: dict[tuple[str, str | None], redis.Redis] = {}


def fleet_client(settings: Any) -> redis.Redis:
    """The shared client for ``settings.store`` (raises StoreUnavailable when Redis does not answer)."""
    config = settings.store
    key = (str(config.url), config.password)
    with _lock:
        client = _clients.get(key)
        if client is None:
            ca_file = str(config.ca_file) if config.ca_file else None
            client = _clients[key] = connect(str(config.url), config.password, ca_file)
        return client


def fleet_queue(settings: Any) -> WorkQueue:
    """The work queue of ``settings``' fleet."""
    return WorkQueue(fleet_client(settings), settings.store.key_prefix)


def fleet_roster(settings: Any) -> Roster:
    """The roster of ``settings``' fleet."""
    return Roster(fleet_client(settings), settings.store.key_prefix)
