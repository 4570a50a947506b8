"""Fixtures for the gRPC door: the daemon against the emulator, with and without a token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from grpc_daemon import TOKEN, GrpcDaemon, running_daemon


@pytest.fixture
def daemon(tmp_path: Path, waapi_sim: Any) -> Iterator[GrpcDaemon]:
    """The daemon without a token."""
    yield from running_daemon(tmp_path, waapi_sim, None)


@pytest.fixture
def daemon_with_token(tmp_path: Path, waapi_sim: Any) -> Iterator[GrpcDaemon]:
    """The daemon with ``[server] token = TOKEN``; its ``metadata`` carries the token."""
    yield from running_daemon(tmp_path, waapi_sim, TOKEN)
