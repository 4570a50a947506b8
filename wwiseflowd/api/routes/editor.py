"""``/``: the web editor's page (its assets are mounted under ``/ui`` by the app factory)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from wwiseflowd.api.editor import index_response

router = APIRouter(tags=["editor"])


@router.get("/", include_in_schema=False)
def editor_page() -> Response:
    """The editor (a single page; client routes are answered by the EditorPages middleware)."""
    return index_response()
