"""The REST front door: ``create_app`` (FastAPI app factory) and ``ApiServer`` (uvicorn thread).

``create_app`` is imported on first use: a daemon whose REST server has not answered a request yet
has not loaded FastAPI (see :mod:`wwiseflowd.api.server`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wwiseflowd.api.server import ApiServer, ApiServerError

if TYPE_CHECKING:
    from wwiseflowd.api.app import create_app

__all__ = ["ApiServer", "ApiServerError", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from wwiseflowd.api.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
