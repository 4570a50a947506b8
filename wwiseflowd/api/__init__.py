"""The REST front door: ``create_app`` (FastAPI app factory) and ``ApiServer`` (uvicorn thread)."""

from wwiseflowd.api.app import create_app
from wwiseflowd.api.server import ApiServer, ApiServerError

__all__ = ["ApiServer", "ApiServerError", "create_app"]
