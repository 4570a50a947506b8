"""pytest plugin shipped to plugin authors (``pytest11`` entry point): fixtures for wwiseflowd.

``waapi_sim`` yields a running :class:`wwiseflowd.sim.Emulator` on a free port with a fresh
project in the test's ``tmp_path``; ``waapi_client`` a real waapi-client connected to it;
``wav_file(name, frames=..., seed=...)`` writes a real 16-bit PCM WAV under ``tmp_path`` (the
one WAV writer, :func:`wwiseflowd.wav.write_wav`, also importable from here)::

    def test_my_node(waapi_sim, waapi_client):
        waapi_client.call("ak.wwise.core.object.create", {...})
        assert waapi_sim.calls[-1]["uri"] == "ak.wwise.core.object.create"
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from wwiseflowd.wav import wav_bytes as wav_bytes  # the one WAV writer, for tests
from wwiseflowd.wav import write_wav as write_wav

if TYPE_CHECKING:
    from wwiseflowd.sim import Emulator


def connect_client(url: str) -> Any:
    """A ``waapi.WaapiClient`` for tests: raises WaapiRequestFailed on errors, never hangs at exit.

    Works around two waapi-client 0.8.1 traits (docs/waapi-notes.md): a client adopts the calling
    thread's event loop, and each client writes its loop into the process-global
    ``txaio.config.loop``, which makes an earlier live client hang. A fresh loop per client and
    resetting that global keep several clients in one process independent. A call cut by a dropped
    connection returns None instead of racing waapi-client into a hang (the daemon's own session
    has the same guard). Call it outside any running asyncio loop, and ``disconnect()`` the client
    when done.
    """
    import txaio
    from waapi import PerCallbackThreadExecutor, WaapiClient

    from wwiseflowd.default_plugins.wwise.connection import release_callers_on_loop_end

    asyncio.set_event_loop(asyncio.new_event_loop())
    client = WaapiClient(url, allow_exception=True, callback_executor=PerCallbackThreadExecutor)
    txaio.config.loop = None  # type: ignore[attr-defined]
    release_callers_on_loop_end(client)
    return client


@pytest.fixture
def wav_file(tmp_path: Path) -> Callable[..., Path]:
    """``wav_file("drop/A.wav", frames=800, sample_rate=8000, channels=1, seed=None)``: a WAV
    under ``tmp_path`` (silent, or a deterministic pattern per ``seed``)."""

    def write(name: str, frames: int = 480, **options: Any) -> Path:
        return write_wav(tmp_path / name, frames, **options)

    return write


@pytest.fixture
def waapi_sim(tmp_path: Path) -> Iterator[Emulator]:
    """A running WAAPI emulator (port 0, project ``<tmp_path>/WwiseProject``), stopped afterwards."""
    from wwiseflowd.sim import Emulator

    sim = Emulator(port=0, project_dir=tmp_path / "WwiseProject")
    sim.start()
    try:
        yield sim
    finally:
        sim.close()


@pytest.fixture
def waapi_client(waapi_sim: Emulator) -> Iterator[Any]:
    """A real waapi-client connected to ``waapi_sim``, disconnected afterwards."""
    client = connect_client(waapi_sim.url)
    try:
        yield client
    finally:
        client.disconnect()
