"""Connection failures give WAAPI_UNAVAILABLE quickly and leave no thread hanging at exit."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from tests.sim.waapi_calls import drop_beats_the_caller
from wwiseflowd.default_plugins.wwise.adapter import WaapiAdapter
from wwiseflowd.results import ErrorCode
from wwiseflowd.sim import Emulator


def _non_daemon_threads() -> list[threading.Thread]:
    # pytest-timeout's own timer thread (timeout_method=thread) is not ours to count
    return [
        t
        for t in threading.enumerate()
        if not t.daemon and t is not threading.main_thread() and not t.name.startswith("pytest_timeout")
    ]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server that accepts connections and never says a word (no WebSocket handshake)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            accepted.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_a_server_that_never_handshakes_gives_unavailable_within_the_timeout(silent_server: int) -> None:
    adapter = WaapiAdapter(f"ws://127.0.0.1:{silent_server}/waapi", connect_timeout=0.5)
    started = time.monotonic()
    result = adapter.get_object("\\Actor-Mixer Hierarchy")
    elapsed = time.monotonic() - started
    assert result.code == ErrorCode.WAAPI_UNAVAILABLE
    assert "handshake" in (result.error or "")
    assert elapsed < 3.0
    deadline = time.monotonic() + 5
    while _non_daemon_threads() and time.monotonic() < deadline:  # waapi-client's loop thread winds down
        time.sleep(0.05)
    assert _non_daemon_threads() == []


def test_a_websocket_server_that_never_welcomes_gives_unavailable_within_the_timeout() -> None:
    """The WebSocket handshake succeeds, HELLO is never answered: waapi-client alone would hang."""
    from websockets.sync.server import ServerConnection, serve

    def silent(conn: ServerConnection) -> None:
        for _message in conn:  # read HELLO and everything after, answer nothing
            pass

    with serve(silent, "127.0.0.1", 0, subprotocols=["wamp.2.json"]) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        port = server.socket.getsockname()[1]
        adapter = WaapiAdapter(f"ws://127.0.0.1:{port}/waapi", connect_timeout=0.5)
        started = time.monotonic()
        result = adapter.connect()
        assert result.code == ErrorCode.WAAPI_UNAVAILABLE
        assert time.monotonic() - started < 3.0
        server.shutdown()
        thread.join(5)


def test_nothing_listening_gives_unavailable_and_backs_off() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free port, closed again: nothing listens there
    adapter = WaapiAdapter(f"ws://127.0.0.1:{port}/waapi", connect_timeout=2, reconnect_max_delay=5)
    first = adapter.connect()
    assert first.code == ErrorCode.WAAPI_UNAVAILABLE and f":{port}" in (first.error or "")
    # inside the back-off window the next call fails at once, saying when the next attempt is
    started = time.monotonic()
    second = adapter.get_object("\\Events")
    assert second.code == ErrorCode.WAAPI_UNAVAILABLE and "next attempt in" in (second.error or "")
    assert time.monotonic() - started < 0.2
    assert adapter.health()["connected"] is False
    assert adapter.stats()["ak.wwise.core.object.get"]["errors"] == 1


def test_a_malformed_url_is_unavailable_not_a_crash() -> None:
    result = WaapiAdapter("not a url", connect_timeout=1).connect()
    assert result.code == ErrorCode.WAAPI_UNAVAILABLE


def test_the_retry_clause_is_said_once_however_many_calls_failed() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    adapter = WaapiAdapter(f"ws://127.0.0.1:{port}/waapi", connect_timeout=2, reconnect_max_delay=5)
    adapter.connect()
    for _ in range(7):
        last = adapter.get_object("\\Events")
    assert (last.error or "").count("next attempt in") == 1, last.error
    assert (last.error or "").count("not reachable") == 1
    assert "next attempt" not in (adapter.health()["lastError"] or "")


def test_a_refused_connection_prints_nothing_outside_the_log() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = (
        "from wwiseflowd.default_plugins.wwise.adapter import WaapiAdapter\n"
        f"print(WaapiAdapter('ws://127.0.0.1:{port}/waapi', connect_timeout=2).connect().code)\n"
    )
    # a process of its own: waapi-client writes to the stderr it saw at import, out of pytest's reach
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "WAAPI_UNAVAILABLE", done.stderr
    stray = [line for line in done.stderr.splitlines()
             if "ConnectionRefusedError" in line and "DEBUG" not in line]
    assert stray == []  # at most loguru's debug line (its default sink), never the bare repr


def test_a_call_cut_by_a_drop_that_beats_the_caller_is_unavailable_and_frees_its_thread(
    adapter: WaapiAdapter, waapi_sim: Emulator
) -> None:
    assert adapter.connect().ok
    session = adapter._session
    assert session is not None and session._client is not None
    drop_beats_the_caller(session._client)  # waapi-client alone would block this session's thread for ever
    waapi_sim.faults.drop_after = 0
    result = adapter.save()
    assert result.code == ErrorCode.WAAPI_UNAVAILABLE and waapi_sim.url in (result.error or "")
    session._thread.join(5)
    assert not session._thread.is_alive()  # the owner thread was released, not leaked
    assert adapter.save().ok


def test_a_collected_client_asks_its_loop_to_stop_without_waiting_for_it(waapi_sim: Emulator) -> None:
    """waapi-client's own finaliser waits for its loop thread, which deadlocks when the collector
    runs it inside a logging call the loop thread is waiting on; ours only asks the loop to stop."""
    from wwiseflowd.testing import connect_client

    client = connect_client(waapi_sim.url)
    release = threading.Event()
    client._loop.call_soon_threadsafe(release.wait, 10)  # the loop is stuck, as behind a held log lock
    finaliser = threading.Thread(target=client.__del__, daemon=True)
    finaliser.start()
    finaliser.join(2)
    waited = finaliser.is_alive()
    release.set()
    client._client_thread.join(5)
    assert not waited, "the finaliser waited for a busy loop thread"
    assert not client._client_thread.is_alive(), "the loop thread did not stop after the finaliser asked"
