"""Fixtures for daemon tests: the emulator over a real socket, and a daemon with short timings."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from wwiseflowd.config import Settings, settings_for_tests
from wwiseflowd.daemon import Daemon, DaemonTiming
from wwiseflowd.engine import Engine
from wwiseflowd.sim import Emulator

TARGET = "\\Actor-Mixer Hierarchy\\Default Work Unit\\SFX"
FAST = DaemonTiming(housekeeping_s=0.3, retry_base_s=0.2, retry_max_s=0.5, stop_grace_s=10)


def wait_until(predicate: Callable[[], Any], timeout: float = 15.0, interval: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail the test on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s: {predicate}")


def import_calls(sim: Emulator) -> int:
    """How many ``ak.wwise.core.audio.import`` calls the emulator served."""
    return sum(1 for call in list(sim.calls) if call["uri"] == "ak.wwise.core.audio.import")


def sounds(sim: Emulator) -> list[tuple[str, str]]:
    """``(name, notes)`` of every Sound in the emulator's project."""
    with sim.lock:
        return [(o.name, o.notes or "") for o in sim.project.objects_of_type("Sound")]


def rule(folder: Path, **overrides: Any) -> dict[str, Any]:
    """A ``[[watch]]`` table with test-speed timings."""
    return {
        "folder": str(folder),
        "name": "sfx",
        "target": TARGET,
        "settle_ms": 300,
        "batch_window_ms": 300,
        **overrides,
    }


def daemon_settings(tmp_path: Path, url: str, rules: list[dict[str, Any]], **wwise: Any) -> Settings:
    """Settings in ``tmp_path`` pointing at ``url``, REST off."""
    return settings_for_tests(
        tmp_path,
        wwise={"url": url, "connect_timeout": 2.0, "reconnect_max_delay": 0.5, **wwise},
        server={"enabled": False},
        engine={"retries": 1, "retry_base_ms": 50, "retry_max_ms": 100},
        watch=rules,
    )


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Emulator]:
    """The WAAPI emulator on a free port, its project in ``tmp_path/project``."""
    emulator = Emulator(port=0, project_dir=tmp_path / "project" / "WwiseProject").start()
    try:
        yield emulator
    finally:
        emulator.stop()


class DaemonHarness:
    """Starts in-process daemons (each with its own engine) and stops them at the end of the test."""

    def __init__(self, tmp_path: Path, sim: Emulator) -> None:
        self.tmp_path = tmp_path
        self.sim = sim
        self.drop = tmp_path / "drop"
        self._running: list[tuple[Daemon, Engine]] = []

    def start(
        self,
        *,
        rules: list[dict[str, Any]] | None = None,
        timing: DaemonTiming = FAST,
        wwise: dict[str, Any] | None = None,
        **rule_overrides: Any,
    ) -> Daemon:
        """A started daemon watching ``self.drop`` (or ``rules``)."""
        settings = daemon_settings(
            self.tmp_path, self.sim.url, rules or [rule(self.drop, **rule_overrides)], **(wwise or {})
        )
        engine = Engine(settings).start()
        daemon = Daemon(settings, engine, timing=timing).start()
        self._running.append((daemon, engine))
        return daemon

    def stop_all(self) -> None:
        """Stop every daemon and engine started here."""
        for daemon, engine in reversed(self._running):
            daemon.stop()
            engine.close()
        self._running.clear()


@pytest.fixture
def harness(tmp_path: Path, sim: Emulator) -> Iterator[DaemonHarness]:
    """Start daemons against ``sim``; all stopped after the test."""
    h = DaemonHarness(tmp_path, sim)
    try:
        yield h
    finally:
        h.stop_all()
