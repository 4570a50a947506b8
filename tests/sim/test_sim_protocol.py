"""Conformance: the WAMP wire protocol, misbehaving clients, many sessions, fault injection, call log."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from waapi import WaapiClient
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as ws_connect

from tests.sim.waapi_calls import WU, connect, disconnected, drop_beats_the_caller, error_of, get
from wwiseflowd.sim import Emulator

pytestmark = pytest.mark.integration

HELLO = [1, "realm1", {"roles": {"caller": {}, "subscriber": {}}}]


def raw(sim: Emulator) -> ClientConnection:
    return ws_connect(sim.url, subprotocols=["wamp.2.json"], open_timeout=5)  # type: ignore[list-item]


def exchange(conn: ClientConnection, message: list[Any]) -> list[Any]:
    conn.send(json.dumps(message))
    reply: list[Any] = json.loads(conn.recv(timeout=5))
    return reply


def test_handshake_selects_wamp_json_and_welcomes_with_sequential_sessions(sim: Emulator) -> None:
    with raw(sim) as first, raw(sim) as second:
        assert first.subprotocol == "wamp.2.json"
        one = exchange(first, HELLO)
        two = exchange(second, HELLO)
        assert one == [2, 1, {"roles": {"broker": {}, "dealer": {}}}]
        assert two[:2] == [2, 2]


def test_results_are_keyword_arguments_and_errors_have_the_wwise_shape(sim: Emulator) -> None:
    with raw(sim) as conn:
        exchange(conn, HELLO)
        result = exchange(conn, [48, 7, {}, "ak.wwise.core.ping", []])
        assert result == [50, 7, {}, [], {"isAvailable": True}]
        empty = exchange(conn, [48, 8, {}, "ak.wwise.core.undo.beginGroup", [], {}])
        assert empty == [50, 8, {}]  # an empty result carries no arguments at all
        error = exchange(conn, [48, 9, {}, "ak.wwise.nope", [], {}])
        assert error == [
            8,
            48,
            9,
            {},
            "ak.wwise.invalid_procedure_uri",
            [],
            {"message": "The procedure URI is unknown.", "details": {"procedureUri": "ak.wwise.nope"}},
        ]


def test_goodbye_is_answered_with_goodbye_and_out(sim: Emulator) -> None:
    with raw(sim) as conn:
        exchange(conn, HELLO)
        assert exchange(conn, [6, {}, "wamp.close.normal"]) == [6, {}, "wamp.error.goodbye_and_out"]


def test_unsubscribe_of_an_unknown_subscription(sim: Emulator) -> None:
    with raw(sim) as conn:
        exchange(conn, HELLO)
        reply = exchange(conn, [34, 3, 999])
        assert reply[:5] == [8, 34, 3, {}, "wamp.error.no_such_subscription"]


def test_garbage_frames_do_not_take_the_server_down(sim: Emulator) -> None:
    with raw(sim) as conn:
        conn.send("this is not json")
        conn.send(b"\x00\x01binary")
        conn.send(json.dumps({"not": "a list"}))
        conn.send(json.dumps([48, 1, {}, "ak.wwise.core.ping"]))  # CALL before HELLO: ignored
        exchange(conn, HELLO)
        conn.send(json.dumps([99, "unknown message type"]))
        conn.send(json.dumps([48, "bad id", {}, 5]))
        assert exchange(conn, [48, 2, {}, "ak.wwise.core.ping", []])[0] == 50
    with raw(sim) as abrupt:
        abrupt.send(json.dumps(HELLO))
        abrupt.close_socket()  # vanish without GOODBYE or close frame
    client = connect(sim.url)
    try:
        assert client.call("ak.wwise.core.ping") == {"isAvailable": True}
    finally:
        client.disconnect()


def test_concurrent_clients_each_get_their_own_session_and_consistent_results(sim: Emulator) -> None:
    clients = [connect(sim.url) for _ in range(4)]
    errors: list[BaseException] = []

    def work(index: int, client: WaapiClient) -> None:
        try:
            for n in range(25):
                client.call(
                    "ak.wwise.core.object.create",
                    {"parent": WU, "type": "Sound", "name": f"C{index}_{n:02d}"},
                )
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(clients)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not errors
        assert len(get(clients[0], {"ofType": ["Sound"]})) == 100
        assert sim.session_count == 4
        assert {c["session"] for c in sim.calls} == {1, 2, 3, 4}
    finally:
        for client in clients:
            client.disconnect()


def test_locked_fault_answers_every_call_with_ak_wwise_locked(waapi: WaapiClient, sim: Emulator) -> None:
    sim.faults.locked = True
    err = error_of(waapi, "ak.wwise.core.getInfo")
    assert err.uri == "ak.wwise.locked"
    assert waapi.call("ak.wwise.core.ping") == {"isAvailable": False}
    sim.faults.locked = False
    assert waapi.call("ak.wwise.core.ping") == {"isAvailable": True}


def test_fail_uri_fault(waapi: WaapiClient, sim: Emulator) -> None:
    sim.faults.fail("ak.wwise.core.object.create", "ak.wwise.unexpected_error")
    err = error_of(waapi, "ak.wwise.core.object.create", {"parent": WU, "type": "Sound", "name": "x"})
    assert err.uri == "ak.wwise.unexpected_error"
    assert waapi.call("ak.wwise.core.ping") == {"isAvailable": True}
    sim.faults.clear()
    assert (
        waapi.call("ak.wwise.core.object.create", {"parent": WU, "type": "Sound", "name": "x"})["name"] == "x"
    )


def test_drop_after_fault_drops_the_connection_once(sim: Emulator) -> None:
    client = connect(sim.url)
    try:
        sim.faults.drop_after = 2
        assert client.call("ak.wwise.core.ping") and client.call("ak.wwise.core.ping")
        assert client.call("ak.wwise.core.ping") is None  # the connection is gone
        assert disconnected(client)
    finally:
        client.disconnect()
    again = connect(sim.url)  # the fault cleared itself: reconnecting works
    try:
        assert again.call("ak.wwise.core.ping") == {"isAvailable": True}
    finally:
        again.disconnect()


def test_a_call_cut_by_a_drop_returns_even_when_the_drop_beats_the_caller(sim: Emulator) -> None:
    client = connect(sim.url)
    drop_beats_the_caller(client)  # waapi-client alone would wait for ever in this order
    sim.faults.drop_after = 0
    answers: list[Any] = []
    caller = threading.Thread(target=lambda: answers.append(client.call("ak.wwise.core.ping")), daemon=True)
    caller.start()
    caller.join(10)
    try:
        assert not caller.is_alive() and answers == [None]
        assert disconnected(client)
    finally:
        client.disconnect()


def test_drop_connections_and_restart_on_the_same_port(sim: Emulator) -> None:
    client = connect(sim.url)
    sim.drop_connections()
    deadline = time.monotonic() + 5
    while client.is_connected() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not client.is_connected()
    client.disconnect()
    port = sim.port
    sim.stop()
    sim.start()
    assert sim.port == port
    again = connect(sim.url)
    try:
        assert again.call("ak.wwise.core.ping") == {"isAvailable": True}
    finally:
        again.disconnect()


def test_latency_and_the_call_log_file(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    with Emulator(port=0, latency_ms=50, call_log=log) as sim:
        client = connect(sim.url)
        try:
            started = time.perf_counter()
            client.call("ak.wwise.core.getInfo")
            assert time.perf_counter() - started >= 0.05
            error_of(client, "ak.wwise.core.nope")
        finally:
            client.disconnect()
        entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["uri"] for e in entries] == ["ak.wwise.core.getInfo", "ak.wwise.core.nope"]
    assert entries[1]["error"] == "ak.wwise.invalid_procedure_uri" and entries[0]["error"] is None
    assert set(entries[0]) == {"time", "session", "uri", "argBytes", "durationMs", "error"}
    assert entries[0]["session"] == 1 and entries[0]["argBytes"] > 0


def test_starting_on_a_busy_port_raises(sim: Emulator) -> None:
    with pytest.raises(OSError):
        Emulator(port=sim.port).start()
