"""Redis implementation of :class:`~wwiseflowd.store.Store`: the memo and the ledger shared by a fleet.

Keys (``P`` is ``[store] key_prefix``), all plain strings and sorted sets so ``redis-cli`` can read them:

- ``P:memo@<host>:<idemKey>``: ``[node_type, data, created_at]`` as JSON (``P:memo:`` with
  ``memo_scope = "fleet"``); ``P:memo@<host>:created`` scores each idemKey by creation time (ms).
- ``P:exec:<id>``: the execution result as JSON (with ``status``); ``P:exec:<id>:summary`` the
  columns :meth:`ledger_list` returns; ``P:execs`` and ``P:execs:<status>`` order ids newest first;
  ``P:exec:owners`` maps an id to ``host pid`` of the process that recorded it; ``P:exec:<id>:fence``
  names the one process allowed to record a queued run (the fleet worker holding its queue entry
  sets it: an attempt that was taken over can no longer overwrite the new attempt's record).
- ``P:doc:<key>``: a workflow document under its content address; ``P:docs`` scores each key by
  when it was last used (ms).

Every multi-key write is one MULTI/EXEC transaction or Lua script, so a reader never sees half of it.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import redis
from loguru import logger
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from wwiseflowd.events import utc_now_iso
from wwiseflowd.jsontext import bulk_json, compact_json
from wwiseflowd.store import ExecutionStatus, MemoEntry, StoreUnavailable, summary_matches

__all__ = ["RedisStore", "StoreUnavailable", "connect"]

#: a process that records runs keeps ``P:proc:<host> <pid>`` for this long, renewed every third of it;
#: a ``running`` execution whose process key is gone is settled as interrupted by any daemon's sweep
PROC_TTL_S = 30
#: keys per MGET of :meth:`RedisStore.memo_get_many`
MGET_CHUNK = 1000
STATUSES: tuple[ExecutionStatus, ...] = ("running", "succeeded", "failed", "cancelled")
SUMMARY_FIELDS = ("executionId", "workflowId", "status", "ok", "source", "startedAt", "durationMs", "stopAt")
INTERRUPTED_MESSAGE = (
    "The process running this execution stopped before it finished (crash or kill). Changes it had "
    "made may still be in the Wwise project: check it, then run the workflow again."
)


# One execution's record: result, summary, indexes, owner. Refused (0) while another process holds
# the run's fence; with ARGV[7] = 1 (the orphan sweep) also unless it is still running under ARGV[2].
_RECORD = """
local holder = redis.call('GET', KEYS[3])
if holder and holder ~= ARGV[2] then return 0 end
if ARGV[7] == '1' then
  local current = redis.call('GET', KEYS[1])
  if not current or cjson.decode(current)['status'] ~= 'running' then return 0 end
  if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[2] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], ARGV[4])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
if ARGV[6] ~= '0' then redis.call('SET', KEYS[5], '1', 'EX', ARGV[6]) end
redis.call('ZADD', KEYS[6], ARGV[5], ARGV[1])
redis.call('ZADD', KEYS[7], ARGV[5], ARGV[1])
for i = 8, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
return 1
"""


def _memo_entry(key: str, text: Any) -> MemoEntry:
    """The memo value ``[node_type, data, created_at]`` of ``key`` as a MemoEntry."""
    node_type, data, created_at = json.loads(str(text))
    return MemoEntry(key=key, node_type=node_type, data=data, created_at=created_at)


def iso_ms(text: str | None) -> int:
    """Milliseconds since the epoch of an ISO-8601 time (``...Z`` accepted); 0 when missing or bad."""
    if not text:
        return 0
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return 0


def connect(url: str, password: str | None = None, ca_file: str | None = None) -> redis.Redis:
    """A thread-safe client (pooled connections, retries with backoff) that has answered PING."""
    options: dict[str, Any] = {
        "decode_responses": True,
        "socket_timeout": 10.0,
        "socket_connect_timeout": 5.0,
        "health_check_interval": 30,
        "retry": Retry(ExponentialBackoff(cap=2.0, base=0.05), retries=3),
        "retry_on_error": [redis.ConnectionError, redis.TimeoutError],
    }
    if password:
        options["password"] = password
    if ca_file and url.startswith("rediss://"):
        options["ssl_ca_certs"] = ca_file
    client = redis.Redis.from_url(url, **options)
    where = url.split("@")[-1]
    try:
        client.ping()
    except redis.AuthenticationError as exc:
        client.close()
        raise StoreUnavailable(
            f"Redis at {where} refused the password ({exc}): set [store] password or the url's"
        ) from exc
    except redis.RedisError as exc:
        client.close()
        raise StoreUnavailable(
            f"Redis at {where} does not answer ({exc}): start it, or fix [store] url"
        ) from exc
    return client


class RedisStore:
    """The memo and the run ledger in Redis; safe to share between threads and daemons."""

    def __init__(self, client: redis.Redis, prefix: str = "wwiseflowd", memo_scope: str = "host") -> None:
        self.client = client
        self.prefix = prefix
        self.host = socket.gethostname()
        # an idemKey names the Wwise by project id and WAAPI url, and ws://127.0.0.1 is a different
        # Wwise on every host: by default only daemons on one host share memo entries
        self.memo = "memo" if memo_scope == "fleet" else f"memo@{self.host}"
        self._tiebreak = itertools.count()
        self.owner = f"{self.host} {os.getpid()}"
        self._beat: threading.Thread | None = None
        self._closed = threading.Event()
        kwargs = client.connection_pool.connection_kwargs
        self.where = f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"
        self._record = client.register_script(_RECORD)

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    @contextmanager
    def _answering(self, what: str) -> Iterator[None]:
        """Turn "Redis does not answer" (after the client's own retries) into StoreUnavailable."""
        try:
            yield
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise StoreUnavailable(f"The {what}'s Redis at {self.where} does not answer ({exc})") from exc

    # -- memo ----------------------------------------------------------------------------------

    def memo_get(self, key: str) -> MemoEntry | None:
        """The memo entry for ``key``, or None."""
        with self._answering("idempotency memo"):
            text = self.client.get(self._k(self.memo, key))
        return None if text is None else _memo_entry(key, text)

    def memo_get_many(self, keys: Iterable[str]) -> dict[str, MemoEntry]:
        """The entries of ``keys`` that exist, by key: one MGET per ``MGET_CHUNK`` keys (a single
        huge command would hold the Redis server up for every other daemon meanwhile)."""
        wanted = list(keys)
        found: dict[str, MemoEntry] = {}
        for start in range(0, len(wanted), MGET_CHUNK):
            chunk = wanted[start:start + MGET_CHUNK]
            with self._answering("idempotency memo"):
                texts = self.client.mget([self._k(self.memo, key) for key in chunk])
            found.update((key, _memo_entry(key, text)) for key, text in zip(chunk, texts, strict=True)
                         if text is not None)
        return found

    def memo_put_many(self, entries: Iterable[MemoEntry]) -> None:
        """Insert or replace entries in one MULTI/EXEC transaction."""
        now = utc_now_iso()
        pipe = self.client.pipeline(transaction=True)
        count = 0
        for entry in entries:
            created = entry.created_at or now
            pipe.set(self._k(self.memo, entry.key), compact_json([entry.node_type, entry.data, created]))
            pipe.zadd(self._k(self.memo, "created"), {entry.key: iso_ms(created)})
            count += 1
        if count:
            with self._answering("idempotency memo"):
                pipe.execute()

    def memo_delete(self, keys: Iterable[str]) -> int:
        """Forget entries; returns how many existed."""
        keys = list(keys)
        if not keys:
            return 0
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(*(self._k(self.memo, key) for key in keys))
        pipe.zrem(self._k(self.memo, "created"), *keys)
        removed, _ = pipe.execute()
        return int(removed)

    # -- ledger ---------------------------------------------------------------------------------

    def ledger_record(self, execution: dict[str, Any], status: ExecutionStatus) -> None:
        """Insert or update the execution ``execution["executionId"]`` (one script); a queued run's
        record is only written by the process holding its fence (:meth:`fence_key`), others' are
        dropped with a warning (their attempt was taken over)."""
        execution_id = str(execution["executionId"])
        # newest first like SQLite's rowid: the last one recorded wins a tie on startedAt
        score = iso_ms(execution.get("startedAt")) * 1000 + next(self._tiebreak) % 1000
        with self._answering("run ledger"):
            written = self._write(execution, status, score, self.owner, settling=False)
        if not written:
            logger.warning("Execution {} is recorded by the process that took its queued run over; this "
                           "attempt's {!r} is not recorded", execution_id, status)
        if status == "running" and self._beat is None:
            self._beat = threading.Thread(target=self._keep_alive, name="wwiseflowd-store-lease", daemon=True)
            self._beat.start()

    def fence_key(self, execution_id: str) -> str:
        """The key naming the one process (its :attr:`owner`) that may record ``execution_id``."""
        return self._k("exec", execution_id, "fence")

    def _keep_alive(self) -> None:
        """Renew this process's key while it lives: its running executions are not orphans."""
        while not self._closed.wait(PROC_TTL_S / 3):
            try:
                self.client.set(self._k("proc", self.owner), "1", ex=PROC_TTL_S)
            except redis.RedisError:
                continue  # Redis away: the key lapses; a final ledger_record puts things right

    def _write(self, execution: dict[str, Any], status: ExecutionStatus, score: float, owner: str, *,
               settling: bool) -> bool:
        """Record one execution for ``owner`` (script :data:`_RECORD`); False when its fence names another
        process, or (``settling``) when it no longer runs under ``owner``."""
        execution_id = str(execution["executionId"])
        summary = {name: execution.get(name) for name in SUMMARY_FIELDS}
        summary.update(executionId=execution_id, status=status,
                       ok=None if status == "running" else bool(execution.get("ok")))
        others = [self._k("execs", other) for other in STATUSES if other != status]
        keys = [self._k("exec", execution_id), self._k("exec", execution_id, "summary"),
                self.fence_key(execution_id), self._k("exec", "owners"), self._k("proc", owner),
                self._k("execs"), self._k("execs", status), *others]
        record = bulk_json({**execution, "status": status})
        args: list[str | int] = [execution_id, owner, record, compact_json(summary), repr(score),
                                 0 if settling else PROC_TTL_S, 1 if settling else 0]
        return bool(self._record(keys=keys, args=args))

    def ledger_get(self, execution_id: str) -> dict[str, Any] | None:
        """The stored execution result (with ``status``), or None."""
        with self._answering("run ledger"):
            text = self.client.get(self._k("exec", execution_id))
        return None if text is None else dict(json.loads(str(text)))

    def ledger_list(
        self, limit: int = 50, offset: int = 0, status: ExecutionStatus | None = None,
        *, source: str | None = None, workflow: str | None = None,
    ) -> list[dict[str, Any]]:
        """Summaries newest first: executionId, workflowId, status, ok, source, startedAt, ...;
        filtered as :meth:`wwiseflowd.store.Store.ledger_list` says."""
        if limit <= 0:
            return []
        index = self._k("execs", status) if status else self._k("execs")
        if not source and not workflow:
            return self._summaries(index, max(0, offset), limit)
        # no index per source or workflow: walk the (status) index newest first, a chunk at a time
        found: list[dict[str, Any]] = []
        skip, start, chunk = max(0, offset), 0, max(200, limit)
        while len(found) < limit:
            rows = self._summaries(index, start, chunk)
            if not rows:
                break
            for row in rows:
                if summary_matches(row, source, workflow):
                    if skip:
                        skip -= 1
                    elif len(found) < limit:
                        found.append(row)
            start += chunk
        return found

    def _summaries(self, index: str, start: int, count: int) -> list[dict[str, Any]]:
        ids = self.client.zrevrange(index, start, start + count - 1)
        if not ids:
            return []
        texts = self.client.mget([self._k("exec", str(i), "summary") for i in ids])
        return [json.loads(str(text)) for text in texts if text is not None]

    # -- documents ------------------------------------------------------------------------------

    def document_put(self, key: str, document: dict[str, Any]) -> None:
        """Keep ``document`` under ``key`` (its content address); a known key is only touched, and
        its document not encoded and sent again."""
        pipe = self.client.pipeline(transaction=True)
        pipe.zadd(self._k("docs"), {key: iso_ms(utc_now_iso())})
        pipe.exists(self._k("doc", key))
        if pipe.execute()[1]:
            return
        self.client.set(self._k("doc", key), compact_json(document), nx=True)

    def document_get(self, key: str) -> dict[str, Any] | None:
        """The document stored under ``key``, or None."""
        text = self.client.get(self._k("doc", key))
        return None if text is None else dict(json.loads(str(text)))

    def ledger_settle_orphans(self, alive: Callable[[int], bool]) -> list[str]:
        """Mark ``running`` executions whose process is gone as failed (INTERRUPTED); their ids.
        On this host a process is gone when ``alive(pid)`` says so; on another host when its process
        key (renewed every ``PROC_TTL_S / 3``) lapsed: the lease of runs started without a project."""
        running = [str(i) for i in self.client.zrange(self._k("execs", "running"), 0, -1)]
        if not running:
            return []
        owners = [str(o or "") for o in self.client.hmget(self._k("exec", "owners"), running)]
        beats = self.client.mget([self._k("proc", owner) for owner in owners])
        settled = []
        for execution_id, owner, beat in zip(running, owners, beats, strict=True):
            host, _, pid_text = owner.rpartition(" ")
            if host == self.host and pid_text.isdigit():
                if int(pid_text) == os.getpid() or alive(int(pid_text)):
                    continue
            elif beat is not None or not owner:
                continue
            if self._settle(execution_id, owner):
                settled.append(execution_id)
        return settled

    def _settle(self, execution_id: str, owner: str) -> bool:
        """Record one running execution of ``owner`` as interrupted, unless it finished or another
        process took it over meanwhile (the script checks both where it writes)."""
        text = self.client.get(self._k("exec", execution_id))
        if text is None:
            return False
        failed = {**json.loads(text), "ok": False, "code": "INTERRUPTED", "error": INTERRUPTED_MESSAGE}
        score = self.client.zscore(self._k("execs"), execution_id) or 0
        return self._write(failed, "failed", score, owner, settling=True)

    # -- retention ------------------------------------------------------------------------------

    def prune(self, before: str, *, memo: bool, ledger: bool, dry_run: bool = False) -> dict[str, int]:
        """Forget memo entries created, and finished executions started, before ``before``."""
        cutoff = iso_ms(before)
        counts = {"memo": 0, "ledger": 0, "documents": 0}
        if memo:
            created = self.client.zrangebyscore(self._k(self.memo, "created"), "-inf", f"({cutoff}")
            keys = [str(k) for k in created]
            counts["memo"] = len(keys)
            if keys and not dry_run:
                self.memo_delete(keys)
        if ledger:
            ids = [str(i) for i in self.client.zrangebyscore(self._k("execs"), "-inf", f"({cutoff * 1000}")]
            scores = self.client.zmscore(self._k("execs", "running"), ids) if ids else []
            finished = [i for i, score in zip(ids, scores, strict=True) if score is None]
            counts["ledger"] = len(finished)
            if finished and not dry_run:
                self._forget(finished)
            counts["documents"] = self._prune_documents(cutoff, dry_run)
        return counts

    def _prune_documents(self, cutoff_ms: int, dry_run: bool) -> int:
        """Forget documents last used before ``cutoff_ms`` that no running execution uses."""
        old = [str(k) for k in self.client.zrangebyscore(self._k("docs"), "-inf", f"({cutoff_ms}")]
        running = [str(i) for i in self.client.zrange(self._k("execs", "running"), 0, -1)]
        texts = self.client.mget([self._k("exec", i) for i in running]) if running else []
        in_use = {json.loads(str(t)).get("documentKey") for t in texts if t is not None}
        keys = [k for k in old if k not in in_use]
        if keys and not dry_run:
            pipe = self.client.pipeline(transaction=True)
            pipe.delete(*(self._k("doc", k) for k in keys))
            pipe.zrem(self._k("docs"), *keys)
            pipe.execute()
        return len(keys)

    def _forget(self, ids: list[str]) -> None:
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(*(self._k("exec", i) for i in ids), *(self._k("exec", i, "summary") for i in ids),
                    *(self.fence_key(i) for i in ids))
        pipe.hdel(self._k("exec", "owners"), *ids)
        for index in (self._k("execs"), *(self._k("execs", s) for s in STATUSES)):
            pipe.zrem(index, *ids)
        pipe.execute()

    def close(self) -> None:
        """Close the connections (further calls fail)."""
        self._closed.set()
        self.client.close()
