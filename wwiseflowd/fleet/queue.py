"""The work queue of executions: one Redis Stream per project, one consumer group of daemons.

Why Streams (docs/fleet.md): ``XREADGROUP`` hands each entry to exactly one consumer and keeps it in
that consumer's pending list until ``XACK``; an entry whose consumer stopped renewing it (kill -9)
goes idle and ``XAUTOCLAIM`` moves it to a live consumer atomically. The lease is the pending entry's
idle time: a daemon renews it while it runs the execution (``XCLAIM ... JUSTID``, guarded by a
script so a daemon never renews an entry that was already taken over). Before running an entry, a
daemon fences the run's ledger record for its own process (:meth:`WorkQueue.adopt`), so an attempt
that was taken over cannot overwrite the new attempt's result (:class:`Fence`).

Keys (``P`` = ``[store] key_prefix``): ``P:fleet:q:<project>`` (stream, group ``daemons``),
``P:fleet:done:<executionId>`` (a list a waiter blocks on with ``BLPOP``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, NamedTuple

import redis

from wwiseflowd.events import utc_now_iso

GROUP = "daemons"
#: how long a finished run's "done" signal is kept for waiters (seconds)
DONE_TTL_S = 3600


def done_key(prefix: str, execution_id: str) -> str:
    """The list a finished execution's signal is pushed to (kept :data:`DONE_TTL_S`)."""
    return f"{prefix}:fleet:done:{execution_id}"


def is_done(client: redis.Redis, prefix: str, execution_id: str) -> bool:
    """Whether the execution finished on some daemon (in the last :data:`DONE_TTL_S`), without waiting."""
    return client.lindex(done_key(prefix, execution_id), 0) is not None


def _while_held(then: str, otherwise: str = "return 0") -> str:
    """A script that runs ``then`` only while consumer ARGV[3] holds entry ARGV[2] of stream KEYS[1]
    (group ARGV[1]), else ``otherwise``."""
    return f"""
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #pending == 0 or pending[1][2] ~= ARGV[3] then {otherwise} end
{then}
"""


# renew the lease (reset the entry's idle time); once the entry is lost, revoke this process's fence
# (KEYS[2], ARGV[4]) unless the new holder replaced it: the attempt must record nothing from now on,
# even the "cancelled" of its own cancellation, whether or not the new holder got to adopt the run
_RENEW = _while_held(
    "redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID') return 1",
    otherwise="if redis.call('GET', KEYS[2]) == ARGV[4] then redis.call('SET', KEYS[2], 'taken over') end "
              "return 0",
)

# acknowledge, delete and signal "done" (KEYS[2], kept ARGV[4] seconds)
_FINISH = _while_held("""
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('RPUSH', KEYS[2], '1')
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1
""")

# fence the run's ledger record (KEYS[2]) for process ARGV[4]
_ADOPT = _while_held("redis.call('SET', KEYS[2], ARGV[4]) return 1")


class Fence(NamedTuple):
    """Who may record a run in the shared ledger: the run's fence key (``RedisStore.fence_key``) and
    this process (``RedisStore.owner``). An attempt that was taken over can then record nothing over
    the new attempt, whatever order the two daemons' writes arrive in."""

    key: str
    owner: str


@dataclass(frozen=True)
class Job:
    """One queued execution as a daemon received it."""

    project: str
    entry_id: str
    execution_id: str
    request: dict[str, Any]
    submitted_at: str
    #: True when taken over from a daemon whose lease ran out
    reclaimed: bool = False


class WorkQueue:
    """Submit, take, renew and finish queued executions (thread-safe: one pooled client)."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self._renew = client.register_script(_RENEW)
        self._finish = client.register_script(_FINISH)
        self._adopt = client.register_script(_ADOPT)
        self._groups: set[str] = set()

    def stream(self, project: str) -> str:
        """The stream key of ``project``."""
        return f"{self.prefix}:fleet:q:{project}"

    def _ensure_group(self, project: str) -> None:
        if project in self._groups:
            return
        try:
            self.client.xgroup_create(self.stream(project), GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._groups.add(project)

    def submit(self, project: str, execution_id: str, request: dict[str, Any]) -> str:
        """Queue one execution for ``project``; the stream entry id."""
        self._ensure_group(project)
        fields = {"executionId": execution_id, "request": json.dumps(request, default=str),
                  "submittedAt": utc_now_iso()}
        return str(self.client.xadd(self.stream(project), fields))  # type: ignore[arg-type]

    def take(self, consumer: str, projects: list[str], block_ms: int) -> Job | None:
        """The next new entry of any of ``projects`` for ``consumer`` (waits up to ``block_ms``)."""
        if not projects:
            return None
        for project in projects:
            self._ensure_group(project)
        answer: Any = self.client.xreadgroup(GROUP, consumer, {self.stream(p): ">" for p in projects},
                                             count=1, block=block_ms)
        # RESP2 answers [[stream, entries]], RESP3 {stream: entries}
        pairs = answer.items() if isinstance(answer, dict) else (answer or [])
        for stream, entries in pairs:
            for entry_id, fields in entries:
                return self._job(str(stream), str(entry_id), fields, reclaimed=False)
        return None

    def reclaim(self, consumer: str, projects: list[str], lease_ms: int) -> Job | None:
        """An entry whose holder has not renewed it for ``lease_ms``, now owned by ``consumer``."""
        for project in projects:
            self._ensure_group(project)
            answer: Any = self.client.xautoclaim(self.stream(project), GROUP, consumer, lease_ms,
                                                 start_id="0-0", count=1)
            entries = answer[1]
            for entry_id, fields in entries:
                if fields:  # an entry deleted meanwhile comes back without fields
                    return self._job(self.stream(project), str(entry_id), fields, reclaimed=True)
        return None

    def renew(self, consumer: str, job: Job, fence: Fence) -> bool:
        """Reset the lease of ``job``; False when another daemon took it over meanwhile (and then
        ``fence`` no longer lets this process record the run)."""
        return bool(self._renew(keys=[self.stream(job.project), fence.key],
                                args=[GROUP, job.entry_id, consumer, fence.owner]))

    def adopt(self, consumer: str, job: Job, fence: Fence) -> bool:
        """Let only ``fence.owner`` (this process) record ``job``'s run in the ledger from now on, while
        ``consumer`` holds the entry; False (nothing done) when it was taken over meanwhile."""
        return bool(self._adopt(keys=[self.stream(job.project), fence.key],
                                args=[GROUP, job.entry_id, consumer, fence.owner]))

    def finish(self, consumer: str, job: Job) -> bool:
        """Acknowledge and delete the entry and wake whoever waits for the execution; False (and
        nothing done) when another daemon took the entry over meanwhile."""
        done = done_key(self.prefix, job.execution_id)
        return bool(self._finish(keys=[self.stream(job.project), done],
                                 args=[GROUP, job.entry_id, consumer, DONE_TTL_S]))

    def wait_done(self, execution_id: str, timeout_s: float) -> bool:
        """Block until the execution finished (on any daemon), up to ``timeout_s``; whether it did."""
        if is_done(self.client, self.prefix, execution_id):
            return True
        done = done_key(self.prefix, execution_id)
        answer = self.client.blpop([done], timeout=max(timeout_s, 0.01))
        if answer is not None:
            self.client.rpush(done, "1")  # leave the signal for other waiters
            return True
        return False

    def depth(self, project: str) -> dict[str, int]:
        """``{"waiting", "running"}``: entries not yet delivered, and delivered but not finished."""
        self._ensure_group(project)
        length = int(self.client.xlen(self.stream(project)))
        pending = int(self.client.xpending(self.stream(project), GROUP)["pending"])
        return {"waiting": max(0, length - pending), "running": pending}

    def _job(self, stream: str, entry_id: str, fields: dict[Any, Any], *, reclaimed: bool) -> Job:
        project = stream.removeprefix(f"{self.prefix}:fleet:q:")
        return Job(project=project, entry_id=entry_id, execution_id=str(fields["executionId"]),
                   request=json.loads(fields["request"]), submitted_at=str(fields.get("submittedAt", "")),
                   reclaimed=reclaimed)
