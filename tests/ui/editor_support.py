"""A daemon for the editor's browser tests: the emulator over a real socket, an engine, a drop-folder
daemon and the REST server that serves the built editor. ``python tests/ui/editor_support.py`` runs
one until Ctrl+C, for trying the editor by hand."""

from __future__ import annotations

import shutil
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wwiseflowd.api import ApiServer
from wwiseflowd.config import Settings, settings_for_tests
from wwiseflowd.daemon import Daemon, DaemonTiming
from wwiseflowd.engine import Engine
from wwiseflowd.sim import Emulator

TARGET = "\\Actor-Mixer Hierarchy\\Default Work Unit"
FAST = DaemonTiming(housekeeping_s=0.3, retry_base_s=0.2, retry_max_s=0.5, stop_grace_s=10)
#: an upper bound for anything the browser tests wait on
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class EditorDaemon:
    """What a browser test needs to know about the running daemon."""

    url: str
    settings: Settings
    audio: Path
    drop: Path
    workflows: Path
    sim: Emulator
    engine: Engine
    server: ApiServer

    def editor_url(self) -> str:
        """What ``wwiseflowd run`` prints: the editor URL, with a one-time login token when one is set."""
        return self.server.editor_url()


def editor_settings(tmp: Path, wwise_url: str, **server: Any) -> Settings:
    """Settings rooted in ``tmp``: REST on a free port, one drop folder, audio allowed from ``tmp/audio``."""
    audio, drop = tmp / "audio", tmp / "drop"
    for folder in (audio, drop, tmp / "workflows"):
        folder.mkdir(parents=True, exist_ok=True)
    return settings_for_tests(
        tmp,
        wwise={"url": wwise_url, "connect_timeout": 3, "call_timeout": 10},
        server={"host": "127.0.0.1", "port": 0, "allowed_roots": [str(audio), str(drop)], **server},
        engine={"retries": 0},
        watch=[
            {"folder": str(drop), "name": "sfx", "target": TARGET, "settle_ms": 300, "batch_window_ms": 300}
        ],
    )


@contextmanager
def editor_daemon(tmp: Path, **server: Any) -> Iterator[EditorDaemon]:
    """Emulator, engine, daemon and REST server in ``tmp``; all stopped afterwards."""
    sim = Emulator(port=0, project_dir=tmp / "project" / "WwiseProject").start()
    settings = editor_settings(tmp, sim.url, **server)
    engine = Engine(settings).start()
    daemon = Daemon(settings, engine, timing=FAST).start()
    api = ApiServer(engine, settings, status=daemon.status)
    try:
        url = api.start()
        yield EditorDaemon(url, settings, tmp / "audio", tmp / "drop", tmp / "workflows", sim, engine, api)
    finally:
        api.stop()
        daemon.stop()
        engine.close()
        sim.stop()


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp, editor_daemon(Path(tmp)) as running:
        sys.stderr.write(f"editor at {running.url}/ (audio: {running.audio}, drop: {running.drop})\n")
        threading.Event().wait()
