"""Real ``wwiseflowd run`` processes for the fleet tests: each with its own emulator and state dir,
all sharing one real redis-server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from wwiseflowd.sim import Emulator
from wwiseflowd.testing import RedisServer

WORKFLOW = {
    "id": "fleet-sound",
    "inputs": {"name": {"type": "string"}},
    "nodes": [
        {"id": "create", "type": "createSound",
         "data": {"name": "$input:name", "parentPath": "\\Actor-Mixer Hierarchy\\Default Work Unit"}},
        {"id": "save", "type": "projectSave", "data": {}},
    ],
    "edges": [{"id": "create-save", "source": "create", "target": "save"}],
}


def wait_until(predicate: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"condition not met within {timeout} s")


class Daemon:
    """One ``wwiseflowd run`` process with its own emulator and state dir."""

    def __init__(self, root: Path, redis: RedisServer, prefix: str, name: str, latency_ms: float,
                 extra: tuple[str, ...] = ()) -> None:
        self.root = root / name
        self.name = name
        self.prefix = prefix
        self.root.mkdir(parents=True)
        self.sim = Emulator(port=0, project_dir=self.root / "WwiseProject", latency_ms=latency_ms).start()
        self.config = self.root / "wwiseflowd.toml"
        self.config.write_text("\n".join([
            "[paths]", f'state_dir = "{self.root / "state"}"', f'logs_dir = "{self.root / "logs"}"',
            f'workflows_dir = "{self.root / "workflows"}"', f'plugins_dir = "{self.root / "plugins"}"',
            "[server]", "port = 0",
            "[wwise]", f'url = "{self.sim.url}"',
            "[store]", 'backend = "redis"', f'url = "{redis.url}"', f'key_prefix = "{prefix}"',
            "[fleet]", 'serves = ["GameA"]', f'daemon_id = "{name}"', "lease_s = 1.0", *extra,
        ]) + "\n")
        self.proc: subprocess.Popen[str] | None = None

    def start(self, wait: bool = True) -> Daemon:
        """Start (again, after a kill: same emulator, state dir and daemon id); wait until it is ready."""
        self.log = (self.root / "daemon.log").open("a")
        command = [sys.executable, "-m", "wwiseflowd", "--config", str(self.config), "run"]
        self.proc = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, text=True)
        if wait:
            wait_until(self.ready, timeout=90)
        return self

    def ready(self) -> bool:
        """Its runtime file names this process (a killed one leaves its own behind)."""
        runtime = self.runtime()
        return runtime is not None and self.proc is not None and runtime.get("pid") == self.proc.pid

    def runtime(self) -> dict[str, Any] | None:
        try:
            return dict(json.loads((self.root / "state" / "runtime.json").read_text()))
        except (OSError, ValueError):
            return None

    @property
    def api(self) -> str:
        runtime = self.runtime()
        assert runtime is not None
        return str(runtime["apiUrl"])

    def sounds(self) -> list[str]:
        with self.sim.lock:
            return [o.name for o in self.sim.project.objects_of_type("Sound")]

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)
        self.log.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc is not None:
            self.log.close()
        self.sim.close()


def submit(api: str, name: str) -> str:
    body = {"workflow": WORKFLOW, "inputs": {"name": name}, "project": "GameA"}
    answer = httpx.post(f"{api}/workflows/execute", params={"async": "true"}, json=body, timeout=30)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["executionId"])


def statuses(api: str, ids: list[str]) -> dict[str, str]:
    items = httpx.get(f"{api}/executions", params={"limit": 500}, timeout=30).json()["items"]
    return {i["executionId"]: i["status"] for i in items if i["executionId"] in ids}


