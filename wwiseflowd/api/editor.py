"""The web editor's pages: the built UI (``wwiseflowd/webui/``, made from ``ui/`` by ``make ui`` or the
build hook) served at ``/`` and at its client routes, its assets under ``/ui/``.

``/executions``, ``/executions/<id>`` and ``/drops`` are both REST resources and editor pages: a
browser navigating there (``Accept: text/html``) gets the page, every other client gets JSON.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from wwiseflowd.api.errors import result_response
from wwiseflowd.results import ErrorCode, Result

#: where the build puts the editor (package data, git-ignored)
WEBUI_DIR = Path(__file__).resolve().parent.parent / "webui"
ASSETS_PREFIX = "/ui"
#: client routes of the editor that a browser may open directly
PAGE_PATHS = re.compile(r"^/(executions(/[^/]+)?|drops)/?$")


def editor_built(directory: Path = WEBUI_DIR) -> bool:
    """True when the built editor is there (a source checkout needs ``make ui`` first)."""
    return (directory / "index.html").is_file()


def index_response(directory: Path = WEBUI_DIR) -> Response:
    """The editor's index.html, or a Result saying how to build it."""
    if not editor_built(directory):
        result = Result.failure(
            ErrorCode.NOT_FOUND,
            "The web editor is not built in this checkout: run `make ui` (needs Node.js), or install "
            "wwiseflowd from a wheel, which ships it.",
        )
        return result_response(result, 404)
    # the page is tiny and names hashed assets: never cache it, so an upgrade is seen at once
    return FileResponse(directory / "index.html", headers={"Cache-Control": "no-store"})


def assets_app(directory: Path = WEBUI_DIR) -> StaticFiles:
    """Serves the editor's hashed assets (``/ui/assets/...``)."""
    return StaticFiles(directory=directory, check_dir=False)


def wants_page(scope: Scope) -> bool:
    """A browser navigation (GET, Accept text/html) to one of the editor's client routes."""
    if scope["type"] != "http" or scope["method"] != "GET" or not PAGE_PATHS.match(scope["path"]):
        return False
    accept = dict(scope.get("headers") or []).get(b"accept", b"").decode("latin-1")
    return accept.startswith("text/html")


class EditorPages:
    """ASGI middleware answering browser navigations to client routes with the editor's page."""

    def __init__(self, app: ASGIApp, directory: Path = WEBUI_DIR) -> None:
        self.app = app
        self.directory = directory

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if wants_page(scope):
            await index_response(self.directory)(scope, receive, send)
            return
        await self.app(scope, receive, send)
