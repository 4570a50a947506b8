"""``/drops``: the drop folders as the daemon sees them, for the editor's status page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from wwiseflowd.api.deps import StatusDep
from wwiseflowd.api.errors import error_responses

router = APIRouter(prefix="/drops", tags=["drops"])

#: what the page shows; the rest of the daemon's status is /health's
DROP_KEYS = ("rules", "files", "waitingBatches", "batches", "failures")


@router.get(
    "",
    operation_id="getDropFolders",
    summary="Drop-folder rules, files in flight, recent batches and failures",
    responses=error_responses(),
)
def get_drops(status: StatusDep) -> dict[str, Any]:
    """``running`` is false (and every list empty) when the API runs without a daemon."""
    if status is None:
        return {"running": False, **{key: [] for key in DROP_KEYS}}
    current = status()
    return {"running": True, **{key: current.get(key, []) for key in DROP_KEYS}}
