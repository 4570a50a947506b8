"""Scripts written for a real Wwise work unmodified: the usage patterns of waapi-client's own
integration tests (which need a live Wwise), replayed against the emulator."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import txaio
from waapi import PerCallbackThreadExecutor, WaapiClient

from tests.sim.waapi_calls import WU
from wwiseflowd.sim import Emulator

pytestmark = pytest.mark.integration


@pytest.fixture
def plain(sim: Emulator) -> Iterator[WaapiClient]:
    """A client as those scripts build it: allow_exception=False (errors come back as None)."""
    client = WaapiClient(sim.url, callback_executor=PerCallbackThreadExecutor)
    txaio.config.loop = None  # type: ignore[attr-defined]
    try:
        yield client
    finally:
        client.disconnect()


def create_sound(client: WaapiClient, name: str = "Some Name") -> Any:
    return client.call("ak.wwise.core.object.create", parent=WU, type="Sound", name=name)


def test_unknown_procedure_returns_none_without_raising(plain: WaapiClient) -> None:
    assert plain.call("ak.wwise.idontexist") is None
    assert plain.is_connected()


def test_get_info_build_is_an_integer(plain: WaapiClient) -> None:
    result = plain.call("ak.wwise.core.getInfo")
    assert "apiVersion" in result and isinstance(result["version"]["build"], int)


def test_project_query_with_keyword_arguments_and_both_option_styles(plain: WaapiClient) -> None:
    args = {"from": {"ofType": ["Project"]}}
    (row,) = plain.call("ak.wwise.core.object.get", **args)["return"]
    assert isinstance(row["id"], str) and isinstance(row["name"], str)
    options = {"return": ["name", "filePath", "workunit:isDirty"]}
    separated = plain.call("ak.wwise.core.object.get", args, options=options)["return"][0]
    inline = plain.call("ak.wwise.core.object.get", **{**args, "options": options})["return"][0]
    for found in (separated, inline):
        assert isinstance(found["filePath"], str) and isinstance(found["workunit:isDirty"], bool)


def test_subscription_options_and_an_rpc_from_inside_the_callback(plain: WaapiClient) -> None:
    done = threading.Event()
    seen: dict[str, Any] = {}
    handler = None

    def on_created(object: dict[str, Any]) -> None:  # WAAPI names the kwarg "object"
        seen.update(object)
        assert plain.call("ak.wwise.core.object.delete", object=object["id"]) == {}
        assert handler is not None and handler.unsubscribe()
        done.set()

    handler = plain.subscribe(
        "ak.wwise.core.object.created", on_created, {"return": ["id", "isPlayable", "classId"]}
    )
    assert create_sound(plain) is not None
    assert done.wait(5)
    assert seen["isPlayable"] is True and seen["classId"] == 65552
    children = plain.call(
        "ak.wwise.core.object.get", {"from": {"path": [WU]}, "transform": [{"select": ["children"]}]}
    )
    assert children["return"] == []


def test_subscription_edge_cases(plain: WaapiClient) -> None:
    assert plain.subscribe("ak.wwise.idontexist") is None
    assert len(plain.subscriptions()) == 0
    handler = plain.subscribe("ak.wwise.core.object.nameChanged")
    assert handler is not None and handler.subscription is not None
    assert handler.unsubscribe() and not handler.unsubscribe()
    plain.subscribe("ak.wwise.core.object.created")  # no callback: publishes are ignored
    assert create_sound(plain) is not None
    assert plain.call("ak.wwise.core.object.delete", object=f"{WU}\\Some Name") == {}


def test_large_request_keeps_the_connection(plain: WaapiClient) -> None:
    plain.call("ak.wwise.core.object.get", {"from": {"name": [f"GameParameter:a{n}" for n in range(5000)]}})
    assert plain.is_connected()
