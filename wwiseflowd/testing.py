"""pytest plugin shipped to plugin authors (``pytest11`` entry point): fixtures for wwiseflowd.

``waapi_sim`` yields a running :class:`wwiseflowd.sim.Emulator` on a free port with a fresh
project in the test's ``tmp_path``; ``waapi_client`` a real waapi-client connected to it;
``redis_server`` one real ``redis-server`` per test session (:class:`RedisServer`);
``wav_file(name, frames=..., seed=...)`` writes a real 16-bit PCM WAV under ``tmp_path`` (the
one WAV writer, :func:`wwiseflowd.wav.write_wav`, also importable from here)::

    def test_my_node(waapi_sim, waapi_client):
        waapi_client.call("ak.wwise.core.object.create", {...})
        assert waapi_sim.calls[-1]["uri"] == "ak.wwise.core.object.create"
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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
    from waapi import PerCallbackThreadExecutor

    from wwiseflowd.default_plugins.wwise.connection import OwnedWaapiClient, release_callers_on_loop_end

    asyncio.set_event_loop(asyncio.new_event_loop())
    client = OwnedWaapiClient(url, allow_exception=True, callback_executor=PerCallbackThreadExecutor)
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


@dataclass
class RedisServer:
    """A real ``redis-server`` process on a free loopback port, with a password, in a temp dir.

    Each test uses its own key prefix (:meth:`prefix`) instead of flushing, so tests sharing the
    one server per session cannot see each other's keys.
    """

    port: int = 0
    password: str = field(default_factory=lambda: uuid.uuid4().hex)
    process: subprocess.Popen[bytes] | None = None
    workdir: str = ""
    #: keep an append-only file, so :meth:`restart` finds the data again (a production-like Redis)
    appendonly: bool = False
    #: extra ``redis-server`` arguments (TLS ports and certificates, ...)
    extra_args: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        """``redis://:password@127.0.0.1:port/0``."""
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    @staticmethod
    def prefix() -> str:
        """A fresh key prefix for one test."""
        return f"wft-{uuid.uuid4().hex[:12]}"

    def start(self, timeout: float = 10.0) -> RedisServer:
        """Start the server (no persistence) and wait until it answers PING."""
        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server")
        if not self.port:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
        self.workdir = self.workdir or tempfile.mkdtemp(prefix="wwiseflowd-redis-")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--requirepass", self.password,
             "--save", "", "--appendonly", "yes" if self.appendonly else "no", "--dir", self.workdir,
             "--daemonize", "no", *self.extra_args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            try:
                if self._answers_ping():
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"redis-server did not answer on port {self.port} within {timeout} s")

    def _answers_ping(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
            conn.sendall(f"AUTH {self.password}\r\nPING\r\n".encode())
            answer = b""
            while b"PONG" not in answer and b"-" not in answer:
                chunk = conn.recv(64)
                if not chunk:
                    break
                answer += chunk
            return b"PONG" in answer

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and remove its directory."""
        self._terminate()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def restart(self, down_s: float = 0.0) -> RedisServer:
        """Stop the server (SIGTERM: it writes its append-only file), stay down ``down_s``, start it
        again on the same port and directory."""
        self._terminate()
        time.sleep(down_s)
        return self.start()

    def _terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real redis-server for the test session (Debian's package; ``make test`` installs it).

    Skips with the reason when the binary is missing, except under ``CI=true``, where a missing
    server is a failure: CI must not pass by skipping every Redis test.
    """
    if shutil.which("redis-server") is None:
        reason = ("redis-server is not installed (Debian: apt-get install redis-server; `make test` "
                  "does it as root)")
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.stop()
