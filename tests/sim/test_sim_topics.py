"""Conformance: subscriptions and the EVENTs the emulator publishes, received by the real waapi-client."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from waapi import WaapiClient

from tests.sim.waapi_calls import WU, connect, error_of
from wwiseflowd.sim import Emulator

pytestmark = pytest.mark.integration


class Inbox:
    """Collects callback kwargs from the client's callback threads."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self._cond = threading.Condition()

    def __call__(self, **kwargs: Any) -> None:
        with self._cond:
            self.items.append(kwargs)
            self._cond.notify_all()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.items) < count and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            return list(self.items)


def test_created_event_honours_the_return_option(waapi: WaapiClient) -> None:
    inbox = Inbox()
    assert waapi.subscribe("ak.wwise.core.object.created", inbox, {"return": ["id", "name", "type", "path"]})
    created = waapi.call("ak.wwise.core.object.create", {"parent": WU, "type": "Sound", "name": "Evt"})
    (event,) = inbox.wait_for(1)
    assert event == {"object": {"id": created["id"], "name": "Evt", "type": "Sound", "path": f"{WU}\\Evt"}}


def test_created_event_without_options_carries_only_object(waapi: WaapiClient) -> None:
    inbox = Inbox()
    waapi.subscribe("ak.wwise.core.object.created", inbox)
    created = waapi.call("ak.wwise.core.object.create", {"parent": WU, "type": "Sound", "name": "Plain"})
    assert inbox.wait_for(1) == [{"object": {"id": created["id"], "name": "Plain"}}]


def test_events_reach_other_sessions(sim: Emulator, waapi: WaapiClient) -> None:
    listener = connect(sim.url)
    try:
        inbox = Inbox()
        listener.subscribe("ak.wwise.core.object.childAdded", inbox, {"return": ["name"]})
        waapi.call("ak.wwise.core.object.create", {"parent": WU, "type": "Sound", "name": "Kid"})
        assert inbox.wait_for(1) == [{"parent": {"name": "Default Work Unit"}, "child": {"name": "Kid"}}]
    finally:
        listener.disconnect()


def test_name_property_notes_and_delete_events(waapi: WaapiClient) -> None:
    created = waapi.call("ak.wwise.core.object.create", {"parent": WU, "type": "Sound", "name": "N"})
    names, props, notes, pre, post, removed = Inbox(), Inbox(), Inbox(), Inbox(), Inbox(), Inbox()
    waapi.subscribe("ak.wwise.core.object.nameChanged", names)
    waapi.subscribe(
        "ak.wwise.core.object.propertyChanged",
        props,
        {"object": created["id"], "property": "Volume", "return": ["name"]},
    )
    waapi.subscribe("ak.wwise.core.object.notesChanged", notes)
    waapi.subscribe("ak.wwise.core.object.preDeleted", pre, {"return": ["path"]})
    waapi.subscribe("ak.wwise.core.object.postDeleted", post)
    waapi.subscribe("ak.wwise.core.object.childRemoved", removed)
    waapi.call("ak.wwise.core.object.setName", {"object": created["id"], "value": "M"})
    waapi.call("ak.wwise.core.object.setProperty", {"object": created["id"], "property": "Pitch", "value": 5})
    waapi.call(
        "ak.wwise.core.object.setProperty", {"object": created["id"], "property": "Volume", "value": -2}
    )
    waapi.call("ak.wwise.core.object.setNotes", {"object": created["id"], "value": "hi"})
    waapi.call("ak.wwise.core.object.delete", {"object": created["id"]})
    assert names.wait_for(1) == [
        {"object": {"id": created["id"], "name": "M"}, "oldName": "N", "newName": "M"}
    ]
    # only the subscribed object and property
    assert props.wait_for(1) == [{"object": {"name": "M"}, "property": "Volume", "old": 0.0, "new": -2}]
    assert notes.wait_for(1)[0]["newNotes"] == "hi"
    assert pre.wait_for(1) == [{"object": {"path": f"{WU}\\M"}}]
    assert post.wait_for(1)[0]["object"]["id"] == created["id"]
    assert removed.wait_for(1)[0]["child"]["id"] == created["id"]


def test_import_and_save_topics(waapi: WaapiClient, sim: Emulator, make_wav: Callable[..., Path]) -> None:
    imported, saved = Inbox(), Inbox()
    waapi.subscribe("ak.wwise.core.audio.imported", imported)
    waapi.subscribe("ak.wwise.core.project.saved", saved)
    wav = make_wav("t.wav")
    result = waapi.call(
        "ak.wwise.core.audio.import",
        {"imports": [{"audioFile": str(wav), "objectPath": f"{WU}\\<Sound SFX>T"}]},
    )
    (event,) = imported.wait_for(1)
    assert event["operation"] == "CreateNewObject" and event["files"] == result["files"]
    assert [o["name"] for o in event["objects"]] == ["t", "T"]
    waapi.call("ak.wwise.core.project.save")
    (save_event,) = saved.wait_for(1)
    assert save_event == {
        "modifiedPaths": [str(sim.project_dir / "Actor-Mixer Hierarchy" / "Default Work Unit.wwu")]
    }


def test_unsubscribe_stops_the_events(waapi: WaapiClient) -> None:
    inbox = Inbox()
    handler = waapi.subscribe("ak.wwise.core.object.created", inbox)
    waapi.call("ak.wwise.core.object.create", {"parent": WU, "type": "Sound", "name": "Before"})
    inbox.wait_for(1)
    assert handler.unsubscribe() is True
    waapi.call("ak.wwise.core.object.create", {"parent": WU, "type": "Sound", "name": "After"})
    waapi.call("ak.wwise.core.ping")  # events for a call are sent right after its result
    time.sleep(0.1)
    assert [e["object"]["name"] for e in inbox.items] == ["Before"]


def test_events_of_a_failed_call_are_not_sent(waapi: WaapiClient) -> None:
    inbox = Inbox()
    waapi.subscribe("ak.wwise.core.object.created", inbox)
    error_of(
        waapi,
        "ak.wwise.core.object.create",
        {
            "parent": WU,
            "type": "ActorMixer",
            "name": "X",
            "children": [{"type": "Sound", "name": "bad/name"}],
        },
    )
    waapi.call("ak.wwise.core.ping")
    time.sleep(0.1)
    assert inbox.items == []


def test_subscribe_errors(waapi: WaapiClient) -> None:
    err = error_of_subscribe(waapi, "ak.wwise.core.object.exploded", {})
    assert err.kwargs["message"] == "The topic URI is unknown."
    err = error_of_subscribe(waapi, "ak.wwise.core.object.created", {"return": ["Bogus"]})
    assert err.uri == "ak.wwise.invalid_options"
    err = error_of_subscribe(waapi, "ak.wwise.core.object.propertyChanged", {"property": "Volume"})
    assert "object" in err.kwargs["message"]


def error_of_subscribe(client: WaapiClient, topic: str, options: dict[str, Any]) -> Any:
    from waapi import WaapiRequestFailed

    with pytest.raises(WaapiRequestFailed) as info:
        client.subscribe(topic, lambda **kw: None, options)
    return info.value
