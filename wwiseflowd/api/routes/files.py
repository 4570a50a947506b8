"""``/files``: folders and audio files under ``[server] allowed_roots``, for the editor's pickers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from wwiseflowd.api.deps import OpsDep
from wwiseflowd.api.errors import error_responses, succeeded

router = APIRouter(prefix="/files", tags=["files"])


@router.get(
    "",
    operation_id="browseFiles",
    summary="List a folder inside the allowed roots (or the roots)",
    responses=error_responses(403, 422),
)
def browse_files(
    ops: OpsDep,
    path: Annotated[str | None, Query(max_length=4096, description="A folder; omit for the roots.")] = None,
) -> dict[str, Any]:
    """``{path, parent, entries: [{name, path, dir}], truncated}``; 403 outside the allowed roots."""
    data: dict[str, Any] = succeeded(ops.browse_files(path)).data
    return data
