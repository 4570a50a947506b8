"""A second backend shows in health, status and metrics through the abilities it declares, with no
change to core code (the way a REAPER plugin would plug in)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx

from wwiseflowd import hookimpl
from wwiseflowd.api import ApiServer
from wwiseflowd.config import settings_for_tests
from wwiseflowd.daemon.status import format_status
from wwiseflowd.engine import Engine
from wwiseflowd.plugins import load_plugins


class Daw:
    """A backend reporting health and call stats that connects lazily (and cannot, here)."""

    def __init__(self) -> None:
        self.tried = False

    def connect(self) -> Any:
        self.tried = True
        raise ConnectionRefusedError("nothing listens on 127.0.0.1:9")

    def health(self) -> dict[str, Any]:
        error = "refused" if self.tried else None
        return {"connected": False, "url": "osc://127.0.0.1:9", "lastError": error}

    def stats(self) -> dict[str, dict[str, Any]]:
        return {"/track/add": {"count": 3, "errors": 1, "total_ms": 12.0}}


class DawPlugin:
    @hookimpl
    def register_backends(self, register: Any) -> None:
        register("daw", lambda settings: Daw())


def test_a_plugin_backend_appears_in_health_status_and_metrics(tmp_path: Path) -> None:
    settings = settings_for_tests(tmp_path, wwise={"url": "ws://127.0.0.1:9/waapi", "connect_timeout": 0.5},
                                  server={"port": 0})
    plugins = load_plugins(settings, entry_points=False)  # the built-in wwise plugin, and ours
    plugins.register(DawPlugin(), name="daw")
    with Engine(settings, plugins) as engine:
        server = ApiServer(engine, settings)
        url = server.start()
        try:
            with httpx.Client(base_url=url, timeout=30) as http:
                health = http.get("/health").json()
                metrics = http.get("/metrics").text
        finally:
            server.stop()

    assert set(health["backends"]) == {"wwise", "daw"}
    assert health["backends"]["daw"]["lastError"] == "refused"  # probed once: it connects lazily
    assert health["status"] == "degraded"
    assert any("'daw'" in problem and "osc://127.0.0.1:9" in problem for problem in health["problems"])
    assert 'wwiseflowd_backend_calls_total{backend="daw",operation="/track/add"} 3.0' in metrics
    assert 'wwiseflowd_backend_call_errors_total{backend="daw",operation="/track/add"} 1.0' in metrics

    lines = format_status({"running": True, "pid": 1, "apiUrl": url, "backends": health["backends"],
                           "rules": [], "batches": [], "failures": []}).splitlines()
    assert any(line.startswith("daw:  NOT connected to osc://127.0.0.1:9 (refused)") for line in lines)


class Hanging:
    """A backend whose reconnection hangs until released (its connection lock held by a long call,
    or a server that accepts and never answers)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.attempts = 0

    def connect(self) -> Any:
        self.attempts += 1
        self.release.wait(30)
        raise ConnectionRefusedError("still down")

    def health(self) -> dict[str, Any]:
        return {"connected": False}


def _probe_threads() -> list[threading.Thread]:
    """The hanging backend's probe threads (the unreachable wwise backend has its own, which ends)."""
    return [t for t in threading.enumerate() if t.name == "wwiseflowd-probe hanging"]


def test_health_reports_while_a_reconnection_hangs_share_one_probe_thread(tmp_path: Path) -> None:
    hanging = Hanging()

    class HangingPlugin:
        @hookimpl
        def register_backends(self, register: Any) -> None:
            register("hanging", lambda settings: hanging)

    settings = settings_for_tests(tmp_path, wwise={"url": "ws://127.0.0.1:9/waapi", "connect_timeout": 0.5})
    plugins = load_plugins(settings, entry_points=False)
    plugins.register(HangingPlugin(), name="hanging")
    with Engine(settings, plugins) as engine:
        reports = [threading.Thread(target=engine.health, kwargs={"probe": True}) for _ in range(12)]
        for report in reports:  # 12 clients polling /health at once, then one more report
            report.start()
        for report in reports:
            report.join(10)
        engine.health(probe=True)
        # every report waited for the same attempt: one thread, not one per report
        assert hanging.attempts == 1 and len(_probe_threads()) == 1, _probe_threads()
        hanging.release.set()
        assert all(_wait_ended(t) for t in _probe_threads())
        engine.health(probe=True)  # unreachable still: the next report tries again
        assert hanging.attempts == 2


def _wait_ended(thread: threading.Thread) -> bool:
    thread.join(5)
    return not thread.is_alive()
