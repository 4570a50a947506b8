"""Claims on the files of a shared drop folder, so several daemons watching it import each file once.

A daemon claims the files of a batch just before it runs it (``SET`` of ``P:drop:<rule>:<path>``
with a lease, in a script that refuses a live claim of another daemon and a finished file with the
same content). It renews its claims while the batch runs; when the batch is over each file's claim
becomes a *finished* marker (kept ``FINISHED_TTL_S``), so a daemon that sees the file later (left in
place, or before the holder moved it) leaves it alone. A daemon killed with -9 stops renewing: its
claims expire after the lease and another daemon watching the folder claims and imports the files.

Claiming at run time, not when a file is first seen, is what spreads a burst over the daemons: each
takes the next batch when its worker is free (docs/fleet.md, "Shared drop folders").
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import redis
from loguru import logger

#: how long the marker of a finished (imported or failed) file is kept: files left in the folder
#: (``on_success = "leave"``) are not imported again by another daemon within this time
FINISHED_TTL_S = 30 * 24 * 3600

# KEYS: claim keys. ARGV: holder, lease ms, then one sha256 per key. Answers, per key, the value
# now stored: this holder's fresh claim, another holder's live claim, or a finished marker.
_CLAIM = """
local answers = {}
for i, key in ipairs(KEYS) do
  local sha = ARGV[i + 2]
  local now = redis.call('GET', key)
  local take = true
  if now then
    local c = cjson.decode(now)
    if c.state == 'claimed' and c.holder ~= ARGV[1] then take = false end
    if c.state == 'finished' and c.sha256 == sha then take = false end
  end
  if take then
    now = cjson.encode({holder = ARGV[1], state = 'claimed', sha256 = sha})
    redis.call('SET', key, now, 'PX', ARGV[2])
  end
  answers[i] = now
end
return answers
"""

# KEYS: claim keys. ARGV: holder, lease ms. Renews the claims this holder still has; answers how many
# it lost (expired or taken by another daemon).
_RENEW = """
local lost = 0
for _, key in ipairs(KEYS) do
  local now = redis.call('GET', key)
  if now and cjson.decode(now).holder == ARGV[1] and cjson.decode(now).state == 'claimed' then
    redis.call('PEXPIRE', key, ARGV[2])
  else
    lost = lost + 1
  end
end
return lost
"""

# KEYS: claim keys. ARGV: holder, then "finished" or "release", ttl s, then one JSON marker per key.
# Only a claim this holder still has is finished (the marker replaces it) or released (deleted).
_SETTLE = """
for i, key in ipairs(KEYS) do
  local now = redis.call('GET', key)
  if now and cjson.decode(now).holder == ARGV[1] and cjson.decode(now).state == 'claimed' then
    if ARGV[2] == 'finished' then
      redis.call('SET', key, ARGV[i + 3], 'EX', ARGV[3])
    else
      redis.call('DEL', key)
    end
  end
end
return 1
"""


class ClaimState(StrEnum):
    """What a claim attempt found."""

    MINE = "mine"  # this daemon holds the file now: import it
    HELD = "held"  # another daemon holds a live claim: it imports the file
    FINISHED = "finished"  # a daemon already imported (or failed) this content


@dataclass(frozen=True)
class ClaimAnswer:
    """One file's claim attempt: its state and the daemon holding or having finished it."""

    state: ClaimState
    holder: str
    execution_id: str | None = None


class DropClaims:
    """Claims of one daemon (``holder``) in the fleet's Redis; renewed by a thread while held."""

    def __init__(self, client: redis.Redis, prefix: str, holder: str, lease_s: float) -> None:
        self.client = client
        self.prefix = prefix
        self.holder = holder
        self.lease_s = lease_s
        self._claim = client.register_script(_CLAIM)
        self._renew = client.register_script(_RENEW)
        self._settle = client.register_script(_SETTLE)
        self._held: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: the last renewal's error, or claims lost (for the log and the daemon's status)
        self.last_error: str | None = None

    def key(self, rule: str, rel_path: str) -> str:
        """The claim key of one file of a shared rule (the rule's name is the same on every daemon)."""
        return f"{self.prefix}:drop:{rule}:{rel_path}"

    # -- claiming ----------------------------------------------------------------------------------

    def claim(self, rule: str, files: list[tuple[str, str | None]]) -> dict[str, ClaimAnswer]:
        """Claim ``(rel_path, sha256)`` of ``rule``; answers by rel path. Raises ``redis.RedisError``
        when Redis does not answer (the caller's batch waits: nothing is claimed or imported)."""
        if not files:
            return {}
        keys = [self.key(rule, rel) for rel, _sha in files]
        lease_ms = max(1, int(self.lease_s * 1000))
        values = self._claim(keys=keys, args=[self.holder, lease_ms, *[sha or "" for _rel, sha in files]])
        answers: dict[str, ClaimAnswer] = {}
        mine: list[str] = []
        for (rel, _sha), key, raw in zip(files, keys, values, strict=True):
            value = json.loads(raw)
            holder = str(value.get("holder", ""))
            if value.get("state") == "finished":
                answers[rel] = ClaimAnswer(ClaimState.FINISHED, holder, value.get("executionId"))
            elif holder == self.holder:
                answers[rel] = ClaimAnswer(ClaimState.MINE, holder)
                mine.append(key)
            else:
                answers[rel] = ClaimAnswer(ClaimState.HELD, holder)
        with self._lock:
            self._held.update(mine)
        return answers

    def finish(self, rule: str, outcomes: list[tuple[str, str | None, str, str | None]]) -> None:
        """Turn claims into finished markers: ``(rel_path, sha256, "done"|"failed", execution id)``."""
        if not outcomes:
            return
        keys = [self.key(rule, rel) for rel, *_rest in outcomes]
        markers = [json.dumps({"holder": self.holder, "state": "finished", "sha256": sha or "",
                               "outcome": outcome, "executionId": execution_id})
                   for _rel, sha, outcome, execution_id in outcomes]
        self._settle(keys=keys, args=[self.holder, "finished", FINISHED_TTL_S, *markers])
        self._forget(keys)

    def release(self, rule: str, rel_paths: list[str]) -> None:
        """Give claims up (the batch waits): another daemon may take the files meanwhile."""
        if not rel_paths:
            return
        keys = [self.key(rule, rel) for rel in rel_paths]
        self._settle(keys=keys, args=[self.holder, "release", FINISHED_TTL_S])
        self._forget(keys)

    def free(self, rule: str, rel_paths: list[str]) -> list[str]:
        """Which of ``rel_paths`` nobody holds or finished (their holder died, or released them)."""
        if not rel_paths:
            return []
        values = self.client.mget([self.key(rule, rel) for rel in rel_paths])
        return [rel for rel, value in zip(rel_paths, values, strict=True) if value is None]

    def _forget(self, keys: list[str]) -> None:
        with self._lock:
            self._held.difference_update(keys)

    # -- the lease ---------------------------------------------------------------------------------

    def held(self) -> int:
        """How many claims this daemon holds now."""
        with self._lock:
            return len(self._held)

    def renew_once(self) -> int:
        """Renew every held claim; how many were lost (expired while this daemon stalled)."""
        with self._lock:
            keys = sorted(self._held)
        if not keys:
            return 0
        lost = int(self._renew(keys=keys, args=[self.holder, max(1, int(self.lease_s * 1000))]))
        if lost:
            logger.error("{} claim(s) on shared drop files expired while this daemon held them (it stalled "
                         "longer than [fleet] lease_s); another daemon may import those files too", lost)
        return lost

    def start(self) -> DropClaims:
        """Renew held claims every third of the lease, on a thread, until :meth:`stop`."""
        self._thread = threading.Thread(target=self._renew_loop, name="wwiseflowd-claims", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop renewing (claims still held expire after the lease)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _renew_loop(self) -> None:
        while not self._stop.wait(max(self.lease_s / 3, 0.05)):
            try:
                self.renew_once()
                self.last_error = None
            except redis.RedisError as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                logger.warning("Could not renew the shared drop claims: {}", self.last_error)


def drop_claims(settings: Any) -> DropClaims:
    """The claims of this daemon in ``settings``' fleet (``[store]`` Redis, ``[fleet]`` id and lease)."""
    from wwiseflowd.fleet.connection import fleet_client
    from wwiseflowd.fleet.door import default_daemon_id, fleet_settings

    fleet = fleet_settings(settings)
    holder = fleet.daemon_id or default_daemon_id(settings)
    return DropClaims(fleet_client(settings), settings.store.key_prefix, holder, fleet.lease_s)
