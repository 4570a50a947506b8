"""WAQL end to end: the real waapi-client calls ak.wwise.core.object.get on the emulator over a WebSocket."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from waapi import PerCallbackThreadExecutor, WaapiClient, WaapiRequestFailed

from wwiseflowd.sim import Emulator

pytestmark = pytest.mark.integration

WU = "\\Actor-Mixer Hierarchy\\Default Work Unit"


@pytest.fixture
def client(waapi_sim: Emulator) -> Iterator[WaapiClient]:
    """A client of the shipped ``waapi_sim`` emulator, with a small hierarchy created through WAAPI itself."""
    waapi = WaapiClient(waapi_sim.url, allow_exception=True, callback_executor=PerCallbackThreadExecutor)
    try:
        waapi.call(
            "ak.wwise.core.object.create",
            {
                "parent": WU,
                "type": "ActorMixer",
                "name": "Weapons",
                "children": [
                    {
                        "type": "RandomSequenceContainer",
                        "name": "Gun_Fire",
                        "children": [
                            {"type": "Sound", "name": "Gun_Fire_01", "@Volume": -6},
                            {"type": "Sound", "name": "Gun_Fire_02"},
                        ],
                    },
                    {"type": "Sound", "name": "Gun_Reload", "notes": "bolt action"},
                ],
            },
        )
        yield waapi
    finally:
        waapi.disconnect()


def get(client: WaapiClient, waql: str, returns: list[str] | None = None) -> list[dict[str, Any]]:
    options = {"return": returns} if returns else {}
    result = client.call("ak.wwise.core.object.get", {"waql": waql}, options=options)
    assert result is not None
    rows: list[dict[str, Any]] = result["return"]
    return rows


def failure(client: WaapiClient, waql: str) -> WaapiRequestFailed:
    with pytest.raises(WaapiRequestFailed) as info:
        client.call("ak.wwise.core.object.get", {"waql": waql})
    return info.value


def test_descendants_of_type_sound_with_return_options(client: WaapiClient) -> None:
    rows = get(
        client,
        '$ "\\Actor-Mixer Hierarchy" select descendants where type = "Sound"',
        ["name", "type", "path", "Volume", "parent.name"],
    )
    assert rows == [
        {
            "name": "Gun_Fire_01",
            "type": "Sound",
            "path": f"{WU}\\Weapons\\Gun_Fire\\Gun_Fire_01",
            "Volume": -6,
            "parent.name": "Gun_Fire",
        },
        {
            "name": "Gun_Fire_02",
            "type": "Sound",
            "path": f"{WU}\\Weapons\\Gun_Fire\\Gun_Fire_02",
            "Volume": 0,
            "parent.name": "Gun_Fire",
        },
        {
            "name": "Gun_Reload",
            "type": "Sound",
            "path": f"{WU}\\Weapons\\Gun_Reload",
            "Volume": 0,
            "parent.name": "Weapons",
        },
    ]


def test_default_return_is_id_and_name(client: WaapiClient) -> None:
    rows = get(client, f'"{WU}\\Weapons" select children')
    assert [sorted(r) for r in rows] == [["id", "name"], ["id", "name"]]
    assert [r["name"] for r in rows] == ["Gun_Fire", "Gun_Reload"]
    assert all(r["id"].startswith("{") and r["id"] == r["id"].upper() for r in rows)


def test_the_official_json_example_form_with_regex(client: WaapiClient) -> None:
    # {"waql": "\"\\Actor-Mixer Hierarchy\" select descendants where name = /^Gun_Fire_/"}
    rows = get(client, '"\\Actor-Mixer Hierarchy" select descendants where name = /^Gun_Fire_/')
    assert [r["name"] for r in rows] == ["Gun_Fire_01", "Gun_Fire_02"]


def test_filters_combine_and_the_project_is_backslash(client: WaapiClient) -> None:
    rows = get(client, 'from type sound where volume < 0 or notes : "bolt" orderby name reverse')
    assert [r["name"] for r in rows] == ["Gun_Reload", "Gun_Fire_01"]
    assert get(client, '"\\"', ["type", "path"]) == [{"type": "Project", "path": "\\"}]


def test_select_ancestors_for_an_existing_path(client: WaapiClient) -> None:
    rows = get(client, f'"{WU}\\Weapons\\Gun_Fire" select this, ancestors', ["type"])
    assert [r["type"] for r in rows] == [
        "RandomSequenceContainer",
        "ActorMixer",
        "WorkUnit",
        "Folder",
        "Project",
    ]


def test_filter_matching_nothing_returns_an_empty_list(client: WaapiClient) -> None:
    assert get(client, 'from project where name = "absent"') == []


def test_unresolved_specifier_is_invalid_query_object_not_found(client: WaapiClient) -> None:
    error = failure(client, '$ from object "\\Actor-Mixer Hierarchy\\Nope" select this, ancestors')
    assert error.uri == "ak.wwise.query.invalid_query"
    assert error.kwargs["message"] == "Object not found (15)"


def test_syntax_error_is_invalid_query_naming_token_and_position(client: WaapiClient) -> None:
    error = failure(client, 'from type sound wher name = "x"')
    assert error.uri == "ak.wwise.query.invalid_query"
    assert '"wher"' in error.kwargs["message"] and "position 17" in error.kwargs["message"]


def test_unknown_accessor_is_invalid_query(client: WaapiClient) -> None:
    error = failure(client, "from type sound where volumee < 0")
    assert error.uri == "ak.wwise.query.invalid_query"
    assert '"volumee"' in error.kwargs["message"] and "position 23" in error.kwargs["message"]
