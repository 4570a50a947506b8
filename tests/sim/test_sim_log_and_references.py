"""Conformance gaps the table showed: referenceChanged and log.itemAdded EVENTs, log.clear."""

from __future__ import annotations

import pytest
from waapi import WaapiClient

from tests.sim.test_sim_topics import Inbox
from tests.sim.waapi_calls import MASTER_BUS, WU

pytestmark = pytest.mark.integration


def test_reference_changes_are_published(waapi: WaapiClient) -> None:
    inbox = Inbox()
    assert waapi.subscribe("ak.wwise.core.object.referenceChanged", inbox, {"return": ["name"]})
    sound = waapi.call("ak.wwise.core.object.create", {"parent": WU, "type": "Sound", "name": "Routed"})
    bus = waapi.call("ak.wwise.core.object.create", {"parent": MASTER_BUS, "type": "Bus", "name": "Sfx_Bus"})
    waapi.call("ak.wwise.core.object.setReference",
               {"object": sound["id"], "reference": "OutputBus", "value": bus["id"]})
    events = [e for e in inbox.wait_for(1) if e["reference"] == "OutputBus"]
    assert events[-1]["object"] == {"name": "Routed"} and events[-1]["new"] == {"name": "Sfx_Bus"}


def test_log_items_are_published_and_a_channel_can_be_cleared(waapi: WaapiClient) -> None:
    inbox = Inbox()
    assert waapi.subscribe("ak.wwise.core.log.itemAdded", inbox)
    waapi.call("ak.wwise.core.log.addItem", {"message": "checked", "channel": "waapi", "severity": "Message"})
    (event,) = inbox.wait_for(1)
    assert event["channel"] == "waapi" and event["item"]["message"] == "checked"
    assert len(waapi.call("ak.wwise.core.log.get", {"channel": "waapi"})["items"]) == 1
    assert waapi.call("ak.wwise.core.log.clear", {"channel": "waapi"}) == {}
    assert waapi.call("ak.wwise.core.log.get", {"channel": "waapi"})["items"] == []
