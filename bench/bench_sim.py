"""Emulator speed: ``python -m bench sim``.

1. getInfo round trips per second over one waapi-client connection, against the emulator and
   against a minimal echo WAMP server on the same websockets stack (no model), in the same run;
   the ratio is the emulator's overhead.
2. One audio.import call of 1,000 WAV files (wall time, files/s).
3. A 50,000-Sound project: build time, memory (tracemalloc), save and load times.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import txaio
from waapi import PerCallbackThreadExecutor, WaapiClient
from websockets.asyncio.server import ServerConnection, serve

from wwiseflowd import logs
from wwiseflowd.sim import Emulator, persistence
from wwiseflowd.sim.model import Project
from wwiseflowd.wav import wav_bytes

ROUND_TRIPS = 3000
IMPORT_FILES = 1000
BIG_PROJECT = 50_000


def client(url: str) -> WaapiClient:
    asyncio.set_event_loop(asyncio.new_event_loop())
    waapi = WaapiClient(url, allow_exception=True, callback_executor=PerCallbackThreadExecutor)
    txaio.config.loop = None  # type: ignore[attr-defined]  # one global loop breaks several clients
    return waapi


class EchoServer:
    """The least a WAMP router can do: WELCOME, a canned RESULT per CALL, GOODBYE."""

    def __init__(self, reply: dict[str, Any]) -> None:
        self.reply = reply
        self.port = 0
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _handle(self, ws: ServerConnection) -> None:
        async for raw in ws:
            msg = json.loads(raw)
            if msg[0] == 1:
                await ws.send(json.dumps([2, 1, {"roles": {"broker": {}, "dealer": {}}}]))
            elif msg[0] == 48:
                await ws.send(json.dumps([50, msg[1], {}, [], self.reply]))
            elif msg[0] == 6:
                await ws.send(json.dumps([6, {}, "wamp.error.goodbye_and_out"]))

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with serve(
            self._handle,
            "127.0.0.1",
            0,
            subprotocols=["wamp.2.json"],  # type: ignore[list-item]
            max_size=None,
            ping_interval=None,
            compression=None,
        ) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> EchoServer:
        self._thread.start()
        self._ready.wait()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)


def round_trips(url: str) -> float:
    waapi = client(url)
    try:
        for _ in range(200):  # warm-up
            waapi.call("ak.wwise.core.getInfo")
        started = time.perf_counter()
        for _ in range(ROUND_TRIPS):
            waapi.call("ak.wwise.core.getInfo")
        return ROUND_TRIPS / (time.perf_counter() - started)
    finally:
        waapi.disconnect()


def wav(frames: int = 4800) -> bytes:
    return wav_bytes(frames)


def bench_round_trips() -> None:
    with Emulator(port=0) as sim:
        canned = client(sim.url)
        reply = canned.call("ak.wwise.core.getInfo")
        canned.disconnect()
        emulator_rate = round_trips(sim.url)
    with EchoServer(reply) as echo:
        echo_rate = round_trips(f"ws://127.0.0.1:{echo.port}/waapi")
    print(f"getInfo round trips/s, one waapi-client connection ({ROUND_TRIPS} calls):")
    print(f"  emulator      {emulator_rate:8.0f}/s  ({1000 / emulator_rate:.3f} ms per call)")
    print(f"  echo server   {echo_rate:8.0f}/s  ({1000 / echo_rate:.3f} ms per call)")
    print(f"  ratio emulator/echo = {emulator_rate / echo_rate:.2f}")


def bench_import(workdir: Path) -> None:
    source = workdir / "source"
    source.mkdir()
    data = wav()
    imports = []
    for i in range(IMPORT_FILES):
        path = source / f"sfx_{i:04d}.wav"
        path.write_bytes(data)
        imports.append(
            {
                "audioFile": str(path),
                "objectPath": f"\\Actor-Mixer Hierarchy\\Default Work Unit\\<Actor-Mixer>Bench\\"
                f"<Random Container>Group_{i // 10:03d}\\<Sound SFX>Sfx_{i:04d}",
            }
        )
    with Emulator(port=0, project_dir=workdir / "ImportBench") as sim:
        waapi = client(sim.url)
        try:
            started = time.perf_counter()
            result = waapi.call(
                "ak.wwise.core.audio.import", {"importOperation": "useExisting", "imports": imports}
            )
            elapsed = time.perf_counter() - started
        finally:
            waapi.disconnect()
    assert result is not None and len(result["files"]) == IMPORT_FILES and not result["log"]
    print(
        f"audio.import of {IMPORT_FILES} WAV files ({len(data)} bytes each) in one call: "
        f"{elapsed:.2f} s ({IMPORT_FILES / elapsed:.0f} files/s, {len(result['objects'])} objects)"
    )


def bench_big_project(workdir: Path) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    project = Project.new("Big", workdir / "Big")
    wu = project.find("\\Actor-Mixer Hierarchy\\Default Work Unit")
    assert wu is not None
    for group in range(BIG_PROJECT // 100):
        container = project.add(wu, "RandomSequenceContainer", f"Group_{group:04d}")
        project.bulk_add(container, "Sound", (f"Sound_{group:04d}_{i:02d}" for i in range(100)))
    built = time.perf_counter() - started
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    started = time.perf_counter()
    path = persistence.save(project)
    saved = time.perf_counter() - started
    started = time.perf_counter()
    loaded = persistence.load(path)
    load_time = time.perf_counter() - started
    assert len(loaded.objects_of_type("Sound")) == BIG_PROJECT
    print(
        f"{BIG_PROJECT} Sounds in 500 containers: build {built:.2f} s (under tracemalloc), "
        f"model memory {current / 2**20:.1f} MiB, "
        f"save {saved:.2f} s ({path.stat().st_size / 2**20:.1f} MiB JSON), load {load_time:.2f} s"
    )


def main() -> None:
    """Print every figure."""
    logs.configure("WARNING")
    bench_round_trips()
    with tempfile.TemporaryDirectory() as tmp:
        bench_import(Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        bench_big_project(Path(tmp))


if __name__ == "__main__":
    main()
