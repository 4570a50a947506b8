"""Callers asking for the daemon's status at the same moment share one computation (twenty clients
polling /health must not each hold the journal's lock in turn)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from wwiseflowd.daemon.health import SharedStatus


def test_callers_that_ask_while_the_status_is_computed_share_it_and_a_later_one_gets_a_fresh_one() -> None:
    release, computed = threading.Event(), []

    def compute() -> dict[str, Any]:
        computed.append(True)
        release.wait(5)
        return {"n": len(computed)}

    status = SharedStatus(compute)
    answers: list[dict[str, Any]] = []
    callers = [threading.Thread(target=lambda: answers.append(status())) for _ in range(8)]
    for caller in callers:
        caller.start()
    while not computed:
        threading.Event().wait(0.01)
    threading.Event().wait(0.2)  # the others are waiting for the first one's answer by now
    release.set()
    for caller in callers:
        caller.join(5)
    assert len(computed) == 1 and answers == [{"n": 1}] * 8
    assert len({id(answer) for answer in answers}) == 8  # copies: one caller's edit is not another's
    assert status() == {"n": 2}  # asked alone, afterwards: computed again


def test_a_status_that_fails_fails_for_the_callers_sharing_it_and_the_next_call_tries_again() -> None:
    calls = []

    def compute() -> dict[str, Any]:
        calls.append(True)
        if len(calls) == 1:
            raise OSError("journal unreadable")
        return {"ok": True}

    status = SharedStatus(compute)
    with pytest.raises(OSError):
        status()
    assert status() == {"ok": True}
