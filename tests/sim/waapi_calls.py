"""What the conformance tests say to the emulator: a client factory, WAV bytes and call shortcuts."""

from __future__ import annotations

import time
from typing import Any

import pytest
from waapi import WaapiClient, WaapiRequestFailed

from wwiseflowd import testing
from wwiseflowd.testing import connect_client

WU = "\\Actor-Mixer Hierarchy\\Default Work Unit"
EVENTS_WU = "\\Events\\Default Work Unit"
MASTER_BUS = "\\Master-Mixer Hierarchy\\Default Work Unit\\Master Audio Bus"


def connect(url: str) -> WaapiClient:
    """A real waapi-client connection, built by the shipped test helper (so it is exercised too)."""
    client: WaapiClient = connect_client(url)
    return client


def disconnected(client: WaapiClient, timeout: float = 5.0) -> bool:
    """Wait until waapi-client's loop thread has ended: a call cut by a drop can return a moment
    before that thread is gone, so ``is_connected()`` read at once may still say True."""
    deadline = time.monotonic() + timeout
    while client.is_connected() and time.monotonic() < deadline:
        time.sleep(0.02)
    return not client.is_connected()


def drop_beats_the_caller(client: WaapiClient) -> None:
    """Force the order a loaded machine produces when a call is cut by a dropped connection:
    waapi-client's loop thread ends before the calling thread registers the future it waits on
    (the caller is held between handing the call to the loop and ``set_caller_future``)."""
    decoupler = client._decoupler
    register = decoupler.set_caller_future

    def late(future: Any) -> None:
        if future is not None:
            client._client_thread.join(5)
        register(future)

    decoupler.set_caller_future = late


def wav_bytes(frames: int = 100, rate: int = 48000) -> bytes:
    """A small valid 16-bit mono PCM WAV (the one writer, wwiseflowd.testing)."""
    return testing.wav_bytes(frames, sample_rate=rate, seed=0)


def error_of(
    client: WaapiClient, uri: str, args: dict[str, Any] | None = None, options: dict[str, Any] | None = None
) -> WaapiRequestFailed:
    """Call and return the WaapiRequestFailed the call must raise."""
    with pytest.raises(WaapiRequestFailed) as info:
        if options is None:
            client.call(uri, args or {})
        else:
            client.call(uri, args or {}, options=options)
    return info.value


def get(
    client: WaapiClient,
    waql_or_from: str | dict[str, Any],
    returns: list[str] | None = None,
    transform: list[Any] | None = None,
) -> list[dict[str, Any]]:
    """object.get rows, by WAQL text or by a legacy ``from`` dict."""
    args: dict[str, Any] = {"waql": waql_or_from} if isinstance(waql_or_from, str) else {"from": waql_or_from}
    if transform is not None:
        args["transform"] = transform
    result = client.call("ak.wwise.core.object.get", args, options={"return": returns} if returns else {})
    assert result is not None
    rows: list[dict[str, Any]] = result["return"]
    return rows


def by_path(client: WaapiClient, path: str, returns: list[str] | None = None) -> dict[str, Any]:
    """The one object at ``path`` (legacy from.path, which does not depend on the WAQL engine)."""
    rows = get(client, {"path": [path]}, returns or ["id", "name", "type", "path"])
    assert len(rows) == 1
    return rows[0]
