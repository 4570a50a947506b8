"""One-object look-ups answered again within a second, against the emulator over a real WebSocket.

An import into a new folder asked Wwise for its Work Unit three times in a few milliseconds
(pre-flight, the target, the pre-write record for rollback); the link now answers a repeat from the
last second's answer unless something that may change the project was sent since
(``wwiseflowd/default_plugins/wwise/recent.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.wwise.conftest import WU, settled_calls
from wwiseflowd.default_plugins.wwise.adapter import WaapiAdapter
from wwiseflowd.engine import Engine
from wwiseflowd.sim import Emulator
from wwiseflowd.sim.functions import Session

GET = "ak.wwise.core.object.get"


def _gets(sim: Emulator) -> int:
    return sum(1 for call in settled_calls(sim) if call["uri"] == GET)


def test_a_repeated_look_up_within_a_second_is_answered_without_asking_wwise(
    adapter: WaapiAdapter, waapi_sim: Emulator
) -> None:
    first = adapter.get_object(WU)
    before = _gets(waapi_sim)
    again = adapter.get_object(WU)

    assert first.ok and again.data == first.data
    assert _gets(waapi_sim) == before
    assert adapter._recent.hits == 1


def test_a_write_through_the_link_makes_the_next_look_up_ask_again(
    adapter: WaapiAdapter, waapi_sim: Emulator
) -> None:
    assert adapter.get_object(WU).ok
    created = adapter.create_object(WU, "Sound", "Fresh")
    assert created.ok
    before = _gets(waapi_sim)

    assert adapter.get_object(WU).ok
    assert _gets(waapi_sim) == before + 1


def test_an_answer_older_than_the_window_is_asked_again(adapter: WaapiAdapter, waapi_sim: Emulator) -> None:
    adapter._recent.fresh_s = 0.05
    assert adapter.get_object(WU).ok
    time.sleep(0.1)
    before = _gets(waapi_sim)

    assert adapter.get_object(WU).ok
    assert _gets(waapi_sim) == before + 1


def test_a_missing_object_is_asked_every_time_so_one_made_meanwhile_is_seen(
    adapter: WaapiAdapter, waapi_sim: Emulator
) -> None:
    path = WU + "\\MadeElsewhere"
    assert not adapter.get_object(path).ok
    with waapi_sim.lock:  # another client (here: the emulator's function layer) makes it meanwhile
        waapi_sim.waapi.call(Session(999), "ak.wwise.core.object.create",
                             {"parent": WU, "type": "Folder", "name": "MadeElsewhere"}, {})

    found = adapter.get_object(path)
    assert found.ok and found.data["name"] == "MadeElsewhere"


def test_only_a_look_up_of_one_object_asking_no_more_fields_is_answered(
    adapter: WaapiAdapter, waapi_sim: Emulator
) -> None:
    call: Callable[..., Any] = adapter._call
    waql = f'$ "{WU}"'
    assert call(GET, {"waql": waql}, {"return": ["id", "name"]}).ok
    before = _gets(waapi_sim)

    fewer = call(GET, {"waql": waql}, {"return": ["id"]})
    assert fewer.ok and list(fewer.data["return"][0]) == ["id"]
    assert _gets(waapi_sim) == before
    assert call(GET, {"waql": waql}, {"return": ["id", "path"]}).ok  # a field not kept: asked
    assert call(GET, {"waql": waql + " select children"}, {"return": ["id"]}).ok  # a listing: asked
    assert call(GET, {"waql": waql + " select children"}, {"return": ["id"]}).ok
    assert _gets(waapi_sim) == before + 3


def test_a_property_value_is_always_asked_for(adapter: WaapiAdapter, waapi_sim: Emulator) -> None:
    """Only what identifies an object is kept: the pre-write record for rollback must record the
    value Wwise has now, not one read a moment ago (someone may have changed it in Wwise since)."""
    assert adapter.create_object(WU, "Sound", "Loud").ok
    call: Callable[..., Any] = adapter._call
    waql = f'$ "{WU}\\Loud"'
    before = _gets(waapi_sim)
    for _ in range(2):
        read = call(GET, {"waql": waql}, {"return": ["id", "@Volume"]})
        assert read.ok and "@Volume" in read.data["return"][0]
    assert _gets(waapi_sim) == before + 2


def test_a_changed_answer_does_not_change_what_is_kept(adapter: WaapiAdapter) -> None:
    first = adapter._call(GET, {"waql": f'$ "{WU}"'}, {"return": ["id", "name"]})
    first.data["return"][0]["name"] = "changed by a caller"
    again = adapter._call(GET, {"waql": f'$ "{WU}"'}, {"return": ["id", "name"]})
    assert again.data["return"][0]["name"] == "Default Work Unit"
    assert adapter._recent.hits == 1


def test_closing_the_connection_forgets_what_it_answered(adapter: WaapiAdapter, waapi_sim: Emulator) -> None:
    assert adapter.get_object(WU).ok
    adapter.close()
    before = _gets(waapi_sim)

    assert adapter.get_object(WU).ok  # reconnects and asks the (possibly restarted) Wwise
    assert _gets(waapi_sim) == before + 1


def test_an_import_into_a_new_folder_asks_for_its_work_unit_once_not_three_times(
    engine: Engine, waapi_sim: Emulator, wav: Callable[..., str]
) -> None:
    """Pre-flight, the target's resolution and the pre-write record each look the Work Unit up;
    with answers never kept that is three calls, with the default window one."""
    link = engine.backend("wwise")
    files = [wav(f"Step_{i}.wav") for i in range(3)]

    def gets_of_an_import(folder: str) -> int:
        before = _gets(waapi_sim)
        document = {"id": folder, "nodes": [{"id": "imp", "type": "audioImport", "data": {
            "files": files, "targetPath": f"{WU}\\{folder}\\Deeper"}}]}
        result = engine.execute(document)
        assert result.ok, result
        return _gets(waapi_sim) - before

    link._recent.fresh_s = -1  # never fresh, even on a coarse clock
    asked_every_time = gets_of_an_import("Uncached")
    link._recent.fresh_s = 1.0
    assert gets_of_an_import("Cached") == asked_every_time - 2
