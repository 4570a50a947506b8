"""Two engines with their own state dirs sharing one real Redis (``[store] backend = "redis"``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.engine.engine_testnodes import TestNodes, flow, node
from wwiseflowd.cli import main
from wwiseflowd.config import ConfigError, settings_for_tests
from wwiseflowd.engine import Engine
from wwiseflowd.plugins import Plugins
from wwiseflowd.store import open_store
from wwiseflowd.store.redis_store import RedisStore, StoreUnavailable
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
    assert "rediss://:********@redis.studio:6380/0" in json.dumps(json.loads(result.output))
