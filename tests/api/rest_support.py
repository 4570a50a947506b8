"""Helpers for the REST tests: the four-node workflow, settings in a temp dir, a served engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from wwiseflowd.api import ApiServer
from wwiseflowd.config import DEFAULT_BUS, DEFAULT_TARGET, Settings, settings_for_tests
from wwiseflowd.engine import Engine


@dataclass
class Api:
    """A running REST server over a running engine."""

    url: str
    engine: Engine
    settings: Settings
    audio: Path
    http: httpx.Client
    server: ApiServer | None = None


def four_node_workflow(wav: Path, name: str = "Footstep_01") -> dict[str, Any]:
    """The four-node workflow of docs/workflows.md:
    createSound -> audioImport -> setOutputBus -> projectSave."""
    return {
        "id": "import-one",
        "name": "Import one sound",
        "nodes": [
            {
                "id": "n1",
                "type": "createSound",
                "position": {"x": 0, "y": 0},
                "data": {"name": name, "parentPath": DEFAULT_TARGET},
            },
            {
                "id": "n2",
                "type": "audioImport",
                "data": {"objectId": "$from:n1:$output:objectId", "filePath": str(wav)},
            },
            {
                "id": "n3",
                "type": "setOutputBus",
                "data": {"objectId": "$from:n1:$output:objectId", "busPath": DEFAULT_BUS},
            },
            {"id": "n4", "type": "projectSave", "data": {}},
        ],
        "edges": [
            {"id": "e1", "source": "n1", "target": "n2"},
            {"id": "e2", "source": "n2", "target": "n3"},
            {"id": "e3", "source": "n3", "target": "n4"},
        ],
    }


def make_settings(tmp_path: Path, url: str, **server: Any) -> Settings:
    """Settings in ``tmp_path`` pointing at ``url``; file access limited to ``tmp_path/audio``."""
    audio = tmp_path / "audio"
    audio.mkdir(parents=True, exist_ok=True)
    return settings_for_tests(
        tmp_path,
        wwise={"url": url, "connect_timeout": 3, "call_timeout": 10},
        server={"host": "127.0.0.1", "port": 0, "allowed_roots": [str(audio)], **server},
        engine={"retries": 0},
    )


@contextmanager
def serving(settings: Settings, status: Any = None) -> Iterator[Api]:
    """Start engine + server for ``settings``; stop both afterwards."""
    engine = Engine(settings)
    engine.start()
    server = ApiServer(engine, settings, status=status)
    try:
        url = server.start()
        headers = {"Authorization": f"Bearer {settings.server.token}"} if settings.server.token else {}
        with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
            yield Api(url, engine, settings, settings.server.allowed_roots[0], http, server)
    finally:
        server.stop()
        engine.close()
