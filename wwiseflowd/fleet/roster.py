"""Who is in the fleet: each daemon's heartbeat in Redis, and the one view ``GET /fleet`` shows.

``P:fleet:daemons`` is a hash daemon id -> JSON (``id, pid, host, serves, heartbeatAt, running``);
``P:fleet:alive:<id>`` expires when a daemon stops beating, so a dead one drops out of the view
after its lease while its last entry stays readable (``alive: false``) until it is pruned.
"""

from __future__ import annotations

import json
from typing import Any

import redis

from wwiseflowd.events import utc_now_iso
from wwiseflowd.fleet.queue import WorkQueue

#: a daemon that has not beaten for this many leases is removed from the hash
FORGET_AFTER_LEASES = 20


class Roster:
    """Heartbeats in, fleet view out."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    def beat(self, info: dict[str, Any], lease_s: float) -> None:
        """Record ``info`` (with ``heartbeatAt``) and keep this daemon alive for ``lease_s``."""
        entry = {**info, "heartbeatAt": utc_now_iso()}
        pipe = self.client.pipeline(transaction=True)
        pipe.hset(f"{self.prefix}:fleet:daemons", entry["id"], json.dumps(entry))
        pipe.set(f"{self.prefix}:fleet:alive:{entry['id']}", "1", px=max(1, int(lease_s * 1000)))
        pipe.execute()

    def leave(self, daemon_id: str) -> None:
        """Remove a daemon that stops cleanly."""
        pipe = self.client.pipeline(transaction=True)
        pipe.hdel(f"{self.prefix}:fleet:daemons", daemon_id)
        pipe.delete(f"{self.prefix}:fleet:alive:{daemon_id}")
        pipe.execute()

    def view(self, queue: WorkQueue) -> dict[str, Any]:
        """``{"daemons": [...], "projects": {name: {"waiting", "running"}}}`` (contract of GET /fleet)."""
        raw = self.client.hgetall(f"{self.prefix}:fleet:daemons")
        daemons = sorted((json.loads(text) for text in raw.values()), key=lambda d: str(d["id"]))
        alive = self.client.mget([f"{self.prefix}:fleet:alive:{d['id']}" for d in daemons]) if daemons else []
        projects = sorted({p for d in daemons for p in d.get("serves", [])})
        depths = {project: queue.depth(project) for project in projects}
        for daemon, beat in zip(daemons, alive, strict=True):
            daemon["alive"] = beat is not None
            daemon["queueDepth"] = sum(depths[p]["waiting"] for p in daemon.get("serves", []))
        return {"daemons": daemons, "projects": depths}
