"""Two engines with their own state dirs sharing one real Redis (``[store] backend = "redis"``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.engine.engine_testnodes import TestNodes, flow, node
from wwiseflowd.cli import main
from wwiseflowd.config import ConfigError, settings_for_tests
from wwiseflowd.engine import Engine
from wwiseflowd.plugins import Plugins
from wwiseflowd.store import open_store
from wwiseflowd.store.redis_store import RedisStore, StoreUnavailable, connect
from wwiseflowd.testing import RedisServer


def redis_engine(tmp: Path, nodes: TestNodes, url: str, prefix: str) -> Engine:
    plugins = Plugins()
    plugins.register(nodes, "testnodes")
    settings = settings_for_tests(tmp, store={"backend": "redis", "url": url, "key_prefix": prefix})
    return Engine(settings, plugins)


def test_a_second_daemon_sees_the_first_ones_runs_and_reuses_its_memo(
    tmp_path: Path, nodes: TestNodes, redis_server: RedisServer
) -> None:
    prefix = redis_server.prefix()
    with redis_engine(tmp_path / "a", nodes, redis_server.url, prefix) as first:
        assert isinstance(first.store, RedisStore)
        executed = first.execute(flow(node("a", "emit", value=1)))
        with redis_engine(tmp_path / "b", nodes, redis_server.url, prefix) as second:
            stored = second.get_execution(executed.executionId)
            assert stored is not None and stored.model_dump() == executed.model_dump()
            assert second.list_executions()[0]["executionId"] == executed.executionId
            assert second.execute(flow(node("a", "emit", value=1))).results[0].cached
    assert nodes.calls["a"] == 1


def test_a_wrong_password_or_a_dead_redis_is_refused_with_a_sentence_to_act_on(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    wrong = settings_for_tests(tmp_path, store={"backend": "redis", "password": "nope",
                                                "url": f"redis://127.0.0.1:{redis_server.port}/0"})
    with pytest.raises(StoreUnavailable, match="refused the password"):
        open_store(wrong)
    closed = RedisServer().start()
    closed.stop()  # a port nothing listens on any more
    dead = settings_for_tests(tmp_path, store={"backend": "redis", "url": closed.url})
    with pytest.raises(StoreUnavailable, match=r"does not answer .*fix \[store\] url"):
        open_store(dead)


def test_redis_needs_a_redis_url() -> None:
    with pytest.raises(ConfigError, match=r"store.*needs url"):
        settings_for_tests(Path("/tmp/x"), store={"backend": "redis"})
    with pytest.raises(ConfigError, match="is not a redis://"):
        settings_for_tests(Path("/tmp/x"), store={"backend": "redis", "url": "http://:pw@h:1"})


def test_config_show_never_prints_the_redis_password(tmp_path: Path) -> None:
    config = tmp_path / "wwiseflowd.toml"
    config.write_text('[store]\nbackend = "redis"\nurl = "rediss://:s3cret@redis.studio:6380/0"\n'
                      'password = "other"\n')
    result = CliRunner().invoke(main, ["--config", str(config), "config", "show", "--json"])
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output and "other" not in result.output
    # stdout only: a stray log line on stderr (an earlier test's task collected now) is not JSON
    assert "rediss://:********@redis.studio:6380/0" in json.dumps(json.loads(result.stdout))


def test_a_run_left_running_by_a_process_on_another_host_is_settled_once_its_lease_lapses(
    redis_server: RedisServer,
) -> None:
    prefix = redis_server.prefix()
    elsewhere = RedisStore(connect(redis_server.url), prefix)
    elsewhere.owner = "build-9 4242"  # a process on another host, as its records name it
    here = RedisStore(connect(redis_server.url), prefix)
    try:
        for execution_id in ("exec_lapsed", "exec_alive"):
            elsewhere.ledger_record({"executionId": execution_id, "startedAt": "2026-12-02T06:00:00Z"},
                                    "running")
        assert here.ledger_settle_orphans(lambda pid: False) == []  # its lease is alive
        here.client.delete(f"{prefix}:proc:build-9 4242")  # ... until it stops renewing it (killed host)
        elsewhere.owner = "build-9 4343"  # another process there records exec_alive again: alive
        elsewhere.ledger_record({"executionId": "exec_alive", "startedAt": "2026-12-02T06:00:00Z"}, "running")
        assert here.ledger_settle_orphans(lambda pid: False) == ["exec_lapsed"]
        settled = here.ledger_get("exec_lapsed")
        assert settled is not None and settled["status"] == "failed" and settled["code"] == "INTERRUPTED"
        assert (here.ledger_get("exec_alive") or {})["status"] == "running"
    finally:
        elsewhere.close()
        here.close()


def test_a_run_whose_redis_went_away_fails_backend_unavailable_with_a_sentence(
    tmp_path: Path, nodes: TestNodes,
) -> None:
    own = RedisServer().start()
    try:
        with redis_engine(tmp_path, nodes, own.url, own.prefix()) as engine:
            own.stop()
            result = engine.execute(flow(node("a", "emit", value=1)))
    finally:
        own.stop()
    assert not result.ok and result.code == "BACKEND_UNAVAILABLE"
    error = str(result.error)
    assert "does not answer" in error and "Run it again once the store answers" in error
    assert nodes.calls.get("a", 0) == 0  # the run stopped before its first step


class BlippingStore:
    """The engine's store, except that its first ``blips`` memo reads (ahead and one by one), memo saves
    and result records each find it not answering (a fleet's Redis restarting under a run)."""

    def __init__(self, store: Any, blips: int) -> None:
        self.store = store
        self.left = dict.fromkeys(("memo_get_many", "memo_get", "memo_put_many", "ledger_record"), blips)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def _blip(self, call: str) -> None:
        if self.left[call] > 0:
            self.left[call] -= 1
            raise StoreUnavailable(f"The run ledger's Redis does not answer ({call})")

    def memo_get_many(self, keys: Any) -> Any:  # a run's read-ahead: each step then reads its own
        self._blip("memo_get_many")
        return self.store.memo_get_many(keys)

    def memo_get(self, key: str) -> Any:
        self._blip("memo_get")
        return self.store.memo_get(key)

    def memo_put_many(self, entries: Any) -> None:
        self._blip("memo_put_many")
        self.store.memo_put_many(entries)

    def ledger_record(self, execution: dict[str, Any], status: Any) -> None:
        if status != "running":  # a run whose start cannot be recorded stops before its first step
            self._blip("ledger_record")
        self.store.ledger_record(execution, status)


def test_a_store_that_stops_answering_for_a_moment_delays_a_run_but_neither_fails_nor_repeats_it(
    tmp_path: Path, nodes: TestNodes,
) -> None:
    plugins = Plugins()
    plugins.register(nodes, "testnodes")
    settings = settings_for_tests(tmp_path)
    store = BlippingStore(open_store(settings), blips=2)
    with Engine(settings, plugins, store=store) as engine:  # type: ignore[arg-type]
        result = engine.execute(flow(node("a", "emit", value=1)))
        assert result.ok, result.error
        assert (store.ledger_get(result.executionId) or {})["status"] == "succeeded"
        again = engine.execute(flow(node("a", "emit", value=1)))
    assert set(store.left.values()) == {0}, store.left  # every blip was met
    assert again.ok and again.results[0].cached  # the memo entry was saved after the blip
    assert nodes.calls["a"] == 1
