"""Claims on shared drop-folder files, on a real redis-server (no daemon processes)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from wwiseflowd.config import Settings
from wwiseflowd.fleet.claims import ClaimAnswer, ClaimState, DropClaims
from wwiseflowd.store.redis_store import connect
from wwiseflowd.testing import RedisServer


@pytest.fixture
def pair(redis_server: RedisServer) -> tuple[DropClaims, DropClaims]:
    client, prefix = connect(redis_server.url), redis_server.prefix()
    return DropClaims(client, prefix, "agent-a", 0.4), DropClaims(client, prefix, "agent-b", 0.4)


def states(answers: dict[str, ClaimAnswer]) -> dict[str, str]:
    return {rel: str(answer.state) for rel, answer in answers.items()}


def test_a_file_claimed_by_one_daemon_is_held_for_the_other_until_it_is_finished(
    pair: tuple[DropClaims, DropClaims],
) -> None:
    a, b = pair
    assert states(a.claim("sfx", [("x.wav", "h1"), ("y.wav", "h2")])) == {"x.wav": "mine", "y.wav": "mine"}
    held = b.claim("sfx", [("x.wav", "h1"), ("z.wav", "h3")])
    assert held["x.wav"].state is ClaimState.HELD and held["x.wav"].holder == "agent-a"
    assert held["z.wav"].state is ClaimState.MINE
    a.finish("sfx", [("x.wav", "h1", "done", "exec_1")])
    finished = b.claim("sfx", [("x.wav", "h1")])["x.wav"]
    assert (finished.state, finished.holder) == (ClaimState.FINISHED, "agent-a")
    assert finished.execution_id == "exec_1"
    assert a.held() == 1 and b.held() == 1  # y.wav, z.wav
    # the same path with new content is a new file: claimable again
    assert b.claim("sfx", [("x.wav", "h1-new")])["x.wav"].state is ClaimState.MINE


def test_a_claim_its_holder_stops_renewing_lapses_and_another_daemon_takes_it(
    pair: tuple[DropClaims, DropClaims],
) -> None:
    a, b = pair
    a.claim("sfx", [("x.wav", "h1")])
    for _ in range(3):  # renewing keeps it past the 0.4 s lease
        time.sleep(0.2)
        assert a.renew_once() == 0
    assert b.claim("sfx", [("x.wav", "h1")])["x.wav"].state is ClaimState.HELD
    assert b.free("sfx", ["x.wav", "never-claimed.wav"]) == ["never-claimed.wav"]
    time.sleep(0.6)  # a is "killed": nobody renews
    assert b.free("sfx", ["x.wav"]) == ["x.wav"]
    assert b.claim("sfx", [("x.wav", "h1")])["x.wav"].state is ClaimState.MINE
    # the stalled holder finds out it lost the claim, and can neither finish nor release b's claim
    assert a.renew_once() == 1
    a.finish("sfx", [("x.wav", "h1", "done", "exec_a")])
    a.release("sfx", ["x.wav"])
    assert a.claim("sfx", [("x.wav", "h1")])["x.wav"].holder == "agent-b"


def test_a_released_claim_is_free_at_once_and_each_rule_has_its_own_keys(
    pair: tuple[DropClaims, DropClaims],
) -> None:
    a, b = pair
    a.claim("sfx", [("x.wav", "h1")])
    assert b.claim("music", [("x.wav", "h1")])["x.wav"].state is ClaimState.MINE
    a.release("sfx", ["x.wav"])
    assert a.held() == 0 and b.free("sfx", ["x.wav"]) == ["x.wav"]


def test_the_renewal_thread_keeps_claims_alive_while_held(pair: tuple[DropClaims, DropClaims]) -> None:
    a, b = pair
    a.start()
    try:
        a.claim("sfx", [("x.wav", "h1")])
        time.sleep(1.0)  # 2.5 leases
        assert b.claim("sfx", [("x.wav", "h1")])["x.wav"].state is ClaimState.HELD
    finally:
        a.stop()


def test_a_shared_rule_needs_a_name_and_the_fleets_redis(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="shared = true needs a name, the same on every daemon"):
        Settings.model_validate({"watch": [{"folder": str(tmp_path), "shared": True}]})
    with pytest.raises(ValidationError, match='shared = true needs the fleet\'s Redis.*backend = "redis"'):
        Settings.model_validate({"watch": [{"folder": str(tmp_path), "name": "sfx", "shared": True}]})
    redis_store = {"backend": "redis", "url": "redis://127.0.0.1:6379/0"}
    settings = Settings.model_validate({"store": redis_store,
                                        "watch": [{"folder": str(tmp_path), "name": "sfx", "shared": True}]})
    assert settings.watch[0].shared
